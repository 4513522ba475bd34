package graph

import (
	"sort"

	"hark/wfst"
)

// composeLG returns L ∘ G when G has no input-epsilon arcs (lm.BuildG's G: its backoff arcs carry #0) and
// is sorted by input label, and L is sorted by output label; ok=false otherwise (the caller then uses
// wfst.Compose). Without input epsilons in G no composition filter is needed: L moves alone on its
// output-epsilon arcs, and the other arcs are matched by iterating the smaller side and binary search in
// the other. Its cost per composed state is O(min(m, n) · log max(m, n)) for m and n arcs, where
// wfst.Compose (at this writing) also scans every arc of both states to count epsilons: that is quadratic
// here, since L's loop state (one arc per pronunciation, 134k) meets every G state, and most G states meet
// word-internal L states while G's unigram state has tens of thousands of arcs. The result is equivalent to wfst.Compose(l, g) (tested) and accessible; states are
// numbered in breadth-first order. Memory: the output plus a map entry (16 bytes) per composed state.
func composeLG(l *wfst.Vector, g wfst.Expanded) (*wfst.Vector, bool) {
	for s := 0; s < g.NumStates(); s++ {
		arcs := g.Arcs(wfst.StateID(s))
		for i, a := range arcs {
			if a.ILabel == wfst.Epsilon || i > 0 && a.ILabel < arcs[i-1].ILabel {
				return nil, false
			}
		}
	}
	for s := 0; s < l.NumStates(); s++ {
		arcs := l.Arcs(wfst.StateID(s))
		for i := 1; i < len(arcs); i++ {
			if arcs[i].OLabel < arcs[i-1].OLabel {
				return nil, false
			}
		}
	}
	out := wfst.NewVector(l.Semiring())
	out.SetInputSymbols(l.InputSymbols())
	if sy, ok := g.(wfst.Symbolic); ok {
		out.SetOutputSymbols(sy.OutputSymbols())
	}
	if l.Start() == wfst.NoStateID || g.Start() == wfst.NoStateID {
		return out, true
	}
	type pair struct{ l, g wfst.StateID }
	ids := map[pair]wfst.StateID{}
	var queue []pair
	get := func(p pair) wfst.StateID {
		if id, ok := ids[p]; ok {
			return id
		}
		id := out.AddState()
		ids[p] = id
		queue = append(queue, p)
		return id
	}
	out.SetStart(get(pair{l.Start(), g.Start()}))
	for i := 0; i < len(queue); i++ {
		p := queue[i]
		src := wfst.StateID(i)
		if fl := l.Final(p.l); !wfst.IsZero(fl) {
			if fg := g.Final(p.g); !wfst.IsZero(fg) {
				out.SetFinal(src, fl+fg)
			}
		}
		garcs := g.Arcs(p.g)
		larcs := l.Arcs(p.l)
		e := 0
		for ; e < len(larcs) && larcs[e].OLabel == wfst.Epsilon; e++ {
			a := larcs[e]
			out.AddArc(src, wfst.Arc{ILabel: a.ILabel, Weight: a.Weight, NextState: get(pair{a.NextState, p.g})})
		}
		larcs = larcs[e:]
		emit := func(a, b wfst.Arc) {
			out.AddArc(src, wfst.Arc{ILabel: a.ILabel, OLabel: b.OLabel, Weight: a.Weight + b.Weight,
				NextState: get(pair{a.NextState, b.NextState})})
		}
		// Iterate the side with fewer arcs and search the other: L's loop state has an arc per
		// pronunciation, G's unigram state one per word.
		if len(larcs) <= len(garcs) {
			for _, a := range larcs {
				k := sort.Search(len(garcs), func(j int) bool { return garcs[j].ILabel >= a.OLabel })
				for ; k < len(garcs) && garcs[k].ILabel == a.OLabel; k++ {
					emit(a, garcs[k])
				}
			}
		} else {
			for _, b := range garcs {
				k := sort.Search(len(larcs), func(j int) bool { return larcs[j].OLabel >= b.ILabel })
				for ; k < len(larcs) && larcs[k].OLabel == b.ILabel; k++ {
					emit(larcs[k], b)
				}
			}
		}
	}
	return out, true
}
