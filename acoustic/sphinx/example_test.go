package sphinx_test

import (
	"fmt"
	"log"
	"math"
	"sync"
	"testing"

	"hark/acoustic/sphinx"
	"hark/decoder"
	"hark/hmm"
	"hark/internal/testenv"
)

// The Scorer is what the decoder consumes; the Mdef is what C and H are built from.
var (
	_ decoder.Decodable = (*sphinx.Scorer)(nil)
	_ hmm.Model         = (*sphinx.Mdef)(nil)
)

// TestTransitionsForHMM checks that the processed matrices are accepted by package hmm and give the same
// probabilities.
func TestTransitionsForHMM(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	tr, err := hmm.NewTransitions(m.Tmat.Matrices())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < m.Tmat.NTmat; i++ {
		for j := 0; j < m.Tmat.NState; j++ {
			for k := 0; k <= m.Tmat.NState; k++ {
				want := math.Exp(m.Tmat.LogProb(i, j, k))
				if got := tr.Prob(i, j, k); math.Abs(got-want) > 1e-6 {
					t.Fatalf("P(%d|%d) of matrix %d: hmm %v, sphinx %v", k, j, i, got, want)
				}
			}
		}
	}
}

// Example loads Debian's en-us model and scores a senone of the first frame. The features would come from
// package feature (feature.Compute or an online feature.Extractor) configured by the model's feat.params.
func Example() {
	m, err := sphinx.Load("/usr/share/pocketsphinx/model/en-us/en-us", sphinx.DefaultLoadConfig())
	if err != nil {
		log.Fatal(err)
	}
	s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		log.Fatal(err)
	}
	frame := make([]float32, s.FeatureDim()) // one 39-dimensional 1s_c_d_dd vector
	if err := s.AcceptFrame(frame); err != nil {
		log.Fatal(err)
	}
	// Senone 0 of the model is index 1 for the decoder (0 is epsilon).
	fmt.Printf("%d senones; log likelihood of senone 0 in frame 0: %.2f nats\n", s.NumIndices(), s.LogLikelihood(0, 1))
}

// TestScorersShareModel runs several Scorers over one Model concurrently (meaningful under -race) and
// checks they agree.
func TestScorersShareModel(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	feats := goforwardFeatures(t)[:20]
	const n = 3
	sums := make([]float64, n)
	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
			if err != nil {
				t.Error(err)
				return
			}
			for fr, f := range feats {
				if err := s.AcceptFrame(f); err != nil {
					t.Error(err)
					return
				}
				for ix := int32(1 + g); ix <= int32(s.NumIndices()); ix += 7 {
					s.LogLikelihood(fr, ix)
				}
				for ix := int32(1); ix <= int32(s.NumIndices()); ix += 50 {
					sums[g] += float64(s.LogLikelihood(fr, ix))
				}
			}
		}()
	}
	wg.Wait()
	for g := 1; g < n; g++ {
		if sums[g] != sums[0] {
			t.Errorf("scorer %d: sum %v; scorer 0: %v", g, sums[g], sums[0])
		}
	}
}
