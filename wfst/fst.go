package wfst

// FST is the read interface every FST satisfies: OpenFST's Fst<Arc>. Implementations may compute states
// lazily (a delayed composition); expanded FSTs also satisfy [Expanded].
//
// Arcs returns the arcs leaving s. The slice aliases internal storage: it is valid until the next
// mutation (or, for a lazy FST, until its cache is reclaimed) and must not be modified.
type FST interface {
	Start() StateID
	Final(s StateID) Weight
	Arcs(s StateID) []Arc
	Semiring() Semiring
}

// Expanded is an FST whose states are all known: ids 0..NumStates()-1 (OpenFST's ExpandedFst).
type Expanded interface {
	FST
	NumStates() int
}

// Symbolic is implemented by FSTs that carry symbol tables (nil when absent).
type Symbolic interface {
	InputSymbols() *SymbolTable
	OutputSymbols() *SymbolTable
}

// NumArcsTotal returns the number of arcs of an expanded FST.
func NumArcsTotal(f Expanded) int {
	n := 0
	for s := 0; s < f.NumStates(); s++ {
		n += len(f.Arcs(StateID(s)))
	}
	return n
}
