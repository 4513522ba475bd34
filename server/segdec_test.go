package server

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"hark/audio"
	"hark/internal/testenv"
	"hark/recognizer"
	"hark/transcript"
)

var (
	turtleOnce  sync.Once
	turtleModel *recognizer.Model
	turtleErr   error
)

// turtle loads the en-us acoustic model with pocketsphinx-testdata's small turtle LM (its graph builds in
// seconds), once per test binary.
func turtle(t *testing.T) *recognizer.Model {
	t.Helper()
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	turtleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hark-server-test")
		if err != nil {
			turtleErr = err
			return
		}
		defer os.RemoveAll(dir)
		cfg := recognizer.DefaultConfig(testenv.ModelRoot)
		cfg.LM = filepath.Join(testenv.TestData, "turtle.lm.bin")
		cfg.Dict = filepath.Join(testenv.TestData, "turtle.dic")
		cfg.Prune = 0
		cfg.GraphCache = dir
		turtleModel, turtleErr = recognizer.Load(cfg, nil)
	})
	if turtleErr != nil {
		t.Fatal(turtleErr)
	}
	return turtleModel
}

// threeUtterances returns pocketsphinx-testdata's three recordings with 1.5 s of silence between them:
// 16 kHz samples in [-1, 1).
func threeUtterances(t *testing.T) []float32 {
	var all []float32
	for i, name := range []string{"goforward.raw", "numbers.raw", "something.raw"} {
		st, err := audio.OpenFile(testenv.RequireFile(t, filepath.Join(testenv.TestData, name)), audio.Options{SampleRateHz: 16000})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]float32, 4096)
		for {
			n, err := st.Read(buf)
			all = append(all, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		if i < 2 {
			all = append(all, make([]float32, 24000)...)
		}
	}
	return all
}

type sliceSource struct{ x []float32 }

func (s *sliceSource) Read(dst []float32) (int, error) {
	n := copy(dst, s.x)
	s.x = s.x[n:]
	if len(s.x) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// TestSegmentDecoderMatchesBatch streams three recordings with pauses through segmentDecoder in 0.2 s
// chunks as a stream's read loop does: the final results arrive while the stream goes on (before eof), and
// all words (text, times, confidences) equal batch transcription's of the same audio.
func TestSegmentDecoderMatchesBatch(t *testing.T) {
	m := turtle(t)
	x := threeUtterances(t)
	batch, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := batch.Transcribe(context.Background(), &sliceSource{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Segments) < 2 {
		t.Fatalf("batch transcription has %d segments; the test needs several", len(tr.Segments))
	}
	var want []transcript.Word
	for _, s := range tr.Segments {
		want = append(want, s.Words...)
	}
	sess, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var observed int
	var scheduled int
	d, err := newSegmentDecoder(sess, func(audioSec, wallSec float64) { observed++ }, func(time.Time) { scheduled++ })
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop(func() {})
	pcm := recognizer.ToInt16(nil, x)
	var got []transcript.Word
	results, cuts := 0, 0
	for off := 0; off < len(pcm); off += 3200 {
		cut, err := d.write(pcm[off:min(off+3200, len(pcm))])
		if err != nil {
			t.Fatal(err)
		}
		if cut {
			cuts++
			d.addLiveText("live words", true)
		}
		if p := d.partial("now"); cut && !strings.HasSuffix(p, "live words now") || len(d.pendingText) > 2 {
			t.Errorf("partial after a cut %q (%d segments pending); want the live text of the segments not yet final, then the live partial", p, len(d.pendingText))
		}
		if ws, ok := d.ready(); ok {
			results++
			got = append(got, ws...)
		}
		time.Sleep(2 * time.Millisecond) // a little real time between chunks for the goroutine
	}
	rest, err := d.flush()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, rest...)
	if cuts == 0 || results == 0 {
		t.Errorf("%d segments cut and %d final results before eof; want some of each", cuts, results)
	}
	if observed != len(tr.Segments) || scheduled != len(tr.Segments) {
		t.Errorf("%d segments decoded (%d scheduled); batch has %d", observed, scheduled, len(tr.Segments))
	}
	if len(got) != len(want) {
		t.Fatalf("stream finals %q; batch %q", text(got), text(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("word %d: stream %+v; batch %+v", i, got[i], want[i])
		}
	}
}

func text(ws []transcript.Word) string {
	s := ""
	for _, w := range ws {
		s += w.Word + " "
	}
	return s
}

// TestSegmentDecoderStopLeaksNothing stops segment decoders in the middle of a segment's decoding (a
// client gone) and when idle: stop returns after the goroutine has exited (the session can be handed
// back), and no goroutine is left.
func TestSegmentDecoderStopLeaksNothing(t *testing.T) {
	m := turtle(t)
	x := threeUtterances(t)
	pcm := recognizer.ToInt16(nil, x)
	sess, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for _, busy := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		sess.SetScheduler(ctx, slowScheduler{})
		d, err := newSegmentDecoder(sess, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if busy {
			if _, err := d.write(pcm); err != nil { // cuts the first segments: one is being decoded
				t.Fatal(err)
			}
			if !d.busy {
				t.Fatal("no segment in flight after writing all the audio")
			}
		}
		d.stop(cancel)
		select {
		case <-d.exit:
		default:
			t.Fatal("stop returned before the goroutine exited")
		}
		cancel()
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after stop; %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// slowScheduler grants slots after 20 ms (a busy machine), or fails when ctx ends.
type slowScheduler struct{}

func (slowScheduler) Acquire(ctx context.Context) (func(), error) {
	select {
	case <-time.After(20 * time.Millisecond):
		return func() {}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
