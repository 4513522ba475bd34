package graph

import (
	"sort"

	"hark/wfst"
)

// composeLG returns L ∘ G when G has no input-epsilon arcs (lm.BuildG's G: its backoff arcs carry #0), and
// ok=false otherwise (the caller then uses wfst.Compose). Without input epsilons in G no composition
// filter is needed: L moves alone on its output-epsilon arcs, and each other L arc is matched by binary
// search among the arcs of G's state (sorted by input label here). Its cost per composed state is
// O(arcs of the L state · log arcs of the G state), independent of the G state's size otherwise, which
// matters because most composed states pair a word-internal L state with G's unigram state (tens of
// thousands of arcs). The result is equivalent to wfst.Compose(l, g) (tested) and accessible; states are
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
		for _, a := range l.Arcs(p.l) {
			if a.OLabel == wfst.Epsilon {
				out.AddArc(src, wfst.Arc{ILabel: a.ILabel, Weight: a.Weight, NextState: get(pair{a.NextState, p.g})})
				continue
			}
			k := sort.Search(len(garcs), func(j int) bool { return garcs[j].ILabel >= a.OLabel })
			for ; k < len(garcs) && garcs[k].ILabel == a.OLabel; k++ {
				b := garcs[k]
				out.AddArc(src, wfst.Arc{ILabel: a.ILabel, OLabel: b.OLabel, Weight: a.Weight + b.Weight,
					NextState: get(pair{a.NextState, b.NextState})})
			}
		}
	}
	return out, true
}
