package wfst

// TopSort renumbers the states of f in place so that every arc goes from a lower to a higher state id, when
// f is acyclic (OpenFST's TopSort), and reports whether it was. The order is the reverse post-order of a
// depth-first visit from the start state (then from each unvisited state in id order), as OpenFST's
// TopOrderVisitor, so the result has the same state numbering as fsttopsort's. A cyclic f is unchanged.
func TopSort(f *Vector) bool {
	n := f.NumStates()
	start := f.Start()
	if start == NoStateID {
		return n == 0
	}
	const white, grey, black = 0, 1, 2
	color := make([]uint8, n)
	finish := make([]StateID, 0, n)
	type frame struct {
		s StateID
		i int32
	}
	var stack []frame
	acyclic := true
	for root := start; root < StateID(n); {
		color[root] = grey
		stack = append(stack, frame{s: root})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			arcs := f.states[top.s].arcs
			if int(top.i) >= len(arcs) {
				color[top.s] = black
				finish = append(finish, top.s)
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					stack[len(stack)-1].i++
				}
				continue
			}
			t := arcs[top.i].NextState
			switch color[t] {
			case white:
				color[t] = grey
				stack = append(stack, frame{s: t})
			case grey:
				acyclic = false
				top.i++
			default:
				top.i++
			}
		}
		if root == start {
			root = 0
		} else {
			root++
		}
		for root < StateID(n) && color[root] != white {
			root++
		}
	}
	if !acyclic {
		f.props = f.props&^(PropAcyclic|PropTopSorted) | PropCyclic | PropNotTopSorted
		return false
	}
	order := make([]StateID, n)
	for i, s := range finish {
		order[s] = StateID(len(finish) - 1 - i)
	}
	StateSort(f, order)
	f.props = f.props&^(PropCyclic|PropInitialCyclic|PropNotTopSorted) | PropAcyclic | PropInitialAcyclic | PropTopSorted
	return true
}

// StateSort renumbers the states of f in place: state s becomes order[s] (OpenFST's StateSort). order must
// be a permutation of 0..NumStates()-1.
func StateSort(f *Vector, order []StateID) {
	props := f.props
	ns := make([]vectorState, len(f.states))
	for s := range f.states {
		st := f.states[s]
		for i := range st.arcs {
			st.arcs[i].NextState = order[st.arcs[i].NextState]
		}
		ns[order[s]] = st
	}
	f.states = ns
	if f.start != NoStateID {
		f.start = order[f.start]
	}
	f.props = props & propStateSort
}

// propStateSort are the properties StateSort preserves (OpenFST's kStateSortProperties).
const propStateSort = PropExpanded | PropMutable | PropError | PropAcceptor | PropNotAcceptor |
	PropIDeterministic | PropNonIDeterministic | PropODeterministic | PropNonODeterministic | PropEpsilons |
	PropNoEpsilons | PropIEpsilons | PropNoIEpsilons | PropOEpsilons | PropNoOEpsilons | PropILabelSorted |
	PropNotILabelSorted | PropOLabelSorted | PropNotOLabelSorted | PropWeighted | PropUnweighted |
	PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropAccessible | PropNotAccessible |
	PropCoAccessible | PropNotCoAccessible | PropWeightedCycles | PropUnweightedCycles
