package decoder

import (
	"errors"
	"fmt"
	"math"

	"hark/lattice"
	"hark/wfst"
)

// Errors returned by the decoder.
var (
	// ErrFinalized reports a call that is illegal after FinalizeDecoding.
	ErrFinalized = errors.New("decoder: decoding already finalized")
	// ErrNotStarted reports a call before InitDecoding.
	ErrNotStarted = errors.New("decoder: InitDecoding not called")
	// ErrNoStart reports a graph without a start state.
	ErrNoStart = errors.New("decoder: graph has no start state")
	// ErrNoTokens reports a frame on which every token was pruned: no traceback exists.
	ErrNoTokens = errors.New("decoder: no tokens survived")
)

const none int32 = -1

var inf = float32(math.Inf(1))

// token is Kaldi's BackpointerToken: the best cost from the start to its state at its frame (with the
// per-frame cost offsets), the extra cost (how much worse than the best path the best path through it
// is, maintained by pruning), the head of its forward-link list, the next token of its frame's list (or
// of the free list), and the best predecessor token (for cheap partial tracebacks).
type token struct {
	totCost   float32
	extraCost float32
	links     int32
	next      int32
	backptr   int32
}

// link is Kaldi's ForwardLink: an arc followed from a token. acCost includes the frame's cost offset.
type link struct {
	nextTok   int32
	ilabel    wfst.Label
	olabel    wfst.Label
	graphCost float32
	acCost    float32
	next      int32
}

// frameToks is Kaldi's TokenList: the head of one frame's token list and its pruning flags.
type frameToks struct {
	head                  int32
	mustPruneForwardLinks bool
	mustPruneTokens       bool
}

// elem is one entry of the state→token hash of the newest frame. For Const graphs lo and hi are its
// state's arc range in carcs, filled in by processNonemitting for the next frame's expansion.
type elem struct {
	state  wfst.StateID
	tok    int32
	lo, hi uint32
}

// queued is a token of processNonemitting's queue, with its state.
type queued struct {
	state wfst.StateID
	tok   int32
}

// slot is one open-addressing slot; it is occupied when gen equals the table's generation.
type slot struct {
	state wfst.StateID
	tok   int32
	gen   uint32
}

// Decoder is a lattice-generating beam search over one graph. See the package documentation for the
// lifecycle and what bounds its memory. Not safe for concurrent use; use one Decoder per goroutine.
type Decoder struct {
	cfg   Config
	graph wfst.FST
	// Fast path: the flat arrays of a *wfst.Const graph (nil otherwise).
	cstates []wfst.ConstState
	carcs   []wfst.Arc

	toks     []token
	tokFree  int32
	numToks  int
	links    []link
	linkFree int32
	numLinks int
	startTok int32

	active      []frameToks // frames 0..NumFramesDecoded()
	costOffsets []float32   // frames 0..NumFramesDecoded()-1

	slots     []slot
	hashShift uint32
	gen       uint32
	elems     []elem // tokens of the newest frame, in insertion order
	prevElems []elem // scratch: the previous frame's entries while expanding them

	queue []queued
	tmp   []float32
	// finalOf[tok] is the final cost of the newest frame's tokens, valid when finalValid.
	finalOf  []float32
	tokState []int32     // RawLattice's token → lattice state; compact's token index map
	linkMap  []int32     // compact's link index map
	expand   []expandTok // processEmitting's tokens to expand (Const graphs)
	touch    wfst.Label  // sink of processEmitting's early arc loads
	// Per-frame cache of AcousticScale × log-likelihood by input label: ac[i].val is valid when
	// ac[i].stamp == acEpoch (one epoch per frame). 8 bytes per acoustic index.
	ac         []acEntry
	acEpoch    uint32
	epsReads   []epsRead
	epsToks    []int32 // pruneForwardLinks: the frame's tokens with a surviving epsilon link
	traceLinks []int32

	stats Stats

	// Tests switch the speed-ups off to check that they change no result.
	noCompact bool // never compact the slabs
	allPasses bool // link pruning makes every pass Kaldi makes

	started           bool
	finalized         bool
	finalValid        bool
	finalActive       bool
	finalRelativeCost float32
	finalBestCost     float32
	lat               lattice.Lattice
}

