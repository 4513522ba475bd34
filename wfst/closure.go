package wfst

// ClosureType selects Kleene star or plus (OpenFST's ClosureType).
type ClosureType int

const (
	// ClosureStar accepts the empty path too (T*; OpenFST's CLOSURE_STAR).
	ClosureStar ClosureType = iota
	// ClosurePlus requires at least one pass (T+; OpenFST's CLOSURE_PLUS).
	ClosurePlus
)

// Closure computes the Kleene closure of f in place (OpenFST's Closure): every final state gets an
// epsilon arc, weighted with its final weight, back to the start state; for ClosureStar a new start state
// (the last state) is added, final with weight One, with an epsilon arc to the former start state.
func Closure(f *Vector, t ClosureType) {
	start := f.Start()
	n := f.NumStates()
	for s := 0; s < n; s++ {
		if w := f.Final(StateID(s)); !IsZero(w) {
			f.AddArc(StateID(s), Arc{Weight: w, NextState: start})
		}
	}
	if t == ClosureStar {
		f.ReserveStates(n + 1)
		ns := f.AddState()
		f.SetStart(ns)
		f.SetFinal(ns, One)
		if start != NoStateID {
			f.AddArc(ns, Arc{NextState: start})
		}
	}
}
