package wfst

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Equivalent reports whether deterministic acceptors a and b have the same weighted language, within delta
// (OpenFST's Equivalent, the fstequivalent tool). Both are trimmed and their weights pushed toward the
// initial state with the total weight removed; the totals are compared, then states are paired from the
// starts with union-find (Hopcroft–Karp), requiring equal labels, arc weights and final weights within delta.
// Epsilon is an ordinary label, except that a re-entrant start state is first given an epsilon arc from a
// new start state (what weight pushing does when the start state carries weight, so a minimized FST and its
// input compare equal). Errors: ErrNotAcceptor, ErrNotDeterministic, or a push that does not
// converge. Complexity: O(arcs · α(states)) after pushing.
func Equivalent(a, b Expanded, delta float32) (bool, error) {
	if a.Semiring() != b.Semiring() {
		return false, ErrSemiringMismatch
	}
	var fs [2]*Vector
	var totals [2]Weight
	for i, f := range []Expanded{a, b} {
		if !isAcceptor(f) {
			return false, ErrNotAcceptor
		}
		v := Copy(f)
		trimInPlace(v)
		if v.Start() != NoStateID && !initialAcyclic(v) {
			// A re-entrant start state gets an epsilon arc from a new start state, as weight pushing
			// (Reweight) adds one when the start carries weight: both sides then agree on that arc.
			ns := v.AddState()
			v.AddArc(ns, Arc{ILabel: Epsilon, OLabel: Epsilon, Weight: One, NextState: v.Start()})
			v.SetStart(ns)
		}
		for s := range v.states {
			arcs := v.states[s].arcs
			slices.SortFunc(arcs, func(x, y Arc) int { return int(x.ILabel) - int(y.ILabel) })
			for k := 1; k < len(arcs); k++ {
				if arcs[k].ILabel == arcs[k-1].ILabel {
					return false, fmt.Errorf("equivalent: argument %d: %w", i+1, ErrNotDeterministic)
				}
			}
		}
		d, err := distances(v, true, ShortestDelta)
		if err != nil {
			return false, fmt.Errorf("equivalent: %w", err)
		}
		totals[i] = Zero
		if v.Start() != NoStateID {
			totals[i] = d[v.Start()]
		}
		for s := range v.states {
			st := &v.states[s]
			for k := range st.arcs {
				st.arcs[k].Weight = Divide(st.arcs[k].Weight+d[st.arcs[k].NextState], d[s])
			}
			st.final = Divide(st.final, d[s])
		}
		fs[i] = v
	}
	if !ApproxEqual(totals[0], totals[1], delta) {
		return false, nil
	}
	if IsZero(totals[0]) {
		return true, nil
	}
	na := fs[0].NumStates()
	parent := make([]int32, na+fs[1].NumStates())
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	type pair struct{ p, q StateID }
	queue := []pair{{fs[0].Start(), fs[1].Start()}}
	for len(queue) > 0 {
		pr := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		x, y := find(int32(pr.p)), find(int32(na)+int32(pr.q))
		if x == y {
			continue
		}
		parent[x] = y
		f1, f2 := fs[0].Final(pr.p), fs[1].Final(pr.q)
		if !ApproxEqual(f1, f2, delta) {
			return false, nil
		}
		a1, a2 := fs[0].Arcs(pr.p), fs[1].Arcs(pr.q)
		if len(a1) != len(a2) {
			return false, nil
		}
		for k := range a1 {
			if a1[k].ILabel != a2[k].ILabel || !ApproxEqual(a1[k].Weight, a2[k].Weight, delta) {
				return false, nil
			}
			queue = append(queue, pair{a1[k].NextState, a2[k].NextState})
		}
	}
	return true, nil
}

// randEquivMaxLength bounds the random paths of RandEquivalent: along longer paths, float32 weights reach
// magnitudes whose rounding exceeds kDelta, so two correct FSTs could disagree.
const randEquivMaxLength = 500

