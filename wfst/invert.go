package wfst

// Invert swaps the input and output labels of every arc in place, and the two symbol tables (OpenFST's
// Invert). The known properties are swapped accordingly.
func Invert(f *Vector) {
	for s := range f.states {
		st := &f.states[s]
		for i := range st.arcs {
			a := &st.arcs[i]
			a.ILabel, a.OLabel = a.OLabel, a.ILabel
		}
		st.niEps, st.noEps = st.noEps, st.niEps
	}
	f.isyms, f.osyms = f.osyms, f.isyms
	f.props = invertProperties(f.props)
}

// invertProperties is OpenFST's InvertProperties: the input-side bits trade places with the output-side ones.
func invertProperties(in uint64) uint64 {
	out := in & (PropError | PropExpanded | PropMutable | PropAcceptor | PropNotAcceptor | PropEpsilons |
		PropNoEpsilons | PropWeighted | PropUnweighted | PropCyclic | PropAcyclic | PropInitialCyclic |
		PropInitialAcyclic | PropTopSorted | PropNotTopSorted | PropAccessible | PropNotAccessible |
		PropCoAccessible | PropNotCoAccessible | PropString | PropNotString | PropWeightedCycles |
		PropUnweightedCycles)
	swap := [][2]uint64{
		{PropIDeterministic, PropODeterministic}, {PropNonIDeterministic, PropNonODeterministic},
		{PropIEpsilons, PropOEpsilons}, {PropNoIEpsilons, PropNoOEpsilons},
		{PropILabelSorted, PropOLabelSorted}, {PropNotILabelSorted, PropNotOLabelSorted},
	}
	for _, p := range swap {
		if in&p[0] != 0 {
			out |= p[1]
		}
		if in&p[1] != 0 {
			out |= p[0]
		}
	}
	return out
}
