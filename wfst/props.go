package wfst

import "slices"

// propsKnower is implemented by FSTs that store known property bits (*Vector, *Const).
type propsKnower interface {
	KnownProperties() uint64
}

// sccInfo is the result of a depth-first visit of every state (OpenFST's SccVisitor over DfsVisit): the
// strongly connected component of each state, accessibility from the start state, co-accessibility (a final
// state is reachable) and the DFS-derived property bits.
type sccInfo struct {
	scc      []StateID // component number of each state, in topological order of the components
	access   []bool
	coaccess []bool
	props    uint64 // Cyclic/Acyclic, InitialCyclic/InitialAcyclic, Accessible/NotAccessible, CoAccessible/NotCoAccessible
	nscc     int
}

// sccVisit visits every state of f from the start state first, then from each unvisited state in id order,
// as OpenFST's DfsVisit does, computing SCCs with Tarjan's algorithm. With no start state nothing is visited
// (the slices are empty) and the props are those of an empty FST, as in OpenFST. Memory: O(NumStates) for
// the visit; no allocation per arc.
func sccVisit(f Expanded) sccInfo {
	var r sccInfo
	r.props = PropAcyclic | PropInitialAcyclic | PropAccessible | PropCoAccessible
	start := f.Start()
	n := f.NumStates()
	if start == NoStateID || n == 0 {
		return r
	}
	const white, grey, black = 0, 1, 2
	color := make([]uint8, n)
	dfnum := make([]StateID, n)
	lowlink := make([]StateID, n)
	onstack := make([]bool, n)
	r.scc = make([]StateID, n)
	r.access = make([]bool, n)
	r.coaccess = make([]bool, n)
	type frame struct {
		s StateID
		i int32 // next arc index
	}
	var stack []frame
	var sccStack []StateID
	var nvisited StateID
	initState := func(s, root StateID) {
		sccStack = append(sccStack, s)
		dfnum[s], lowlink[s] = nvisited, nvisited
		onstack[s] = true
		if root == start {
			r.access[s] = true
		} else {
			r.props = r.props&^PropAccessible | PropNotAccessible
		}
		nvisited++
	}
	finishState := func(s StateID, p StateID) {
		if !IsZero(f.Final(s)) {
			r.coaccess[s] = true
		}
		if dfnum[s] == lowlink[s] {
			co := false
			for i := len(sccStack) - 1; ; i-- {
				t := sccStack[i]
				if r.coaccess[t] {
					co = true
				}
				if t == s {
					break
				}
			}
			for {
				t := sccStack[len(sccStack)-1]
				sccStack = sccStack[:len(sccStack)-1]
				r.scc[t] = StateID(r.nscc)
				if co {
					r.coaccess[t] = true
				}
				onstack[t] = false
				if t == s {
					break
				}
			}
			if !co {
				r.props = r.props&^PropCoAccessible | PropNotCoAccessible
			}
			r.nscc++
		}
		if p != NoStateID {
			if r.coaccess[s] {
				r.coaccess[p] = true
			}
			if lowlink[s] < lowlink[p] {
				lowlink[p] = lowlink[s]
			}
		}
	}
	for root := start; root < StateID(n); {
		color[root] = grey
		stack = append(stack, frame{s: root})
		initState(root, root)
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			s := top.s
			arcs := f.Arcs(s)
			if int(top.i) >= len(arcs) {
				color[s] = black
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					p := &stack[len(stack)-1]
					finishState(s, p.s)
					p.i++
				} else {
					finishState(s, NoStateID)
				}
				continue
			}
			t := arcs[top.i].NextState
			switch color[t] {
			case white:
				color[t] = grey
				stack = append(stack, frame{s: t})
				initState(t, root)
			case grey: // back arc
				if dfnum[t] < lowlink[s] {
					lowlink[s] = dfnum[t]
				}
				if r.coaccess[t] {
					r.coaccess[s] = true
				}
				r.props = r.props&^PropAcyclic | PropCyclic
				if t == start {
					r.props = r.props&^PropInitialAcyclic | PropInitialCyclic
				}
				top.i++
			default: // forward or cross arc
				if dfnum[t] < dfnum[s] && onstack[t] && dfnum[t] < lowlink[s] {
					lowlink[s] = dfnum[t]
				}
				if r.coaccess[t] {
					r.coaccess[s] = true
				}
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
	for s := range r.scc {
		r.scc[s] = StateID(r.nscc) - 1 - r.scc[s]
	}
	return r
}

// ComputeProperties computes the properties of f in mask from scratch, ignoring stored bits, with OpenFST's
// semantics (ComputeProperties in test-properties.h): it returns the property bits and the bits whose value
// is known. The binary bits (Expanded, Mutable, Error) are copied from f's stored properties. Properties
// that need a depth-first search (cyclicity, accessibility, weighted cycles) are computed only when mask
// asks for them. Cost O(states + arcs) time and O(states) memory (plus a sort of each state's labels when
// determinism is asked for and the arcs are not sorted).
func ComputeProperties(f Expanded, mask uint64) (props, known uint64) {
	var stored uint64
	if k, ok := f.(propsKnower); ok {
		stored = k.KnownProperties()
	}
	props = stored & PropBinary
	const dfsProps = PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropAccessible |
		PropNotAccessible | PropCoAccessible | PropNotCoAccessible
	var scc []StateID
	wantDFS := mask&(dfsProps|PropWeightedCycles|PropUnweightedCycles) != 0
	if wantDFS {
		info := sccVisit(f)
		props |= info.props
		scc = info.scc
	}
	if mask&^(PropBinary|dfsProps) != 0 {
		props |= PropAcceptor | PropNoEpsilons | PropNoIEpsilons | PropNoOEpsilons | PropILabelSorted |
			PropOLabelSorted | PropUnweighted | PropTopSorted | PropString
		wantIDet := mask&(PropIDeterministic|PropNonIDeterministic) != 0
		wantODet := mask&(PropODeterministic|PropNonODeterministic) != 0
		if wantIDet {
			props |= PropIDeterministic
		}
		if wantODet {
			props |= PropODeterministic
		}
		if wantDFS {
			props |= PropUnweightedCycles
		}
		var scratch []Label
		nfinal := 0
		n := f.NumStates()
		for si := 0; si < n; si++ {
			s := StateID(si)
			arcs := f.Arcs(s)
			isorted, osorted := true, true
			for i, a := range arcs {
				if a.ILabel != a.OLabel {
					props = props&^PropAcceptor | PropNotAcceptor
				}
				if a.ILabel == Epsilon {
					props = props&^PropNoIEpsilons | PropIEpsilons
					if a.OLabel == Epsilon {
						props = props&^PropNoEpsilons | PropEpsilons
					}
				}
				if a.OLabel == Epsilon {
					props = props&^PropNoOEpsilons | PropOEpsilons
				}
				if i > 0 {
					p := arcs[i-1]
					if a.ILabel < p.ILabel {
						props = props&^PropILabelSorted | PropNotILabelSorted
						isorted = false
					} else if a.ILabel == p.ILabel && wantIDet {
						props = props&^PropIDeterministic | PropNonIDeterministic
					}
					if a.OLabel < p.OLabel {
						props = props&^PropOLabelSorted | PropNotOLabelSorted
						osorted = false
					} else if a.OLabel == p.OLabel && wantODet {
						props = props&^PropODeterministic | PropNonODeterministic
					}
				}
				if a.Weight != One && !IsZero(a.Weight) {
					props = props&^PropUnweighted | PropWeighted
					if props&PropUnweightedCycles != 0 && len(scc) > 0 && scc[s] == scc[a.NextState] {
						props = props&^PropUnweightedCycles | PropWeightedCycles
					}
				}
				if a.NextState <= s {
					props = props&^PropTopSorted | PropNotTopSorted
				}
				if a.NextState != s+1 {
					props = props&^PropString | PropNotString
				}
			}
			if wantIDet && !isorted && props&PropIDeterministic != 0 && hasDuplicate(arcs, &scratch, true) {
				props = props&^PropIDeterministic | PropNonIDeterministic
			}
			if wantODet && !osorted && props&PropODeterministic != 0 && hasDuplicate(arcs, &scratch, false) {
				props = props&^PropODeterministic | PropNonODeterministic
			}
			if nfinal > 0 {
				props = props&^PropString | PropNotString
			}
			if fw := f.Final(s); !IsZero(fw) {
				if fw != One {
					props = props&^PropUnweighted | PropWeighted
				}
				nfinal++
			} else if len(arcs) != 1 {
				props = props&^PropString | PropNotString
			}
		}
		if st := f.Start(); st != NoStateID && st != 0 {
			props = props&^PropString | PropNotString
		}
	}
	return props, KnownPropertiesOf(props)
}

// hasDuplicate reports whether two arcs share an input (or output) label, sorting a copy of the labels in
// *scratch (reused across calls).
func hasDuplicate(arcs []Arc, scratch *[]Label, input bool) bool {
	l := (*scratch)[:0]
	for _, a := range arcs {
		if input {
			l = append(l, a.ILabel)
		} else {
			l = append(l, a.OLabel)
		}
	}
	slices.Sort(l)
	*scratch = l
	for i := 1; i < len(l); i++ {
		if l[i] == l[i-1] {
			return true
		}
	}
	return false
}

// Properties returns the properties of f in mask, as OpenFST's fst.Properties(mask, test). The bits come
// from f's stored properties when they determine every property in mask; otherwise, when test is true and f
// is expanded, they are computed (ComputeProperties) and, for a *Vector, stored for the next call; when test
// is false the stored bits are returned as they are (unknown properties have neither bit set). The result
// is masked with mask. It allocates nothing when the stored bits suffice.
func Properties(f FST, mask uint64, test bool) uint64 {
	var stored uint64
	if k, ok := f.(propsKnower); ok {
		stored = k.KnownProperties()
	}
	if !test || KnownPropertiesOf(stored)&mask == mask {
		return stored & mask
	}
	e, ok := f.(Expanded)
	if !ok {
		return stored & mask
	}
	props, known := ComputeProperties(e, mask)
	if v, ok := f.(*Vector); ok {
		v.SetProperties(props, known)
	}
	return props & mask
}

// CompatProperties reports whether two property sets agree on every property known in both (OpenFST's
// CompatProperties).
func CompatProperties(p1, p2 uint64) bool {
	known := KnownPropertiesOf(p1) & KnownPropertiesOf(p2)
	return (p1^p2)&known&PropTrinary == 0
}