// New returns a decoder for graph (read-only, shareable) with the given configuration.
func New(graph wfst.FST, cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if graph == nil {
		return nil, fmt.Errorf("decoder: nil graph")
	}
	d := &Decoder{cfg: cfg, graph: graph, tokFree: none, linkFree: none}
	if c, ok := graph.(*wfst.Const); ok {
		d.cstates, d.carcs = c.States(), c.AllArcs()
	}
	d.resizeHash(1000)
	return d, nil
}

// Config returns the decoder's configuration.
func (d *Decoder) Config() Config { return d.cfg }

// CheckGraph reports an error if an input label of g is negative or exceeds numIndices (the Decodable's
// NumIndices): the decoder would ask the Decodable for an index it does not have. Call it once when a
// graph and an acoustic model are paired.
func CheckGraph(g wfst.Expanded, numIndices int) error {
	for s := 0; s < g.NumStates(); s++ {
		for _, a := range g.Arcs(wfst.StateID(s)) {
			if a.ILabel < 0 || int(a.ILabel) > numIndices {
				return fmt.Errorf("decoder: graph state %d has input label %d outside [0, %d]", s, a.ILabel, numIndices)
			}
		}
	}
	return nil
}

// InitDecoding resets the decoder for a new utterance (keeping all storage) and places the start token,
// following epsilon arcs from the start state.
func (d *Decoder) InitDecoding() error {
	start := d.graph.Start()
	if start == wfst.NoStateID {
		return ErrNoStart
	}
	d.toks = d.toks[:0]
	d.tokFree = none
	d.numToks = 0
	d.links = d.links[:0]
	d.linkFree = none
	d.numLinks = 0
	d.active = d.active[:0]
	d.costOffsets = d.costOffsets[:0]
	d.elems = d.elems[:0]
	d.clearHash()
	d.finalized, d.finalValid, d.started = false, false, true
	d.stats = Stats{}
	d.active = append(d.active, frameToks{head: none, mustPruneForwardLinks: true, mustPruneTokens: true})
	t := d.newToken(0, none, none)
	d.active[0].head = t
	d.startTok = t
	d.insert(start, t)
	d.processNonemitting(inf)
	return nil
}

// NumFramesDecoded returns the number of frames decoded so far.
func (d *Decoder) NumFramesDecoded() int { return len(d.active) - 1 }

// AdvanceDecoding decodes the frames dec has ready, at most maxFrames of them if maxFrames ≥ 0. Call it
// again as more frames become ready; the result does not depend on how frames are chunked.
func (d *Decoder) AdvanceDecoding(dec Decodable, maxFrames int) error {
	if !d.started {
		return ErrNotStarted
	}
	if d.finalized {
		return ErrFinalized
	}
	target := dec.NumFramesReady()
	if maxFrames >= 0 {
		target = min(target, d.NumFramesDecoded()+maxFrames)
	}
	d.finalValid = false
	for d.NumFramesDecoded() < target {
		if d.NumFramesDecoded()%d.cfg.PruneInterval == 0 {
			d.pruneActiveTokens(d.cfg.LatticeBeam * d.cfg.PruneScale)
			if !d.noCompact {
				d.compact()
			}
		}
		cutoff := d.processEmitting(dec)
		d.processNonemitting(cutoff)
	}
	return nil
}

// Decode is InitDecoding, AdvanceDecoding over every ready frame and FinalizeDecoding.
func (d *Decoder) Decode(dec Decodable) error {
	if err := d.InitDecoding(); err != nil {
		return err
	}
	if err := d.AdvanceDecoding(dec, -1); err != nil {
		return err
	}
	return d.FinalizeDecoding()
}

// --- slabs ---

func (d *Decoder) newToken(totCost float32, backptr, next int32) int32 {
	d.numToks++
	tk := token{totCost: totCost, links: none, next: next, backptr: backptr}
	if t := d.tokFree; t != none {
		d.tokFree = d.toks[t].next
		d.toks[t] = tk
		return t
	}
	d.toks = append(d.toks, tk)
	return int32(len(d.toks) - 1)
}

func (d *Decoder) freeToken(t int32) {
	d.deleteForwardLinks(t)
	d.toks[t].links = dead
	d.toks[t].next = d.tokFree
	d.tokFree = t
	d.numToks--
}

