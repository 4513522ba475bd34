package lattice

import (
	"fmt"
	"math"
	"slices"

	"hark/wfst"
)

// WordArc is one word of a word lattice: the word id, its weight, the frames [Start, End) its speech
// occupies and the destination state. Start ≥ Frame(src) (greater only on arcs leaving the start state,
// where leading non-word frames, such as initial silence, are folded in) and End ≤ Frame(NextState)
// (smaller when trailing silence was trimmed).
type WordArc struct {
	Word      wfst.Label
	Weight    Weight
	Start     int32
	End       int32
	NextState wfst.StateID
}

// WordState is one word-lattice state: the frames consumed before it, its final weight (Zero if not
// final) and its arcs.
type WordState struct {
	Frame int32
	Final Weight
	Arcs  []WordArc
}

// WordLattice is a compact word lattice: an acyclic acceptor over word ids with pair weights, in which
// each arc is one word occurrence with its frame span (Kaldi's CompactLattice, with the alignment reduced
// to the span). States are numbered in topological order by construction. Memory: 40 bytes per state
// header plus 24 per arc; built per segment. Not safe for concurrent mutation.
type WordLattice struct {
	States []WordState
	Start  wfst.StateID
}

// NumArcs returns the total number of arcs.
func (wl *WordLattice) NumArcs() int {
	n := 0
	for i := range wl.States {
		n += len(wl.States[i].Arcs)
	}
	return n
}

func (wl *WordLattice) addState(frame int32) wfst.StateID {
	wl.States = append(wl.States, WordState{Frame: frame, Final: Zero})
	return wfst.StateID(len(wl.States) - 1)
}

// WordOptions controls [Lattice.WordLattice].
type WordOptions struct {
	// IsSilence, if not nil, reports acoustic indices of silence: frames with such indices at the end of
	// a word's stretch are excluded from its span (End).
	IsSilence func(wfst.Label) bool
	// MaxArcs bounds the word lattice (0 = 1 << 22 arcs); beyond it WordLattice returns ErrTooLarge.
	MaxArcs int
}

// closureEntry is one raw state reached from a word arc's destination by word-free arcs.
type closureEntry struct {
	state      wfst.StateID
	weight     Weight
	lastSpeech int32 // end (exclusive) of the last speech frame on the best path, -1 if none yet
}

