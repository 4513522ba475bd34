package decoder

import (
	"math/rand/v2"
	"testing"

	"hark/wfst"
)

// TestShrinkSameResults decodes, shrinks, and decodes again: the best path, its weight, the partial
// result and the raw lattice are identical to those of the first decoding and of a fresh decoder, the
// arenas are freed, and after the next warm-up decoding allocates nothing per frame again.
func TestShrinkSameResults(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 21))
		g := wfst.NewConst(randomGraph(rng, 400, 4, 60, 20, 0.15, 0.2))
		m := randomMatrix(rng, 150, 60)
		other := randomMatrix(rng, 90, 60)
		for _, finalize := range []bool{false, true} {
			d := mustNew(t, g, pruningConfig())
			ref := decodeChunked(t, d, m, 7, finalize)
			held := d.ArenaBytes()
			d.Shrink()
			if after := d.ArenaBytes(); after >= held/2 {
				t.Errorf("seed %d: ArenaBytes %d after Shrink, %d before; want far less", seed, after, held)
			}
			if _, err := d.BestPath(true); err == nil {
				t.Errorf("seed %d: BestPath after Shrink succeeded; want ErrNotStarted", seed)
			}
			for i, mat := range []*Matrix{m, other, m} {
				got := decodeChunked(t, d, mat, 7, finalize)
				want := ref
				if mat == other {
					want = decodeChunked(t, mustNew(t, g, pruningConfig()), other, 7, finalize)
				}
				if !equalLabels(got.words, want.words) || got.weight != want.weight || !equalLabels(got.partial, want.partial) {
					t.Errorf("seed %d run %d: %v %v %v after Shrink; want %v %v %v", seed, i, got.words, got.weight, got.partial, want.words, want.weight, want.partial)
				}
				if err := sameLattice(got.lat, want.lat); err != nil {
					t.Errorf("seed %d run %d finalize %v: lattice after Shrink differs: %v", seed, i, finalize, err)
				}
				if i == 1 {
					d.Shrink() // shrink again between utterances of different lengths
				}
			}
		}
	}
	// Zero allocations per utterance once warm again after a Shrink.
	rng := rand.New(rand.NewPCG(5, 5))
	g := wfst.NewConst(randomGraph(rng, 1000, 4, 200, 50, 0.1, 0.2))
	m := randomMatrix(rng, 60, 200)
	d := mustNew(t, g, pruningConfig())
	run := func() {
		if err := d.InitDecoding(); err != nil {
			t.Fatal(err)
		}
		if err := d.AdvanceDecoding(m, -1); err != nil {
			t.Fatal(err)
		}
	}
	run()
	d.Shrink()
	run()
	if allocs := testing.AllocsPerRun(2, run); allocs != 0 {
		t.Errorf("after Shrink and warm-up: %v allocations per utterance; want 0", allocs)
	}
}