func (d *Decoder) newLink(nextTok int32, ilabel, olabel wfst.Label, graphCost, acCost float32, next int32) int32 {
	d.numLinks++
	lk := link{nextTok: nextTok, ilabel: ilabel, olabel: olabel, graphCost: graphCost, acCost: acCost, next: next}
	if l := d.linkFree; l != none {
		d.linkFree = d.links[l].next
		d.links[l] = lk
		return l
	}
	d.links = append(d.links, lk)
	return int32(len(d.links) - 1)
}

func (d *Decoder) freeLink(l int32) {
	d.links[l].nextTok = dead
	d.links[l].next = d.linkFree
	d.linkFree = l
	d.numLinks--
}

func (d *Decoder) deleteForwardLinks(t int32) {
	for l := d.toks[t].links; l != none; {
		next := d.links[l].next
		d.freeLink(l)
		l = next
	}
	d.toks[t].links = none
}

// NumTokens and NumLinks return the live token and link counts (for leak checks and memory reports).
func (d *Decoder) NumTokens() int { return d.numToks }

// NumLinks returns the number of live forward links.
func (d *Decoder) NumLinks() int { return d.numLinks }

// --- hash: state → token of the newest frame (open addressing, linear probing, generation-stamped) ---

func (d *Decoder) resizeHash(n int) {
	size, shift := 16, uint32(28)
	for size < n {
		size *= 2
		shift--
	}
	d.slots = make([]slot, size)
	d.hashShift = shift
	d.gen = 1
	for _, e := range d.elems {
		d.place(e.state, e.tok)
	}
}

func (d *Decoder) clearHash() {
	d.gen++
	if d.gen == 0 {
		clear(d.slots)
		d.gen = 1
	}
}

func (d *Decoder) place(s wfst.StateID, t int32) {
	mask := uint32(len(d.slots) - 1)
	h := (uint32(s) * 2654435769) >> d.hashShift
	for {
		sl := &d.slots[h]
		if sl.gen != d.gen {
			*sl = slot{state: s, tok: t, gen: d.gen}
			return
		}
		h = (h + 1) & mask
	}
}

// find returns the token of state s on the newest frame, or none.
func (d *Decoder) find(s wfst.StateID) int32 {
	mask := uint32(len(d.slots) - 1)
	h := (uint32(s) * 2654435769) >> d.hashShift
	for {
		sl := &d.slots[h]
		if sl.gen != d.gen {
			return none
		}
		if sl.state == s {
			return sl.tok
		}
		h = (h + 1) & mask
	}
}

func (d *Decoder) insert(s wfst.StateID, t int32) {
	d.elems = append(d.elems, elem{state: s, tok: t})
	if 2*len(d.elems) > len(d.slots) {
		d.resizeHash(4 * len(d.elems))
		return
	}
	d.place(s, t)
}

// possiblyResizeHash keeps the table at least HashRatio × numToks slots (and at most half full).
func (d *Decoder) possiblyResizeHash(numToks int) {
	want := int(float32(numToks) * d.cfg.HashRatio)
	if want > len(d.slots) {
		d.resizeHash(want)
	}
}

// findOrAddToken returns the token of state s on the newest frame, creating it with totCost, or lowering
// its cost to totCost (and its backpointer to backptr) when that is better; changed reports either.
func (d *Decoder) findOrAddToken(s wfst.StateID, frame int, totCost float32, backptr int32) (int32, bool) {
	if t := d.find(s); t != none {
		if d.toks[t].totCost > totCost {
			d.toks[t].totCost = totCost
			d.toks[t].backptr = backptr
			return t, true
		}
		return t, false
	}
	return d.addToken(s, frame, totCost, backptr), true
}

// addToken creates the token of state s on frame (the newest), which has none yet.
func (d *Decoder) addToken(s wfst.StateID, frame int, totCost float32, backptr int32) int32 {
	t := d.newToken(totCost, backptr, d.active[frame].head)
	d.active[frame].head = t
	d.insert(s, t)
	return t
}

// --- search ---

