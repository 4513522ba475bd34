package wfst

// Union adds to f1 the paths of f2, in place (OpenFST's Union): f2's states are appended (state s of f2
// becomes NumStates(f1)+s) and, when f1's start state is on no cycle, an epsilon arc of weight One goes
// from it to f2's start state; otherwise (or when that is not known from f1's stored properties) a new
// start state gets epsilon arcs to both former start states.
// f1 and f2 must share a semiring; f1's symbol tables are kept.
func Union(f1 *Vector, f2 Expanded) {
	n1 := StateID(f1.NumStates())
	// As OpenFST 1.7.9, only the stored property bits decide (no test): an FST not known to be
	// initial-acyclic gets a new start state.
	initialAcyclic := f1.props&PropInitialAcyclic != 0
	start2 := f2.Start()
	if start2 == NoStateID {
		return
	}
	n2 := f2.NumStates()
	f1.ReserveStates(int(n1) + n2 + 1)
	for s := 0; s < n2; s++ {
		s1 := f1.AddState()
		f1.SetFinal(s1, f2.Final(StateID(s)))
		arcs := f2.Arcs(StateID(s))
		f1.ReserveArcs(s1, len(arcs))
		for _, a := range arcs {
			a.NextState += n1
			f1.AddArc(s1, a)
		}
	}
	start1 := f1.Start()
	if start1 == NoStateID {
		f1.SetStart(start2 + n1)
		return
	}
	if initialAcyclic {
		f1.AddArc(start1, Arc{NextState: start2 + n1})
	} else {
		ns := f1.AddState()
		f1.SetStart(ns)
		f1.AddArc(ns, Arc{NextState: start1})
		f1.AddArc(ns, Arc{NextState: start2 + n1})
	}
}
