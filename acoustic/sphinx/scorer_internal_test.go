package sphinx

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"hark/internal/testenv"
)

// TestTopNMatchesExhaustive checks that the incremental top-N search (last frame's top-N re-scored, then
// a pruned scan of every density, as ptm_mgau.c) selects exactly the densities an exhaustive evaluation
// with the same integer scores would select, on a sequence of frames drawn around the model's own means.
func TestTopNMatchesExhaustive(t *testing.T) {
	testenv.RequireFile(t, testenv.ModelDir+"/mdef")
	m, err := Load(testenv.ModelDir, DefaultLoadConfig())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScorer(m, DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	g := m.Gauden
	seed := uint64(20261129)
	rng := rand.New(rand.NewPCG(seed, 1))
	frames := 40
	if testing.Short() {
		frames = 10
	}
	x := make([]float32, 39)
	cb := 0
	for fr := 0; fr < frames; fr++ {
		// A frame near a random density of a slowly changing codebook, as speech moves between phones.
		if fr%5 == 0 {
			cb = rng.IntN(g.NMgau)
		}
		for f := 0; f < g.NFeat; f++ {
			o := g.Offset(cb, f, rng.IntN(g.NDensity))
			for i := 0; i < 13; i++ {
				x[13*f+i] = g.Mean[o+i] + float32(rng.NormFloat64())*float32(math.Sqrt(float64(max(g.Var[o+i], 1e-4))))
			}
		}
		if err := s.AcceptFrame(x); err != nil {
			t.Fatal(err)
		}
		s.Score(fr, 0)
		all := make([]int32, g.NDensity)
		for c := 0; c < g.NMgau; c++ {
			for f := 0; f < g.NFeat; f++ {
				for d := range all {
					all[d] = toInt32(s.density(c, f, d))
				}
				sorted := append([]int32(nil), all...)
				sort.Slice(sorted, func(a, b int) bool { return sorted[a] > sorted[b] })
				nth := sorted[s.topN-1]
				for _, cw := range s.TopN(c, f, nil) {
					if all[cw] < nth {
						t.Fatalf("seed %d frame %d codebook %d stream %d: density %d (score %d) in top-N, but the %d-th best scores %d",
							seed, fr, c, f, cw, all[cw], s.topN, nth)
					}
				}
			}
		}
	}
}

// TestLogAddTable checks the 8-bit log-add table against its definition.
func TestLogAddTable(t *testing.T) {
	if len(addTable8) != 256 {
		t.Errorf("table size %d; want 256 (logmath_init never makes a smaller one)", len(addTable8))
	}
	for _, d := range []int{0, 1, 5, 20, 50} {
		want := math.Log(1+math.Pow(logBase, -float64(d<<SenscrShift))) / math.Log(logBase) / 1024
		if got := float64(addTable8[d]); math.Abs(got-want) > 1 {
			t.Errorf("addTable8[%d] = %v; want ≈ %.2f", d, got, want)
		}
	}
	if addTable8[0] != 7 { // log_1.0001(2) / 1024 = 6.77, rounded
		t.Errorf("addTable8[0] = %d; want 7", addTable8[0])
	}
}