// getCutoff is Kaldi's GetCutoff: the cost cutoff for expanding the tokens es (beam, MaxActive,
// MinActive), the adaptive beam for the next frame, and the index of the best entry (-1 if none).
func (d *Decoder) getCutoff(es []elem) (cutoff, adaptiveBeam float32, best int) {
	bestCost := inf
	best = -1
	c := &d.cfg
	if c.MaxActive == math.MaxInt32 && c.MinActive == 0 {
		for i, e := range es {
			if w := d.toks[e.tok].totCost; w < bestCost {
				bestCost, best = w, i
			}
		}
		return bestCost + c.Beam, c.Beam, best
	}
	d.tmp = d.tmp[:0]
	for i, e := range es {
		w := d.toks[e.tok].totCost
		d.tmp = append(d.tmp, w)
		if w < bestCost {
			bestCost, best = w, i
		}
	}
	beamCutoff := bestCost + c.Beam
	minActiveCutoff, maxActiveCutoff := inf, inf
	if len(d.tmp) > c.MaxActive {
		nthElement(d.tmp, c.MaxActive)
		maxActiveCutoff = d.tmp[c.MaxActive]
	}
	if maxActiveCutoff < beamCutoff {
		return maxActiveCutoff, maxActiveCutoff - bestCost + c.BeamDelta, best
	}
	if len(d.tmp) > c.MinActive {
		if c.MinActive == 0 {
			minActiveCutoff = bestCost
		} else {
			hi := len(d.tmp)
			if hi > c.MaxActive {
				hi = c.MaxActive
			}
			if c.MinActive < hi {
				nthElement(d.tmp[:hi], c.MinActive)
			}
			minActiveCutoff = d.tmp[c.MinActive]
		}
	}
	if minActiveCutoff > beamCutoff {
		return minActiveCutoff, minActiveCutoff - bestCost + c.BeamDelta, best
	}
	return beamCutoff, c.Beam, best
}

// nthElement partially sorts a so that a[n] is the value it would have sorted, with no larger value
// before it and no smaller after (C++ std::nth_element). It does not allocate.
func nthElement(a []float32, n int) {
	lo, hi := 0, len(a)-1
	for hi > lo {
		// Median of three as pivot.
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case n <= j:
			hi = j
		case n >= i:
			lo = i
		default:
			return
		}
	}
}

// processEmitting is Kaldi's ProcessEmitting: expand the newest frame's tokens within the cutoff over
// emitting arcs into a new frame, and return the cutoff for the next frame's epsilon expansion. The best
// token is expanded first to get a tight cutoff; a per-frame cost offset keeps costs near zero.
func (d *Decoder) processEmitting(dec Decodable) float32 {
	frame := len(d.active) - 1
	d.active = append(d.active, frameToks{head: none, mustPruneForwardLinks: true, mustPruneTokens: true})
	d.prevElems, d.elems = d.elems, d.prevElems[:0]
	d.clearHash()
	cur := d.prevElems
	curCutoff, adaptiveBeam, best := d.getCutoff(cur)
	d.possiblyResizeHash(len(cur))
	d.startFrameCosts(dec)

	cs, ca := d.cstates, d.carcs
	nextCutoff := inf
	costOffset := float32(0)
	if best >= 0 {
		e := cur[best]
		totCost := d.toks[e.tok].totCost
		costOffset = -totCost
		var arcs []wfst.Arc
		if cs != nil {
			st := &cs[e.state]
			arcs = ca[st.Pos : st.Pos+st.NumArcs]
		} else {
			arcs = d.graph.Arcs(e.state)
		}
		for i := range arcs {
			a := &arcs[i]
			if a.ILabel == wfst.Epsilon {
				continue
			}
			w := a.Weight + costOffset - d.scaledLogLikelihood(dec, frame, a.ILabel) + totCost
			if w+adaptiveBeam < nextCutoff {
				nextCutoff = w + adaptiveBeam
			}
		}
	}
	d.costOffsets = append(d.costOffsets, costOffset)

	expanded := 0
	if cs != nil {
		// Gather the tokens to expand first, loading the first arc of each: the graph's arcs are far
		// apart in memory (tens of MB), and in this loop the loads of many tokens overlap, where the
		// expansion would wait for each in turn. (processNonemitting looked the arc ranges up.)
		x := d.expand[:0]
		var touch wfst.Label
		for _, e := range cur {
			c := d.toks[e.tok].totCost
			if !(c <= curCutoff) {
				continue
			}
			if e.lo < e.hi {
				touch |= ca[e.lo].ILabel
			}
			x = append(x, expandTok{tok: e.tok, cost: c, lo: e.lo, hi: e.hi})
		}
		d.expand, d.touch = x, touch
		expanded = len(x)
		for _, e := range x {
			nextCutoff = d.expandToken(dec, frame, e.tok, e.cost, ca[e.lo:e.hi], costOffset, adaptiveBeam, nextCutoff)
		}
	} else {
		for _, e := range cur {
			c := d.toks[e.tok].totCost
			if !(c <= curCutoff) {
				continue
			}
			expanded++
			nextCutoff = d.expandToken(dec, frame, e.tok, c, d.graph.Arcs(e.state), costOffset, adaptiveBeam, nextCutoff)
		}
	}
	d.stats.Frames++
	d.stats.TokensExpanded += int64(expanded)
	d.stats.TokensCreated += int64(len(d.elems))
	return nextCutoff
}

