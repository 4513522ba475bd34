// Package transcript holds recognition results (words with times and confidences, grouped into segments)
// and writes them as plain text, JSON, SubRip (SRT), WebVTT, and Sphinx "hyp" lines.
//
// Times are seconds from the start of the audio (float64). Confidences are posterior probabilities in
// [0, 1]. A Transcript holds only the output text and its timing: its size is proportional to the
// number of words recognised, the one thing allowed to grow with the length of the audio.
package transcript

import (
	"strings"
)

// Word is one recognised word.
type Word struct {
	Word       string  `json:"word"`
	Start      float64 `json:"start"` // seconds
	End        float64 `json:"end"`   // seconds
	Confidence float64 `json:"conf"`  // posterior probability in [0, 1]
}

// Segment is a stretch of speech between pauses, as cut by the segmenter (at most ~30 s).
type Segment struct {
	ID    int     `json:"id"`
	Start float64 `json:"start"` // seconds
	End   float64 `json:"end"`   // seconds
	Text  string  `json:"text"`
	Words []Word  `json:"words"`
}

// Transcript is the result for one recording.
type Transcript struct {
	ID       string    `json:"id,omitempty"` // e.g. the file's base name without extension
	Duration float64   `json:"duration"`     // seconds of audio
	Text     string    `json:"text"`
	Segments []Segment `json:"segments"`
}

// SegmentText joins the words of a segment with single spaces, leaving out fillers (see IsFiller).
func SegmentText(words []Word) string {
	var b strings.Builder
	for _, w := range words {
		if IsFiller(w.Word) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.Word)
	}
	return b.String()
}

// IsFiller reports whether a recogniser token is a filler rather than a word: sentence markers (<s>,
// </s>, <sil>) and noise tokens ([NOISE], ++GARBAGE++, +SPN+).
func IsFiller(w string) bool {
	if w == "" {
		return true
	}
	switch {
	case strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">"),
		strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]"),
		strings.HasPrefix(w, "+") && strings.HasSuffix(w, "+"):
		return true
	}
	return false
}

// Finish fills Text of every segment and of the transcript from the words, and numbers the segments.
func (t *Transcript) Finish() {
	var parts []string
	for i := range t.Segments {
		s := &t.Segments[i]
		s.ID = i
		s.Text = SegmentText(s.Words)
		if s.Text != "" {
			parts = append(parts, s.Text)
		}
	}
	t.Text = strings.Join(parts, " ")
}

// Words returns all words of all segments, in order, fillers left out.
func (t *Transcript) Words() []Word {
	var ws []Word
	for _, s := range t.Segments {
		for _, w := range s.Words {
			if !IsFiller(w.Word) {
				ws = append(ws, w)
			}
		}
	}
	return ws
}
