package wfsttest

import (
	"math/rand/v2"
	"testing"

	"hark/wfst"
)

func TestRandomFSTDeterministicAndTrim(t *testing.T) {
	for _, acyclic := range []bool{true, false} {
		cfg := DefaultConfig(wfst.Log)
		cfg.Acyclic, cfg.States = acyclic, 20
		a := RandomFST(rand.New(rand.NewPCG(5, 6)), cfg)
		b := RandomFST(rand.New(rand.NewPCG(5, 6)), cfg)
		if err := Equal(a, b, 0); err != nil {
			t.Fatalf("same seed, different FSTs: %v", err)
		}
		acc, coacc := wfst.AccessibleStates(a)
		for s := range acc {
			if !acc[s] || !coacc[s] {
				t.Fatalf("state %d is not trim", s)
			}
		}
		if acyclic {
			for s := 0; s < a.NumStates(); s++ {
				for _, arc := range a.Arcs(wfst.StateID(s)) {
					if int(arc.NextState) <= s {
						t.Fatalf("acyclic config produced a back arc %d→%d", s, arc.NextState)
					}
				}
			}
		}
	}
}

func TestIsomorphicAndEqualDetectDifferences(t *testing.T) {
	cfg := DefaultConfig(wfst.Tropical)
	cfg.Acceptor = true
	a := RandomFST(rand.New(rand.NewPCG(1, 2)), cfg)
	b := wfst.Copy(a)
	if err := Isomorphic(a, b, 0); err != nil {
		t.Fatalf("copy not isomorphic: %v", err)
	}
	arcs := append([]wfst.Arc(nil), b.Arcs(b.Start())...)
	arcs[0].Weight += 1
	b.SetArcs(b.Start(), arcs)
	if Isomorphic(a, b, 1e-3) == nil || Equal(a, b, 1e-3) == nil {
		t.Fatal("a changed weight went unnoticed")
	}
	ok, err := RandEquivalent(a, wfst.Copy(a), 50, wfst.Delta, 3)
	if err != nil || !ok {
		t.Fatalf("RandEquivalent(a, copy) = %v, %v", ok, err)
	}
	// Dropping the final weight of the chain's last state removes paths: not equivalent.
	c := wfst.Copy(a)
	c.SetFinal(wfst.StateID(c.NumStates()-1), wfst.Zero)
	for s := 0; s < c.NumStates(); s++ {
		c.SetFinal(wfst.StateID(s), wfst.Zero)
	}
	c.SetFinal(c.Start(), 0)
	if ok, _ := RandEquivalent(a, c, 50, wfst.Delta, 3); ok {
		t.Fatal("RandEquivalent missed a different language")
	}
}

func TestTagUnionKeepsParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	cfg := DefaultConfig(wfst.Tropical)
	parts := []*wfst.Vector{RandomFST(rng, cfg), RandomFST(rng, cfg)}
	u := TagUnion(parts, 100)
	if got, want := u.NumStates(), 1+parts[0].NumStates()+parts[1].NumStates(); got != want {
		t.Fatalf("TagUnion has %d states; want %d", got, want)
	}
	for i, a := range u.Arcs(u.Start()) {
		if a.ILabel != wfst.Label(100+i) || a.OLabel != a.ILabel {
			t.Fatalf("tag arc %d: %d:%d", i, a.ILabel, a.OLabel)
		}
	}
}

func TestSemiringLawsHold(t *testing.T) {
	CheckSemiringLaws(t, wfst.Tropical, rand.New(rand.NewPCG(1, 1)), 500, 1e-3)
	CheckSemiringLaws(t, wfst.Log, rand.New(rand.NewPCG(1, 1)), 500, 1e-3)
}
