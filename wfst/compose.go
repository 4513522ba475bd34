package wfst

import (
	"errors"
	"fmt"
	"sort"
)

// ComposeFilter selects the epsilon filter of composition (OpenFST's compose filters; fstcompose's
// --compose_filter). The filters differ in which of the redundant epsilon paths they keep; all give the same
// weighted relation.
type ComposeFilter uint8

const (
	// AutoFilter is OpenFST's "auto": the sequence filter with sorted matchers.
	AutoFilter ComposeFilter = iota
	// SequenceFilter lets the first FST take its output-epsilon moves before the second takes its
	// input-epsilon moves (OpenFST's SequenceComposeFilter, "sequence").
	SequenceFilter
	// AltSequenceFilter is the mirror image: the second FST moves first (AltSequenceComposeFilter,
	// "alt_sequence").
	AltSequenceFilter
	// MatchFilter matches epsilons with epsilons where possible (MatchComposeFilter, "match").
	MatchFilter
)

// ParseComposeFilter maps fstcompose's --compose_filter names to a ComposeFilter.
func ParseComposeFilter(s string) (ComposeFilter, error) {
	switch s {
	case "auto":
		return AutoFilter, nil
	case "sequence":
		return SequenceFilter, nil
	case "alt_sequence":
		return AltSequenceFilter, nil
	case "match":
		return MatchFilter, nil
	}
	return 0, fmt.Errorf("wfst: unknown compose filter %q (want auto, sequence, alt_sequence or match)", s)
}

// composeChunkArcs is the number of arcs per storage chunk of an eager composition (4 MiB).
const composeChunkArcs = 1 << 18

// DefaultCacheLimit is the default arc-cache bound of a lazy [ComposeFST] in bytes (16 MiB).
const DefaultCacheLimit = 16 << 20

// ComposeOptions configures composition (OpenFST's ComposeOptions / ComposeFstOptions).
type ComposeOptions struct {
	Filter ComposeFilter
	// Connect trims the eager result (OpenFST's default true). Ignored by NewComposeFST.
	Connect bool
	// CacheLimit bounds the bytes of cached arcs of a lazy ComposeFST (0: DefaultCacheLimit; < 0: no
	// limit). Ignored by Compose.
	CacheLimit int
}

// DefaultComposeOptions returns OpenFST's defaults: auto filter, connect.
func DefaultComposeOptions() ComposeOptions { return ComposeOptions{Connect: true} }

// ErrNotSorted reports that composition found neither argument suitably sorted.
var ErrNotSorted = errors.New("wfst: compose: 1st argument not output-label sorted and 2nd not input-label sorted")

// ErrSemiringMismatch reports arguments over different semirings.
var ErrSemiringMismatch = errors.New("wfst: arguments have different semirings")

// composeTuple is a state of the composition: a state of each argument and the filter state.
type composeTuple struct {
	s1, s2 StateID
	fs     int8
}

// composer holds what eager and lazy composition share: the arguments, the matcher choice, the filter and
// the tuple table. Memory: 12 bytes per composed state plus 8 bytes per hash slot (load ≤ 1/2).
type composer struct {
	a, b    FST
	sr      Semiring
	filter  ComposeFilter
	sortedA bool // a is sorted by output label
	sortedB bool // b is sorted by input label
	tuples  []composeTuple
	slots   []int32
}

func newComposer(a, b FST, filter ComposeFilter) (*composer, error) {
	if a.Semiring() != b.Semiring() {
		return nil, ErrSemiringMismatch
	}
	c := &composer{a: a, b: b, sr: a.Semiring(), filter: filter, slots: make([]int32, 1024)}
	if c.filter == AutoFilter {
		c.filter = SequenceFilter
	}
	c.sortedA = labelSorted(a, false)
	c.sortedB = labelSorted(b, true)
	if !c.sortedA && !c.sortedB {
		return nil, ErrNotSorted
	}
	return c, nil
}

// labelSorted reports whether f's arcs are sorted by input (input true) or output label, from known
// property bits or, for expanded FSTs, by scanning.
func labelSorted(f FST, input bool) bool {
	bit, notBit := PropOLabelSorted, PropNotOLabelSorted
	if input {
		bit, notBit = PropILabelSorted, PropNotILabelSorted
	}
	type known interface{ KnownProperties() uint64 }
	if k, ok := f.(known); ok {
		p := k.KnownProperties()
		if p&bit != 0 {
			return true
		}
		if p&notBit != 0 {
			return false
		}
	}
	e, ok := f.(Expanded)
	if !ok {
		return false
	}
	for s := 0; s < e.NumStates(); s++ {
		arcs := e.Arcs(StateID(s))
		for i := 1; i < len(arcs); i++ {
			if input && arcs[i].ILabel < arcs[i-1].ILabel || !input && arcs[i].OLabel < arcs[i-1].OLabel {
				return false
			}
		}
	}
	return true
}

