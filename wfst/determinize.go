package wfst

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// DeterminizeType selects how transducers are determinized (OpenFST's DeterminizeType; fstdeterminize's
// --det_type). Acceptors ignore it.
type DeterminizeType uint8

const (
	// DeterminizeFunctional requires a functional input (each input string has one output string); a
	// non-functional input gives ErrNonFunctional (OpenFST's DETERMINIZE_FUNCTIONAL, the default).
	DeterminizeFunctional DeterminizeType = iota
	// DeterminizeNonfunctional would build a p-subsequential transducer (OpenFST's
	// DETERMINIZE_NONFUNCTIONAL). Not supported: Determinize returns an error.
	DeterminizeNonfunctional
	// DeterminizeDisambiguate keeps, for each input string, only the output of least cost (OpenFST's
	// DETERMINIZE_DISAMBIGUATE; tropical semiring only).
	DeterminizeDisambiguate
)

// ParseDeterminizeType maps fstdeterminize's --det_type values to a DeterminizeType.
func ParseDeterminizeType(s string) (DeterminizeType, error) {
	switch s {
	case "functional":
		return DeterminizeFunctional, nil
	case "nonfunctional":
		return DeterminizeNonfunctional, nil
	case "disambiguate":
		return DeterminizeDisambiguate, nil
	}
	return 0, fmt.Errorf("wfst: unknown determinization type %q (want functional, nonfunctional or disambiguate)", s)
}

// DeterminizeOptions configures [Determinize] (OpenFST's DeterminizeOptions; fstdeterminize's flags).
type DeterminizeOptions struct {
	// Delta quantizes residual weights so that subsets compare equal (OpenFST's default kDelta).
	Delta float32
	// Type selects how transducers are determinized.
	Type DeterminizeType
	// SubsequentialLabel is the input label of the arcs that emit residual output at final states.
	SubsequentialLabel Label
	// IncrementSubsequentialLabel makes those labels distinct per state (only matters for several residual
	// outputs at one state, i.e. the unsupported non-functional type).
	IncrementSubsequentialLabel bool
	// MaxStates stops with ErrStateLimit when the output would get more states (0: no limit). Unlike
	// OpenFST's --nstate (which prunes), this is a hard guard against inputs that blow up or do not terminate.
	MaxStates int
	// RemoveEpsilons determinizes with epsilon removal on the fly (Kaldi's DeterminizeStar): input-epsilon
	// arcs are followed inside subsets instead of being treated as a regular symbol, so the output has no
	// input epsilons except the subsequential arcs. Epsilon cycles must have converging weights.
	RemoveEpsilons bool
	// Semiring, when set, overrides the FST's semiring for the ⊕ of determinization (Kaldi's
	// DeterminizeStarInLog: determinize a tropical FST in the log semiring). The output keeps the input's
	// semiring label.
	Semiring *Semiring
}

// DefaultDeterminizeOptions returns OpenFST's defaults: Delta kDelta, functional, subsequential label 0.
func DefaultDeterminizeOptions() DeterminizeOptions { return DeterminizeOptions{Delta: Delta} }

var (
	// ErrNonFunctional reports a transducer that maps some input string to two output strings.
	ErrNonFunctional = errors.New("wfst: determinize: transducer is not functional")
	// ErrStateLimit reports that an algorithm's output exceeded its configured state limit.
	ErrStateLimit = errors.New("wfst: state limit exceeded")
)

// detElem is one element of a subset: an input state, its residual output string (interned id; 0 is the
// empty string) and its residual weight.
type detElem struct {
	state StateID
	str   int32
	w     Weight
}

// detEntry is one candidate transition gathered while expanding a subset.
type detEntry struct {
	label Label // input label
	next  StateID
	str   int32 // residual string of the source element
	olab  Label // output label of the arc (appended to str)
	w     Weight
}

// strTable interns label strings: id 0 is the empty string. Memory: the labels of every distinct string
// once plus a map entry per string.
type strTable struct {
	off  []int32
	labs []Label
	ids  map[string]int32
	key  []byte
}

