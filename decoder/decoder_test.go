package decoder

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"hark/lattice"
	"hark/wfst"
)

func infiniteBeam() Config {
	c := DefaultConfig()
	c.Beam = float32(math.Inf(1))
	c.MinActive = 0
	c.LatticeBeam = float32(math.Inf(1))
	return c
}

func TestMatchesExhaustiveShortestPath(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			g := randomGraph(rng, 3+rng.IntN(8), 2+rng.IntN(3), 4, 5, 0.3, 0.4)
			m := randomMatrix(rng, 1+rng.IntN(12), 4)
			cfg := infiniteBeam()
			wantCost, wantWords := exhaustive(g, m, cfg.AcousticScale)
			if math.IsInf(wantCost, 1) {
				t.Skip("no path of this length")
			}
			for _, graph := range []wfst.FST{g, wfst.NewConst(g)} {
				d := mustNew(t, graph, cfg)
				if err := d.Decode(m); err != nil {
					t.Fatal(err)
				}
				p, err := d.BestPath(true)
				if err != nil {
					t.Fatalf("BestPath: %v", err)
				}
				got := float64(p.Weight.Total())
				if math.Abs(got-wantCost) > 1e-3*math.Max(1, math.Abs(wantCost)) {
					t.Errorf("%T: best cost = %g; exhaustive %g", graph, got, wantCost)
				}
				if w := p.Words(); !equalLabels(w, wantWords) {
					t.Errorf("%T: words = %v; exhaustive %v", graph, w, wantWords)
				}
				if p.NumFrames != int32(m.NumFrames()) {
					t.Errorf("path frames = %d; want %d", p.NumFrames, m.NumFrames())
				}
				checkCounts(t, d)
			}
		})
	}
}

// pruningConfig prunes hard enough that beam, max-active and lattice pruning all act on the test graphs.
func pruningConfig() Config {
	c := DefaultConfig()
	c.Beam = 6
	c.MaxActive = 40
	c.MinActive = 5
	c.LatticeBeam = 4
	c.PruneInterval = 5
	return c
}

type result struct {
	words   []wfst.Label
	weight  lattice.Weight
	lat     *lattice.Lattice
	partial []wfst.Label
}

func decodeChunked(t *testing.T, d *Decoder, m *Matrix, chunk int, finalize bool) result {
	t.Helper()
	if err := d.InitDecoding(); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < m.NumFrames(); {
		n = min(n+chunk, m.NumFrames())
		if err := d.AdvanceDecoding(m.Limited(n), -1); err != nil {
			t.Fatal(err)
		}
	}
	var r result
	r.partial = d.PartialWords(nil)
	if finalize {
		if err := d.FinalizeDecoding(); err != nil {
			t.Fatal(err)
		}
	}
	p, err := d.BestPath(true)
	if err != nil {
		t.Fatalf("BestPath: %v", err)
	}
	r.words, r.weight = p.Words(), p.Weight
	r.lat = lattice.New()
	if err := d.RawLattice(r.lat, true); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, d)
	return r
}

func sameLattice(a, b *lattice.Lattice) error {
	if a.NumStates() != b.NumStates() || a.Start != b.Start {
		return fmt.Errorf("states %d/%d start %d/%d", a.NumStates(), b.NumStates(), a.Start, b.Start)
	}
	for s := range a.States {
		x, y := &a.States[s], &b.States[s]
		if x.Frame != y.Frame || x.Final != y.Final || len(x.Arcs) != len(y.Arcs) {
			return fmt.Errorf("state %d differs", s)
		}
		for i := range x.Arcs {
			if x.Arcs[i] != y.Arcs[i] {
				return fmt.Errorf("state %d arc %d: %v vs %v", s, i, x.Arcs[i], y.Arcs[i])
			}
		}
	}
	return nil
}