func tupleHash(t composeTuple) uint64 {
	h := uint64(uint32(t.s1))*0x9E3779B97F4A7C15 ^ uint64(uint32(t.s2))*0xC2B2AE3D27D4EB4F ^ uint64(t.fs)
	return h ^ h>>29
}

// find returns the id of tuple t, adding it when new.
func (c *composer) find(t composeTuple) StateID {
	mask := uint64(len(c.slots) - 1)
	for i := tupleHash(t) & mask; ; i = (i + 1) & mask {
		v := c.slots[i]
		if v == 0 {
			c.tuples = append(c.tuples, t)
			c.slots[i] = int32(len(c.tuples))
			if 2*len(c.tuples) > len(c.slots) {
				c.grow()
			}
			return StateID(len(c.tuples) - 1)
		}
		if c.tuples[v-1] == t {
			return StateID(v - 1)
		}
	}
}

func (c *composer) grow() {
	slots := make([]int32, 2*len(c.slots))
	mask := uint64(len(slots) - 1)
	for id, t := range c.tuples {
		i := tupleHash(t) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = int32(id) + 1
	}
	c.slots = slots
}

// epsCounter is implemented by FSTs that count epsilon arcs per state (Vector, Const).
type epsCounter interface {
	NumInputEpsilons(s StateID) int
	NumOutputEpsilons(s StateID) int
}

// epsA returns the number of output-epsilon arcs of state s of a (arcs are its arcs) without scanning
// every arc where possible: a stored count, or the epsilon prefix of a sorted state.
func (c *composer) epsA(s StateID, arcs []Arc) int {
	if ec, ok := c.a.(epsCounter); ok {
		return ec.NumOutputEpsilons(s)
	}
	n := 0
	for i := range arcs {
		if arcs[i].OLabel == Epsilon {
			n++
		} else if c.sortedA {
			break
		}
	}
	return n
}

// epsB returns the number of input-epsilon arcs of state s of b, as epsA.
func (c *composer) epsB(s StateID, arcs []Arc) int {
	if ec, ok := c.b.(epsCounter); ok {
		return ec.NumInputEpsilons(s)
	}
	n := 0
	for i := range arcs {
		if arcs[i].ILabel == Epsilon {
			n++
		} else if c.sortedB {
			break
		}
	}
	return n
}

func (c *composer) start() StateID {
	s1, s2 := c.a.Start(), c.b.Start()
	if s1 == NoStateID || s2 == NoStateID {
		return NoStateID
	}
	return c.find(composeTuple{s1, s2, 0})
}

func (c *composer) final(s StateID) Weight {
	t := c.tuples[s]
	f1 := c.a.Final(t.s1)
	if IsZero(f1) {
		return Zero
	}
	f2 := c.b.Final(t.s2)
	if IsZero(f2) {
		return Zero
	}
	return f1 + f2
}

// Filter decisions. -1 blocks the move.
const fsBlock = -1

// moveFirst is the filter state after the first FST moves alone on an output epsilon.
func (c *composer) moveFirst(fs int8, alleps2, noeps2 bool) int8 {
	switch c.filter {
	case AltSequenceFilter:
		if alleps2 {
			return fsBlock
		}
		if noeps2 {
			return 0
		}
		return 1
	case MatchFilter:
		switch fs {
		case 0:
			if noeps2 {
				return 0
			}
			if alleps2 {
				return fsBlock
			}
			return 1
		case 1:
			return 1
		}
		return fsBlock
	default: // sequence
		if fs != 0 {
			return fsBlock
		}
		return 0
	}
}

// moveSecond is the filter state after the second FST moves alone on an input epsilon.
func (c *composer) moveSecond(fs int8, alleps1, noeps1 bool) int8 {
	switch c.filter {
	case AltSequenceFilter:
		if fs == 1 {
			return fsBlock
		}
		return 0
	case MatchFilter:
		switch fs {
		case 0:
			if noeps1 {
				return 0
			}
			if alleps1 {
				return fsBlock
			}
			return 2
		case 2:
			return 2
		}
		return fsBlock
	default: // sequence
		if alleps1 {
			return fsBlock
		}
		if noeps1 {
			return 0
		}
		return 1
	}
}

// moveBoth is the filter state after a matched move; eps says both labels are epsilon.
func (c *composer) moveBoth(fs int8, eps bool) int8 {
	if !eps {
		return 0
	}
	if c.filter == MatchFilter && fs == 0 {
		return 0
	}
	return fsBlock
}

