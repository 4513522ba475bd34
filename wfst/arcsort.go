package wfst

import "slices"

// SortType selects the arc order of ArcSort (OpenFST's --sort_type).
type SortType int

const (
	// ILabelSort orders arcs by input label, then output label (OpenFST's ILabelCompare).
	ILabelSort SortType = iota
	// OLabelSort orders arcs by output label, then input label (OpenFST's OLabelCompare).
	OLabelSort
)

// String returns OpenFST's name of the sort type: "ilabel" or "olabel".
func (t SortType) String() string {
	if t == OLabelSort {
		return "olabel"
	}
	return "ilabel"
}

// compareILabel orders arcs by (ilabel, olabel); compareOLabel by (olabel, ilabel).
func compareILabel(a, b Arc) int {
	if a.ILabel != b.ILabel {
		if a.ILabel < b.ILabel {
			return -1
		}
		return 1
	}
	if a.OLabel < b.OLabel {
		return -1
	}
	if a.OLabel > b.OLabel {
		return 1
	}
	return 0
}

func compareOLabel(a, b Arc) int {
	if a.OLabel != b.OLabel {
		if a.OLabel < b.OLabel {
			return -1
		}
		return 1
	}
	if a.ILabel < b.ILabel {
		return -1
	}
	if a.ILabel > b.ILabel {
		return 1
	}
	return 0
}

// ArcSort sorts the arcs of every state of f in place (OpenFST's ArcSort with ILabelCompare or
// OLabelCompare), stably: arcs equal in both labels keep their order. The result is known to be
// ilabel-sorted (olabel-sorted), and also olabel-sorted (ilabel-sorted) when f is an acceptor. States whose
// arcs are already in order are not touched. Time O(arcs · log(max out-degree)); no allocation.
func ArcSort(f *Vector, t SortType) {
	cmp := compareILabel
	if t == OLabelSort {
		cmp = compareOLabel
	}
	props := f.props
	for s := range f.states {
		arcs := f.states[s].arcs
		if !slices.IsSortedFunc(arcs, cmp) {
			slices.SortStableFunc(arcs, cmp)
		}
	}
	out := props&propArcSort | PropILabelSorted
	if t == OLabelSort {
		out = props&propArcSort | PropOLabelSorted
	}
	if props&PropAcceptor != 0 {
		out |= PropILabelSorted | PropOLabelSorted
	}
	f.props = out
}

// propArcSort are the properties ArcSort preserves (OpenFST's kArcSortProperties).
const propArcSort = PropExpanded | PropMutable | PropError | PropAcceptor | PropNotAcceptor |
	PropIDeterministic | PropNonIDeterministic | PropODeterministic | PropNonODeterministic | PropEpsilons |
	PropNoEpsilons | PropIEpsilons | PropNoIEpsilons | PropOEpsilons | PropNoOEpsilons | PropWeighted |
	PropUnweighted | PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropTopSorted |
	PropNotTopSorted | PropAccessible | PropNotAccessible | PropCoAccessible | PropNotCoAccessible |
	PropString | PropNotString | PropWeightedCycles | PropUnweightedCycles