func TestChunkingInvariance(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		g := wfst.NewConst(randomGraph(rng, 300, 4, 50, 20, 0.15, 0.2))
		m := randomMatrix(rng, 120, 50)
		for _, finalize := range []bool{false, true} {
			d := mustNew(t, g, pruningConfig())
			ref := decodeChunked(t, d, m, m.NumFrames(), finalize)
			for _, chunk := range []int{1, 7} {
				got := decodeChunked(t, d, m, chunk, finalize)
				if !equalLabels(got.words, ref.words) || got.weight != ref.weight {
					t.Errorf("seed %d chunk %d: best path %v %v; all-at-once %v %v", seed, chunk, got.words, got.weight, ref.words, ref.weight)
				}
				if !equalLabels(got.partial, ref.partial) {
					t.Errorf("seed %d chunk %d: partial %v; all-at-once %v", seed, chunk, got.partial, ref.partial)
				}
				if err := sameLattice(got.lat, ref.lat); err != nil {
					t.Errorf("seed %d chunk %d finalize %v: lattice differs: %v", seed, chunk, finalize, err)
				}
			}
		}
	}
}

func TestWiderBeamNeverWorse(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 13))
		g := wfst.NewConst(randomGraph(rng, 100, 4, 60, 20, 0.15, 0.2))
		m := randomMatrix(rng, 40, 60)
		prev := float32(math.Inf(1))
		for _, beam := range []float32{2, 4, 8, 16, 32, float32(math.Inf(1))} {
			cfg := DefaultConfig()
			cfg.Beam = beam
			cfg.MinActive = 0
			d := mustNew(t, g, cfg)
			if err := d.Decode(m); err != nil {
				t.Fatal(err)
			}
			p, err := d.BestPath(true)
			if err != nil {
				t.Fatalf("seed %d beam %g: %v", seed, beam, err)
			}
			c := p.Weight.Total()
			if !d.ReachedFinal() {
				// Without a final token the cost has no final term: not comparable with a wider beam that
				// reaches a final state.
				t.Logf("seed %d beam %g: no final state reached", seed, beam)
				continue
			}
			if c > prev+1e-3 {
				t.Errorf("seed %d: beam %g gives best cost %g, worse than %g with a narrower beam", seed, beam, c, prev)
			}
			prev = c
		}
	}
}

func TestLatticeBeamKeepsBestPath(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		g := wfst.NewConst(randomGraph(rng, 300, 4, 50, 20, 0.15, 0.2))
		m := randomMatrix(rng, 100, 50)
		var ref result
		for i, lb := range []float32{1000, 8, 1, 0.01} {
			cfg := pruningConfig()
			cfg.LatticeBeam = lb
			d := mustNew(t, g, cfg)
			r := decodeChunked(t, d, m, 10, true)
			if i == 0 {
				ref = r
				continue
			}
			if !equalLabels(r.words, ref.words) || r.weight != ref.weight {
				t.Errorf("seed %d lattice-beam %g: best %v %v; unpruned %v %v", seed, lb, r.words, r.weight, ref.words, ref.weight)
			}
			if r.lat.NumArcs() > ref.lat.NumArcs() {
				t.Errorf("seed %d: lattice-beam %g kept %d arcs > %d with a wider beam", seed, lb, r.lat.NumArcs(), ref.lat.NumArcs())
			}
		}
	}
}