// expand appends the arcs of composed state s to dst and returns it. New destination tuples are added to the
// table.
func (c *composer) expand(s StateID, dst []Arc) []Arc {
	t := c.tuples[s]
	arcs1, arcs2 := c.a.Arcs(t.s1), c.b.Arcs(t.s2)
	ne1, ne2 := c.epsA(t.s1, arcs1), c.epsB(t.s2, arcs2)
	alleps1 := ne1 == len(arcs1) && IsZero(c.a.Final(t.s1))
	alleps2 := ne2 == len(arcs2) && IsZero(c.b.Final(t.s2))
	noeps1, noeps2 := ne1 == 0, ne2 == 0
	add := func(il, ol Label, w Weight, n1, n2 StateID, fs int8) {
		dst = append(dst, Arc{ILabel: il, OLabel: ol, Weight: w, NextState: c.find(composeTuple{n1, n2, fs})})
	}
	// Arcs come in OpenFST's order (ComposeFstImpl::OrderedExpand), so that states are numbered as
	// OpenFST numbers them: first the lone epsilon moves of the matched side, then, for each arc of the
	// iterated side in order, its lone epsilon move (if its label is epsilon) and its matches in order.
	// The side with fewer arcs is iterated when both are sorted, as OpenFST's matcher priorities do.
	first := c.moveFirst(t.fs, alleps2, noeps2)
	second := c.moveSecond(t.fs, alleps1, noeps1)
	both := c.moveBoth(t.fs, true)
	if c.sortedB && (!c.sortedA || len(arcs1) <= len(arcs2)) {
		// Iterate arcs1, match in arcs2 (sorted by input label; epsilons first).
		if second != fsBlock {
			for i := 0; i < len(arcs2) && arcs2[i].ILabel == Epsilon; i++ {
				a2 := &arcs2[i]
				add(Epsilon, a2.OLabel, a2.Weight, t.s1, a2.NextState, second)
			}
		}
		for k := range arcs1 {
			a1 := &arcs1[k]
			l := a1.OLabel
			i := 0
			if l == Epsilon {
				if first != fsBlock {
					add(a1.ILabel, Epsilon, a1.Weight, a1.NextState, t.s2, first)
				}
				if both == fsBlock {
					continue
				}
			} else {
				i = sort.Search(len(arcs2), func(k int) bool { return arcs2[k].ILabel >= l })
			}
			fs := int8(0)
			if l == Epsilon {
				fs = both
			}
			for ; i < len(arcs2) && arcs2[i].ILabel == l; i++ {
				a2 := &arcs2[i]
				add(a1.ILabel, a2.OLabel, a1.Weight+a2.Weight, a1.NextState, a2.NextState, fs)
			}
		}
	} else {
		// Iterate arcs2, match in arcs1 (sorted by output label; epsilons first).
		if first != fsBlock {
			for i := 0; i < len(arcs1) && arcs1[i].OLabel == Epsilon; i++ {
				a1 := &arcs1[i]
				add(a1.ILabel, Epsilon, a1.Weight, a1.NextState, t.s2, first)
			}
		}
		for k := range arcs2 {
			a2 := &arcs2[k]
			l := a2.ILabel
			i := 0
			if l == Epsilon {
				if second != fsBlock {
					add(Epsilon, a2.OLabel, a2.Weight, t.s1, a2.NextState, second)
				}
				if both == fsBlock {
					continue
				}
			} else {
				i = sort.Search(len(arcs1), func(k int) bool { return arcs1[k].OLabel >= l })
			}
			fs := int8(0)
			if l == Epsilon {
				fs = both
			}
			for ; i < len(arcs1) && arcs1[i].OLabel == l; i++ {
				a1 := &arcs1[i]
				add(a1.ILabel, a2.OLabel, a1.Weight+a2.Weight, a1.NextState, a2.NextState, fs)
			}
		}
	}
	return dst
}

