package wfst

// Property bits, with OpenFST's values (properties.h), so they read and write bit-compatibly in file
// headers. Binary properties: Expanded, Mutable, Error. The rest come in trinary pairs (Acceptor /
// NotAcceptor, ...): a property is known true, known false, or unknown when neither bit is set.
const (
	PropExpanded          uint64 = 0x0000000000000001
	PropMutable           uint64 = 0x0000000000000002
	PropError             uint64 = 0x0000000000000004
	PropAcceptor          uint64 = 0x0000000000010000
	PropNotAcceptor       uint64 = 0x0000000000020000
	PropIDeterministic    uint64 = 0x0000000000040000
	PropNonIDeterministic uint64 = 0x0000000000080000
	PropODeterministic    uint64 = 0x0000000000100000
	PropNonODeterministic uint64 = 0x0000000000200000
	PropEpsilons          uint64 = 0x0000000000400000
	PropNoEpsilons        uint64 = 0x0000000000800000
	PropIEpsilons         uint64 = 0x0000000001000000
	PropNoIEpsilons       uint64 = 0x0000000002000000
	PropOEpsilons         uint64 = 0x0000000004000000
	PropNoOEpsilons       uint64 = 0x0000000008000000
	PropILabelSorted      uint64 = 0x0000000010000000
	PropNotILabelSorted   uint64 = 0x0000000020000000
	PropOLabelSorted      uint64 = 0x0000000040000000
	PropNotOLabelSorted   uint64 = 0x0000000080000000
	PropWeighted          uint64 = 0x0000000100000000
	PropUnweighted        uint64 = 0x0000000200000000
	PropCyclic            uint64 = 0x0000000400000000
	PropAcyclic           uint64 = 0x0000000800000000
	PropInitialCyclic     uint64 = 0x0000001000000000
	PropInitialAcyclic    uint64 = 0x0000002000000000
	PropTopSorted         uint64 = 0x0000004000000000
	PropNotTopSorted      uint64 = 0x0000008000000000
	PropAccessible        uint64 = 0x0000010000000000
	PropNotAccessible     uint64 = 0x0000020000000000
	PropCoAccessible      uint64 = 0x0000040000000000
	PropNotCoAccessible   uint64 = 0x0000080000000000
	PropString            uint64 = 0x0000100000000000
	PropNotString         uint64 = 0x0000200000000000
	PropWeightedCycles    uint64 = 0x0000400000000000
	PropUnweightedCycles  uint64 = 0x0000800000000000

	// PropBinary are the binary properties; PropTrinary the trinary pairs; PropFST all of them.
	PropBinary  uint64 = 0x0000000000000007
	PropTrinary uint64 = 0x0000ffffffff0000
	PropFST     uint64 = PropBinary | PropTrinary
)

// PropNull are the properties of an FST with no states (OpenFST's kNullProperties); a new Vector starts
// with them and each mutation updates them incrementally with OpenFST's rules, so the bits a Vector knows
// (and writes into file headers) are those OpenFST's VectorFst would know after the same mutations.
const PropNull = PropAcceptor | PropIDeterministic | PropODeterministic | PropNoEpsilons | PropNoIEpsilons |
	PropNoOEpsilons | PropILabelSorted | PropOLabelSorted | PropUnweighted | PropAcyclic | PropInitialAcyclic |
	PropTopSorted | PropAccessible | PropCoAccessible | PropString | PropUnweightedCycles

// PropCopy are the properties an algorithm's output may copy from its input (OpenFST's kCopyProperties):
// Error and every trinary pair.
const PropCopy = PropError | PropTrinary

// PropPosTrinary are the "positive" halves of the trinary pairs (Acceptor, IDeterministic, ...), and
// PropNegTrinary the "negative" halves (NotAcceptor, NonIDeterministic, ...).
const (
	PropPosTrinary = PropTrinary & 0x5555555555555555
	PropNegTrinary = PropTrinary & 0xaaaaaaaaaaaaaaaa
)