// TestHandGraph decodes two words "a" (index 1) and "b" (index 2) over a matrix that favours index 1 for
// frames 0-2 and index 2 for frames 3-5, and checks the words and their frame spans.
func TestHandGraph(t *testing.T) {
	g := wfst.NewVector(wfst.Tropical)
	g.AddStates(3)
	g.SetStart(0)
	g.AddArc(0, wfst.Arc{ILabel: 1, OLabel: 10, Weight: 0.5, NextState: 1})
	g.AddArc(1, wfst.Arc{ILabel: 1, Weight: 0.1, NextState: 1})
	g.AddArc(1, wfst.Arc{ILabel: 2, OLabel: 20, Weight: 0.5, NextState: 2})
	g.AddArc(2, wfst.Arc{ILabel: 2, Weight: 0.1, NextState: 2})
	g.AddArc(2, wfst.Arc{ILabel: 3, Weight: 0.1, NextState: 2}) // silence
	g.SetFinal(2, 0)
	data := []float32{
		-1, -9, -9,
		-1, -9, -9,
		-1, -9, -9,
		-9, -1, -9,
		-9, -1, -9,
		-9, -9, -1,
		-9, -9, -1,
	}
	m, err := NewMatrix(data, 3)
	if err != nil {
		t.Fatal(err)
	}
	d := mustNew(t, wfst.NewConst(g), DefaultConfig())
	if err := d.Decode(m); err != nil {
		t.Fatal(err)
	}
	if !d.ReachedFinal() {
		t.Errorf("ReachedFinal = false; want true")
	}
	p, err := d.BestPath(true)
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Words(); !equalLabels(w, []wfst.Label{10, 20}) {
		t.Fatalf("words = %v; want [10 20]", w)
	}
	// graph 0.5+0.1+0.1+0.5+0.1+0.1+0.1, acoustic 0.1*(7 × 1)
	if want := (lattice.Weight{Graph: 1.5, Acoustic: 0.7}); math.Abs(float64(p.Weight.Graph-want.Graph)) > 1e-5 || math.Abs(float64(p.Weight.Acoustic-want.Acoustic)) > 1e-5 {
		t.Errorf("weight = %v; want %v", p.Weight, want)
	}
	isSil := func(l wfst.Label) bool { return l == 3 }
	got := p.Align(isSil)
	want := []lattice.WordSpan{{Word: 10, Start: 0, End: 3}, {Word: 20, Start: 3, End: 5}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Align = %v; want %v", got, want)
	}
	if n := d.TrailingSilenceFrames(isSil); n != 2 {
		t.Errorf("TrailingSilenceFrames = %d; want 2", n)
	}
	if w := d.PartialWords(nil); !equalLabels(w, []wfst.Label{10, 20}) {
		t.Errorf("PartialWords = %v; want [10 20]", w)
	}
	if err := d.AdvanceDecoding(m, -1); err != ErrFinalized {
		t.Errorf("AdvanceDecoding after FinalizeDecoding = %v; want ErrFinalized", err)
	}
	if err := d.RawLattice(lattice.New(), false); err == nil {
		t.Errorf("RawLattice(useFinalProbs=false) after FinalizeDecoding succeeded; want error")
	}
}

func TestPartialMatchesBestPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	g := wfst.NewConst(randomGraph(rng, 300, 4, 50, 20, 0.15, 0.3))
	m := randomMatrix(rng, 90, 50)
	d := mustNew(t, g, pruningConfig())
	if err := d.InitDecoding(); err != nil {
		t.Fatal(err)
	}
	buf := make([]wfst.Label, 0, 64)
	for n := 3; n <= m.NumFrames(); n += 3 {
		if err := d.AdvanceDecoding(m.Limited(n), -1); err != nil {
			t.Fatal(err)
		}
		buf = d.PartialWords(buf[:0])
		p, err := d.BestPath(false)
		if err != nil {
			t.Fatal(err)
		}
		if w := p.Words(); !equalLabels(buf, w) {
			t.Errorf("frame %d: PartialWords = %v; BestPath(false) %v", n, buf, w)
		}
	}
}

func TestZeroAllocsPerFrame(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := wfst.NewConst(randomGraph(rng, 1000, 4, 200, 50, 0.1, 0.2))
	m := randomMatrix(rng, 60, 200)
	narrow := DefaultConfig()
	narrow.Beam = 10
	for _, cfg := range []Config{narrow, pruningConfig()} {
		d := mustNew(t, g, cfg)
		run := func() {
			if err := d.InitDecoding(); err != nil {
				t.Fatal(err)
			}
			for n := 1; n <= m.NumFrames(); n++ {
				if err := d.AdvanceDecoding(m, 1); err != nil {
					t.Fatal(err)
				}
			}
		}
		run() // warm-up: the slabs, hash and per-frame arrays reach their size
		buf := make([]wfst.Label, 0, 256)
		allocs := testing.AllocsPerRun(2, func() {
			run()
			buf = d.PartialWords(buf[:0])
			_ = d.FinalRelativeCost()
		})
		if allocs != 0 {
			t.Errorf("%d frames: %v allocations per utterance after warm-up; want 0", m.NumFrames(), allocs)
		}
	}
}

func TestConcurrentDecodersShareGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := wfst.NewConst(randomGraph(rng, 500, 4, 80, 30, 0.15, 0.2))
	m := randomMatrix(rng, 60, 80)
	ref := mustNew(t, g, pruningConfig())
	if err := ref.Decode(m); err != nil {
		t.Fatal(err)
	}
	want, err := ref.BestPath(true)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			d, err := New(g, pruningConfig())
			if err != nil {
				errs <- err
				return
			}
			for range 3 {
				if err := d.Decode(m); err != nil {
					errs <- err
					return
				}
				p, err := d.BestPath(true)
				if err != nil {
					errs <- err
					return
				}
				if !equalLabels(p.Words(), want.Words()) || p.Weight != want.Weight {
					errs <- fmt.Errorf("concurrent decode = %v %v; want %v %v", p.Words(), p.Weight, want.Words(), want.Weight)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"zero-beam", func(c *Config) { c.Beam = 0 }, false},
		{"nan-beam", func(c *Config) { c.Beam = float32(math.NaN()) }, false},
		{"max-active-1", func(c *Config) { c.MaxActive = 1 }, false},
		{"min-gt-max", func(c *Config) { c.MaxActive, c.MinActive = 100, 200 }, false},
		{"lattice-beam", func(c *Config) { c.LatticeBeam = -1 }, false},
		{"prune-interval", func(c *Config) { c.PruneInterval = 0 }, false},
		{"hash-ratio", func(c *Config) { c.HashRatio = 0.5 }, false},
		{"prune-scale", func(c *Config) { c.PruneScale = 1 }, false},
		{"acoustic-scale", func(c *Config) { c.AcousticScale = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v; want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestNthElement(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + rng.IntN(50)
		a := make([]float32, n)
		for i := range a {
			a[i] = float32(rng.IntN(20))
		}
		k := rng.IntN(n)
		nthElement(a, k)
		for i := range a {
			if (i < k && a[i] > a[k]) || (i > k && a[i] < a[k]) {
				t.Fatalf("nthElement(%d): %v not partitioned", k, a)
			}
		}
	}
}

func TestEndpointRules(t *testing.T) {
	c := DefaultEndpointConfig()
	inf := float32(math.Inf(1))
	tests := []struct {
		name        string
		frames, sil int
		relCost     float32
		want        bool
	}{
		{"rule1-5s-silence-only", 500, 500, inf, true},
		{"silence-only-4s", 400, 400, inf, false},
		{"rule2-0.5s-final", 300, 50, 1, true},
		{"rule2-not-final", 300, 50, 5, false},
		{"rule3-1s-rel8", 300, 100, 7, true},
		{"rule4-2s-any", 400, 200, inf, true},
		{"rule5-20s", 2000, 0, inf, true},
		{"speaking", 1000, 10, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Detected(tt.frames, tt.sil, tt.relCost); got != tt.want {
				t.Errorf("Detected(%d, %d, %g) = %v; want %v", tt.frames, tt.sil, tt.relCost, got, tt.want)
			}
		})
	}
}

var _ Decodable = (*Matrix)(nil)

func TestRegisterFlags(t *testing.T) {
	c := DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs, "")
	if err := fs.Parse([]string{"--beam=13.5", "--max-active=7000", "--lattice-beam=6", "--acoustic-scale=0.08"}); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Beam, want.MaxActive, want.LatticeBeam, want.AcousticScale = 13.5, 7000, 6, 0.08
	if c != want {
		t.Errorf("after parsing flags config = %+v; want %+v", c, want)
	}
	if err := fs.Parse([]string{"--beam=x"}); err == nil {
		t.Errorf("--beam=x parsed; want error")
	}
}

// TestEndpointOnDecoder decodes speech (index 1) then silence (index 2) and checks that rule 2 fires only
// once half a second of trailing silence has been decoded in a final state.
func TestEndpointOnDecoder(t *testing.T) {
	g := wfst.NewVector(wfst.Tropical)
	g.AddStates(2)
	g.SetStart(0)
	g.AddArc(0, wfst.Arc{ILabel: 1, OLabel: 5, NextState: 0})
	g.AddArc(0, wfst.Arc{ILabel: 2, NextState: 1})
	g.AddArc(1, wfst.Arc{ILabel: 2, NextState: 1})
	g.SetFinal(1, 0)
	const speech, silence = 30, 80
	data := make([]float32, 0, 2*(speech+silence))
	for range speech {
		data = append(data, -1, -20)
	}
	for range silence {
		data = append(data, -20, -1)
	}
	m, err := NewMatrix(data, 2)
	if err != nil {
		t.Fatal(err)
	}
	d := mustNew(t, wfst.NewConst(g), DefaultConfig())
	if err := d.InitDecoding(); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultEndpointConfig()
	isSil := func(l wfst.Label) bool { return l == 2 }
	fired := -1
	for n := 1; n <= m.NumFrames(); n++ {
		if err := d.AdvanceDecoding(m.Limited(n), -1); err != nil {
			t.Fatal(err)
		}
		if fired < 0 && d.EndpointDetected(cfg, isSil) {
			fired = n
		}
	}
	if want := speech + 50; fired != want {
		t.Errorf("endpoint detected after %d frames; want %d (0.5 s of silence, rule 2)", fired, want)
	}
}

