package wfst

// vectorState is one state of a Vector: its final weight and its arcs.
type vectorState struct {
	final Weight
	arcs  []Arc
	niEps int32 // arcs with ILabel == Epsilon
	noEps int32 // arcs with OLabel == Epsilon
}

// Vector is a mutable, expanded FST (OpenFST's VectorFst): a slice of states, each with its own arc
// slice. Memory: one 40-byte state header per state plus 16 bytes per arc (and slice slack); it holds
// exactly what was added. Not safe for concurrent mutation; concurrent reads are safe.
type Vector struct {
	states   []vectorState
	start    StateID
	semiring Semiring
	props    uint64 // known property bits (see properties.go); mutations clear what they may invalidate
	isyms    *SymbolTable
	osyms    *SymbolTable
}

// NewVector returns an empty FST over semiring s, with no start state.
func NewVector(s Semiring) *Vector {
	return &Vector{start: NoStateID, semiring: s, props: PropNull | PropExpanded | PropMutable}
}

// Semiring returns the weight semiring.
func (f *Vector) Semiring() Semiring { return f.semiring }

// SetSemiring changes the semiring label of the weights without touching them (as OpenFST's ArcMap to
// another arc type with the identity on values).
func (f *Vector) SetSemiring(s Semiring) { f.semiring = s }

// Start returns the start state, or NoStateID.
func (f *Vector) Start() StateID { return f.start }

// NumStates returns the number of states.
func (f *Vector) NumStates() int { return len(f.states) }

// Final returns the final weight of s (Zero when s is not final).
func (f *Vector) Final(s StateID) Weight { return f.states[s].final }

// Arcs returns the arcs leaving s. The slice aliases internal storage: valid until the next mutation of s;
// do not modify it (use SetArcs or MutableArcs to change arcs).
func (f *Vector) Arcs(s StateID) []Arc { return f.states[s].arcs }

// NumArcs returns the number of arcs leaving s.
func (f *Vector) NumArcs(s StateID) int { return len(f.states[s].arcs) }

// NumInputEpsilons returns the number of arcs of s with an epsilon input label.
func (f *Vector) NumInputEpsilons(s StateID) int { return int(f.states[s].niEps) }

// NumOutputEpsilons returns the number of arcs of s with an epsilon output label.
func (f *Vector) NumOutputEpsilons(s StateID) int { return int(f.states[s].noEps) }

// InputSymbols returns the input symbol table, or nil.
func (f *Vector) InputSymbols() *SymbolTable { return f.isyms }

// OutputSymbols returns the output symbol table, or nil.
func (f *Vector) OutputSymbols() *SymbolTable { return f.osyms }

// SetInputSymbols sets the input symbol table (nil removes it).
func (f *Vector) SetInputSymbols(t *SymbolTable) { f.isyms = t }

// SetOutputSymbols sets the output symbol table (nil removes it).
func (f *Vector) SetOutputSymbols(t *SymbolTable) { f.osyms = t }

// AddState adds a non-final state with no arcs and returns its id.
func (f *Vector) AddState() StateID {
	f.states = append(f.states, vectorState{final: Zero})
	f.props &= propAddState
	return StateID(len(f.states) - 1)
}

// AddStates adds n states.
func (f *Vector) AddStates(n int) {
	for i := 0; i < n; i++ {
		f.states = append(f.states, vectorState{final: Zero})
	}
	if n > 0 {
		f.props &= propAddState
	}
}

// ReserveStates makes room for n states in total without reallocating.
func (f *Vector) ReserveStates(n int) {
	if n > cap(f.states) {
		s := make([]vectorState, len(f.states), n)
		copy(s, f.states)
		f.states = s
	}
}

// ReserveArcs makes room for n arcs at s.
func (f *Vector) ReserveArcs(s StateID, n int) {
	st := &f.states[s]
	if n > cap(st.arcs) {
		a := make([]Arc, len(st.arcs), n)
		copy(a, st.arcs)
		st.arcs = a
	}
}

