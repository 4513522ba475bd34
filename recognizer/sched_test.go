package recognizer

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"hark/decoder"
	"hark/internal/testenv"
)

// countingScheduler grants every request at once and records how many were made and whether a session
// ever asked for a second slot while holding one.
type countingScheduler struct {
	mu             sync.Mutex
	acquired, held int
	nested         bool
	failAfter      int // fail requests after this many (0 = never)
	failWith       error
}

func (c *countingScheduler) Acquire(ctx context.Context) (func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.failAfter > 0 && c.acquired >= c.failAfter {
		return nil, c.failWith
	}
	c.acquired++
	c.held++
	if c.held > 1 {
		c.nested = true
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.held--
			c.mu.Unlock()
		})
	}, nil
}

// TestSchedulerChunks decodes a recording with and without a scheduler: the words are identical, the
// search takes one slot per ChunkFrames frames (plus the features and the lattice work), never two at
// once, and streaming takes slots too; a scheduler that refuses makes decoding fail with its error.
func TestSchedulerChunks(t *testing.T) {
	m := turtle(t)
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pcm := readRaw(t, filepath.Join(testenv.TestData, "goforward.raw"))
	want, err := s.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingScheduler{}
	s.SetScheduler(context.Background(), cs)
	got, err := s.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	if text(got) != text(want) || len(got) != len(want) {
		t.Fatalf("with a scheduler %q; without %q", text(got), text(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("word %d with a scheduler %+v; without %+v", i, got[i], want[i])
		}
	}
	frames := len(pcm) / 160
	if min := (frames+ChunkFrames-1)/ChunkFrames + 2; cs.acquired < min {
		t.Errorf("%d slots for %d frames; want at least %d", cs.acquired, frames, min)
	}
	if cs.nested || cs.held != 0 {
		t.Errorf("nested %v, %d held at the end; want no nesting, none held", cs.nested, cs.held)
	}
	// Streaming: a slot per AcceptPCM and per utterance end.
	cs.acquired = 0
	if err := s.StartStream(); err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(pcm); off += 3200 {
		if err := s.AcceptPCM(pcm[off:min(off+3200, len(pcm))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.FinishStream(); err != nil {
		t.Fatal(err)
	}
	if n := (len(pcm)+3199)/3200 + 1; cs.acquired < n || cs.nested || cs.held != 0 {
		t.Errorf("streaming: %d slots (want ≥ %d), nested %v, %d held", cs.acquired, n, cs.nested, cs.held)
	}
	// Refusal: the scheduler's error comes back wrapped.
	errStop := errors.New("stop")
	s.SetScheduler(context.Background(), &countingScheduler{failAfter: 2, failWith: errStop})
	if _, err := s.DecodeUtterance(pcm); !errors.Is(err, errStop) {
		t.Errorf("DecodeUtterance with a refusing scheduler = %v; want %v", err, errStop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.SetScheduler(ctx, &countingScheduler{})
	if _, err := s.DecodeUtterance(pcm); !errors.Is(err, context.Canceled) {
		t.Errorf("DecodeUtterance with a canceled context = %v; want context.Canceled", err)
	}
	s.SetScheduler(context.Background(), nil)
	if again, err := s.DecodeUtterance(pcm); err != nil || text(again) != text(want) {
		t.Errorf("after the scheduler is removed: %q, %v; want %q", text(again), err, text(want))
	}
}

// TestSetDecoderConfig narrows a session's search for live partials and widens it back: the narrow
// search's text comes from EndUtteranceText, a change mid-utterance and a search wider than the model's
// are refused, and back at the model's configuration the session decodes exactly as a fresh one.
func TestSetDecoderConfig(t *testing.T) {
	m := turtle(t)
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pcm := readRaw(t, filepath.Join(testenv.TestData, "goforward.raw"))
	fresh, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	want, err := fresh.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	narrow := m.Config.PartialDecoder()
	if narrow.Beam >= m.Config.Decoder.Beam || narrow.MaxActive >= m.Config.Decoder.MaxActive {
		t.Fatalf("PartialDecoder %+v is not narrower than %+v", narrow, m.Config.Decoder)
	}
	if err := s.SetDecoderConfig(narrow); err != nil {
		t.Fatal(err)
	}
	if s.DecoderConfig() != narrow {
		t.Fatalf("DecoderConfig %+v; want %+v", s.DecoderConfig(), narrow)
	}
	if err := s.StartStream(); err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptPCM(pcm[:len(pcm)/2]); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDecoderConfig(m.Config.Decoder); !errors.Is(err, decoder.ErrMidUtterance) {
		t.Errorf("SetDecoderConfig mid-utterance = %v; want decoder.ErrMidUtterance", err)
	}
	if err := s.AcceptPCM(pcm[len(pcm)/2:]); err != nil {
		t.Fatal(err)
	}
	live, err := s.EndUtteranceText()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(live, "forward") {
		t.Errorf("live text %q; want the recording's words", live)
	}
	// EndUtteranceText started the next utterance, which has no frames: switching is allowed.
	if _, err := s.FinishStream(); err != nil {
		t.Fatal(err)
	}
	wide := m.Config.Decoder
	wide.MaxActive++
	if err := s.SetDecoderConfig(wide); err == nil {
		t.Error("a max-active above the model's (which bounds the footprint) was accepted")
	}
	if err := s.SetDecoderConfig(m.Config.Decoder); err != nil {
		t.Fatal(err)
	}
	got, err := s.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("back at the model's search: %q; fresh session %q", text(got), text(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("word %d: %+v; fresh session %+v", i, got[i], want[i])
		}
	}
}

// TestPartialDecoderConfig: the partial search is the model's with beam and max-active narrowed, never
// wider, 0 meaning "as Decoder"; negative values are refused by Validate.
func TestPartialDecoderConfig(t *testing.T) {
	tests := []struct {
		name          string
		beam          float32
		maxActive     int
		wantBeam      float32
		wantMaxActive int
		valid         bool
	}{
		{"defaults", DefaultPartialBeam, DefaultPartialMaxActive, DefaultPartialBeam, DefaultPartialMaxActive, true},
		{"zero = as decoder", 0, 0, 13, 7000, true},
		{"never wider", 20, 9000, 13, 7000, true},
		{"min-active capped", 10, 150, 10, 150, true},
		{"negative beam", -1, 100, 0, 0, false},
		{"negative max-active", 10, -5, 0, 0, false},
		{"max-active 1", 10, 1, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig("")
			c.PartialBeam, c.PartialMaxActive = tc.beam, tc.maxActive
			err := c.Validate()
			if (err == nil) != tc.valid {
				t.Fatalf("Validate = %v; want valid %v", err, tc.valid)
			}
			if !tc.valid {
				return
			}
			p := c.PartialDecoder()
			if p.Beam != tc.wantBeam || p.MaxActive != tc.wantMaxActive || p.MinActive > p.MaxActive {
				t.Errorf("PartialDecoder beam %g max-active %d min-active %d; want %g %d", p.Beam, p.MaxActive, p.MinActive, tc.wantBeam, tc.wantMaxActive)
			}
			if p.LatticeBeam != c.Decoder.LatticeBeam || p.AcousticScale != c.Decoder.AcousticScale {
				t.Errorf("PartialDecoder changed more than beam and max-active: %+v", p)
			}
		})
	}
}