// Compose returns the composition of a and b (OpenFST's Compose, the fstcompose tool): the FST mapping x to
// z with weight ⊕ over y of a(x, y) ⊗ b(y, z). a must be sorted by output label or b by input label (see
// ArcSort); epsilons are handled by opts.Filter. The result is trimmed when opts.Connect. States are
// numbered in breadth-first order of discovery. Memory: the output plus 12 bytes per composed state and its
// hash slots.
func Compose(a, b FST, opts ComposeOptions) (*Vector, error) {
	c, err := newComposer(a, b, opts.Filter)
	if err != nil {
		return nil, err
	}
	out := NewVector(c.sr)
	if sy, ok := a.(Symbolic); ok {
		out.SetInputSymbols(sy.InputSymbols())
	}
	if sy, ok := b.(Symbolic); ok {
		out.SetOutputSymbols(sy.OutputSymbols())
	}
	start := c.start()
	if start == NoStateID {
		return out, nil
	}
	// Arcs are copied into chunks of composeChunkArcs arcs that never move, and states get
	// capacity-limited sub-slices of them: no per-state allocation, no doubling of one huge array (whose
	// old copies would raise peak memory), and an append to one state's arcs reallocates instead of
	// overwriting the next state's.
	var chunk, buf []Arc
	arcsOf := make([][]Arc, 0, 1024)
	var finals []Weight
	for s := StateID(0); int(s) < len(c.tuples); s++ {
		buf = c.expand(s, buf[:0])
		var arcs []Arc
		if len(buf) > 0 {
			if len(buf) > cap(chunk)-len(chunk) {
				chunk = make([]Arc, 0, max(composeChunkArcs, len(buf)))
			}
			n := len(chunk)
			chunk = append(chunk, buf...)
			arcs = chunk[n:len(chunk):len(chunk)]
		}
		arcsOf = append(arcsOf, arcs)
		finals = append(finals, c.final(s))
	}
	n := len(c.tuples)
	out.ReserveStates(n)
	out.AddStates(n)
	for s := 0; s < n; s++ {
		if len(arcsOf[s]) > 0 {
			out.SetArcs(StateID(s), arcsOf[s])
		}
		out.states[s].final = finals[s]
	}
	out.SetStart(start)
	if opts.Connect {
		trimInPlace(out)
	}
	return out, nil
}

// ComposeFST is the lazy (on-the-fly) composition of two FSTs (OpenFST's ComposeFst): states are created and
// their arcs computed when first asked for. It satisfies [FST]; its states are numbered in order of
// discovery.
//
// Memory bound: the tuple table keeps every state discovered so far (about 30 bytes per state, never
// freed), and the cached arcs are bounded by the cache limit (16 bytes per arc plus a 24-byte header per
// state): when it is exceeded, the arcs of the states expanded longest ago are dropped and recomputed if
// asked for again. A slice returned by Arcs stays valid after its state is dropped from the cache (the
// garbage collector keeps it alive), so holding it is safe; it must not be modified. Not safe for
// concurrent use: Arcs mutates the cache.
type ComposeFST struct {
	c       *composer
	startID StateID
	arcs    [][]Arc
	cached  []bool
	fifo    []StateID
	head    int
	bytes   int
	limit   int
}

// NewComposeFST returns the lazy composition of a and b (same contract as [Compose], without trimming).
func NewComposeFST(a, b FST, opts ComposeOptions) (*ComposeFST, error) {
	c, err := newComposer(a, b, opts.Filter)
	if err != nil {
		return nil, err
	}
	limit := opts.CacheLimit
	if limit == 0 {
		limit = DefaultCacheLimit
	}
	f := &ComposeFST{c: c, limit: limit}
	f.startID = c.start()
	return f, nil
}

// Start returns the start state, or NoStateID when either argument has none.
func (f *ComposeFST) Start() StateID { return f.startID }

// Semiring returns the semiring of the arguments.
func (f *ComposeFST) Semiring() Semiring { return f.c.sr }

// Final returns the final weight of s: the product of the arguments' final weights.
func (f *ComposeFST) Final(s StateID) Weight { return f.c.final(s) }

// NumKnownStates returns the number of states discovered so far.
func (f *ComposeFST) NumKnownStates() int { return len(f.c.tuples) }

// CacheBytes returns the bytes of arcs currently cached.
func (f *ComposeFST) CacheBytes() int { return f.bytes }

// Arcs returns the arcs leaving s, computing them if they are not cached. See the type's doc for aliasing.
func (f *ComposeFST) Arcs(s StateID) []Arc {
	for int(s) >= len(f.arcs) {
		f.arcs = append(f.arcs, nil)
		f.cached = append(f.cached, false)
	}
	if f.cached[s] {
		return f.arcs[s]
	}
	arcs := f.c.expand(s, nil)
	for len(f.arcs) < len(f.c.tuples) {
		f.arcs = append(f.arcs, nil)
		f.cached = append(f.cached, false)
	}
	f.arcs[s], f.cached[s] = arcs, true
	f.bytes += 24 + 16*cap(arcs)
	f.fifo = append(f.fifo, s)
	if f.limit > 0 {
		for f.bytes > f.limit && f.head < len(f.fifo)-1 {
			old := f.fifo[f.head]
			f.head++
			if old == s {
				f.fifo = append(f.fifo, s)
				continue
			}
			if !f.cached[old] {
				continue
			}
			f.bytes -= 24 + 16*cap(f.arcs[old])
			f.arcs[old], f.cached[old] = nil, false
		}
		if f.head > len(f.fifo)/2 && f.head > 1024 {
			f.fifo = append(f.fifo[:0], f.fifo[f.head:]...)
			f.head = 0
		}
	}
	return arcs
}
