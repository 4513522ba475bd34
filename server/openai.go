package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"time"

	"hark/audio"
	"hark/recognizer"
	"hark/transcript"
)

// OpenAI's response formats for /v1/audio/transcriptions.
var responseFormats = map[string]bool{"json": true, "text": true, "srt": true, "vtt": true, "verbose_json": true}

// transcriptionRequest is the validated form of a POST /v1/audio/transcriptions.
type transcriptionRequest struct {
	format      string
	words       bool // timestamp_granularities[] includes word
	segments    bool // ... includes segment (the default)
	language    string
	model       string
	prompt      string
	temperature string
}

// parseTranscriptionFields validates the non-file fields of an OpenAI transcription request.
func parseTranscriptionFields(fields map[string][]string) (*transcriptionRequest, error) {
	first := func(k string) string {
		if v := fields[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	q := &transcriptionRequest{format: first("response_format"), language: strings.ToLower(first("language")),
		model: first("model"), prompt: first("prompt"), temperature: first("temperature")}
	if q.format == "" {
		q.format = "json"
	}
	if !responseFormats[q.format] {
		return nil, badRequest("invalid_response_format", "response_format %q: want json, text, srt, vtt or verbose_json", q.format)
	}
	switch q.language {
	case "", "en", "eng", "english", "en-us":
	default:
		return nil, badRequest("unsupported_language", "language %q: this model transcribes English (en)", q.language)
	}
	grans := append(append([]string(nil), fields["timestamp_granularities[]"]...), fields["timestamp_granularities"]...)
	for _, g := range grans {
		switch strings.TrimSpace(g) {
		case "word":
			q.words = true
		case "segment":
			q.segments = true
		default:
			return nil, badRequest("invalid_timestamp_granularity", "timestamp_granularities[] %q: want word or segment", g)
		}
	}
	if len(grans) == 0 {
		q.segments = true
	}
	if (q.words || len(grans) > 0 && !q.segments) && q.format != "verbose_json" {
		if q.words {
			return nil, badRequest("invalid_timestamp_granularity", "timestamp_granularities[] needs response_format verbose_json")
		}
	}
	return q, nil
}

// audioError maps a decoding error of an upload to a 4xx answer naming the problem.
func audioError(err error) error {
	switch {
	case errors.Is(err, audio.ErrUnknownFormat), errors.Is(err, audio.ErrUnsupported):
		return &requestError{http.StatusUnsupportedMediaType, "unsupported_format",
			fmt.Errorf("unsupported audio format (want WAV, FLAC, MP3 or raw 16-bit PCM): %w", err)}
	case errors.Is(err, audio.ErrTruncated):
		return badRequest("truncated_audio", "the audio is truncated: %v", err)
	case errors.Is(err, audio.ErrFormat):
		return badRequest("invalid_audio", "the audio is malformed: %v", err)
	}
	return badRequest("invalid_audio", "cannot read the audio: %v", err)
}

// limitedSource reads a stream and fails once it passes max samples.
type limitedSource struct {
	st     *audio.Stream
	n, max int64
	maxDur time.Duration
}

func (l *limitedSource) Read(dst []float32) (int, error) {
	n, err := l.st.Read(dst)
	l.n += int64(n)
	if l.n > l.max {
		return n, &requestError{http.StatusRequestEntityTooLarge, "audio_too_long",
			fmt.Errorf("the audio is longer than the limit of %v", l.maxDur)}
	}
	if err != nil && err != io.EOF {
		return n, audioError(err)
	}
	return n, err
}

// decodeFile transcribes a stored upload with a live session.
func (s *Server) decodeFile(ctx context.Context, r *http.Request, path, name string) (*transcript.Transcript, error) {
	m := s.model.Load()
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	rate := int(m.Feat.SampleRate)
	st, err := audio.Open(fh, name, audio.Options{SampleRateHz: rate})
	if err != nil {
		return nil, audioError(err)
	}
	defer st.Close()
	if d, ok := st.Format().Duration(); ok && d > s.cfg.MaxDuration {
		return nil, &requestError{http.StatusRequestEntityTooLarge, "audio_too_long",
			fmt.Errorf("the audio lasts %v, over the limit of %v", d.Round(time.Second), s.cfg.MaxDuration)}
	}
	release, ok := s.acquireKey(r)
	if !ok {
		return nil, &requestError{http.StatusTooManyRequests, "too_many_sessions",
			fmt.Errorf("more than %d concurrent sessions for this API key", s.cfg.MaxSessionsKey)}
	}
	defer release()
	wctx, cancel := context.WithTimeout(ctx, s.cfg.SessionWait)
	sess, put, err := s.live.Load().GetNow(wctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isOverBudget(err) {
			return nil, &requestError{http.StatusServiceUnavailable, "memory_budget",
				fmt.Errorf("the server's memory budget is fully reserved; retry later: %w", err)}
		}
		return nil, &requestError{http.StatusServiceUnavailable, "busy", errors.New("all sessions are busy; retry later")}
	}
	defer put()
	s.met.active.WithLabelValues("sync").Inc()
	defer s.met.active.WithLabelValues("sync").Dec()
	src := &limitedSource{st: st, max: int64(s.cfg.MaxDuration.Seconds() * float64(rate)), maxDur: s.cfg.MaxDuration}
	t0 := time.Now()
	t, err := sess.Transcribe(ctx, src, nil)
	if err != nil {
		return nil, err
	}
	s.met.observeRTF("sync", t.Duration, time.Since(t0).Seconds())
	return t, nil
}

// transcriptions serves POST /v1/audio/transcriptions (OpenAI-compatible, synchronous).
func (s *Server) transcriptions(w http.ResponseWriter, r *http.Request) {
	f, err := s.parseUpload(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	defer f.remove()
	q, err := parseTranscriptionFields(f.fields)
	if err != nil {
		writeError(w, err)
		return
	}
	t, err := s.decodeFile(r.Context(), r, f.file, f.filename)
	if err != nil {
		writeError(w, err)
		return
	}
	writeTranscription(w, t, q.format, q.words, q.segments)
}

// writeTranscription writes t in an OpenAI response format (json, text, srt, vtt, verbose_json) or one of
// hark's (hyp; json here is OpenAI's {"text"} shape, hark's full JSON is "hark_json").
func writeTranscription(w http.ResponseWriter, t *transcript.Transcript, format string, words, segments bool) {
	switch format {
	case "json":
		writeJSON(w, http.StatusOK, map[string]string{"text": t.Text})
	case "verbose_json":
		writeJSON(w, http.StatusOK, verbose(t, words, segments))
	case "hark_json":
		w.Header().Set("Content-Type", "application/json")
		transcript.Write(w, t, transcript.JSON)
	case "text", "hyp":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		transcript.Write(w, t, transcript.Format(format))
	case "srt":
		w.Header().Set("Content-Type", "application/x-subrip; charset=utf-8")
		transcript.Write(w, t, transcript.SRT)
	case "vtt":
		w.Header().Set("Content-Type", "text/vtt; charset=utf-8")
		transcript.Write(w, t, transcript.VTT)
	default:
		httpError(w, http.StatusBadRequest, "invalid_format", fmt.Sprintf("format %q: want json, text, srt, vtt, verbose_json, hark_json or hyp", format))
	}
}

// verboseJSON is OpenAI's verbose_json transcription shape.
type verboseJSON struct {
	Task     string           `json:"task"`
	Language string           `json:"language"`
	Duration float64          `json:"duration"`
	Text     string           `json:"text"`
	Segments []verboseSegment `json:"segments,omitempty"`
	Words    []verboseWord    `json:"words,omitempty"`
}

type verboseSegment struct {
	ID               int     `json:"id"`
	Seek             int     `json:"seek"`
	Start            float64 `json:"start"`
	End              float64 `json:"end"`
	Text             string  `json:"text"`
	Tokens           []int   `json:"tokens"`
	Temperature      float64 `json:"temperature"`
	AvgLogprob       float64 `json:"avg_logprob"`
	CompressionRatio float64 `json:"compression_ratio"`
	NoSpeechProb     float64 `json:"no_speech_prob"`
}

type verboseWord struct {
	Word  string  `json:"word"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

func verbose(t *transcript.Transcript, words, segments bool) verboseJSON {
	v := verboseJSON{Task: "transcribe", Language: "english", Duration: t.Duration, Text: t.Text}
	if segments {
		v.Segments = []verboseSegment{}
		for _, sg := range t.Segments {
			if sg.Text == "" {
				continue
			}
			v.Segments = append(v.Segments, verboseSegment{ID: len(v.Segments), Seek: int(sg.Start * 100), Start: sg.Start,
				End: sg.End, Text: sg.Text, Tokens: []int{}, AvgLogprob: avgLogConf(sg.Words)})
		}
	}
	if words {
		v.Words = []verboseWord{}
		for _, w := range t.Words() {
			v.Words = append(v.Words, verboseWord{Word: w.Word, Start: w.Start, End: w.End})
		}
	}
	return v
}

// avgLogConf is the mean natural log of the words' confidences (0 for no words), standing in for
// Whisper's avg_logprob.
func avgLogConf(ws []transcript.Word) float64 {
	var sum float64
	n := 0
	for _, w := range ws {
		if transcript.IsFiller(w.Word) {
			continue
		}
		c := max(w.Confidence, 1e-6)
		sum += math.Log(c)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

var _ recognizer.Source = (*limitedSource)(nil)