// RandEquivalent tests whether a and b have the same weighted relation on npath random paths (OpenFST's
// RandEquivalent, fstequivalent --random): paths are drawn alternately from a and b (uniform selector, seeded
// with seed), and for each path's input:output string pair the total weight of that pair in a and in b
// (⊕ over all their paths with those strings) must agree within delta. It returns false at the first
// disagreement. Paths are at most 500 arcs long (longer draws are retried), since float32 path weights
// lose kDelta precision beyond that. Both FSTs must be trim enough for random walks to end (see RandGen).
func RandEquivalent(a, b FST, npath int, delta float32, seed uint64) (bool, error) {
	if a.Semiring() != b.Semiring() {
		return false, ErrSemiringMismatch
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < npath; i++ {
		src := a
		if i%2 == 1 {
			src = b
		}
		if src.Start() == NoStateID || src == nil {
			continue
		}
		p, err := RandGen(src, RandGenOptions{Seed: rng.Uint64(), NPath: 1, MaxLength: randEquivMaxLength})
		if err == ErrNoPath {
			continue // an FST with no successful path from the start: nothing to sample
		}
		if err != nil {
			return false, err
		}
		var in, out []Label
		for s := p.Start(); len(p.Arcs(s)) > 0; s = p.Arcs(s)[0].NextState {
			a := p.Arcs(s)[0]
			if a.ILabel != Epsilon {
				in = append(in, a.ILabel)
			}
			if a.OLabel != Epsilon {
				out = append(out, a.OLabel)
			}
		}
		w1, err := PairWeight(a, in, out, delta)
		if err != nil {
			return false, err
		}
		w2, err := PairWeight(b, in, out, delta)
		if err != nil {
			return false, err
		}
		if !ApproxEqual(w1, w2, delta) {
			return false, nil
		}
	}
	if a.Start() == NoStateID || b.Start() == NoStateID {
		return a.Start() == b.Start() || emptyLanguage(a) && emptyLanguage(b), nil
	}
	return true, nil
}

// emptyLanguage reports whether f has no successful path (f must be finite-state reachable).
func emptyLanguage(f FST) bool {
	if f.Start() == NoStateID {
		return true
	}
	seen := map[StateID]bool{f.Start(): true}
	stack := []StateID{f.Start()}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !IsZero(f.Final(s)) {
			return false
		}
		for _, a := range f.Arcs(s) {
			if !IsZero(a.Weight) && !seen[a.NextState] {
				seen[a.NextState] = true
				stack = append(stack, a.NextState)
			}
		}
	}
	return true
}

// linearFST returns the FST of one string pair (in:out on a chain; the shorter side padded with epsilons).
func linearFST(sr Semiring, in, out []Label) *Vector {
	f := NewVector(sr)
	s := f.AddState()
	f.SetStart(s)
	n := max(len(in), len(out))
	for i := 0; i < n; i++ {
		var il, ol Label
		if i < len(in) {
			il = in[i]
		}
		if i < len(out) {
			ol = out[i]
		}
		t := f.AddState()
		f.AddArc(s, Arc{ILabel: il, OLabel: ol, Weight: One, NextState: t})
		s = t
	}
	f.SetFinal(s, One)
	return f
}

// PairWeight returns the weight f assigns to the string pair (in, out): the ⊕-sum over all successful paths
// of f with input string in and output string out (Zero when there is none), computed as the shortest
// distance of in ∘ f ∘ out (converged to kShortestDelta; delta is kept for API symmetry and unused).
func PairWeight(f FST, in, out []Label, delta float32) (Weight, error) {
	sr := f.Semiring()
	x := linearFST(sr, in, in)
	y := linearFST(sr, out, out)
	xf, err := Compose(x, f, ComposeOptions{Connect: true})
	if err != nil {
		return Zero, err
	}
	xfy, err := Compose(xf, y, ComposeOptions{Connect: true})
	if err != nil {
		return Zero, err
	}
	if xfy.Start() == NoStateID {
		return Zero, nil
	}
	d, err := distances(xfy, false, ShortestDelta)
	if err != nil {
		return Zero, err
	}
	total := Zero
	for s := range d {
		if !IsZero(d[s]) {
			total = sr.Plus(total, d[s]+xfy.Final(StateID(s)))
		}
	}
	return total, nil
}
