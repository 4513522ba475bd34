package wfst_test

import (
	"math/rand/v2"
	"testing"

	"hark/wfst"
)

// TestStoredPropertiesAreCorrect checks, on random FSTs and on the outputs of this package's algorithms,
// that every property bit a Vector stores (and fstio writes into file headers) agrees with a full
// recomputation (OpenFST's CompatProperties), and that Properties returns computed values for unknown bits.
func TestStoredPropertiesAreCorrect(t *testing.T) {
	const seed = 99
	rng := rand.New(rand.NewPCG(seed, 1))
	ops := []struct {
		name string
		op   func(f *wfst.Vector) *wfst.Vector
	}{
		{"none", func(f *wfst.Vector) *wfst.Vector { return f }},
		{"arcsort", func(f *wfst.Vector) *wfst.Vector { wfst.ArcSort(f, wfst.ILabelSort); return f }},
		{"arcsort-olabel", func(f *wfst.Vector) *wfst.Vector { wfst.ArcSort(f, wfst.OLabelSort); return f }},
		{"connect", func(f *wfst.Vector) *wfst.Vector { wfst.Connect(f); return f }},
		{"project", func(f *wfst.Vector) *wfst.Vector { wfst.Project(f, wfst.ProjectOutput); return f }},
		{"invert", func(f *wfst.Vector) *wfst.Vector { wfst.Invert(f); return f }},
		{"topsort", func(f *wfst.Vector) *wfst.Vector { wfst.TopSort(f); return f }},
		{"closure", func(f *wfst.Vector) *wfst.Vector { wfst.Closure(f, wfst.ClosureStar); return f }},
		{"reverse", func(f *wfst.Vector) *wfst.Vector { return wfst.Reverse(f, true) }},
		{"union", func(f *wfst.Vector) *wfst.Vector { wfst.Union(f, wfst.Copy(f)); return f }},
		{"concat", func(f *wfst.Vector) *wfst.Vector { wfst.Concat(f, wfst.Copy(f)); return f }},
		{"relabel", func(f *wfst.Vector) *wfst.Vector {
			if err := wfst.Relabel(f, [][2]wfst.Label{{1, 2}}, nil); err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"encode", func(f *wfst.Vector) *wfst.Vector {
			wfst.Encode(f, wfst.NewEncodeMapper(wfst.EncodeLabels|wfst.EncodeWeights))
			return f
		}},
		{"prune", func(f *wfst.Vector) *wfst.Vector {
			if f.Semiring() == wfst.Tropical {
				if err := wfst.Prune(f, 1, -1, wfst.Delta); err != nil {
					t.Fatal(err)
				}
			}
			return f
		}},
	}
	cfgs := []randConfig{{semiring: wfst.Tropical, acyclic: true}, {semiring: wfst.Tropical}, {semiring: wfst.Log, acceptor: true}}
	for i := 0; i < 300; i++ {
		op := ops[i%len(ops)]
		f := op.op(randFST(rng, cfgs[i%len(cfgs)]))
		stored := f.KnownProperties()
		computed, known := wfst.ComputeProperties(f, wfst.PropFST)
		if known&wfst.PropTrinary != wfst.PropTrinary {
			t.Fatalf("%s #%d (seed %d): ComputeProperties left bits unknown: %#x", op.name, i, seed, known)
		}
		if !wfst.CompatProperties(stored, computed) {
			t.Errorf("%s #%d (seed %d): stored properties %#x disagree with computed %#x (diff %#x)", op.name, i, seed,
				stored, computed, (stored^computed)&wfst.KnownPropertiesOf(stored)&wfst.PropTrinary)
		}
		if got := wfst.Properties(f, wfst.PropFST, true); got&wfst.PropTrinary != computed&wfst.PropTrinary {
			t.Errorf("%s #%d: Properties(test) = %#x; want %#x", op.name, i, got, computed)
		}
	}
}
