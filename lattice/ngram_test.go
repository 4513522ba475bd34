package lattice_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
	"hark/lattice"
	"hark/lm"
	"hark/wfst"
)

// TestNGramLMRescore rescores random word lattices over the words of pocketsphinx-testdata's turtle LM
// and checks every word sequence's new cost against the model scored directly with explicit histories.
func TestNGramLMRescore(t *testing.T) {
	path := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	s, err := lm.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := lm.AsModel(s)
	if err != nil {
		t.Fatal(err)
	}
	syms, _ := lm.WordSymbols(m)
	adapter, err := lattice.NewNGramLM(s, syms)
	if err != nil {
		t.Fatal(err)
	}
	v := s.Vocab()
	direct := func(labels []wfst.Label) float32 {
		hist := []lm.WordID{v.ID(lm.SentenceStart)}
		cost := float32(0)
		for _, l := range labels {
			sym, _ := syms.Symbol(int64(l))
			w := v.ID(sym)
			cost -= s.Score(hist, w)
			hist = append(hist, w)
		}
		return cost - s.Score(hist, v.ID(lm.SentenceEnd))
	}
	for seed := uint64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		wl := randomWordLattice(rng, 3+rng.IntN(5), 3, 6) // words 1..6 of the symbol table
		det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := bestPerSequence(enumerate(det))
		out, err := lattice.Rescore(det, nil, adapter, lattice.DefaultRescoreOptions())
		if err != nil {
			t.Fatal(err)
		}
		after := bestPerSequence(enumerate(out))
		// Removing and adding the same model is the identity.
		same, err := lattice.Rescore(out, adapter, adapter, lattice.DefaultRescoreOptions())
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range bestPerSequence(enumerate(same)) {
			if !near(v, after[k]) {
				t.Errorf("seed %d: %s costs %g after rescoring with old = new; %g before", seed, k, v, after[k])
			}
		}
		for _, p := range enumeratePaths(det) {
			key := fmt.Sprint(p.labels)
			if got, want := after[key], before[key]+direct(p.labels); !near(got, want) {
				t.Errorf("seed %d: %v rescored to %g; want %g", seed, p.labels, got, want)
			}
		}
	}
}
