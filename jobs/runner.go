package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"hark/audio"
	"hark/recognizer"
	"hark/segment"
	"hark/transcript"
)

// ErrBadAudio marks failures caused by the uploaded audio itself (unreadable, too long): retrying cannot
// help, so the job fails at once.
var ErrBadAudio = errors.New("jobs: bad audio")

// Runner decodes jobs. It is what the queue's workers call; one Runner serves all of them.
type Runner struct {
	Store    Store
	Sessions *SessionPool
	// AudioDir holds the uploads, one file per job named by its ID (see AudioPath).
	AudioDir string
	// MaxDuration refuses audio longer than this (0 = no limit).
	MaxDuration time.Duration
	// OnSegment, if set, is told the audio length and the wall time of every decoded segment (metrics).
	OnSegment func(audioSeconds, wallSeconds float64)

	mu      sync.Mutex
	running map[string]context.CancelFunc
	audio   atomic.Int64 // bytes of the running jobs' audio buffers
}

// AudioBytes returns the bytes the running jobs hold in audio buffers (each job's read window and its
// segment's 16-bit copy), as measured after each segment.
func (r *Runner) AudioBytes() int64 { return r.audio.Load() }

// AudioPath is where the upload of job id is stored. id must be valid (ValidID), which makes it a safe
// file name.
func AudioPath(dir, id string) string { return filepath.Join(dir, id+".audio") }

// Cancel stops the run of job id in this process, if there is one. The caller records the state.
func (r *Runner) Cancel(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.running[id]; c != nil {
		c()
	}
}

// Run decodes job id: it records the segments if that was not done yet, then decodes every segment not
// done and commits its words, then marks the job succeeded. A job that is gone or final is left alone.
// Problems with the audio fail the job and return nil; other errors (database, shutdown) are returned so
// that the queue retries the job, which then resumes at the first unfinished segment.
func (r *Runner) Run(ctx context.Context, id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	j, err := r.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if j.State.Final() {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	if r.running == nil {
		r.running = map[string]context.CancelFunc{}
	}
	r.running[id] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, id)
		r.mu.Unlock()
	}()

	err = r.run(ctx, j)
	switch {
	case err == nil:
		return r.Store.SetState(context.WithoutCancel(ctx), id, Succeeded, "")
	case errors.Is(err, ErrBadAudio):
		return r.Store.SetState(context.WithoutCancel(ctx), id, Failed, err.Error())
	case errors.Is(err, ErrFinished), errors.Is(err, ErrNotFound):
		return nil // cancelled or deleted meanwhile
	}
	// Cancelled by Cancel (the state says so) or shut down (retry later).
	if cur, gerr := r.Store.Get(context.WithoutCancel(ctx), id); gerr == nil && cur.State.Final() || errors.Is(gerr, ErrNotFound) {
		return nil
	}
	return err
}

func (r *Runner) run(ctx context.Context, j *Job) error {
	if err := r.Store.SetState(ctx, j.ID, Running, ""); err != nil {
		return err
	}
	segs, err := r.Store.Segments(ctx, j.ID)
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		spans, dur, err := r.split(ctx, j.ID)
		if err != nil {
			return err
		}
		if err := r.Store.SetDuration(ctx, j.ID, dur); err != nil {
			return err
		}
		if err := r.Store.SetSegments(ctx, j.ID, spans); err != nil {
			return err
		}
		if segs, err = r.Store.Segments(ctx, j.ID); err != nil {
			return err
		}
	}
	return r.decode(ctx, j.ID, segs)
}

func (r *Runner) open(id string) (*audio.Stream, *os.File, error) {
	f, err := os.Open(AudioPath(r.AudioDir, id))
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: open audio of %s: %w", id, err)
	}
	st, err := audio.Open(f, "", audio.Options{SampleRateHz: r.Sessions.SampleRate()})
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %w", ErrBadAudio, err)
	}
	return st, f, nil
}

