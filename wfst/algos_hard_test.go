package wfst_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"hark/wfst"
	"hark/wfst/wfsttest"
)

const propSeed = 777

func TestSemiringLaws(t *testing.T) {
	for _, sr := range []wfst.Semiring{wfst.Tropical, wfst.Log} {
		wfsttest.CheckSemiringLaws(t, sr, rand.New(rand.NewPCG(propSeed, 1)), 2000, 1e-3)
	}
}

// propConfigs are the random FST kinds of the property tests.
func propConfigs(acceptor bool) []wfsttest.Config {
	var cs []wfsttest.Config
	for _, sr := range []wfst.Semiring{wfst.Tropical, wfst.Log} {
		for _, acyclic := range []bool{true, false} {
			c := wfsttest.DefaultConfig(sr)
			c.Acyclic, c.Acceptor, c.UnweightedCycles = acyclic, acceptor, true
			cs = append(cs, c)
		}
	}
	return cs
}

func equiv(t *testing.T, what string, seed uint64, a, b wfst.FST) {
	t.Helper()
	equivDelta(t, what, seed, a, b, wfst.Delta)
}

// quantDelta is the tolerance for outputs of determinization and minimization in the log semiring: residual
// weights are quantized with kDelta at every step (as OpenFST does), so errors add up along long cyclic
// paths (about 3·kDelta over 30 arcs).
func quantDelta(sr wfst.Semiring) float32 {
	if sr == wfst.Log {
		return 1e-2
	}
	return wfst.Delta
}

func equivDelta(t *testing.T, what string, seed uint64, a, b wfst.FST, delta float32) {
	t.Helper()
	ok, err := wfst.RandEquivalent(a, b, 40, delta, seed)
	if err != nil {
		t.Fatalf("seed %d: %s: %v", seed, what, err)
	}
	if !ok {
		t.Errorf("seed %d: %s changed the weighted relation", seed, what)
	}
}

// forEach runs fn on n random FSTs of each configuration, with the seed of each.
func forEach(t *testing.T, cfgs []wfsttest.Config, n int, fn func(t *testing.T, seed uint64, cfg wfsttest.Config, f *wfst.Vector)) {
	for ci, cfg := range cfgs {
		for i := 0; i < n; i++ {
			seed := propSeed + uint64(ci*1000+i)
			fn(t, seed, cfg, wfsttest.RandomFST(rand.New(rand.NewPCG(seed, 2)), cfg))
		}
	}
}

func TestRmEpsilonPreservesRelation(t *testing.T) {
	forEach(t, propConfigs(false), 25, func(t *testing.T, seed uint64, cfg wfsttest.Config, f *wfst.Vector) {
		g := wfst.Copy(f)
		if err := wfst.RemoveEpsilon(g, wfst.DefaultRmEpsilonOptions()); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		equiv(t, "RemoveEpsilon", seed, f, g)
	})
}

func determinizable(f *wfst.Vector) bool {
	o := wfst.DefaultDeterminizeOptions()
	o.MaxStates = 500
	_, err := wfst.Determinize(f, o)
	return err == nil
}

func TestDeterminizeMinimizePreserveRelation(t *testing.T) {
	for _, acceptor := range []bool{true, false} {
		cfgs := propConfigs(acceptor)
		for i := range cfgs {
			cfgs[i].Functional = !acceptor
		}
		forEach(t, cfgs, 12, func(t *testing.T, seed uint64, cfg wfsttest.Config, f *wfst.Vector) {
			if !determinizable(f) {
				return
			}
			d, err := wfst.Determinize(f, wfst.DefaultDeterminizeOptions())
			if err != nil {
				t.Fatalf("seed %d: Determinize: %v", seed, err)
			}
			equivDelta(t, "Determinize", seed, f, d, quantDelta(cfg.Semiring))
			m := wfst.Copy(d)
			mo := wfst.DefaultMinimizeOptions()
			mo.AllowNondet = !acceptor // subsequential arcs (input 0) may share a label with input-epsilon arcs
			if err := wfst.Minimize(m, mo); err != nil {
				t.Fatalf("seed %d: Minimize: %v", seed, err)
			}
			trim := wfst.Copy(d)
			wfst.Connect(trim)
			// Weight pushing adds a start state when the start state is re-entrant and carries weight (as
			// OpenFST's Reweight does); otherwise minimization never adds states.
			limit := trim.NumStates()
			if reentrantStart(trim) {
				limit++
			}
			if m.NumStates() > limit {
				t.Errorf("seed %d: Minimize grew %d states to %d", seed, trim.NumStates(), m.NumStates())
			}
			equivDelta(t, "Minimize", seed, d, m, quantDelta(cfg.Semiring))
			if acceptor {
				if ok, err := wfst.Equivalent(d, m, wfst.Delta); err != nil || !ok {
					t.Errorf("seed %d: Equivalent(determinized, minimized) = %v, %v; want true", seed, ok, err)
				}
				// A perturbed final weight must be detected.
				p := wfst.Copy(m)
				for s := 0; s < p.NumStates(); s++ {
					if w := p.Final(wfst.StateID(s)); !wfst.IsZero(w) {
						p.SetFinal(wfst.StateID(s), w+0.5)
						break
					}
				}
				if ok, err := wfst.Equivalent(d, p, wfst.Delta); err != nil || ok {
					t.Errorf("seed %d: Equivalent(determinized, perturbed) = %v, %v; want false", seed, ok, err)
				}
				// Minimizing again changes nothing.
				m2 := wfst.Copy(m)
				if err := wfst.Minimize(m2, wfst.DefaultMinimizeOptions()); err != nil {
					t.Fatal(err)
				}
				if m2.NumStates() != m.NumStates() {
					t.Errorf("seed %d: Minimize not idempotent: %d then %d states", seed, m.NumStates(), m2.NumStates())
				}
			}
			// Determinization with epsilon removal on the fly (DeterminizeStar).
			o := wfst.DefaultDeterminizeOptions()
			o.RemoveEpsilons = true
			o.MaxStates = 2000
			ds, err := wfst.Determinize(f, o)
			if errors.Is(err, wfst.ErrStateLimit) {
				return
			}
			if err != nil {
				t.Fatalf("seed %d: Determinize(RemoveEpsilons): %v", seed, err)
			}
			for s := 0; s < ds.NumStates(); s++ {
				for _, a := range ds.Arcs(wfst.StateID(s)) {
					if a.ILabel != wfst.Epsilon {
						continue
					}
					// Only the subsequential arcs that emit residual output at the end have input
					// epsilon: from their destination on, every arc has input epsilon.
					for _, b := range ds.Arcs(a.NextState) {
						if b.ILabel != wfst.Epsilon {
							t.Fatalf("seed %d: DeterminizeStar left an input epsilon at state %d", seed, s)
						}
					}
				}
			}
			equivDelta(t, "Determinize(RemoveEpsilons)", seed, f, ds, quantDelta(cfg.Semiring))
		})
	}
}

