package sphinx_test

import (
	"testing"

	"hark/acoustic/sphinx"
	"hark/internal/testenv"
)

// activeSubset returns n senone indices (1-based) spread over all codebooks, as a decoder's active set.
func activeSubset(nSen, n int) []int32 {
	out := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, int32(i*nSen/n+1))
	}
	return out
}

// TestScorerZeroAllocs proves the per-frame scoring path allocates nothing once the features are accepted.
func TestScorerZeroAllocs(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	feats := goforwardFeatures(t)
	s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptFrames(feats); err != nil {
		t.Fatal(err)
	}
	active := activeSubset(m.Mdef.NSen, 1500)
	fr := 0
	allocs := testing.AllocsPerRun(50, func() {
		s.SetActiveSenones(fr, active)
		for _, ix := range active {
			s.LogLikelihood(fr, ix)
		}
		fr++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame; want 0", allocs)
	}
}

// BenchmarkScorer measures PTM scoring per frame on goforward.raw's features for all senones and for
// decoder-like active sets: pocketsphinx_continuous on goforward.raw logs 2490 senones evaluated per frame
// in its first (fwdtree) pass and 375 in its second (fwdflat). The active sets are spread over all
// codebooks, as a search's are. Run: go test -run '^$' -bench Scorer ./acoustic/sphinx/
func BenchmarkScorer(b *testing.B) {
	m := mustLoad(b, testenv.ModelDir)
	feats := goforwardFeatures(b)
	for _, c := range []struct {
		name      string
		n         int
		setActive bool
	}{
		{"all-5126", m.Mdef.NSen, false},
		{"active-2490", 2490, true},
		{"active-1500", 1500, true},
		{"active-375", 375, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
			if err != nil {
				b.Fatal(err)
			}
			active := activeSubset(m.Mdef.NSen, c.n)
			b.ReportAllocs()
			b.ResetTimer()
			fr := 0
			for i := 0; i < b.N; i++ {
				if fr == len(feats) || fr == 0 {
					b.StopTimer()
					s.Reset()
					if err := s.AcceptFrames(feats); err != nil {
						b.Fatal(err)
					}
					fr = 0
					b.StartTimer()
				}
				if c.setActive {
					s.SetActiveSenones(fr, active)
				}
				for _, ix := range active {
					s.LogLikelihood(fr, ix)
				}
				fr++
			}
			nsPerFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(nsPerFrame, "ns/frame")
			b.ReportMetric(10e6/nsPerFrame, "x-realtime") // 10 ms per frame
		})
	}
}
