package wfst

// ProjectType selects the side Project keeps (OpenFST's ProjectType).
type ProjectType int

const (
	// ProjectInput copies input labels onto output labels (OpenFST's PROJECT_INPUT).
	ProjectInput ProjectType = iota
	// ProjectOutput copies output labels onto input labels (OpenFST's PROJECT_OUTPUT).
	ProjectOutput
)

// Project turns f into an acceptor in place (OpenFST's Project): it keeps the input labels (ProjectInput)
// or the output labels (ProjectOutput) on both sides of every arc, and the matching symbol table on both
// sides. Weights and states are unchanged.
func Project(f *Vector, t ProjectType) {
	props := f.props
	for s := range f.states {
		st := &f.states[s]
		for i := range st.arcs {
			a := &st.arcs[i]
			if t == ProjectInput {
				a.OLabel = a.ILabel
			} else {
				a.ILabel = a.OLabel
			}
		}
		if t == ProjectInput {
			st.noEps = st.niEps
		} else {
			st.niEps = st.noEps
		}
	}
	if t == ProjectInput {
		f.osyms = f.isyms
	} else {
		f.isyms = f.osyms
	}
	f.props = projectProperties(props, t == ProjectInput)
}

// projectProperties is OpenFST's ProjectProperties.
func projectProperties(in uint64, input bool) uint64 {
	out := PropAcceptor
	if input {
		out |= in & (PropError | PropExpanded | PropMutable | PropIDeterministic |
			PropNonIDeterministic | PropIEpsilons | PropNoIEpsilons | PropILabelSorted | PropNotILabelSorted |
			PropWeighted | PropUnweighted | PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic |
			PropTopSorted | PropNotTopSorted | PropAccessible | PropNotAccessible | PropCoAccessible |
			PropNotCoAccessible | PropString | PropNotString | PropWeightedCycles | PropUnweightedCycles)
		if in&PropIDeterministic != 0 {
			out |= PropODeterministic
		}
		if in&PropNonIDeterministic != 0 {
			out |= PropNonODeterministic
		}
		if in&PropIEpsilons != 0 {
			out |= PropEpsilons | PropOEpsilons
		}
		if in&PropNoIEpsilons != 0 {
			out |= PropNoEpsilons | PropNoOEpsilons
		}
		if in&PropILabelSorted != 0 {
			out |= PropOLabelSorted
		}
		if in&PropNotILabelSorted != 0 {
			out |= PropNotOLabelSorted
		}
	} else {
		out |= in & (PropError | PropExpanded | PropMutable | PropODeterministic |
			PropNonODeterministic | PropOEpsilons | PropNoOEpsilons | PropOLabelSorted | PropNotOLabelSorted |
			PropWeighted | PropUnweighted | PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic |
			PropTopSorted | PropNotTopSorted | PropAccessible | PropNotAccessible | PropCoAccessible |
			PropNotCoAccessible | PropString | PropNotString | PropWeightedCycles | PropUnweightedCycles)
		if in&PropODeterministic != 0 {
			out |= PropIDeterministic
		}
		if in&PropNonODeterministic != 0 {
			out |= PropNonIDeterministic
		}
		if in&PropOEpsilons != 0 {
			out |= PropEpsilons | PropIEpsilons
		}
		if in&PropNoOEpsilons != 0 {
			out |= PropNoEpsilons | PropNoIEpsilons
		}
		if in&PropOLabelSorted != 0 {
			out |= PropILabelSorted
		}
		if in&PropNotOLabelSorted != 0 {
			out |= PropNotILabelSorted
		}
	}
	return out
}
