package wfst

// ConstState is one state of a Const, laid out as OpenFST's ConstFst writes it (20 bytes): final weight,
// offset of its first arc, number of arcs, input-epsilon and output-epsilon counts.
type ConstState struct {
	Final   Weight
	Pos     uint32
	NumArcs uint32
	NumIEps uint32
	NumOEps uint32
}

// Const is an immutable, expanded FST in two flat arrays (OpenFST's ConstFst): states, and all arcs
// grouped by source state. It contains no pointers, so the garbage collector never scans it, and its arrays
// can alias a memory-mapped file (fstio.OpenConst): then they are not Go heap at all, and stay mapped as
// long as the Const is reachable. Memory: 20 bytes per state + 16 per arc, fixed at construction. Safe for
// concurrent use by any number of goroutines.
type Const struct {
	states   []ConstState
	arcs     []Arc
	start    StateID
	semiring Semiring
	props    uint64
	isyms    *SymbolTable
	osyms    *SymbolTable
}

// NewConst freezes an expanded FST into a Const.
func NewConst(src Expanded) *Const {
	n := src.NumStates()
	total := 0
	for s := 0; s < n; s++ {
		total += len(src.Arcs(StateID(s)))
	}
	c := &Const{
		states:   make([]ConstState, n),
		arcs:     make([]Arc, 0, total),
		start:    src.Start(),
		semiring: src.Semiring(),
	}
	for s := 0; s < n; s++ {
		arcs := src.Arcs(StateID(s))
		st := ConstState{Final: src.Final(StateID(s)), Pos: uint32(len(c.arcs)), NumArcs: uint32(len(arcs))}
		for _, a := range arcs {
			if a.ILabel == Epsilon {
				st.NumIEps++
			}
			if a.OLabel == Epsilon {
				st.NumOEps++
			}
		}
		c.arcs = append(c.arcs, arcs...)
		c.states[s] = st
	}
	if sy, ok := src.(Symbolic); ok {
		c.isyms, c.osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	if v, ok := src.(*Vector); ok {
		c.props = v.props&^PropMutable | PropExpanded
	} else {
		c.props = PropExpanded
	}
	return c
}

// NewConstFromArrays builds a Const over the given arrays without copying them (e.g. slices of a
// memory-mapped file). The caller guarantees their consistency: every Pos+NumArcs within arcs and every
// NextState within states; fstio's readers check this before calling.
func NewConstFromArrays(states []ConstState, arcs []Arc, start StateID, s Semiring, props uint64, isyms, osyms *SymbolTable) *Const {
	return &Const{states: states, arcs: arcs, start: start, semiring: s, props: props&^PropMutable | PropExpanded, isyms: isyms, osyms: osyms}
}

// Semiring returns the weight semiring.
func (c *Const) Semiring() Semiring { return c.semiring }

// Start returns the start state, or NoStateID.
func (c *Const) Start() StateID { return c.start }

// NumStates returns the number of states.
func (c *Const) NumStates() int { return len(c.states) }

// NumArcsTotal returns the number of arcs.
func (c *Const) NumArcsTotal() int { return len(c.arcs) }

// Final returns the final weight of s (Zero when s is not final).
func (c *Const) Final(s StateID) Weight { return c.states[s].Final }

// Arcs returns the arcs leaving s, a sub-slice of the flat arc array: do not modify it, and do not keep it
// beyond the Const's lifetime (it may alias a mapping released with the Const). It never allocates.
func (c *Const) Arcs(s StateID) []Arc {
	st := &c.states[s]
	return c.arcs[st.Pos : st.Pos+st.NumArcs : st.Pos+st.NumArcs]
}

// NumArcs returns the number of arcs leaving s.
func (c *Const) NumArcs(s StateID) int { return int(c.states[s].NumArcs) }

// NumInputEpsilons returns the number of arcs of s with an epsilon input label.
func (c *Const) NumInputEpsilons(s StateID) int { return int(c.states[s].NumIEps) }

// NumOutputEpsilons returns the number of arcs of s with an epsilon output label.
func (c *Const) NumOutputEpsilons(s StateID) int { return int(c.states[s].NumOEps) }

// States returns the flat state array (for writers). Do not modify it.
func (c *Const) States() []ConstState { return c.states }

// AllArcs returns the flat arc array (for writers). Do not modify it.
func (c *Const) AllArcs() []Arc { return c.arcs }

// KnownProperties returns the property bits known to hold.
func (c *Const) KnownProperties() uint64 { return c.props }

// InputSymbols returns the input symbol table, or nil.
func (c *Const) InputSymbols() *SymbolTable { return c.isyms }

// OutputSymbols returns the output symbol table, or nil.
func (c *Const) OutputSymbols() *SymbolTable { return c.osyms }
