package wfst

// Connect removes every state that is not both accessible (reachable from the start state) and
// coaccessible (able to reach a final state), in place (OpenFST's Connect). Surviving states keep their
// relative order. As in OpenFST, an FST without a start state is left unchanged. Time and memory
// O(states + arcs).
func Connect(f *Vector) {
	info := sccVisit(f)
	if len(info.access) == 0 {
		f.props = f.props&^(PropNotAccessible|PropNotCoAccessible) | PropAccessible | PropCoAccessible
		return
	}
	del := make([]bool, f.NumStates())
	any := false
	for s := range del {
		if !info.access[s] || !info.coaccess[s] {
			del[s] = true
			any = true
		}
	}
	if any {
		f.DeleteStates(del)
	}
	f.props = f.props&^(PropNotAccessible|PropNotCoAccessible) | PropAccessible | PropCoAccessible
}

// AccessibleStates reports, for each state of f, whether it is reachable from the start state, and
// CoAccessibleStates whether it can reach a final state. Both are nil when f has no start state.
func AccessibleStates(f Expanded) (access, coaccess []bool) {
	info := sccVisit(f)
	return info.access, info.coaccess
}

// SCC returns the strongly connected component of each state of f (numbered in topological order of the
// components, as OpenFST's SccVisitor numbers them) and the number of components; nil and 0 when f has no
// start state.
func SCC(f Expanded) ([]StateID, int) {
	info := sccVisit(f)
	return info.scc, info.nscc
}
