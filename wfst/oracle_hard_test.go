package wfst_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"hark/wfst"
	"hark/wfst/wfsttest"
)

// oracleSeed is the fixed seed of the OpenFST oracle tests; every failure prints it with the case.
const oracleSeed = 20261129

// oracleCase is one batch: perBatch random FSTs of one kind, joined by wfsttest.TagUnion so that one OpenFST
// process checks them all.
type oracleCase struct {
	name string
	cfg  wfsttest.Config
}

// oracleCases covers both semirings, acyclic and cyclic inputs, epsilons, acceptors and transducers.
func oracleCases(acceptor, functional, determinizable bool) []oracleCase {
	var cs []oracleCase
	for _, sr := range []wfst.Semiring{wfst.Tropical, wfst.Log} {
		for _, acyclic := range []bool{true, false} {
			for _, size := range []int{4, 9} {
				cfg := wfsttest.DefaultConfig(sr)
				cfg.States = size
				cfg.Acyclic = acyclic
				cfg.Acceptor = acceptor
				cfg.Functional = functional
				cfg.UnweightedCycles = determinizable && !acyclic
				cs = append(cs, oracleCase{fmt.Sprintf("%s/acyclic=%v/states=%d", sr, acyclic, size), cfg})
			}
		}
	}
	return cs
}

const perBatch = 12

// batch draws perBatch random FSTs for case i of test name and returns them with their tagged union.
func batch(name string, i int, cfg wfsttest.Config) (seed uint64, parts []*wfst.Vector, union *wfst.Vector) {
	seed = oracleSeed + uint64(i)*7919 + uint64(len(name))*104729
	rng := rand.New(rand.NewPCG(seed, 0))
	for k := 0; k < perBatch; k++ {
		parts = append(parts, wfsttest.RandomFST(rng, cfg))
	}
	return seed, parts, wfsttest.TagUnion(parts, 1000)
}

// detBatch is batch restricted to FSTs that determinize within 500 states: in the log semiring, cycles can
// make determinization diverge even with the twins property (residuals grow with the number of paths), and
// such inputs are skipped and replaced by further draws.
func detBatch(t *testing.T, name string, i int, cfg wfsttest.Config) (seed uint64, union *wfst.Vector) {
	seed = oracleSeed + uint64(i)*7919 + uint64(len(name))*104729
	rng := rand.New(rand.NewPCG(seed, 0))
	var parts []*wfst.Vector
	for tries := 0; len(parts) < perBatch; tries++ {
		if tries > 20*perBatch {
			t.Fatalf("seed %d: %s: too few determinizable random FSTs", seed, name)
		}
		f := wfsttest.RandomFST(rng, cfg)
		opts := wfst.DefaultDeterminizeOptions()
		opts.MaxStates = 500
		if _, err := wfst.Determinize(f, opts); err != nil {
			continue
		}
		parts = append(parts, f)
	}
	return seed, wfsttest.TagUnion(parts, 1000)
}

// sortArcs sorts each state's arcs by input (input true) or output label, stably (OpenFST's ArcSort).
func sortArcs(f *wfst.Vector, input bool) {
	for s := 0; s < f.NumStates(); s++ {
		arcs := slices.Clone(f.Arcs(wfst.StateID(s)))
		slices.SortStableFunc(arcs, func(a, b wfst.Arc) int {
			if input {
				return int(a.ILabel) - int(b.ILabel)
			}
			return int(a.OLabel) - int(b.OLabel)
		})
		f.SetArcs(wfst.StateID(s), arcs)
	}
}

func isoDelta(sr wfst.Semiring) float32 {
	if sr == wfst.Log {
		return 2e-3
	}
	return 1e-5
}

func mustEquiv(t *testing.T, what string, seed uint64, got, want wfst.FST) {
	t.Helper()
	ok, err := wfst.RandEquivalent(got, want, 8*perBatch, wfst.Delta, seed)
	if err != nil {
		t.Fatalf("seed %d: %s: RandEquivalent: %v", seed, what, err)
	}
	if !ok {
		t.Errorf("seed %d: %s: not equivalent to OpenFST's output", seed, what)
	}
}

func TestOracleRmEpsilon(t *testing.T) {
	o := wfsttest.NewOpenFST(t)
	for i, c := range append(oracleCases(false, false, false), oracleCases(true, false, false)...) {
		seed, _, u := batch("rmepsilon", i, c.cfg)
		want, err := o.Run("fstrmepsilon", nil, u)
		if err != nil {
			t.Fatalf("seed %d %s: %v", seed, c.name, err)
		}
		got := wfst.Copy(u)
		if err := wfst.RemoveEpsilon(got, wfst.DefaultRmEpsilonOptions()); err != nil {
			t.Fatalf("seed %d %s: RemoveEpsilon: %v", seed, c.name, err)
		}
		for s := 0; s < got.NumStates(); s++ {
			for _, a := range got.Arcs(wfst.StateID(s)) {
				if a.ILabel == 0 && a.OLabel == 0 {
					t.Fatalf("seed %d %s: epsilon arc left at state %d", seed, c.name, s)
				}
			}
		}
		mustEquiv(t, "rmepsilon "+c.name, seed, got, want)
		if got.NumStates() != want.NumStates() {
			t.Errorf("seed %d %s: rmepsilon: %d states, OpenFST %d", seed, c.name, got.NumStates(), want.NumStates())
		}
	}
}

