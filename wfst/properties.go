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
