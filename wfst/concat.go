package wfst

// Concat appends f2 to f1 in place (OpenFST's Concat(MutableFst*, const Fst&)): f2's states are appended
// (state s of f2 becomes NumStates(f1)+s) and every final state of f1 loses its final weight w and gets an
// epsilon arc of weight w to f2's start state. When f1 has no start state it is left unchanged; when f2 has
// none, f1's final states simply stop being final. f1's symbol tables are kept.
func Concat(f1 *Vector, f2 Expanded) {
	if f1.Start() == NoStateID {
		return
	}
	n1 := StateID(f1.NumStates())
	n2 := f2.NumStates()
	f1.ReserveStates(int(n1) + n2)
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
	start2 := f2.Start()
	for s := StateID(0); s < n1; s++ {
		if w := f1.Final(s); !IsZero(w) {
			f1.SetFinal(s, Zero)
			if start2 != NoStateID {
				f1.AddArc(s, Arc{Weight: w, NextState: start2 + n1})
			}
		}
	}
}
