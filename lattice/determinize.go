package lattice

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"hark/wfst"
)

// DeterminizeOptions controls [Determinize].
type DeterminizeOptions struct {
	// Beam prunes the input to paths within Beam (total cost) of the best before determinizing (Kaldi's
	// --lattice-beam of determinize-lattice-pruned); +Inf or 0 keeps everything.
	Beam float32
	// MaxStates bounds the output (0 = 1 << 20 states); beyond it Determinize returns ErrTooLarge.
	MaxStates int
}

// DefaultDeterminizeOptions returns Kaldi's default lattice beam (10) and a 1M-state bound.
func DefaultDeterminizeOptions() DeterminizeOptions {
	return DeterminizeOptions{Beam: 10, MaxStates: 1 << 20}
}

type subsetElem struct {
	state wfst.StateID
	res   Weight
}

// Determinize returns a word lattice with exactly one path per word sequence of wl (within the beam),
// each with the best weight wl gives that sequence: weighted subset construction over word labels in the
// pair semiring ordered by [Weight.Less] (tropical on the total cost, ties by graph cost), after pruning
// the input to opts.Beam. This is the semantics of Kaldi's determinize-lattice-pruned, done on the word
// lattice (whose arcs already carry one word each) instead of on the state-level lattice with alignment
// strings: subsets are sets of (word-lattice state, residual pair weight); residuals are quantized to
// wfst.Delta for hashing. The input must be acyclic (it always is when built by [Lattice.WordLattice]);
// it is not modified.
//
// Times: every output arc keeps the span (Start, End) of the input arc that achieved its weight, and
// every output state the frame of its best element. For the best path these are its own times; for other
// word sequences they are those of the best alignment of each prefix, which can differ slightly from the
// best alignment of the whole sequence (Kaldi keeps exact alignments as strings in the weights; exact
// times for any path can be recovered from the state-level lattice).
//
// Pruning: with a finite Beam the output keeps exactly the word sequences whose best cost is within Beam
// of the best (checked during the construction with the input's backward costs, as Kaldi's pruned
// determinization does), so the best path and its cost are always preserved.
//
// Complexity: the output of determinizing an acyclic acceptor can be exponential in the worst case; the
// beam and MaxStates bound it. Memory: O(output states × subset size).
func Determinize(wl *WordLattice, opts DeterminizeOptions) (*WordLattice, error) {
	maxStates := opts.MaxStates
	if maxStates <= 0 {
		maxStates = 1 << 20
	}
	in := wl.clone()
	if !in.isTopSorted() {
		return nil, ErrCyclic
	}
	if opts.Beam > 0 && !math.IsInf(float64(opts.Beam), 1) {
		if err := in.Prune(opts.Beam); err != nil {
			return nil, err
		}
	}
	if in.Start == wfst.NoStateID {
		return nil, ErrEmpty
	}
	// Backward costs of the input, for pruning during the construction.
	_, beta := in.forwardBackward(false)
	limit := math.Inf(1)
	if opts.Beam > 0 {
		limit = beta[in.Start] + float64(opts.Beam)
	}
	out := &WordLattice{}
	var subsets [][]subsetElem
	var alpha []float64 // best cost from the start to each output state
	var queue stateHeap // output states by the smallest input state of their subset
	index := map[string]wfst.StateID{}
	var key []byte
	lookup := func(sub []subsetElem) (wfst.StateID, error) {
		key = key[:0]
		for _, e := range sub {
			key = binary.LittleEndian.AppendUint32(key, uint32(e.state))
			key = binary.LittleEndian.AppendUint32(key, math.Float32bits(wfst.Quantize(e.res.Graph, wfst.Delta)))
			key = binary.LittleEndian.AppendUint32(key, math.Float32bits(wfst.Quantize(e.res.Acoustic, wfst.Delta)))
		}
		if id, ok := index[string(key)]; ok {
			return id, nil
		}
		if len(out.States) >= maxStates {
			return 0, fmt.Errorf("determinized lattice over %d states: %w", maxStates, ErrTooLarge)
		}
		bestFrame, bestW := int32(0), Zero
		for _, e := range sub {
			if e.res.Less(bestW) || bestW.IsZero() {
				bestW, bestFrame = e.res, in.States[e.state].Frame
			}
		}
		id := out.addState(bestFrame)
		index[string(key)] = id
		subsets = append(subsets, slices.Clone(sub))
		alpha = append(alpha, math.Inf(1))
		queue.push(heapItem{key: sub[0].state, id: id})
		return id, nil
	}
	start, err := lookup([]subsetElem{{in.Start, One}})
	if err != nil {
		return nil, err
	}
	out.Start = start
	alpha[start] = 0

	type pending struct {
		word wfst.Label
		next wfst.StateID
		w    Weight
		arc  WordArc
	}
	var cands []pending
	var sub []subsetElem
	// Output states are expanded in increasing order of their smallest input state, a topological order
	// of the output (every successor subset's smallest state is larger), so alpha is final when a state
	// is expanded and pruning against best + beam is exact: an arc is kept iff some word sequence through
	// it costs at most best + beam.
	for queue.len() > 0 {
		d := queue.pop().id
		ad := alpha[d]
		final := Zero
		cands = cands[:0]
		for _, e := range subsets[d] {
			st := &in.States[e.state]
			if !st.Final.IsZero() {
				final = final.Plus(e.res.Times(st.Final))
			}
			for _, a := range st.Arcs {
				cands = append(cands, pending{a.Word, a.NextState, e.res.Times(a.Weight), a})
			}
		}
		if ad+float64(final.Total()) <= limit {
			out.States[d].Final = final
		}
		slices.SortFunc(cands, func(a, b pending) int {
			if a.word != b.word {
				return int(a.word - b.word)
			}
			return int(a.next - b.next)
		})
		for i := 0; i < len(cands); {
			j := i
			for j < len(cands) && cands[j].word == cands[i].word {
				j++
			}
			// Group [i, j): one output arc for this word. Merge equal destinations keeping the best.
			sub = sub[:0]
			common, bestArc := Zero, cands[i].arc
			for k := i; k < j; k++ {
				c := cands[k]
				if len(sub) > 0 && sub[len(sub)-1].state == c.next {
					sub[len(sub)-1].res = sub[len(sub)-1].res.Plus(c.w)
				} else {
					sub = append(sub, subsetElem{c.next, c.w})
				}
				if c.w.Less(common) {
					common, bestArc = c.w, c.arc
				}
			}
			word := cands[i].word
			i = j
			completion := math.Inf(1)
			for k := range sub {
				sub[k].res = sub[k].res.Divide(common)
				completion = min(completion, float64(sub[k].res.Total())+beta[sub[k].state])
			}
			through := ad + float64(common.Total())
			if through+completion > limit {
				continue
			}
			next, err := lookup(sub)
			if err != nil {
				return nil, err
			}
			alpha[next] = min(alpha[next], through)
			out.States[d].Arcs = append(out.States[d].Arcs, WordArc{
				Word: word, Weight: common, Start: bestArc.Start, End: bestArc.End, NextState: next,
			})
		}
	}
	out.connectAndSort()
	if out.Start == wfst.NoStateID {
		return nil, ErrEmpty
	}
	return out, nil
}

// clone returns a deep copy of wl.
func (wl *WordLattice) clone() *WordLattice {
	c := &WordLattice{Start: wl.Start, States: make([]WordState, len(wl.States))}
	for i, st := range wl.States {
		c.States[i] = WordState{Frame: st.Frame, Final: st.Final, Arcs: slices.Clone(st.Arcs)}
	}
	return c
}

type heapItem struct {
	key wfst.StateID
	id  wfst.StateID
}

// stateHeap is a binary min-heap of output states keyed by their smallest input state (ties by id).
type stateHeap struct{ items []heapItem }

func (h *stateHeap) len() int { return len(h.items) }

func (h *stateHeap) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	return a.key < b.key || (a.key == b.key && a.id < b.id)
}

func (h *stateHeap) push(x heapItem) {
	h.items = append(h.items, x)
	for i := len(h.items) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *stateHeap) pop() heapItem {
	top := h.items[0]
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top
}