func newStrTable() *strTable {
	return &strTable{off: []int32{0, 0}, ids: map[string]int32{"": 0}}
}

func (t *strTable) get(id int32) []Label { return t.labs[t.off[id]:t.off[id+1]] }

// intern returns the id of the string prefix·(l if non-epsilon), skipping the first skip labels.
func (t *strTable) intern(prefix []Label, l Label, skip int) int32 {
	t.key = t.key[:0]
	n := 0
	add := func(x Label) {
		if n >= skip {
			t.key = append(t.key, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		n++
	}
	for _, x := range prefix {
		add(x)
	}
	if l != Epsilon {
		add(l)
	}
	if id, ok := t.ids[string(t.key)]; ok {
		return id
	}
	id := int32(len(t.off) - 1)
	for i := 0; i+3 < len(t.key); i += 4 {
		t.labs = append(t.labs, Label(uint32(t.key[i])|uint32(t.key[i+1])<<8|uint32(t.key[i+2])<<16|uint32(t.key[i+3])<<24))
	}
	t.off = append(t.off, int32(len(t.labs)))
	t.ids[string(t.key)] = id
	return id
}

// subsetTable maps subsets (sorted element lists) to output states with open addressing. Memory: the
// elements of every subset once (12 bytes each), 12 bytes per subset, 4 bytes per slot at load ≤ 1/2.
type subsetTable struct {
	elems []detElem
	off   []int64 // subset i is elems[off[i]:off[i+1]]
	hash  []uint64
	slots []int32 // subset id + 1; 0 is empty
}

func newSubsetTable() *subsetTable {
	return &subsetTable{off: []int64{0}, slots: make([]int32, 1024)}
}

func (t *subsetTable) subset(i int32) []detElem { return t.elems[t.off[i]:t.off[i+1]] }

func hashElems(es []detElem) uint64 {
	var h uint64 = 1469598103934665603
	for _, e := range es {
		h ^= uint64(uint32(e.state)) | uint64(uint32(e.str))<<32
		h *= 1099511628211
		h ^= uint64(math.Float32bits(e.w))
		h *= 1099511628211
		h ^= h >> 29
	}
	return h
}

// find returns the id of subset es, adding it when new (added reports that).
func (t *subsetTable) find(es []detElem) (id int32, added bool) {
	h := hashElems(es)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := t.slots[i]
		if v == 0 {
			id = int32(len(t.hash))
			t.slots[i] = id + 1
			t.hash = append(t.hash, h)
			t.elems = append(t.elems, es...)
			t.off = append(t.off, int64(len(t.elems)))
			if 2*len(t.hash) > len(t.slots) {
				t.grow()
			}
			return id, true
		}
		if t.hash[v-1] == h && slices.Equal(t.subset(v-1), es) {
			return v - 1, false
		}
	}
}

func (t *subsetTable) grow() {
	slots := make([]int32, 2*len(t.slots))
	mask := uint64(len(slots) - 1)
	for id, h := range t.hash {
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = int32(id) + 1
	}
	t.slots = slots
}

// Determinize returns a deterministic FST equivalent to f (OpenFST's Determinize): no state has two arcs with
// the same input label, and the weighted relation is unchanged (within opts.Delta). Acceptors are
// determinized by the weighted subset construction; transducers through the gallic semiring (pairs of an
// output string and a weight), emitting at most one output label per arc and the residual output of final
// states on arcs with input opts.SubsequentialLabel, as OpenFST does. Epsilon is an ordinary input symbol
// unless opts.RemoveEpsilons.
//
// Termination: always for acyclic and unweighted inputs; for cyclic weighted inputs only when f has the twins
// property, so set opts.MaxStates to bound untrusted inputs. States are numbered in breadth-first order.
// Memory: every subset is kept (12 bytes per element) until the function returns, plus the output.
func Determinize(f FST, opts DeterminizeOptions) (*Vector, error) {
	sr := f.Semiring()
	if opts.Semiring != nil {
		sr = *opts.Semiring
	}
	acceptor := isAcceptor(f)
	if !acceptor {
		switch opts.Type {
		case DeterminizeNonfunctional:
			return nil, errors.New("wfst: determinize: non-functional determinization is not supported")
		case DeterminizeDisambiguate:
			if sr != Tropical {
				return nil, errors.New("wfst: determinize: disambiguation needs the tropical semiring (path property)")
			}
		}
	}
	out := NewVector(f.Semiring())
	if sy, ok := f.(Symbolic); ok {
		out.SetInputSymbols(sy.InputSymbols())
		out.SetOutputSymbols(sy.OutputSymbols())
	}
	if f.Start() == NoStateID {
		return out, nil
	}
	d := &determinizer{f: f, sr: sr, opts: opts, strs: newStrTable(), tab: newSubsetTable(), out: out,
		disamb: !acceptor && opts.Type == DeterminizeDisambiguate, chains: map[int32]StateID{}, super: NoStateID}
	start := []detElem{{state: f.Start(), w: One}}
	if opts.RemoveEpsilons {
		var err error
		if start, err = d.closure(start); err != nil {
			return nil, err
		}
	}
	d.tab.find(start)
	out.AddState()
	out.SetStart(0)
	for s := int32(0); s < int32(len(d.tab.hash)); s++ {
		if err := d.expand(s); err != nil {
			return nil, err
		}
	}
	for _, p := range d.pending {
		ls := slices.Clone(d.strs.get(p.str))
		d.out.AddArc(p.s, Arc{ILabel: opts.SubsequentialLabel, OLabel: ls[0], Weight: p.w, NextState: d.chainFor(ls[1:])})
	}
	if acceptor {
		// (Transducer outputs may repeat the subsequential label next to epsilon-input arcs: no claim.)
		props := PropIDeterministic | PropAcceptor | PropODeterministic
		out.SetProperties(props, props)
	}
	return out, nil
}

// isAcceptor reports whether every arc of f (expanded from the start) has equal labels. It uses known
// property bits when f has them.
func isAcceptor(f FST) bool {
	type known interface{ KnownProperties() uint64 }
	if k, ok := f.(known); ok {
		p := k.KnownProperties()
		if p&PropAcceptor != 0 {
			return true
		}
		if p&PropNotAcceptor != 0 {
			return false
		}
	}
	if e, ok := f.(Expanded); ok {
		for s := 0; s < e.NumStates(); s++ {
			for _, a := range e.Arcs(StateID(s)) {
				if a.ILabel != a.OLabel {
					return false
				}
			}
		}
		return true
	}
	seen := map[StateID]bool{f.Start(): true}
	stack := []StateID{f.Start()}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, a := range f.Arcs(s) {
			if a.ILabel != a.OLabel {
				return false
			}
			if !seen[a.NextState] {
				seen[a.NextState] = true
				stack = append(stack, a.NextState)
			}
		}
	}
	return true
}