// WordLattice converts an acyclic state-level lattice into a compact word lattice. Word boundaries follow
// our graph convention (the word label is on the first arc of the word): each word arc of l starts a
// word at its source state's frame; the word extends over the following word-free arcs up to the source
// of the next word arc or a final state. Its nodes are the raw states where words start, the final
// states, and the start. Alternative alignments between the same two nodes with the same word are
// merged keeping the best one (tropical), so the word lattice has one arc per (node, word, node). Frames
// before the first word are folded into the first word's arc weight (its Start stays at the word's own
// start). A lattice whose best path has no word gives a start state that is final.
//
// Cost: for each distinct word-arc destination, a forward pass over the word-free states reachable from
// it (bounded by the lattice beam the lattice was pruned with); memory O(states + word-lattice arcs).
func (l *Lattice) WordLattice(opts WordOptions) (*WordLattice, error) {
	order, err := l.TopOrder()
	if err != nil {
		return nil, err
	}
	maxArcs := opts.MaxArcs
	if maxArcs <= 0 {
		maxArcs = 1 << 22
	}
	n := len(l.States)
	pos := make([]int32, n)
	for i := range pos {
		pos[i] = -1
	}
	for i, s := range order {
		pos[s] = int32(i)
	}
	isNode := make([]bool, n)
	for _, s := range order {
		st := &l.States[s]
		if !st.Final.IsZero() {
			isNode[s] = true
		}
		for _, a := range st.Arcs {
			if a.OLabel != wfst.Epsilon {
				isNode[s] = true
				break
			}
		}
	}

	// Scratch for closures: best weight and lastSpeech per raw state, stamped.
	stamp := make([]int32, n)
	best := make([]Weight, n)
	last := make([]int32, n)
	cur := int32(0)
	var reached []wfst.StateID
	isSil := opts.IsSilence
	// closure returns the nodes reachable from q by word-free arcs (q itself included when it is a node)
	// with the best weight and lastSpeech, given the weight and lastSpeech at q.
	closure := func(q wfst.StateID, w0 Weight, last0 int32, out []closureEntry) []closureEntry {
		cur++
		reached = append(reached[:0], q)
		stamp[q], best[q], last[q] = cur, w0, last0
		for i := 0; i < len(reached); i++ {
			for _, a := range l.States[reached[i]].Arcs {
				if a.OLabel == wfst.Epsilon && stamp[a.NextState] != cur {
					stamp[a.NextState] = cur
					best[a.NextState] = Zero
					reached = append(reached, a.NextState)
				}
			}
		}
		slices.SortFunc(reached, func(a, b wfst.StateID) int { return int(pos[a] - pos[b]) })
		for _, s := range reached {
			ws := best[s]
			if ws.IsZero() {
				continue
			}
			st := &l.States[s]
			for _, a := range st.Arcs {
				if a.OLabel != wfst.Epsilon {
					continue
				}
				w := ws.Times(a.Weight)
				if w.Less(best[a.NextState]) {
					best[a.NextState] = w
					ls := last[s]
					if a.ILabel != wfst.Epsilon && (isSil == nil || !isSil(a.ILabel)) {
						ls = st.Frame + 1
					}
					last[a.NextState] = ls
				}
			}
			if isNode[s] {
				out = append(out, closureEntry{state: s, weight: ws, lastSpeech: last[s]})
			}
		}
		return out
	}

	wl := &WordLattice{}
	nodeID := make([]wfst.StateID, n) // raw node → word-lattice state (NoStateID = not yet)
	for i := range nodeID {
		nodeID[i] = wfst.NoStateID
	}
	getNode := func(s wfst.StateID) wfst.StateID {
		if nodeID[s] == wfst.NoStateID {
			nodeID[s] = wl.addState(l.States[s].Frame)
			wl.States[nodeID[s]].Final = l.States[s].Final
		}
		return nodeID[s]
	}
	// Memoized closures per word-arc destination.
	type memoKey struct {
		q     wfst.StateID
		last0 int32
	}
	memo := map[memoKey][]closureEntry{}
	numArcs := 0
	// emit adds the word arcs leaving raw node p (reached with weight lead) from word-lattice state u.
	type key struct {
		word wfst.Label
		next wfst.StateID
	}
	arcIndex := map[key]int{}
	emit := func(u wfst.StateID, p wfst.StateID, lead Weight) error {
		for _, a := range l.States[p].Arcs {
			if a.OLabel == wfst.Epsilon {
				continue
			}
			last0 := int32(-1)
			if a.ILabel != wfst.Epsilon && (isSil == nil || !isSil(a.ILabel)) {
				last0 = l.States[p].Frame + 1
			}
			mk := memoKey{a.NextState, last0}
			cl, ok := memo[mk]
			if !ok {
				cl = closure(a.NextState, One, last0, nil)
				memo[mk] = cl
			}
			start := l.States[p].Frame
			for _, e := range cl {
				v := getNode(e.state)
				w := lead.Times(a.Weight).Times(e.weight)
				end := l.States[e.state].Frame
				if e.lastSpeech >= 0 && e.lastSpeech < end {
					end = e.lastSpeech
				}
				if e.lastSpeech < 0 {
					end = min(end, start+1)
				}
				k := key{a.OLabel, v}
				if i, ok := arcIndex[k]; ok {
					if old := &wl.States[u].Arcs[i]; w.Less(old.Weight) {
						*old = WordArc{Word: a.OLabel, Weight: w, Start: start, End: end, NextState: v}
					}
					continue
				}
				if numArcs++; numArcs > maxArcs {
					return fmt.Errorf("word lattice over %d arcs: %w", maxArcs, ErrTooLarge)
				}
				arcIndex[k] = len(wl.States[u].Arcs)
				wl.States[u].Arcs = append(wl.States[u].Arcs, WordArc{Word: a.OLabel, Weight: w, Start: start, End: end, NextState: v})
			}
		}
		return nil
	}

	// The start state: fold the word-free lead-in into the first words.
	startID := wl.addState(l.States[l.Start].Frame)
	wl.Start = startID
	var lead []closureEntry
	lead = closure(l.Start, One, -1, lead)
	clear(arcIndex)
	for _, e := range lead {
		if f := l.States[e.state].Final; !f.IsZero() {
			wl.States[startID].Final = wl.States[startID].Final.Plus(e.weight.Times(f))
		}
		if err := emit(startID, e.state, e.weight); err != nil {
			return nil, err
		}
	}
	// Other nodes, in raw topological order (so word-lattice ids are topologically ordered too once
	// renumbered below).
	for _, s := range order {
		if !isNode[s] || nodeID[s] == wfst.NoStateID {
			continue
		}
		clear(arcIndex)
		if err := emit(nodeID[s], s, One); err != nil {
			return nil, err
		}
	}
	wl.connectAndSort()
	return wl, nil
}