func TestOracleDeterminize(t *testing.T) {
	o := wfsttest.NewOpenFST(t)
	for i, c := range oracleCases(true, false, true) {
		seed, u := detBatch(t, "determinize", i, c.cfg)
		want, err := o.Run("fstdeterminize", nil, u)
		if err != nil {
			t.Fatalf("seed %d %s: %v", seed, c.name, err)
		}
		got, err := wfst.Determinize(u, wfst.DefaultDeterminizeOptions())
		if err != nil {
			t.Fatalf("seed %d %s: Determinize: %v", seed, c.name, err)
		}
		// Determinization of an acceptor is canonical up to state numbering.
		if err := wfsttest.Isomorphic(got, want, isoDelta(c.cfg.Semiring)); err != nil {
			t.Errorf("seed %d %s: determinize differs from OpenFST: %v", seed, c.name, err)
		}
	}
	for i, c := range oracleCases(false, true, true) {
		seed, u := detBatch(t, "determinize-functional", i, c.cfg)
		want, err := o.Run("fstdeterminize", nil, u)
		if err != nil {
			t.Fatalf("seed %d %s: %v", seed, c.name, err)
		}
		got, err := wfst.Determinize(u, wfst.DefaultDeterminizeOptions())
		if err != nil {
			t.Fatalf("seed %d %s: Determinize: %v", seed, c.name, err)
		}
		mustEquiv(t, "determinize functional "+c.name, seed, got, want)
		if got.NumStates() != want.NumStates() || wfst.NumArcsTotal(got) != wfst.NumArcsTotal(want) {
			t.Errorf("seed %d %s: determinize functional: %d states %d arcs, OpenFST %d %d", seed, c.name,
				got.NumStates(), wfst.NumArcsTotal(got), want.NumStates(), wfst.NumArcsTotal(want))
		}
	}
}

func TestOracleMinimize(t *testing.T) {
	o := wfsttest.NewOpenFST(t)
	for i, c := range oracleCases(true, false, true) {
		seed, u := detBatch(t, "minimize", i, c.cfg)
		det, err := wfst.Determinize(u, wfst.DefaultDeterminizeOptions())
		if err != nil {
			t.Fatalf("seed %d %s: Determinize: %v", seed, c.name, err)
		}
		want, err := o.Run("fstminimize", nil, det)
		if err != nil {
			t.Fatalf("seed %d %s: %v", seed, c.name, err)
		}
		got := wfst.Copy(det)
		if err := wfst.Minimize(got, wfst.DefaultMinimizeOptions()); err != nil {
			t.Fatalf("seed %d %s: Minimize: %v", seed, c.name, err)
		}
		// Minimization of a deterministic acceptor is canonical.
		if err := wfsttest.Isomorphic(got, want, isoDelta(c.cfg.Semiring)); err != nil {
			t.Errorf("seed %d %s: minimize differs from OpenFST: %v", seed, c.name, err)
		}
	}
}

func TestOraclePush(t *testing.T) {
	o := wfsttest.NewOpenFST(t)
	for i, c := range oracleCases(false, false, false) {
		for _, toFinal := range []bool{false, true} {
			seed, _, u := batch(fmt.Sprint("push", toFinal), i, c.cfg)
			args := []string{"--push_weights"}
			typ := wfst.ReweightToInitial
			if toFinal {
				args = append(args, "--to_final")
				typ = wfst.ReweightToFinal
			}
			want, err := o.Run("fstpush", args, u)
			if err != nil {
				t.Fatalf("seed %d %s: %v", seed, c.name, err)
			}
			got, err := wfst.Push(u, wfst.PushWeights, typ, wfst.Delta)
			if err != nil {
				t.Fatalf("seed %d %s: Push: %v", seed, c.name, err)
			}
			if err := wfsttest.Isomorphic(got, want, isoDelta(c.cfg.Semiring)); err != nil {
				t.Errorf("seed %d %s to_final=%v: push differs from OpenFST: %v", seed, c.name, toFinal, err)
			}
		}
	}
}

func TestOracleCompose(t *testing.T) {
	o := wfsttest.NewOpenFST(t)
	filters := []struct {
		name string
		f    wfst.ComposeFilter
	}{{"sequence", wfst.SequenceFilter}, {"alt_sequence", wfst.AltSequenceFilter}, {"match", wfst.MatchFilter}}
	for i, c := range oracleCases(false, false, false) {
		_, _, a := batch("compose-a", i, c.cfg)
		seed, _, b := batch("compose-b", i, c.cfg)
		sortArcs(b, true)
		for _, fl := range filters {
			want, err := o.Run("fstcompose", []string{"--compose_filter=" + fl.name}, a, b)
			if err != nil {
				t.Fatalf("seed %d %s: %v", seed, c.name, err)
			}
			got, err := wfst.Compose(a, b, wfst.ComposeOptions{Filter: fl.f, Connect: true})
			if err != nil {
				t.Fatalf("seed %d %s: Compose: %v", seed, c.name, err)
			}
			if err := wfsttest.Equal(got, want, isoDelta(c.cfg.Semiring)); err != nil {
				t.Errorf("seed %d %s filter %s: compose differs from OpenFST: %v", seed, c.name, fl.name, err)
			}
		}
	}
}

func TestOracleIntersect(t *testing.T) {
	o := wfsttest.NewOpenFST(t)
	for i, c := range oracleCases(true, false, false) {
		_, _, a := batch("intersect-a", i, c.cfg)
		seed, _, b := batch("intersect-b", i, c.cfg)
		sortArcs(b, true)
		want, err := o.Run("fstintersect", nil, a, b)
		if err != nil {
			t.Fatalf("seed %d %s: %v", seed, c.name, err)
		}
		got, err := wfst.Intersect(a, b, wfst.DefaultComposeOptions())
		if err != nil {
			t.Fatalf("seed %d %s: Intersect: %v", seed, c.name, err)
		}
		if err := wfsttest.Equal(got, want, isoDelta(c.cfg.Semiring)); err != nil {
			t.Errorf("seed %d %s: intersect differs from OpenFST: %v", seed, c.name, err)
		}
	}
}