// expandTok is a token to expand over its emitting arcs: carcs[lo:hi] are its state's arcs.
type expandTok struct {
	tok    int32
	cost   float32
	lo, hi uint32
}

// expandToken follows the emitting arcs of token t (cost curCost, on frame) into frame+1, creating or
// improving the tokens they reach within nextCutoff and linking them from t, and returns the updated
// nextCutoff.
func (d *Decoder) expandToken(dec Decodable, frame int, t int32, curCost float32, arcs []wfst.Arc,
	costOffset, adaptiveBeam, nextCutoff float32) float32 {
	head := d.toks[t].links
	ac, epoch := d.ac, d.acEpoch
	for i := range arcs {
		a := &arcs[i]
		il := a.ILabel
		if il == wfst.Epsilon {
			continue
		}
		var scaled float32
		if uint(il) < uint(len(ac)) && ac[il].stamp == epoch {
			scaled = ac[il].val
		} else {
			scaled = d.scaledLogLikelihood(dec, frame, il)
		}
		acCost := costOffset - scaled
		graphCost := a.Weight
		totCost := curCost + acCost + graphCost
		if totCost >= nextCutoff {
			continue
		}
		if totCost+adaptiveBeam < nextCutoff {
			nextCutoff = totCost + adaptiveBeam
		}
		// findOrAddToken(a.NextState, frame+1, totCost, t), with the lookup inlined.
		nt := d.find(a.NextState)
		if nt == none {
			nt = d.addToken(a.NextState, frame+1, totCost, t)
		} else if tk := &d.toks[nt]; tk.totCost > totCost {
			tk.totCost, tk.backptr = totCost, t
		}
		head = d.newLink(nt, il, a.OLabel, graphCost, acCost, head)
	}
	d.toks[t].links = head
	return nextCutoff
}

// acEntry is one entry of the per-frame cache of scaled log-likelihoods.
type acEntry struct {
	stamp uint32
	val   float32
}

// startFrameCosts readies the per-frame cache of scaled log-likelihoods for a new frame.
func (d *Decoder) startFrameCosts(dec Decodable) {
	if n := dec.NumIndices() + 1; len(d.ac) < n {
		d.ac = make([]acEntry, n)
		d.acEpoch = 0
	}
	d.acEpoch++
	if d.acEpoch == 0 {
		clear(d.ac)
		d.acEpoch = 1
	}
}

// scaledLogLikelihood returns AcousticScale × dec's log-likelihood of index il on frame (the current
// frame of startFrameCosts), asking dec once per index and frame. The product is rounded to float32 before
// it is used (never fused into a following addition), as the search always did.
func (d *Decoder) scaledLogLikelihood(dec Decodable, frame int, il wfst.Label) float32 {
	if uint(il) >= uint(len(d.ac)) {
		return float32(d.cfg.AcousticScale * dec.LogLikelihood(frame, int32(il)))
	}
	e := &d.ac[il]
	if e.stamp != d.acEpoch {
		e.val = float32(d.cfg.AcousticScale * dec.LogLikelihood(frame, int32(il)))
		e.stamp = d.acEpoch
	}
	return e.val
}

