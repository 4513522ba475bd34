package segment

import (
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// synth returns 16 kHz audio of alternating noise (quiet) and tone bursts (loud) with the given durations
// in seconds, starting with quiet.
func synth(parts ...float64) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	var out []float32
	for i, d := range parts {
		n := int(d * 16000)
		for k := 0; k < n; k++ {
			v := float32(r.NormFloat64() * 0.001)
			if i%2 == 1 {
				env := 0.5 + 0.5*math.Sin(2*math.Pi*4*float64(k)/16000) // syllable-rate dips, as in speech
				v += float32(0.3 * env * env * math.Sin(2*math.Pi*220*float64(k)/16000))
			}
			out = append(out, v)
		}
	}
	return out
}

type sliceSource struct {
	x     []float32
	chunk int
}

func (s *sliceSource) Read(dst []float32) (int, error) {
	if len(s.x) == 0 {
		return 0, io.EOF
	}
	n := min(len(dst), s.chunk, len(s.x))
	copy(dst, s.x[:n])
	s.x = s.x[n:]
	return n, nil
}

type span struct{ start, end float64 }

func split(t *testing.T, x []float32, cfg Config, chunk int) []span {
	t.Helper()
	var got []span
	err := Split(&sliceSource{x, chunk}, cfg, func(s Segment) error {
		got = append(got, span{s.StartTime(16000), s.EndTime(16000)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSplitAtPauses(t *testing.T) {
	x := synth(1, 2, 1, 3, 0.2, 1, 1.5) // speech at 1-3, 4-7, 7.2-8.2 (short pause merges), end 9.7
	cfg := DefaultConfig()
	for _, chunk := range []int{1, 160, 1000, 100000} {
		got := split(t, x, cfg, chunk)
		want := []span{{0.7, 3.3}, {3.7, 8.5}} // speech ± Pad (0.3 s)
		if len(got) != len(want) {
			t.Fatalf("chunk %d: got %d segments %v; want %v", chunk, len(got), got, want)
		}
		for i := range want {
			if math.Abs(got[i].start-want[i].start) > 0.05 || math.Abs(got[i].end-want[i].end) > 0.05 {
				t.Errorf("chunk %d: segment %d = %v; want %v ± 0.05", chunk, i, got[i], want[i])
			}
		}
	}
}

func TestMaxSegment(t *testing.T) {
	x := synth(0.5, 75, 1) // 75 s of uninterrupted "speech"
	cfg := DefaultConfig()
	got := split(t, x, cfg, 4096)
	if len(got) < 3 {
		t.Fatalf("75 s of speech gave %d segments; want ≥ 3: %v", len(got), got)
	}
	total := 0.0
	for i, s := range got {
		if d := s.end - s.start; d > cfg.MaxSegment.Seconds()+1e-9 {
			t.Errorf("segment %d lasts %.2f s > %v", i, d, cfg.MaxSegment)
		}
		if i > 0 && math.Abs(s.start-got[i-1].end) > 0.011 {
			t.Errorf("forced cut left a gap or overlap: %v then %v", got[i-1], s)
		}
		total += s.end - s.start
	}
	if total < 75 {
		t.Errorf("segments cover %.2f s of 75 s of speech", total)
	}
}

func TestSilenceOnly(t *testing.T) {
	if got := split(t, synth(40), DefaultConfig(), 4096); len(got) != 0 {
		t.Errorf("silence gave segments %v", got)
	}
	if got := split(t, nil, DefaultConfig(), 4096); len(got) != 0 {
		t.Errorf("empty input gave segments %v", got)
	}
}

func TestBoundedBuffer(t *testing.T) {
	sp, err := NewSplitter(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	c0, e0 := cap(sp.buf), cap(sp.energy)
	x := synth(3, 40, 2, 50, 10)
	for len(x) > 0 {
		n := min(len(x), 3000)
		if err := sp.Write(x[:n], func(Segment) error { return nil }); err != nil {
			t.Fatal(err)
		}
		x = x[n:]
	}
	if cap(sp.buf) != c0 || cap(sp.energy) != e0 {
		t.Errorf("buffers grew: samples %d→%d, energies %d→%d", c0, cap(sp.buf), e0, cap(sp.energy))
	}
}

func TestValidate(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.SampleRate = 0 },
		func(c *Config) { c.MaxSegment = 0 },
		func(c *Config) { c.CutSearch = c.MaxSegment },
		func(c *Config) { c.Pad = 20 * time.Second },
		func(c *Config) { c.FrameShift = 0 },
	}
	for i, f := range bad {
		c := DefaultConfig()
		f(&c)
		if c.Validate() == nil {
			t.Errorf("case %d: Validate accepted %+v", i, c)
		}
	}
}
