package wfst

import (
	"math"
	"testing"
)

func TestVectorAndConst(t *testing.T) {
	f := NewVector(Tropical)
	s0, s1, s2 := f.AddState(), f.AddState(), f.AddState()
	f.SetStart(s0)
	f.AddArc(s0, Arc{ILabel: 1, OLabel: 0, Weight: 0.5, NextState: s1})
	f.AddArc(s0, Arc{ILabel: 0, OLabel: 2, Weight: 1, NextState: s2})
	f.AddArc(s1, Arc{ILabel: 3, OLabel: 3, Weight: 0, NextState: s2})
	f.SetFinal(s2, 0.25)
	c := NewConst(f)
	if got, want := c.NumStates(), 3; got != want {
		t.Fatalf("NumStates() = %d; want %d", got, want)
	}
	if got, want := c.NumArcsTotal(), 3; got != want {
		t.Fatalf("NumArcsTotal() = %d; want %d", got, want)
	}
	if c.NumInputEpsilons(s0) != 1 || c.NumOutputEpsilons(s0) != 1 || f.NumInputEpsilons(s0) != 1 {
		t.Errorf("epsilon counts wrong")
	}
	if !IsZero(c.Final(s0)) || c.Final(s2) != 0.25 {
		t.Errorf("finals wrong: %v %v", c.Final(s0), c.Final(s2))
	}
	del := []bool{false, true, false}
	f.DeleteStates(del)
	if f.NumStates() != 2 || len(f.Arcs(0)) != 1 || f.Arcs(0)[0].NextState != 1 {
		t.Errorf("DeleteStates: got %d states, arcs %v", f.NumStates(), f.Arcs(0))
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = c.Arcs(0) }); allocs != 0 {
		t.Errorf("Const.Arcs allocates %v times; want 0", allocs)
	}
}

func TestLogPlus(t *testing.T) {
	got := LogPlus(1, 1)
	want := float32(1 - math.Log(2))
	if !ApproxEqual(got, want, 1e-6) {
		t.Errorf("LogPlus(1, 1) = %v; want %v", got, want)
	}
	if LogPlus(Zero, 3) != 3 || LogPlus(3, Zero) != 3 {
		t.Error("LogPlus with Zero is not the identity")
	}
	if Tropical.Plus(2, 3) != 2 {
		t.Error("tropical Plus is not min")
	}
}