// hasInputEpsilons reports whether s has an arc with an epsilon input label.
func (d *Decoder) hasInputEpsilons(s wfst.StateID) bool {
	if d.cstates != nil {
		return d.cstates[s].NumIEps != 0
	}
	for _, a := range d.graph.Arcs(s) {
		if a.ILabel == wfst.Epsilon {
			return true
		}
	}
	return false
}

// processNonemitting is Kaldi's ProcessNonemitting: follow epsilon-input arcs within the newest frame
// from every token cheaper than cutoff, until no token improves.
func (d *Decoder) processNonemitting(cutoff float32) {
	frame := len(d.active) - 1
	d.queue = d.queue[:0]
	cs, ca := d.cstates, d.carcs
	if cs != nil {
		for i := range d.elems {
			e := &d.elems[i]
			st := &cs[e.state]
			e.lo, e.hi = st.Pos, st.Pos+st.NumArcs
			if st.NumIEps != 0 {
				d.queue = append(d.queue, queued{e.state, e.tok})
			}
		}
	} else {
		for _, e := range d.elems {
			if d.hasInputEpsilons(e.state) {
				d.queue = append(d.queue, queued{e.state, e.tok})
			}
		}
	}
	scanned := len(d.elems)
	for len(d.queue) > 0 {
		q := d.queue[len(d.queue)-1]
		d.queue = d.queue[:len(d.queue)-1]
		s, t := q.state, q.tok
		curCost := d.toks[t].totCost
		if curCost >= cutoff {
			continue
		}
		// Links made when this token was processed before (with a higher cost) are stale.
		d.deleteForwardLinks(t)
		var arcs []wfst.Arc
		if cs != nil {
			st := &cs[s]
			arcs = ca[st.Pos : st.Pos+st.NumArcs]
		} else {
			arcs = d.graph.Arcs(s)
		}
		for i := range arcs {
			a := &arcs[i]
			if a.ILabel != wfst.Epsilon {
				continue
			}
			totCost := curCost + a.Weight
			if totCost < cutoff {
				nt, changed := d.findOrAddToken(a.NextState, frame, totCost, t)
				d.toks[t].links = d.newLink(nt, wfst.Epsilon, a.OLabel, a.Weight, 0, d.toks[t].links)
				if changed && d.hasInputEpsilons(a.NextState) {
					d.queue = append(d.queue, queued{a.NextState, nt})
				}
			}
		}
	}
	if cs != nil {
		for i := scanned; i < len(d.elems); i++ {
			e := &d.elems[i]
			st := &cs[e.state]
			e.lo, e.hi = st.Pos, st.Pos+st.NumArcs
		}
	}
}

// Stats counts the search work since InitDecoding (for benchmarks and the recognizer's per-stage cost
// report).
type Stats struct {
	Frames         int64 // frames decoded
	TokensExpanded int64 // tokens within the cutoff expanded over emitting arcs, summed over frames
	TokensCreated  int64 // tokens reached by emitting arcs, summed over frames
}

// Stats returns the work counters since InitDecoding.
func (d *Decoder) Stats() Stats { return d.stats }

// Lattice returns the determinized word lattice of the utterance so far (Kaldi's GetLattice): the raw
// lattice (see RawLattice for useFinalProbs) pruned to the decoder's LatticeBeam, converted to a word
// lattice with wopts, then determinized with the same beam. It allocates the result.
func (d *Decoder) Lattice(useFinalProbs bool, wopts lattice.WordOptions) (*lattice.WordLattice, error) {
	if err := d.RawLattice(&d.lat, useFinalProbs); err != nil {
		return nil, err
	}
	// Exact beam pruning first (cheap) keeps the word-lattice conversion small.
	if err := d.lat.Prune(d.cfg.LatticeBeam); err != nil {
		return nil, fmt.Errorf("decoder: prune lattice: %w", err)
	}
	wl, err := d.lat.WordLattice(wopts)
	if err != nil {
		return nil, fmt.Errorf("decoder: word lattice: %w", err)
	}
	det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{Beam: d.cfg.LatticeBeam})
	if err != nil {
		return nil, fmt.Errorf("decoder: determinize lattice: %w", err)
	}
	return det, nil
}
