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

func lessILabel(a, b *Arc) bool {
	return a.ILabel < b.ILabel || (a.ILabel == b.ILabel && a.OLabel < b.OLabel)
}

func lessOLabel(a, b *Arc) bool {
	return a.OLabel < b.OLabel || (a.OLabel == b.OLabel && a.ILabel < b.ILabel)
}

// ArcSort sorts the arcs of every state of f in place (OpenFST's ArcSort with ILabelCompare or
// OLabelCompare). Arcs equal in both labels are ordered as GCC's std::sort orders them (OpenFST's sort on
// Debian), so the result is identical to fstarcsort's. The result is known to be ilabel-sorted
// (olabel-sorted), and also olabel-sorted (ilabel-sorted) when f is an acceptor. States whose arcs are
// already in order are not touched. Time O(arcs · log(max out-degree)); no allocation.
func ArcSort(f *Vector, t SortType) {
	cmp, less := compareILabel, lessILabel
	if t == OLabelSort {
		cmp, less = compareOLabel, lessOLabel
	}
	props := f.props
	for s := range f.states {
		arcs := f.states[s].arcs
		if !slices.IsSortedFunc(arcs, cmp) {
			cppSort(arcs, less)
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

// cppSort sorts a as GCC's libstdc++ std::sort does (introsort with median-of-three pivots, a final
// insertion sort, heapsort past the depth limit), so that arcs comparing equal end up in the same order as
// in OpenFST's ArcSort on Debian's build. It is not stable. It allocates nothing.
func cppSort(a []Arc, less func(x, y *Arc) bool) {
	if len(a) < 2 {
		return
	}
	lg := 0
	for n := len(a); n > 1; n >>= 1 {
		lg++
	}
	introsortLoop(a, 0, len(a), 2*lg, less)
	finalInsertionSort(a, 0, len(a), less)
}

const cppSortThreshold = 16

func introsortLoop(a []Arc, first, last, depth int, less func(x, y *Arc) bool) {
	for last-first > cppSortThreshold {
		if depth == 0 {
			makeHeap(a, first, last, less)
			for l := last; l-first > 1; {
				l--
				v := a[l]
				a[l] = a[first]
				adjustHeap(a, first, 0, l-first, v, less)
			}
			return
		}
		depth--
		mid := first + (last-first)/2
		moveMedianToFirst(a, first, first+1, mid, last-1, less)
		cut := unguardedPartition(a, first+1, last, first, less)
		introsortLoop(a, cut, last, depth, less)
		last = cut
	}
}

func moveMedianToFirst(a []Arc, result, x, y, z int, less func(x, y *Arc) bool) {
	switch {
	case less(&a[x], &a[y]):
		switch {
		case less(&a[y], &a[z]):
			a[result], a[y] = a[y], a[result]
		case less(&a[x], &a[z]):
			a[result], a[z] = a[z], a[result]
		default:
			a[result], a[x] = a[x], a[result]
		}
	case less(&a[x], &a[z]):
		a[result], a[x] = a[x], a[result]
	case less(&a[y], &a[z]):
		a[result], a[z] = a[z], a[result]
	default:
		a[result], a[y] = a[y], a[result]
	}
}

func unguardedPartition(a []Arc, first, last, pivot int, less func(x, y *Arc) bool) int {
	for {
		for less(&a[first], &a[pivot]) {
			first++
		}
		last--
		for less(&a[pivot], &a[last]) {
			last--
		}
		if first >= last {
			return first
		}
		a[first], a[last] = a[last], a[first]
		first++
	}
}

func finalInsertionSort(a []Arc, first, last int, less func(x, y *Arc) bool) {
	if last-first > cppSortThreshold {
		insertionSort(a, first, first+cppSortThreshold, less)
		for i := first + cppSortThreshold; i < last; i++ {
			unguardedLinearInsert(a, i, less)
		}
		return
	}
	insertionSort(a, first, last, less)
}

func insertionSort(a []Arc, first, last int, less func(x, y *Arc) bool) {
	if first == last {
		return
	}
	for i := first + 1; i < last; i++ {
		if less(&a[i], &a[first]) {
			v := a[i]
			copy(a[first+1:i+1], a[first:i])
			a[first] = v
		} else {
			unguardedLinearInsert(a, i, less)
		}
	}
}

func unguardedLinearInsert(a []Arc, last int, less func(x, y *Arc) bool) {
	v := a[last]
	next := last - 1
	for less(&v, &a[next]) {
		a[last] = a[next]
		last = next
		next--
	}
	a[last] = v
}

func makeHeap(a []Arc, first, last int, less func(x, y *Arc) bool) {
	n := last - first
	if n < 2 {
		return
	}
	for parent := (n - 2) / 2; ; parent-- {
		adjustHeap(a, first, parent, n, a[first+parent], less)
		if parent == 0 {
			return
		}
	}
}

func adjustHeap(a []Arc, first, hole, n int, v Arc, less func(x, y *Arc) bool) {
	top := hole
	child := hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if less(&a[first+child], &a[first+child-1]) {
			child--
		}
		a[first+hole] = a[first+child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		a[first+hole] = a[first+child-1]
		hole = child - 1
	}
	parent := (hole - 1) / 2
	for hole > top && less(&a[first+parent], &v) {
		a[first+hole] = a[first+parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	a[first+hole] = v
}
