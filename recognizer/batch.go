package recognizer

import (
	"context"
	"fmt"
	"math"

	"hark/segment"
	"hark/transcript"
)

// SegmentFunc receives each decoded segment as soon as it is done, in order (to store or print it). Its
// Words are owned by the callee.
type SegmentFunc func(seg transcript.Segment) error

// Source is mono audio at the model's sample rate (audio.Stream satisfies it).
type Source interface {
	Read(dst []float32) (int, error)
}

// Transcribe decodes a whole recording read from src: it splits it at pauses into segments of at most
// Config.Segment.MaxSegment, decodes each as an utterance, and returns the transcript. onSegment, if not
// nil, sees each segment as it finishes. Memory is bounded by the segment cap whatever the length of the
// recording; only the transcript's words accumulate.
func (s *Session) Transcribe(ctx context.Context, src Source, onSegment SegmentFunc) (*transcript.Transcript, error) {
	rate := int(s.m.Feat.SampleRate)
	cfg := s.m.Config.Segment
	cfg.SampleRate = rate
	t := &transcript.Transcript{}
	var pcm []int16
	var total int64
	err := segment.Split(countingSource{src, &total}, cfg, func(seg segment.Segment) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		pcm = ToInt16(pcm[:0], seg.Samples)
		words, err := s.DecodeUtterance(pcm)
		if err != nil {
			return fmt.Errorf("segment at %.2fs: %w", seg.StartTime(rate), err)
		}
		off := seg.StartTime(rate)
		for i := range words {
			words[i].Start = round3(words[i].Start + off)
			words[i].End = round3(words[i].End + off)
		}
		ts := transcript.Segment{ID: len(t.Segments), Start: round3(off), End: round3(seg.EndTime(rate)), Words: words}
		ts.Text = transcript.SegmentText(words)
		if onSegment != nil {
			if err := onSegment(ts); err != nil {
				return err
			}
		}
		t.Segments = append(t.Segments, ts)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.Duration = round3(float64(total) / float64(rate))
	t.Finish()
	return t, nil
}

type countingSource struct {
	src Source
	n   *int64
}

func (c countingSource) Read(dst []float32) (int, error) {
	n, err := c.src.Read(dst)
	*c.n += int64(n)
	return n, err
}

// ToInt16 appends samples in [-1, 1) converted to 16-bit PCM (clipped) to dst.
func ToInt16(dst []int16, x []float32) []int16 {
	for _, v := range x {
		f := math.Round(float64(v) * 32768)
		if f > 32767 {
			f = 32767
		} else if f < -32768 {
			f = -32768
		}
		dst = append(dst, int16(f))
	}
	return dst
}