// pendingFinal is a final residual output string waiting for its subsequential arcs.
type pendingFinal struct {
	s   StateID
	str int32
	w   Weight
}

type determinizer struct {
	f       FST
	sr      Semiring
	opts    DeterminizeOptions
	strs    *strTable
	tab     *subsetTable
	out     *Vector
	disamb  bool
	chains  map[int32]StateID // residual final string → chain state emitting it
	super   StateID           // shared superfinal state of the chains
	pending []pendingFinal
	// scratch of closure
	clOut []detElem
	clRes []Weight
	clInq []bool
	clQ   []int32
	clPos []int32
	// scratch
	entries []detEntry
	dest    []detElem
}

// plusStr combines two (string, weight) pairs of the same destination: ⊕ of weights with equal strings
// (functional), or the pair of least weight (disambiguate).
func (d *determinizer) plusStr(s1 int32, w1 Weight, s2 int32, w2 Weight) (int32, Weight, error) {
	if d.disamb {
		if w1 < w2 {
			return s1, w1, nil
		}
		return s2, w2, nil
	}
	if s1 != s2 {
		return 0, 0, ErrNonFunctional
	}
	return s1, d.sr.Plus(w1, w2), nil
}

func (d *determinizer) expand(s int32) error {
	sub := d.tab.subset(s)
	// Final weight.
	fw, fstr, hasFinal := Zero, int32(0), false
	for _, e := range sub {
		ff := d.f.Final(e.state)
		if IsZero(ff) {
			continue
		}
		w := e.w + ff
		if !hasFinal {
			fw, fstr, hasFinal = w, e.str, true
			continue
		}
		var err error
		if fstr, fw, err = d.plusStr(fstr, fw, e.str, w); err != nil {
			return fmt.Errorf("%w (final weight of a subset with state %d)", err, e.state)
		}
	}
	if hasFinal {
		if fstr == 0 {
			d.out.SetFinal(StateID(s), fw)
		} else {
			// Emitted once every subset has its state (chain states must not take subset ids).
			d.pending = append(d.pending, pendingFinal{StateID(s), fstr, fw})
		}
	}
	// Gather transitions.
	ents := d.entries[:0]
	for _, e := range d.tab.subset(s) {
		for _, a := range d.f.Arcs(e.state) {
			if d.opts.RemoveEpsilons && a.ILabel == Epsilon {
				continue
			}
			ents = append(ents, detEntry{label: a.ILabel, next: a.NextState, str: e.str, olab: a.OLabel, w: e.w + a.Weight})
		}
	}
	slices.SortFunc(ents, func(a, b detEntry) int {
		if a.label != b.label {
			return int(a.label) - int(b.label)
		}
		return int(a.next) - int(b.next)
	})
	d.entries = ents
	for i := 0; i < len(ents); {
		j := i
		for j < len(ents) && ents[j].label == ents[i].label {
			j++
		}
		if err := d.transition(s, ents[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// firstLabel returns the first label of the string str·olab, or Epsilon when it is empty.
func (d *determinizer) firstLabel(str int32, olab Label) Label {
	if str != 0 {
		return d.strs.get(str)[0]
	}
	return olab
}

func (d *determinizer) transition(s int32, group []detEntry) error {
	label := group[0].label
	// Common divisor: ⊕ of weights, and the first output label if every string starts with it.
	aw := Zero
	olab := d.firstLabel(group[0].str, group[0].olab)
	for _, e := range group {
		aw = d.sr.Plus(aw, e.w)
		if olab != Epsilon && d.firstLabel(e.str, e.olab) != olab {
			olab = Epsilon
		}
	}
	skip := 0
	if olab != Epsilon {
		skip = 1
	}
	dest := d.dest[:0]
	for k := 0; k < len(group); {
		e := group[k]
		str := int32(0)
		if e.str != 0 || e.olab != Epsilon {
			str = d.strs.intern(d.strs.get(e.str), e.olab, skip)
		}
		w := e.w
		k++
		for k < len(group) && group[k].next == e.next {
			g := group[k]
			gs := int32(0)
			if g.str != 0 || g.olab != Epsilon {
				gs = d.strs.intern(d.strs.get(g.str), g.olab, skip)
			}
			var err error
			if str, w, err = d.plusStr(str, w, gs, g.w); err != nil {
				return fmt.Errorf("%w (input label %d into state %d)", err, label, e.next)
			}
			k++
		}
		dest = append(dest, detElem{state: e.next, str: str, w: w})
	}
	for i := range dest {
		dest[i].w = Quantize(Divide(dest[i].w, aw), d.opts.Delta)
	}
	d.dest = dest // (closure returns its own scratch: d.dest must not alias it)
	if d.opts.RemoveEpsilons {
		var err error
		if dest, err = d.closure(dest); err != nil {
			return err
		}
	}
	id, added := d.tab.find(dest)
	if added {
		if d.opts.MaxStates > 0 && d.out.NumStates() >= d.opts.MaxStates {
			return fmt.Errorf("determinize: more than %d states: %w", d.opts.MaxStates, ErrStateLimit)
		}
		d.out.AddState()
	}
	d.out.AddArc(StateID(s), Arc{ILabel: label, OLabel: olab, Weight: aw, NextState: StateID(id)})
	return nil
}

// chainFor returns a state from which the string ls is emitted on subsequential arcs before a final state
// (OpenFST's factoring of final gallic weights).
func (d *determinizer) chainFor(ls []Label) StateID {
	if len(ls) == 0 {
		if d.super == NoStateID {
			d.super = d.out.AddState()
			d.out.SetFinal(d.super, One)
		}
		return d.super
	}
	id := d.strs.intern(ls, Epsilon, 0)
	if st, ok := d.chains[id]; ok {
		return st
	}
	rest := append([]Label(nil), ls[1:]...)
	nxt := d.chainFor(rest)
	st := d.out.AddState()
	d.out.AddArc(st, Arc{ILabel: d.opts.SubsequentialLabel, OLabel: ls[0], Weight: One, NextState: nxt})
	d.chains[id] = st
	return st
}

// closure extends a subset with everything reachable over input-epsilon arcs (DeterminizeStar), ⊕-summing
// weights (residual FIFO), and returns it sorted by state. Output labels on the epsilon arcs are appended to
// the element strings.
func (d *determinizer) closure(es []detElem) ([]detElem, error) {
	// Scratch reused across calls: pos[state] is 1 + the element index of state in the closure being
	// built (reset through out afterwards), so no map or allocation per subset once warmed up.
	out := d.clOut[:0]
	res := d.clRes[:0]
	inq := d.clInq[:0]
	q := d.clQ[:0]
	posOf := func(s StateID) int32 {
		if int(s) < len(d.clPos) {
			return d.clPos[s]
		}
		return 0
	}
	setPos := func(s StateID, v int32) {
		for int(s) >= len(d.clPos) {
			d.clPos = append(d.clPos, 0)
		}
		d.clPos[s] = v
	}
	defer func() {
		for _, e := range out {
			d.clPos[e.state] = 0
		}
	}()
	for _, e := range es {
		setPos(e.state, int32(len(out))+1)
		out = append(out, e)
		res = append(res, e.w)
		inq = append(inq, true)
		q = append(q, int32(len(out)-1))
	}
	relax := 0
	for head := 0; head < len(q); head++ {
		i := q[head]
		inq[i] = false
		r := res[i]
		res[i] = Zero
		if IsZero(r) {
			continue
		}
		src := out[i]
		for _, a := range d.f.Arcs(src.state) {
			if a.ILabel != Epsilon {
				continue
			}
			w := r + a.Weight
			str := src.str
			if a.OLabel != Epsilon {
				str = d.strs.intern(d.strs.get(src.str), a.OLabel, 0)
			}
			j := posOf(a.NextState) - 1
			if j < 0 {
				setPos(a.NextState, int32(len(out))+1)
				out = append(out, detElem{state: a.NextState, str: str, w: w})
				res = append(res, w)
				inq = append(inq, true)
				q = append(q, int32(len(out)-1))
				continue
			}
			ns, nw, err := d.plusStr(out[j].str, out[j].w, str, w)
			if err != nil {
				return nil, fmt.Errorf("%w (epsilon closure reaching state %d)", err, a.NextState)
			}
			if ns == out[j].str && ApproxEqual(nw, out[j].w, d.opts.Delta) {
				continue
			}
			out[j].str, out[j].w = ns, nw
			res[j] = d.sr.Plus(res[j], w)
			if relax++; relax > sdMaxRelax*len(out) {
				return nil, fmt.Errorf("determinize: epsilon closure: %w", ErrNotConverged)
			}
			if !inq[j] {
				inq[j] = true
				q = append(q, j)
			}
		}
	}
	d.clOut, d.clRes, d.clInq, d.clQ = out, res, inq, q
	slices.SortFunc(out, func(a, b detElem) int { return int(a.state) - int(b.state) })
	for i := range out {
		out[i].w = Quantize(out[i].w, d.opts.Delta)
	}
	return out, nil
}
