package lm_test

import (
	"math"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
	"hark/lm"
)

func openTurtle(t testing.TB) *lm.Model {
	t.Helper()
	path := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	tr, err := lm.OpenTrie(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	m, err := tr.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// contextSums returns Σ_w P(w | h) over the whole vocabulary (<s> included: turtle has bigrams "x <s>") for every history h of m's n-grams below the
// highest order.
func contextSums(m *lm.Model) map[string]float64 {
	sums := map[string]float64{}
	v := m.Vocab().NumWords()
	for k := 1; k < m.Order(); k++ {
		for i := 0; i < m.Counts()[k-1]; i++ {
			h, _, _ := m.NGram(k, i)
			sum := 0.0
			for w := 0; w < v; w++ {
				sum += math.Exp(float64(m.Score(h, lm.WordID(w))))
			}
			sums[key(h)] = sum
		}
	}
	return sums
}

func key(ids []lm.WordID) string {
	b := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		b = append(b, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
	}
	return string(b)
}

func TestPruneTurtle(t *testing.T) {
	m := openTurtle(t)
	before := contextSums(m)
	prev := m.NumNGrams() + 1
	for _, thr := range []float64{1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 1} {
		cfg := lm.DefaultPruneConfig()
		cfg.Threshold = thr
		p, st, err := lm.Prune(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("threshold %g: %v → %v (%d contexts renormalised)", thr, st.Before, st.After, st.Renormalised)
		if p.NumNGrams() > prev {
			t.Errorf("threshold %g kept %d n-grams, more than %d at a lower threshold", thr, p.NumNGrams(), prev)
		}
		prev = p.NumNGrams()
		if p.Counts()[0] != m.Counts()[0] {
			t.Errorf("unigrams pruned: %d → %d", m.Counts()[0], p.Counts()[0])
		}
		checkPrefixes(t, p)
		// Every distribution keeps the total mass it had (quantised models are only nearly normalised).
		for h, sum := range contextSums(p) {
			if b, ok := before[h]; ok && math.Abs(sum-b) > 2e-3 {
				t.Errorf("threshold %g: context %x sums to %.5f; %.5f before", thr, h, sum, b)
			}
		}
	}
	for _, target := range []int{400, 300, 200, 91, 50} {
		cfg := lm.DefaultPruneConfig()
		cfg.TargetNGrams = target
		p, st, err := lm.Prune(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if want := max(target, 91); p.NumNGrams() > want || p.NumNGrams() < min(want, m.NumNGrams()) {
			t.Errorf("target %d: %d n-grams (%v)", target, p.NumNGrams(), st.After)
		}
		checkPrefixes(t, p)
	}
	if _, _, err := lm.Prune(m, lm.DefaultPruneConfig()); err == nil {
		t.Error("Prune without threshold or target succeeded")
	}
}

// checkPrefixes checks that the history of every n-gram is an n-gram of the model.
func checkPrefixes(t *testing.T, m *lm.Model) {
	t.Helper()
	for k := 2; k <= m.Order(); k++ {
		for i := 0; i < m.Counts()[k-1]; i++ {
			w, _, _ := m.NGram(k, i)
			if _, _, ok := m.Lookup(w[:k-1]); !ok {
				t.Errorf("%d-gram %v kept without its history", k, w)
				return
			}
		}
	}
}