// connectAndSort removes states that are not on a successful path and renumbers the rest in a
// topological order (every arc then goes to a higher-numbered state).
func (wl *WordLattice) connectAndSort() {
	order, ok := wl.topOrder()
	if !ok {
		return
	}
	n := len(wl.States)
	coacc := make([]bool, n)
	for i := len(order) - 1; i >= 0; i-- {
		s := order[i]
		st := &wl.States[s]
		c := !st.Final.IsZero()
		for _, a := range st.Arcs {
			if coacc[a.NextState] {
				c = true
				break
			}
		}
		coacc[s] = c
	}
	newID := make([]wfst.StateID, n)
	for i := range newID {
		newID[i] = wfst.NoStateID
	}
	var states []WordState
	for _, s := range order {
		if coacc[s] {
			newID[s] = wfst.StateID(len(states))
			states = append(states, wl.States[s])
		}
	}
	for i := range states {
		out := states[i].Arcs[:0]
		for _, a := range states[i].Arcs {
			if t := newID[a.NextState]; t != wfst.NoStateID {
				a.NextState = t
				out = append(out, a)
			}
		}
		states[i].Arcs = out
	}
	wl.States = states
	if len(states) == 0 {
		wl.Start = wfst.NoStateID
	} else {
		wl.Start = newID[wl.Start]
	}
}

// topOrder returns the states reachable from the start in topological order.
func (wl *WordLattice) topOrder() ([]wfst.StateID, bool) {
	if wl.Start == wfst.NoStateID {
		return nil, false
	}
	return kahnOrder(len(wl.States), wl.Start, func(s wfst.StateID, visit func(wfst.StateID)) {
		for _, a := range wl.States[s].Arcs {
			visit(a.NextState)
		}
	})
}

// isTopSorted reports whether every arc goes to a higher-numbered state (true after construction).
func (wl *WordLattice) isTopSorted() bool {
	for s := range wl.States {
		for _, a := range wl.States[s].Arcs {
			if int(a.NextState) <= s {
				return false
			}
		}
	}
	return true
}

// WordPath is one path of a word lattice: its words with spans and its total weight.
type WordPath struct {
	Words  []WordSpan
	Weight Weight
}

// Labels returns the word ids of p.
func (p WordPath) Labels() []wfst.Label {
	out := make([]wfst.Label, len(p.Words))
	for i, w := range p.Words {
		out[i] = w.Word
	}
	return out
}

// BestPath returns the best path of the word lattice, or ErrEmpty.
func (wl *WordLattice) BestPath() (WordPath, error) {
	ps, err := wl.NBest(1)
	if err != nil {
		return WordPath{}, err
	}
	return ps[0], nil
}