// SetStart sets the start state.
func (f *Vector) SetStart(s StateID) {
	f.start = s
	f.props = setStartProperties(f.props)
}

// SetFinal sets the final weight of s (Zero makes it non-final).
func (f *Vector) SetFinal(s StateID, w Weight) {
	f.props = setFinalProperties(f.props, f.states[s].final, w)
	f.states[s].final = w
}

// AddArc adds an arc leaving s.
func (f *Vector) AddArc(s StateID, a Arc) {
	st := &f.states[s]
	var prev *Arc
	if n := len(st.arcs); n > 0 {
		prev = &st.arcs[n-1]
	}
	f.props = addArcProperties(f.props, s, a, prev)
	st.arcs = append(st.arcs, a)
	if a.ILabel == Epsilon {
		st.niEps++
	}
	if a.OLabel == Epsilon {
		st.noEps++
	}
}

// SetArcs replaces the arcs of s with arcs (the slice is kept, not copied).
func (f *Vector) SetArcs(s StateID, arcs []Arc) {
	st := &f.states[s]
	st.arcs = arcs
	st.niEps, st.noEps = 0, 0
	for _, a := range arcs {
		if a.ILabel == Epsilon {
			st.niEps++
		}
		if a.OLabel == Epsilon {
			st.noEps++
		}
	}
	f.props &= PropBinary
}

// DeleteArcs removes every arc of s.
func (f *Vector) DeleteArcs(s StateID) {
	st := &f.states[s]
	st.arcs = st.arcs[:0]
	st.niEps, st.noEps = 0, 0
	f.props &= propDeleteArcs
}

// DeleteAllStates removes every state and the start state; symbol tables are kept.
func (f *Vector) DeleteAllStates() {
	f.states = f.states[:0]
	f.start = NoStateID
	f.props = f.props&PropError | PropNull | PropExpanded | PropMutable
}

// DeleteStates removes the states for which del[s] is true, renumbering the rest in order and dropping arcs
// into deleted states. len(del) must be NumStates().
func (f *Vector) DeleteStates(del []bool) {
	newID := make([]StateID, len(f.states))
	n := 0
	for s := range f.states {
		if del[s] {
			newID[s] = NoStateID
			continue
		}
		newID[s] = StateID(n)
		f.states[n] = f.states[s]
		n++
	}
	for i := n; i < len(f.states); i++ {
		f.states[i] = vectorState{}
	}
	f.states = f.states[:n]
	for s := range f.states {
		st := &f.states[s]
		out := st.arcs[:0]
		st.niEps, st.noEps = 0, 0
		for _, a := range st.arcs {
			if t := newID[a.NextState]; t != NoStateID {
				a.NextState = t
				out = append(out, a)
				if a.ILabel == Epsilon {
					st.niEps++
				}
				if a.OLabel == Epsilon {
					st.noEps++
				}
			}
		}
		st.arcs = out
	}
	if f.start != NoStateID {
		f.start = newID[f.start]
	}
	f.props &= propDeleteStates
}

// KnownProperties returns the property bits currently known to hold (see properties.go).
func (f *Vector) KnownProperties() uint64 { return f.props }

// SetProperties records property bits known to hold (props) for the bits in mask; algorithms call it when
// they know what their output satisfies. Mutations clear the trinary bits.
func (f *Vector) SetProperties(props, mask uint64) {
	f.props = (f.props &^ mask) | (props & mask)
}

// Copy returns a deep copy of an expanded FST as a Vector (symbol tables are shared, not copied).
func Copy(src Expanded) *Vector {
	f := NewVector(src.Semiring())
	n := src.NumStates()
	f.states = make([]vectorState, n)
	for s := 0; s < n; s++ {
		f.states[s].final = src.Final(StateID(s))
		f.SetArcs(StateID(s), append([]Arc(nil), src.Arcs(StateID(s))...))
	}
	f.start = src.Start()
	if sy, ok := src.(Symbolic); ok {
		f.isyms, f.osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	if v, ok := src.(*Vector); ok {
		f.props = v.props
	}
	return f
}