// split runs the segmenter over the whole recording and returns the segments' spans and the length of
// the audio in seconds.
func (r *Runner) split(ctx context.Context, id string) ([]Span, float64, error) {
	st, f, err := r.open(id)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	defer st.Close()
	rate := r.Sessions.SampleRate()
	cfg := r.Sessions.Model().Config.Segment
	cfg.SampleRate = rate
	var spans []Span
	var total int64
	maxSamples := int64(math.MaxInt64)
	if r.MaxDuration > 0 {
		maxSamples = int64(r.MaxDuration.Seconds() * float64(rate))
	}
	src := readFunc(func(dst []float32) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := st.Read(dst)
		total += int64(n)
		if total > maxSamples {
			return n, fmt.Errorf("%w: longer than the limit of %v", ErrBadAudio, r.MaxDuration)
		}
		if err != nil && err != io.EOF {
			err = fmt.Errorf("%w: %w", ErrBadAudio, err)
		}
		return n, err
	})
	err = segment.Split(src, cfg, func(s segment.Segment) error {
		spans = append(spans, Span{Start: s.Start, End: s.Start + int64(len(s.Samples))})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return spans, float64(total) / float64(rate), nil
}

type readFunc func([]float32) (int, error)

func (f readFunc) Read(dst []float32) (int, error) { return f(dst) }

// decode reads the audio once, front to back, and decodes the segments not done yet from their own
// samples. Memory: one segment's samples plus one read chunk. CPU: the pooled session takes a slot of the
// pool's scheduler (class Batch by default) per second of audio it decodes, so live streams overtake jobs
// between chunks; the words do not depend on it.
func (r *Runner) decode(ctx context.Context, id string, segs []Segment) error {
	todo := 0
	for _, s := range segs {
		if !s.Done {
			todo++
		}
	}
	if todo == 0 {
		return nil
	}
	st, f, err := r.open(id)
	if err != nil {
		return err
	}
	defer f.Close()
	defer st.Close()
	sess, release, err := r.Sessions.Get(ctx)
	if err != nil {
		return err
	}
	defer release()
	rate := float64(r.Sessions.SampleRate())
	w := window{src: st}
	var pcm []int16
	var held int64 // bytes of w and pcm counted in r.audio
	defer func() { r.audio.Add(-held) }()
	for _, s := range segs {
		if s.Done {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if cur, err := r.Store.Get(ctx, id); err != nil {
			return err
		} else if cur.State.Final() {
			return ErrFinished
		}
		samples, err := w.take(s.Start, s.End)
		if err != nil {
			return fmt.Errorf("%w: segment %d: %w", ErrBadAudio, s.Index, err)
		}
		pcm = recognizer.ToInt16(pcm[:0], samples)
		now := int64(cap(w.buf)+cap(w.chunk))*4 + int64(cap(pcm))*2
		r.audio.Add(now - held)
		held = now
		t0 := time.Now()
		words, err := decodeSegment(sess, pcm)
		if err != nil {
			return fmt.Errorf("jobs: decode segment %d of %s: %w", s.Index, id, err)
		}
		off := float64(s.Start) / rate
		for i := range words {
			words[i].Start = round3(words[i].Start + off)
			words[i].End = round3(words[i].End + off)
		}
		if r.OnSegment != nil {
			r.OnSegment(float64(s.End-s.Start)/rate, time.Since(t0).Seconds())
		}
		if err := r.Store.CommitSegment(ctx, id, s.Index, words); err != nil {
			return err
		}
	}
	return nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// window reads a stream front to back and hands out sample ranges in increasing order of start. Memory:
// the samples from the earliest start still wanted to the latest end asked for.
type window struct {
	src   recognizer.Source
	buf   []float32
	start int64 // stream offset of buf[0]
	chunk []float32
	eof   bool
}

// take returns samples [from, to) of the stream; from must not decrease between calls. The slice is
// valid until the next call. A range past the end of the stream is cut short.
func (w *window) take(from, to int64) ([]float32, error) {
	if from < w.start {
		return nil, fmt.Errorf("jobs: sample range starts at %d, before %d", from, w.start)
	}
	if drop := from - w.start; drop > 0 {
		if drop >= int64(len(w.buf)) {
			// skip the gap without keeping it
			gap := drop - int64(len(w.buf))
			w.start += int64(len(w.buf))
			w.buf = w.buf[:0]
			for gap > 0 && !w.eof {
				if w.chunk == nil {
					w.chunk = make([]float32, 4096)
				}
				n, err := w.src.Read(w.chunk[:min(int64(len(w.chunk)), gap)])
				gap -= int64(n)
				w.start += int64(n)
				if err == io.EOF {
					w.eof = true
				} else if err != nil {
					return nil, err
				}
			}
		} else {
			w.buf = append(w.buf[:0], w.buf[drop:]...)
			w.start = from
		}
	}
	for w.start+int64(len(w.buf)) < to && !w.eof {
		if w.chunk == nil {
			w.chunk = make([]float32, 4096)
		}
		n, err := w.src.Read(w.chunk)
		w.buf = append(w.buf, w.chunk[:n]...)
		if err == io.EOF {
			w.eof = true
		} else if err != nil {
			return nil, err
		}
	}
	end := min(to-w.start, int64(len(w.buf)))
	return w.buf[from-w.start : end], nil
}

// Transcript assembles the transcript of job id from its done segments (all of them once the job has
// succeeded); rate is the model's sample rate, which converts the spans to seconds.
func Transcript(ctx context.Context, s Store, id string, rate int) (*transcript.Transcript, error) {
	j, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	segs, err := s.Segments(ctx, id)
	if err != nil {
		return nil, err
	}
	t := &transcript.Transcript{ID: id, Duration: j.Duration}
	for _, sg := range segs {
		if !sg.Done {
			continue
		}
		t.Segments = append(t.Segments, transcript.Segment{
			Start: round3(float64(sg.Start) / float64(rate)),
			End:   round3(float64(sg.End) / float64(rate)),
			Words: sg.Words,
		})
	}
	t.Finish()
	return t, nil
}

// decodeSegment decodes one segment from its own samples alone, so that the words do not depend on which
// segments the session decoded before (a resumed job then gives the same words as an uninterrupted run).
// DecodeUtterance alone is not enough: the front end's noise statistics carry over from one utterance to
// the next, and StartStream is the recognizer's only way to reset them.
func decodeSegment(sess *recognizer.Session, pcm []int16) ([]transcript.Word, error) {
	if err := sess.StartStream(); err != nil {
		return nil, err
	}
	return sess.DecodeUtterance(pcm)
}