// NBest returns up to n best paths in order of increasing total cost (ties by [Weight.Less]). On a
// determinized lattice (see [Determinize]) the paths have distinct word sequences. Cost O(arcs × n log n)
// time and O(states × n) memory (k-best lists per state over the acyclic lattice).
func (wl *WordLattice) NBest(n int) ([]WordPath, error) {
	if n <= 0 {
		return nil, nil
	}
	if !wl.isTopSorted() {
		return nil, ErrCyclic
	}
	if wl.Start == wfst.NoStateID {
		return nil, ErrEmpty
	}
	type cand struct {
		w    Weight
		arc  int32 // -1: stop here (final)
		rank int32 // rank in the next state's list
	}
	lists := make([][]cand, len(wl.States))
	var tmp []cand
	for s := len(wl.States) - 1; s >= 0; s-- {
		st := &wl.States[s]
		tmp = tmp[:0]
		if !st.Final.IsZero() {
			tmp = append(tmp, cand{st.Final, -1, 0})
		}
		for i, a := range st.Arcs {
			for r, c := range lists[a.NextState] {
				tmp = append(tmp, cand{a.Weight.Times(c.w), int32(i), int32(r)})
			}
		}
		slices.SortStableFunc(tmp, func(a, b cand) int {
			switch {
			case a.w.Less(b.w):
				return -1
			case b.w.Less(a.w):
				return 1
			}
			return 0
		})
		lists[s] = slices.Clone(tmp[:min(n, len(tmp))])
	}
	var out []WordPath
	for r := range lists[wl.Start] {
		p := WordPath{Weight: lists[wl.Start][r].w}
		s, k := wl.Start, int32(r)
		for {
			c := lists[s][k]
			if c.arc < 0 {
				break
			}
			a := wl.States[s].Arcs[c.arc]
			p.Words = append(p.Words, WordSpan{Word: a.Word, Start: a.Start, End: a.End})
			s, k = a.NextState, c.rank
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, ErrEmpty
	}
	return out, nil
}

// Prune removes the arcs on no path within beam (total cost) of the best path and the states left
// without a successful path; the best path always survives.
func (wl *WordLattice) Prune(beam float32) error {
	if !wl.isTopSorted() || wl.Start == wfst.NoStateID {
		return ErrEmpty
	}
	alpha, beta := wl.forwardBackward(false)
	bestCost := beta[wl.Start]
	if math.IsInf(bestCost, 1) {
		return ErrEmpty
	}
	limit := bestCost + float64(beam)
	for s := range wl.States {
		st := &wl.States[s]
		out := st.Arcs[:0]
		for _, a := range st.Arcs {
			if alpha[s]+float64(a.Weight.Total())+beta[a.NextState] <= limit {
				out = append(out, a)
			}
		}
		st.Arcs = out
		if alpha[s]+float64(st.Final.Total()) > limit {
			st.Final = Zero
		}
	}
	wl.connectAndSort()
	return nil
}

// forwardBackward returns forward and backward total costs per state of a topologically sorted word
// lattice: tropical (min) or, with logSum, in the log semiring (-log Σ e^-cost).
func (wl *WordLattice) forwardBackward(logSum bool) (alpha, beta []float64) {
	n := len(wl.States)
	inf := math.Inf(1)
	alpha = make([]float64, n)
	beta = make([]float64, n)
	for i := range alpha {
		alpha[i], beta[i] = inf, inf
	}
	plus := math.Min
	if logSum {
		plus = logAdd
	}
	alpha[wl.Start] = 0
	for s := range n {
		if math.IsInf(alpha[s], 1) {
			continue
		}
		for _, a := range wl.States[s].Arcs {
			alpha[a.NextState] = plus(alpha[a.NextState], alpha[s]+float64(a.Weight.Total()))
		}
	}
	for s := n - 1; s >= 0; s-- {
		st := &wl.States[s]
		b := float64(st.Final.Total())
		for _, a := range st.Arcs {
			b = plus(b, float64(a.Weight.Total())+beta[a.NextState])
		}
		beta[s] = b
	}
	return alpha, beta
}

// logAdd returns -log(e^-a + e^-b).
func logAdd(a, b float64) float64 {
	if math.IsInf(a, 1) {
		return b
	}
	if math.IsInf(b, 1) {
		return a
	}
	if a > b {
		a, b = b, a
	}
	return a - math.Log1p(math.Exp(a-b))
}