func TestLatticeMatchesBestPath(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 21))
		g := wfst.NewConst(randomGraph(rng, 300, 4, 50, 20, 0.15, 0.1))
		m := randomMatrix(rng, 80, 50)
		d := mustNew(t, g, pruningConfig())
		if err := d.Decode(m); err != nil {
			t.Fatal(err)
		}
		p, err := d.BestPath(true)
		if err != nil {
			t.Fatal(err)
		}
		wl, err := d.Lattice(true, lattice.WordOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wb, err := wl.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		if !equalLabels(wb.Labels(), p.Words()) || math.Abs(float64(wb.Weight.Total()-p.Weight.Total())) > 1e-3 {
			t.Errorf("seed %d: lattice best %v %v; BestPath %v %v", seed, wb.Labels(), wb.Weight, p.Words(), p.Weight)
		}
		if st := d.Stats(); st.Frames != int64(m.NumFrames()) || st.TokensExpanded == 0 {
			t.Errorf("Stats = %+v after %d frames", st, m.NumFrames())
		}
	}
}

// TestDeadEnd decodes a graph whose tokens all die after one frame: results report ErrNoTokens rather
// than panicking, and partial results stay empty.
func TestDeadEnd(t *testing.T) {
	g := wfst.NewVector(wfst.Tropical)
	g.AddStates(2)
	g.SetStart(0)
	g.AddArc(0, wfst.Arc{ILabel: 1, OLabel: 3, NextState: 1}) // state 1 has no arcs
	g.SetFinal(1, 0)
	m, err := NewMatrix([]float32{-1, -1, -1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := mustNew(t, g, DefaultConfig())
	if err := d.Decode(m); err != nil {
		t.Fatal(err)
	}
	if _, err := d.BestPath(true); !errors.Is(err, ErrNoTokens) {
		t.Errorf("BestPath after dead end = %v; want ErrNoTokens", err)
	}
	if w := d.PartialWords(nil); len(w) != 0 {
		t.Errorf("PartialWords = %v; want none", w)
	}
	if d.ReachedFinal() {
		t.Errorf("ReachedFinal = true; want false")
	}
	checkCounts(t, d)
}

// TestActiveLimits checks GetCutoff's semantics frame by frame: with an infinite beam at most
// MaxActive+1 tokens are expanded (Kaldi's cutoff is the (MaxActive+1)-th best cost, inclusive); with a
// tiny beam at least MinActive+1 are, whenever that many tokens exist.
func TestActiveLimits(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	g := wfst.NewConst(randomGraph(rng, 500, 4, 50, 20, 0.1, 0.2))
	m := randomMatrix(rng, 40, 50)
	tests := []struct {
		name           string
		beam           float32
		maxAct, minAct int
	}{
		{"max-active", float32(math.Inf(1)), 40, 0},
		{"min-active", 0.001, math.MaxInt32, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Beam, cfg.MaxActive, cfg.MinActive = tt.beam, tt.maxAct, tt.minAct
			d := mustNew(t, g, cfg)
			if err := d.InitDecoding(); err != nil {
				t.Fatal(err)
			}
			for n := 1; n <= m.NumFrames(); n++ {
				before := d.Stats().TokensExpanded
				avail := len(d.elems)
				if err := d.AdvanceDecoding(m, 1); err != nil {
					t.Fatal(err)
				}
				got := int(d.Stats().TokensExpanded - before)
				if got > tt.maxAct+1 {
					t.Errorf("frame %d: %d tokens expanded; max-active %d", n, got, tt.maxAct)
				}
				if want := min(avail, tt.minAct+1); got < want {
					t.Errorf("frame %d: %d tokens expanded; want ≥ %d (min-active %d, %d available)", n, got, want, tt.minAct, avail)
				}
			}
		})
	}
}
