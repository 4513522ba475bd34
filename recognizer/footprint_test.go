package recognizer

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"hark/internal/testenv"
	"hark/transcript"
)

// peakHeapGrowth runs f with the collector at GOGC=5 (so the heap never holds more than 5% garbage over
// what is live) and returns the highest heap (objects) seen while f ran, sampled every 200 µs, minus the
// live heap before: an estimate of f's peak memory that errs high by at most the 5% slack.
func peakHeapGrowth(f func()) int64 {
	runtime.GC()
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := int64(sample[0].Value.Uint64()); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak.Load() - base
}

// footprintModel is the turtle model, or Debian's en-us model with the default graph cache when
// HARK_FOOTPRINT_ENUS is set (the model the constants of footprint.go were calibrated on; loading it takes
// a minute and 300 MB):
//
//	HARK_FOOTPRINT_ENUS=1 go test ./recognizer -run Footprint -v
func footprintModel(t *testing.T) *Model {
	if os.Getenv("HARK_FOOTPRINT_ENUS") == "" {
		return turtle(t)
	}
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	m, err := Load(DefaultConfig(testenv.ModelRoot), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// longUtterances returns n utterances of the dev set's recordings concatenated to about maxSec seconds
// each (no pauses added), the longest a segment can be.
func longUtterances(t *testing.T, n int, maxSec float64) [][]int16 {
	t.Helper()
	dir := filepath.Join("..", testenv.DevSet, "wav")
	testenv.RequireFile(t, dir)
	files, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings in %s: %v", dir, err)
	}
	sort.Strings(files)
	var out [][]int16
	var cur []int16
	limit := int(maxSec * 16000)
	for _, f := range files {
		pcm := readRaw(t, f)
		if len(cur)+len(pcm) > limit {
			out = append(out, cur)
			cur = nil
			if len(out) == n {
				break
			}
		}
		cur = append(cur, pcm...)
	}
	if len(out) < n && len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// TestSessionFootprintBoundsHeapGrowth decodes 30 s utterances (the longest segment) with a new session
// each and checks that the session's peak heap growth (sampled while it
// decodes at GOGC=5, see peakHeapGrowth), stays within SessionFootprint, and that the
// footprint is not so pessimistic that the budget would admit far fewer sessions than fit.
func TestSessionFootprintBoundsHeapGrowth(t *testing.T) {
	m := footprintModel(t)
	n := 2
	if testing.Short() {
		n = 1
	}
	utts := longUtterances(t, n, m.Config.Segment.MaxSegment.Seconds())
	fp := m.SessionFootprint()
	var worst int64
	for i, pcm := range utts {
		s, err := m.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var words []transcript.Word
		grew := peakHeapGrowth(func() {
			if err = s.StartStream(); err == nil {
				words, err = s.DecodeUtterance(pcm)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, grew)
		frames := len(pcm) / 160
		t.Logf("utterance %d: %.1f s, %d words; peak heap growth %.1f MB (held after: %.1f MB, arenas %.1f MB); raw lattice %d states (%.0f/frame), %d arcs; footprint %.1f MB",
			i, float64(len(pcm))/16000, len(words), float64(grew)/1e6, float64(s.Bytes())/1e6, float64(s.dec.ArenaBytes())/1e6,
			s.lat.NumStates(), float64(s.lat.NumStates())/float64(frames), s.lat.NumArcs(), float64(fp)/1e6)
		if grew > fp {
			t.Errorf("utterance %d: peak heap growth %d bytes; SessionFootprint %d", i, grew, fp)
		}
		runtime.KeepAlive(s)
	}
	if fp > 6*worst {
		t.Errorf("SessionFootprint %d is over 6× the measured %d: the budget would admit far too few sessions", fp, worst)
	}
}

// TestSessionShrinkSameResults checks that a session whose storage was freed with Shrink decodes exactly
// as before, and that Shrink gives the memory back.
func TestSessionShrinkSameResults(t *testing.T) {
	m := footprintModel(t)
	utts := longUtterances(t, 1, 12)
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	decode := func() string {
		t.Helper()
		if err := s.StartStream(); err != nil {
			t.Fatal(err)
		}
		w, err := s.DecodeUtterance(utts[0])
		if err != nil {
			t.Fatal(err)
		}
		return text(w)
	}
	want := decode()
	held := s.Bytes()
	s.Shrink()
	if after := s.Bytes(); after*4 > held {
		t.Errorf("Bytes after Shrink = %d; before %d: want far less", after, held)
	}
	if got := decode(); got != want {
		t.Errorf("after Shrink: %q; before: %q", got, want)
	}
}

func TestFootprintFigures(t *testing.T) {
	m := footprintModel(t)
	g := m.Graph.HCLG
	t.Logf("graph %d states %d arcs (%.2f/state) %.1f MB; footprint %.1f MB", g.NumStates(), len(g.AllArcs()),
		float64(len(g.AllArcs()))/float64(g.NumStates()), float64(m.GraphBytes())/1e6, float64(m.SessionFootprint())/1e6)
}
