package transcript

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Format names an output format.
type Format string

// The output formats.
const (
	Text Format = "text" // the words, one line per transcript
	JSON Format = "json" // the Transcript as JSON, with segments and words
	SRT  Format = "srt"  // SubRip subtitles, one cue per segment
	VTT  Format = "vtt"  // WebVTT subtitles, one cue per segment
	Hyp  Format = "hyp"  // Sphinx hypothesis line: "words (id)"
)

// Formats lists every format, for help texts.
var Formats = []Format{Text, JSON, SRT, VTT, Hyp}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("transcript: unknown format %q (want one of text, json, srt, vtt, hyp)", s)
}

// Write writes t to w in format f.
func Write(w io.Writer, t *Transcript, f Format) error {
	switch f {
	case Text:
		_, err := fmt.Fprintln(w, t.Text)
		return err
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	case SRT:
		return writeCues(w, t, false)
	case VTT:
		return writeCues(w, t, true)
	case Hyp:
		_, err := fmt.Fprintf(w, "%s (%s)\n", strings.ToLower(t.Text), t.ID)
		return err
	}
	return fmt.Errorf("transcript: unknown format %q", f)
}

func writeCues(w io.Writer, t *Transcript, vtt bool) error {
	var b strings.Builder
	if vtt {
		b.WriteString("WEBVTT\n\n")
	}
	n := 0
	for _, s := range t.Segments {
		if s.Text == "" {
			continue
		}
		n++
		if vtt {
			fmt.Fprintf(&b, "%s --> %s\n%s\n\n", Timestamp(s.Start, '.'), Timestamp(s.End, '.'), s.Text)
		} else {
			fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", n, Timestamp(s.Start, ','), Timestamp(s.End, ','), s.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Timestamp formats seconds as HH:MM:SS followed by sep and milliseconds (SRT uses ',', WebVTT '.').
func Timestamp(sec float64, sep byte) string {
	if sec < 0 || math.IsNaN(sec) {
		sec = 0
	}
	ms := int64(math.Round(sec * 1000))
	h := ms / 3600000
	m := ms / 60000 % 60
	s := ms / 1000 % 60
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", h, m, s, sep, ms%1000)
}
