package wfsttest

import (
	"fmt"
	"slices"

	"hark/wfst"
)

// RandEquivalent reports whether a and b agree on npath random paths drawn from both (wfst.RandEquivalent
// with OpenFST's kDelta semantics); a non-nil error means the check itself failed.
func RandEquivalent(a, b wfst.FST, npath int, delta float32, seed uint64) (bool, error) {
	return wfst.RandEquivalent(a, b, npath, delta, seed)
}

// Isomorphic returns nil when a and b are the same FST up to state numbering and arc order, with weights
// equal within delta (OpenFST's Isomorphic), and otherwise an error describing the first difference. Arcs of a
// state are paired after sorting by (input, output, weight); this is exact for deterministic FSTs.
func Isomorphic(a, b wfst.Expanded, delta float32) error {
	if a.NumStates() != b.NumStates() {
		return fmt.Errorf("%d states vs %d", a.NumStates(), b.NumStates())
	}
	if na, nb := wfst.NumArcsTotal(a), wfst.NumArcsTotal(b); na != nb {
		return fmt.Errorf("%d arcs vs %d", na, nb)
	}
	if a.Start() == wfst.NoStateID || b.Start() == wfst.NoStateID {
		if a.Start() != b.Start() {
			return fmt.Errorf("start %d vs %d", a.Start(), b.Start())
		}
		return nil
	}
	m := make([]wfst.StateID, a.NumStates())
	for i := range m {
		m[i] = wfst.NoStateID
	}
	used := make([]bool, b.NumStates())
	sorted := func(arcs []wfst.Arc) []wfst.Arc {
		c := slices.Clone(arcs)
		slices.SortFunc(c, func(x, y wfst.Arc) int {
			if x.ILabel != y.ILabel {
				return int(x.ILabel) - int(y.ILabel)
			}
			if x.OLabel != y.OLabel {
				return int(x.OLabel) - int(y.OLabel)
			}
			if x.Weight < y.Weight {
				return -1
			}
			if x.Weight > y.Weight {
				return 1
			}
			return 0
		})
		return c
	}
	m[a.Start()] = b.Start()
	used[b.Start()] = true
	queue := []wfst.StateID{a.Start()}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		t := m[s]
		if !wfst.ApproxEqual(a.Final(s), b.Final(t), delta) {
			return fmt.Errorf("state %d~%d: final %v vs %v", s, t, a.Final(s), b.Final(t))
		}
		aa, ba := sorted(a.Arcs(s)), sorted(b.Arcs(t))
		if len(aa) != len(ba) {
			return fmt.Errorf("state %d~%d: %d arcs vs %d", s, t, len(aa), len(ba))
		}
		for i := range aa {
			x, y := aa[i], ba[i]
			if x.ILabel != y.ILabel || x.OLabel != y.OLabel || !wfst.ApproxEqual(x.Weight, y.Weight, delta) {
				return fmt.Errorf("state %d~%d: arc %d:%d/%v vs %d:%d/%v", s, t, x.ILabel, x.OLabel, x.Weight, y.ILabel, y.OLabel, y.Weight)
			}
			switch {
			case m[x.NextState] == wfst.NoStateID:
				if used[y.NextState] {
					return fmt.Errorf("state %d~%d: arc %d:%d leads to mismatched states", s, t, x.ILabel, x.OLabel)
				}
				m[x.NextState] = y.NextState
				used[y.NextState] = true
				queue = append(queue, x.NextState)
			case m[x.NextState] != y.NextState:
				return fmt.Errorf("state %d~%d: arc %d:%d leads to mismatched states", s, t, x.ILabel, x.OLabel)
			}
		}
	}
	return nil
}

// Equal returns nil when a and b are identical (same state numbering, arcs in the same order, weights
// within delta), and otherwise an error describing the first difference. Use it where our algorithm numbers
// states and orders arcs as OpenFST does (composition, determinization).
func Equal(a, b wfst.Expanded, delta float32) error {
	if a.NumStates() != b.NumStates() {
		return fmt.Errorf("%d states vs %d", a.NumStates(), b.NumStates())
	}
	if a.Start() != b.Start() {
		return fmt.Errorf("start %d vs %d", a.Start(), b.Start())
	}
	for s := 0; s < a.NumStates(); s++ {
		st := wfst.StateID(s)
		if !wfst.ApproxEqual(a.Final(st), b.Final(st), delta) {
			return fmt.Errorf("state %d: final %v vs %v", s, a.Final(st), b.Final(st))
		}
		aa, ba := a.Arcs(st), b.Arcs(st)
		if len(aa) != len(ba) {
			return fmt.Errorf("state %d: %d arcs vs %d", s, len(aa), len(ba))
		}
		for i := range aa {
			x, y := aa[i], ba[i]
			if x.ILabel != y.ILabel || x.OLabel != y.OLabel || x.NextState != y.NextState || !wfst.ApproxEqual(x.Weight, y.Weight, delta) {
				return fmt.Errorf("state %d arc %d: %d:%d/%v→%d vs %d:%d/%v→%d", s, i, x.ILabel, x.OLabel, x.Weight, x.NextState, y.ILabel, y.OLabel, y.Weight, y.NextState)
			}
		}
	}
	return nil
}