func TestPushPreservesRelation(t *testing.T) {
	forEach(t, propConfigs(false), 10, func(t *testing.T, seed uint64, cfg wfsttest.Config, f *wfst.Vector) {
		for _, typ := range []wfst.ReweightType{wfst.ReweightToInitial, wfst.ReweightToFinal} {
			g, err := wfst.Push(f, wfst.PushWeights, typ, wfst.Delta)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			equiv(t, fmt.Sprint("Push weights ", typ), seed, f, g)
		}
		g, err := wfst.Push(f, wfst.PushLabels, wfst.ReweightToInitial, wfst.Delta)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		equiv(t, "Push labels", seed, f, g)
	})
}

func sortedInput(f *wfst.Vector) *wfst.Vector {
	g := wfst.Copy(f)
	sortArcs(g, true)
	return g
}

func TestComposeAssociativeAndLazy(t *testing.T) {
	cfgs := propConfigs(false)
	for i := range cfgs {
		cfgs[i].States = 5 // three-way compositions grow fast
	}
	forEach(t, cfgs, 8, func(t *testing.T, seed uint64, cfg wfsttest.Config, a *wfst.Vector) {
		rng := rand.New(rand.NewPCG(seed, 3))
		b := sortedInput(wfsttest.RandomFST(rng, cfg))
		c := sortedInput(wfsttest.RandomFST(rng, cfg))
		for _, filter := range []wfst.ComposeFilter{wfst.SequenceFilter, wfst.AltSequenceFilter, wfst.MatchFilter} {
			opts := wfst.ComposeOptions{Filter: filter, Connect: true}
			ab, err := wfst.Compose(a, b, opts)
			if err != nil {
				t.Fatal(err)
			}
			abc1, err := wfst.Compose(ab, c, opts)
			if err != nil {
				t.Fatal(err)
			}
			bc, err := wfst.Compose(b, c, opts)
			if err != nil {
				t.Fatal(err)
			}
			sortArcs(bc, true)
			abc2, err := wfst.Compose(a, bc, opts)
			if err != nil {
				t.Fatal(err)
			}
			equiv(t, fmt.Sprint("compose associativity, filter ", filter), seed, abc1, abc2)

			// Lazy composition, with a cache small enough to evict, equals eager composition.
			eager, err := wfst.Compose(a, b, wfst.ComposeOptions{Filter: filter})
			if err != nil {
				t.Fatal(err)
			}
			lazy, err := wfst.NewComposeFST(a, b, wfst.ComposeOptions{Filter: filter, CacheLimit: 256})
			if err != nil {
				t.Fatal(err)
			}
			if err := wfsttest.Equal(expandLazy(lazy), eager, 0); err != nil {
				t.Errorf("seed %d: lazy compose differs from eager: %v", seed, err)
			}
			if lazy.CacheBytes() > 256+24+16*64 {
				t.Errorf("seed %d: lazy cache holds %d bytes, limit 256", seed, lazy.CacheBytes())
			}
			// Lazy composition as an argument: (A∘B)∘C with A∘B on the fly.
			lazy2, _ := wfst.NewComposeFST(a, b, wfst.ComposeOptions{Filter: filter})
			abc3, err := wfst.Compose(lazy2, c, opts)
			if err != nil {
				t.Fatal(err)
			}
			equiv(t, "lazy inner compose", seed, abc1, abc3)
		}
	})
}

