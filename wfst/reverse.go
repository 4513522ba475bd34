package wfst

// Reverse returns the reversal of f (OpenFST's Reverse): every path from the start to a final state with
// labels x and weight w becomes a path with labels reversed(x) and the same weight (both semirings are
// commutative, so Reverse of a weight is itself). With requireSuperinitial (fstreverse's default) the
// result has a new start state 0 with an epsilon arc, weighted with the final weight, to each former final
// state; state s of f is state s+1 of the result and the former start state is the only final state
// (weight One). Without it, when f has exactly one final state that is not on a cycle, that state becomes
// the start state and no state is added. Symbol tables are shared with f.
func Reverse(f Expanded, requireSuperinitial bool) *Vector {
	out := NewVector(f.Semiring())
	if sy, ok := f.(Symbolic); ok {
		out.isyms, out.osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	n := f.NumStates()
	out.ReserveStates(n + 1)
	istart := f.Start()
	ostart := NoStateID
	offset := StateID(0)
	if !requireSuperinitial {
		for s := 0; s < n; s++ {
			if IsZero(f.Final(StateID(s))) {
				continue
			}
			if ostart != NoStateID {
				ostart = NoStateID
				break
			}
			ostart = StateID(s)
		}
		if ostart != NoStateID && f.Final(ostart) != One {
			scc, _ := SCC(f)
			count := 0
			for _, c := range scc {
				if c == scc[ostart] {
					count++
				}
			}
			if count > 1 {
				ostart = NoStateID
			} else {
				for _, a := range f.Arcs(ostart) {
					if a.NextState == ostart {
						ostart = NoStateID
						break
					}
				}
			}
		}
	}
	if ostart == NoStateID {
		ostart = out.AddState()
		offset = 1
	}
	for is := 0; is < n; is++ {
		os := StateID(is) + offset
		for out.NumStates() <= int(os) {
			out.AddState()
		}
		if StateID(is) == istart {
			out.SetFinal(os, One)
		}
		if w := f.Final(StateID(is)); !IsZero(w) && offset == 1 {
			out.AddArc(0, Arc{ILabel: Epsilon, OLabel: Epsilon, Weight: w, NextState: os})
		}
		for _, a := range f.Arcs(StateID(is)) {
			nos := a.NextState + offset
			w := a.Weight
			if offset == 0 && nos == ostart {
				w = Times(f.Final(ostart), w)
			}
			for out.NumStates() <= int(nos) {
				out.AddState()
			}
			out.AddArc(nos, Arc{ILabel: a.ILabel, OLabel: a.OLabel, Weight: w, NextState: os})
		}
	}
	out.SetStart(ostart)
	if offset == 0 && ostart == istart {
		out.SetFinal(ostart, f.Final(ostart))
	}
	return out
}
