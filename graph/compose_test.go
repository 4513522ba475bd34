package graph

import (
	"fmt"
	"testing"

	"hark/lexicon"
	"hark/wfst"
)

func TestComposeLGEqualsCompose(t *testing.T) {
	in := testInputs(t)
	cfg := lexicon.DefaultLConfig()
	cfg.CIPhones = []string{"SIL"}
	l, err := lexicon.BuildL(in.Lexicon, in.Words, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Both matching directions: G states with fewer arcs than L's loop state (as in testLM), and G's
	// unigram state with more (extra words without pronunciations).
	g := in.G.(*wfst.Vector)
	extra := wfst.Copy(g)
	for i := 0; i < 20; i++ {
		w := in.Words.Add(fmt.Sprintf("w%d", i))
		extra.AddArc(0, wfst.Arc{ILabel: wfst.Label(w), OLabel: wfst.Label(w), Weight: 3, NextState: 0})
	}
	wfst.ArcSort(extra, wfst.ILabelSort)
	for _, g := range []*wfst.Vector{g, extra} {
		checkComposeLG(t, l, g)
	}
	// A G with an input epsilon needs the general composition.
	ge := wfst.Copy(g)
	ge.AddArc(ge.Start(), wfst.Arc{NextState: ge.Start(), Weight: 1})
	wfst.ArcSort(ge, wfst.ILabelSort)
	if _, ok := composeLG(l.FST, ge); ok {
		t.Error("composeLG accepted a G with an input epsilon")
	}
}

func checkComposeLG(t *testing.T, l *lexicon.L, g *wfst.Vector) {
	t.Helper()
	fast, ok := composeLG(l.FST, g)
	if !ok {
		t.Fatal("composeLG refused a G without input epsilons")
	}
	ref, err := wfst.Compose(l.FST, g, wfst.DefaultComposeOptions())
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 4; seed++ {
		eq, err := wfst.RandEquivalent(fast, ref, 300, 1e-4, seed)
		if err != nil {
			t.Fatal(err)
		}
		if !eq {
			t.Fatalf("seed %d: composeLG differs from wfst.Compose", seed)
		}
	}
	if fast.NumStates() != ref.NumStates() {
		t.Logf("states: composeLG %d, wfst.Compose %d", fast.NumStates(), ref.NumStates())
	}
}