// expandLazy copies a lazy FST breadth-first into a Vector (state ids are discovery order in both).
func expandLazy(f *wfst.ComposeFST) *wfst.Vector {
	out := wfst.NewVector(f.Semiring())
	if f.Start() == wfst.NoStateID {
		return out
	}
	for s := wfst.StateID(0); int(s) < f.NumKnownStates(); s++ {
		arcs := f.Arcs(s)
		for out.NumStates() < f.NumKnownStates() {
			out.AddState()
		}
		out.SetArcs(s, append([]wfst.Arc(nil), arcs...))
		out.SetFinal(s, f.Final(s))
	}
	out.SetStart(f.Start())
	return out
}

func TestRandGenPathsAccepted(t *testing.T) {
	forEach(t, propConfigs(false), 10, func(t *testing.T, seed uint64, cfg wfsttest.Config, f *wfst.Vector) {
		for _, sel := range []wfst.RandGenSelector{wfst.UniformSelector, wfst.LogProbSelector} {
			p, err := wfst.RandGen(f, wfst.RandGenOptions{Seed: seed, Selector: sel, NPath: 5})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			// Every generated path is a path of f: p ∘ f restricted... each path pair has non-zero weight in f.
			for _, a0 := range p.Arcs(p.Start()) {
				var in, out []wfst.Label
				for a, ok := a0, true; ok; {
					if a.ILabel != 0 {
						in = append(in, a.ILabel)
					}
					if a.OLabel != 0 {
						out = append(out, a.OLabel)
					}
					next := p.Arcs(a.NextState)
					ok = len(next) > 0
					if ok {
						a = next[0]
					}
				}
				w, err := wfst.PairWeight(f, in, out, wfst.Delta)
				if err != nil {
					t.Fatal(err)
				}
				if wfst.IsZero(w) {
					t.Errorf("seed %d: random path %v:%v is not in the FST", seed, in, out)
				}
			}
		}
	})
}

func TestLazyComposeArcsAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(propSeed, 9))
	cfg := wfsttest.DefaultConfig(wfst.Tropical)
	a := wfsttest.RandomFST(rng, cfg)
	b := sortedInput(wfsttest.RandomFST(rng, cfg))
	lazy, err := wfst.NewComposeFST(a, b, wfst.DefaultComposeOptions())
	if err != nil {
		t.Fatal(err)
	}
	expandLazy(lazy)
	// Cached states are served without allocating.
	allocs := testing.AllocsPerRun(100, func() {
		for s := wfst.StateID(0); int(s) < lazy.NumKnownStates(); s++ {
			_ = lazy.Arcs(s)
		}
	})
	if allocs != 0 {
		t.Errorf("cached ComposeFST.Arcs allocates %v times per pass; want 0", allocs)
	}
}

func reentrantStart(f *wfst.Vector) bool {
	for s := 0; s < f.NumStates(); s++ {
		for _, a := range f.Arcs(wfst.StateID(s)) {
			if a.NextState == f.Start() {
				return true
			}
		}
	}
	return false
}

func benchInput(b *testing.B, states int, acceptor bool) (*wfst.Vector, *wfst.Vector) {
	rng := rand.New(rand.NewPCG(propSeed, 11))
	cfg := wfsttest.DefaultConfig(wfst.Tropical)
	cfg.States, cfg.Acceptor, cfg.Acyclic, cfg.Labels = states, acceptor, true, 50
	return wfsttest.RandomFST(rng, cfg), sortedInput(wfsttest.RandomFST(rng, cfg))
}

func BenchmarkCompose(b *testing.B) {
	a, _ := benchInput(b, 2000, false)
	c := wfst.Copy(a) // a ∘ a⁻¹ is never empty
	wfst.Invert(c)
	sortArcs(c, true)
	b.ReportAllocs()
	for b.Loop() {
		out, err := wfst.Compose(a, c, wfst.DefaultComposeOptions())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(wfst.NumArcsTotal(out)), "arcs")
	}
}

func BenchmarkDeterminizeAcceptor(b *testing.B) {
	a, _ := benchInput(b, 2000, true)
	b.ReportAllocs()
	for b.Loop() {
		out, err := wfst.Determinize(a, wfst.DefaultDeterminizeOptions())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(wfst.NumArcsTotal(out)), "arcs")
	}
}

func BenchmarkMinimize(b *testing.B) {
	a, _ := benchInput(b, 2000, true)
	d, err := wfst.Determinize(a, wfst.DefaultDeterminizeOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := wfst.Copy(d)
		if err := wfst.Minimize(m, wfst.DefaultMinimizeOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRmEpsilon(b *testing.B) {
	a, _ := benchInput(b, 5000, false)
	b.ReportAllocs()
	for b.Loop() {
		m := wfst.Copy(a)
		if err := wfst.RemoveEpsilon(m, wfst.DefaultRmEpsilonOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