// Masks of the properties preserved by mutations (OpenFST's kSetStartProperties, ... in properties.h).
const (
	propSetStart = PropExpanded | PropMutable | PropError | PropAcceptor | PropNotAcceptor |
		PropIDeterministic | PropNonIDeterministic | PropODeterministic | PropNonODeterministic | PropEpsilons |
		PropNoEpsilons | PropIEpsilons | PropNoIEpsilons | PropOEpsilons | PropNoOEpsilons | PropILabelSorted |
		PropNotILabelSorted | PropOLabelSorted | PropNotOLabelSorted | PropWeighted | PropUnweighted |
		PropCyclic | PropAcyclic | PropTopSorted | PropNotTopSorted | PropCoAccessible | PropNotCoAccessible |
		PropWeightedCycles | PropUnweightedCycles
	propSetFinal = PropExpanded | PropMutable | PropError | PropAcceptor | PropNotAcceptor |
		PropIDeterministic | PropNonIDeterministic | PropODeterministic | PropNonODeterministic | PropEpsilons |
		PropNoEpsilons | PropIEpsilons | PropNoIEpsilons | PropOEpsilons | PropNoOEpsilons | PropILabelSorted |
		PropNotILabelSorted | PropOLabelSorted | PropNotOLabelSorted | PropCyclic | PropAcyclic |
		PropInitialCyclic | PropInitialAcyclic | PropTopSorted | PropNotTopSorted | PropAccessible |
		PropNotAccessible | PropWeightedCycles | PropUnweightedCycles
	propAddState = PropExpanded | PropMutable | PropError | PropAcceptor | PropNotAcceptor |
		PropIDeterministic | PropNonIDeterministic | PropODeterministic | PropNonODeterministic | PropEpsilons |
		PropNoEpsilons | PropIEpsilons | PropNoIEpsilons | PropOEpsilons | PropNoOEpsilons | PropILabelSorted |
		PropNotILabelSorted | PropOLabelSorted | PropNotOLabelSorted | PropWeighted | PropUnweighted |
		PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropTopSorted | PropNotTopSorted |
		PropNotAccessible | PropNotCoAccessible | PropNotString | PropWeightedCycles | PropUnweightedCycles
	propAddArc = PropExpanded | PropMutable | PropError | PropNotAcceptor | PropNonIDeterministic |
		PropNonODeterministic | PropEpsilons | PropIEpsilons | PropOEpsilons | PropNotILabelSorted |
		PropNotOLabelSorted | PropWeighted | PropCyclic | PropInitialCyclic | PropNotTopSorted |
		PropAccessible | PropCoAccessible | PropWeightedCycles
	propDeleteStates = PropExpanded | PropMutable | PropError | PropAcceptor | PropIDeterministic |
		PropODeterministic | PropNoEpsilons | PropNoIEpsilons | PropNoOEpsilons | PropILabelSorted |
		PropOLabelSorted | PropUnweighted | PropAcyclic | PropInitialAcyclic | PropTopSorted |
		PropUnweightedCycles
	propDeleteArcs = PropExpanded | PropMutable | PropError | PropAcceptor | PropIDeterministic |
		PropODeterministic | PropNoEpsilons | PropNoIEpsilons | PropNoOEpsilons | PropILabelSorted |
		PropOLabelSorted | PropUnweighted | PropAcyclic | PropInitialAcyclic | PropTopSorted |
		PropNotAccessible | PropNotCoAccessible | PropUnweightedCycles
)

// KnownPropertiesOf returns the property bits whose value is known in props: the binary bits, and both bits
// of every trinary pair of which one bit is set (OpenFST's KnownProperties).
func KnownPropertiesOf(props uint64) uint64 {
	return PropBinary | props&PropTrinary | (props&PropPosTrinary)<<1 | (props&PropNegTrinary)>>1
}

func setStartProperties(in uint64) uint64 {
	out := in & propSetStart
	if in&PropAcyclic != 0 {
		out |= PropInitialAcyclic
	}
	return out
}

func setFinalProperties(in uint64, oldW, newW Weight) uint64 {
	out := in
	if !IsZero(oldW) && oldW != One {
		out &^= PropWeighted
	}
	if !IsZero(newW) && newW != One {
		out |= PropWeighted
		out &^= PropUnweighted
	}
	return out & (propSetFinal | PropWeighted | PropUnweighted)
}

func addArcProperties(in uint64, s StateID, a Arc, prev *Arc) uint64 {
	out := in
	if a.ILabel != a.OLabel {
		out |= PropNotAcceptor
		out &^= PropAcceptor
	}
	if a.ILabel == Epsilon {
		out |= PropIEpsilons
		out &^= PropNoIEpsilons
		if a.OLabel == Epsilon {
			out |= PropEpsilons
			out &^= PropNoEpsilons
		}
	}
	if a.OLabel == Epsilon {
		out |= PropOEpsilons
		out &^= PropNoOEpsilons
	}
	if prev != nil {
		if prev.ILabel > a.ILabel {
			out |= PropNotILabelSorted
			out &^= PropILabelSorted
		}
		if prev.OLabel > a.OLabel {
			out |= PropNotOLabelSorted
			out &^= PropOLabelSorted
		}
	}
	if !IsZero(a.Weight) && a.Weight != One {
		out |= PropWeighted
		out &^= PropUnweighted
	}
	if a.NextState <= s {
		out |= PropNotTopSorted
		out &^= PropTopSorted
	}
	out &= propAddArc | PropAcceptor | PropNoEpsilons | PropNoIEpsilons | PropNoOEpsilons |
		PropILabelSorted | PropOLabelSorted | PropUnweighted | PropTopSorted
	if out&PropTopSorted != 0 {
		out |= PropAcyclic | PropInitialAcyclic
	}
	return out
}
