package wfst

import (
	"errors"
	"fmt"
)

// ReweightType says where Push moves weights: toward the initial state or toward the final states
// (OpenFST's ReweightType).
type ReweightType uint8

const (
	// ReweightToInitial pushes weights toward the start state (OpenFST's REWEIGHT_TO_INITIAL).
	ReweightToInitial ReweightType = iota
	// ReweightToFinal pushes weights toward the final states (OpenFST's REWEIGHT_TO_FINAL).
	ReweightToFinal
)

// PushType flags select what Push moves (OpenFST's kPushWeights, kPushLabels, kPushRemoveTotalWeight,
// kPushRemoveCommonAffix).
type PushType uint8

const (
	PushWeights           PushType = 1 << iota // push weights
	PushLabels                                 // push output labels
	PushRemoveTotalWeight                      // drop the total weight instead of keeping it at the start (or finals)
	PushRemoveCommonAffix                      // drop the common output prefix (suffix) instead of keeping it
)

// ShortestDelta is OpenFST's kShortestDelta (1e-6), the default convergence delta of shortest distance,
// rmepsilon and minimize.
const ShortestDelta = 1e-6

// ErrNotConverged reports that a shortest-distance computation did not converge (a negative-cost cycle in the
// tropical semiring, or a cycle whose total log probability is ≥ 0 in the log semiring).
var ErrNotConverged = errors.New("wfst: shortest distance does not converge")

// sdMaxRelax bounds the number of relaxations per state of a FIFO shortest-distance run before it is declared
// divergent.
const sdMaxRelax = 1 << 16

// distances computes single-source shortest distances over an expanded FST in its semiring: from the start
// state (reverse false), or to the final states (reverse true, the distance of s is the ⊕-sum over all paths
// from s to a final state of the path weight times the final weight). Unreachable states get Zero. It uses a
// topological order when the graph is acyclic (exact, one pass) and otherwise a FIFO queue with residuals as
// OpenFST's generic ShortestDistance, stopping when updates are within delta. Memory: O(states + arcs) for
// the reversed graph when reverse is true, O(states) otherwise.
func distances(f Expanded, reverse bool, delta float32) ([]Weight, error) {
	n := f.NumStates()
	d := make([]Weight, n)
	for i := range d {
		d[i] = Zero
	}
	if n == 0 || f.Start() == NoStateID {
		return d, nil
	}
	sr := f.Semiring()
	// Adjacency in the direction of propagation, as CSR (int32 offsets).
	var off []int32
	var adj []Arc // NextState holds the propagation target
	if reverse {
		off = make([]int32, n+1)
		for s := 0; s < n; s++ {
			for _, a := range f.Arcs(StateID(s)) {
				off[a.NextState+1]++
			}
		}
		for i := 0; i < n; i++ {
			off[i+1] += off[i]
		}
		adj = make([]Arc, off[n])
		pos := make([]int32, n)
		copy(pos, off[:n])
		for s := 0; s < n; s++ {
			for _, a := range f.Arcs(StateID(s)) {
				t := a.NextState
				adj[pos[t]] = Arc{Weight: a.Weight, NextState: StateID(s)}
				pos[t]++
			}
		}
	}
	arcsOf := func(s int32) []Arc {
		if reverse {
			return adj[off[s]:off[s+1]]
		}
		return f.Arcs(StateID(s))
	}
	r := make([]Weight, n)
	for i := range r {
		r[i] = Zero
	}
	var sources []int32
	if reverse {
		for s := 0; s < n; s++ {
			if w := f.Final(StateID(s)); !IsZero(w) {
				d[s], r[s] = w, w
				sources = append(sources, int32(s))
			}
		}
	} else {
		st := int32(f.Start())
		d[st], r[st] = One, One
		sources = append(sources, st)
	}
	// Try a topological order of the propagation graph.
	order, acyclic := kahnOrder(n, func(s int32, visit func(t int32)) {
		for _, a := range arcsOf(s) {
			visit(int32(a.NextState))
		}
	})
	if acyclic { // one exact pass
		for _, s := range order {
			ds := d[s]
			if IsZero(ds) {
				continue
			}
			for _, a := range arcsOf(s) {
				d[a.NextState] = sr.Plus(d[a.NextState], ds+a.Weight)
			}
		}
		return d, nil
	}
	// FIFO with residuals.
	inq := make([]bool, n)
	count := make([]int32, n)
	q := make([]int32, 0, n)
	for _, s := range sources {
		q = append(q, s)
		inq[s] = true
	}
	for head := 0; head < len(q); head++ {
		s := q[head]
		if head > 1<<20 && head*2 > len(q) { // compact the queue
			q = append(q[:0], q[head:]...)
			head = 0
			s = q[0]
		}
		inq[s] = false
		rs := r[s]
		r[s] = Zero
		if IsZero(rs) {
			continue
		}
		for _, a := range arcsOf(s) {
			t := a.NextState
			w := rs + a.Weight
			nd := sr.Plus(d[t], w)
			if nd != nd { // NaN: log sums that overflowed to −Inf never settle
				return d, fmt.Errorf("state %d: %w", t, ErrNotConverged)
			}
			if !ApproxEqual(d[t], nd, delta) {
				d[t] = nd
				r[t] = sr.Plus(r[t], w)
				if !inq[t] {
					count[t]++
					if count[t] > sdMaxRelax {
						return d, fmt.Errorf("state %d: %w", t, ErrNotConverged)
					}
					inq[t] = true
					q = append(q, int32(t))
				}
			}
		}
	}
	return d, nil
}

// initialAcyclic reports whether the start state is on no cycle (OpenFST's kInitialAcyclic): no state
// reachable from the start has an arc into it. Arcs into the start from states it cannot reach do not count.
func initialAcyclic(f Expanded) bool {
	st := f.Start()
	if st == NoStateID {
		return true
	}
	seen := make([]bool, f.NumStates())
	seen[st] = true
	stack := []StateID{st}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, a := range f.Arcs(s) {
			if a.NextState == st {
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

// Reweight reweights f in place with the potentials pot (one per state; states past len(pot) count as
// Zero), as OpenFST's Reweight: toward the initial state an arc s→t gets pot[s]⁻¹·w·pot[t] and a final weight
// pot[s]⁻¹·ρ; toward the finals w becomes pot[s]·w·pot[t]⁻¹ and ρ becomes pot[s]·ρ. States or targets with a
// Zero potential keep their weights. The start potential is then put back: onto the start state's arcs and
// final weight when no arc enters it, else on an epsilon arc from a new start state.
func Reweight(f *Vector, pot []Weight, typ ReweightType) {
	n := f.NumStates()
	if n == 0 {
		return
	}
	potOf := func(s StateID) Weight {
		if int(s) < len(pot) {
			return pot[s]
		}
		return Zero
	}
	for s := 0; s < n; s++ {
		ps := potOf(StateID(s))
		st := &f.states[s]
		if !IsZero(ps) {
			for i := range st.arcs {
				a := &st.arcs[i]
				pt := potOf(a.NextState)
				if IsZero(pt) {
					continue
				}
				if typ == ReweightToInitial {
					a.Weight = Divide(a.Weight+pt, ps)
				} else {
					a.Weight = Divide(ps+a.Weight, pt)
				}
			}
			if typ == ReweightToInitial {
				st.final = Divide(st.final, ps)
			}
		}
		if typ == ReweightToFinal {
			st.final = ps + st.final
		}
	}
	f.props &= PropBinary
	start := f.Start()
	if start == NoStateID {
		return
	}
	sw := potOf(start)
	if sw == One || IsZero(sw) {
		return
	}
	if typ == ReweightToFinal {
		sw = Divide(One, sw)
	}
	if initialAcyclic(f) {
		st := &f.states[start]
		for i := range st.arcs {
			st.arcs[i].Weight = sw + st.arcs[i].Weight
		}
		st.final = sw + st.final
		return
	}
	ns := f.AddState()
	f.AddArc(ns, Arc{ILabel: Epsilon, OLabel: Epsilon, Weight: sw, NextState: start})
	f.SetStart(ns)
}

// PushWeightsInPlace pushes the weights of f toward the initial state or the final states (OpenFST's
// Push(fst, type, delta, remove_total_weight)): with ReweightToInitial every state's outgoing weights then
// ⊕-sum (with its final weight) to One, and the total weight is kept at the start unless removeTotal. delta is
// the shortest-distance convergence delta (kDelta in OpenFST's default).
func PushWeightsInPlace(f *Vector, typ ReweightType, delta float32, removeTotal bool) error {
	d, err := distances(f, typ == ReweightToInitial, delta)
	if err != nil {
		return fmt.Errorf("push weights: %w", err)
	}
	total := One
	if removeTotal && f.Start() != NoStateID {
		if typ == ReweightToInitial {
			total = d[f.Start()]
		} else {
			total = Zero
			sr := f.Semiring()
			for s := range d {
				total = sr.Plus(total, d[s]+f.Final(StateID(s)))
			}
		}
	}
	Reweight(f, d, typ)
	if removeTotal && !IsZero(total) && total != One {
		removeWeight(f, total, typ == ReweightToFinal)
	}
	return nil
}

// removeWeight divides w out of the final weights (atFinal) or out of the start state's arcs and final
// weight (OpenFST's RemoveWeight).
func removeWeight(f *Vector, w Weight, atFinal bool) {
	if atFinal {
		for s := range f.states {
			if !IsZero(f.states[s].final) {
				f.states[s].final = Divide(f.states[s].final, w)
			}
		}
		return
	}
	st := &f.states[f.Start()]
	for i := range st.arcs {
		st.arcs[i].Weight = Divide(st.arcs[i].Weight, w)
	}
	st.final = Divide(st.final, w)
	f.props &= PropBinary
}

// Push returns a copy of f with weights and/or output labels pushed (OpenFST's Push<Arc, rtype>(ifst, ofst,
// ptype, delta), the fstpush tool). f is not modified.
//
// PushWeights alone moves weights as [PushWeightsInPlace]. With PushLabels, labels and weights are pushed
// together as OpenFST does through the gallic semiring (see [PushLabelsInPlace]): output strings move toward
// the start (ReweightToInitial: each state's pending output is the longest common prefix of the output
// strings of its paths to a final state) or toward the finals (ReweightToFinal: the longest common suffix of
// the output strings of the paths reaching it from the start). Output strings longer than one label are
// split as OpenFST's FactorWeightFst does: the first label stays on the arc and the rest is carried into a
// copy of the next state, whose arcs emit it first; a pending output at a final state leaves on ε-input arcs
// into a new final state (see pushGallic). It is the same FST as fstpush's, state numbers included.
//
// Memory: the output has one state per (state, pending string) reached, so it can be far larger than f, as
// OpenFST's: when states reached by few paths carry long pending strings (random DAGs, say: a 542-state
// random functional transducer exhausted 4 GB here and kept fstpush busy past 60 s), the copies grow
// exponentially. Inputs whose pending outputs are short, such as lexicons, stay the same size (Kaldi's L,
// 447k states: identical to fstpush's output in 1.9 s of CPU, fstpush 3.8 s).
//
// PushRemoveCommonAffix drops the common prefix (suffix) that accumulates at the start (finals) and
// PushRemoveTotalWeight the total weight (OpenFST's kPushRemoveCommonAffix and kPushRemoveTotalWeight); with
// PushLabels but not PushWeights the total weight is OpenFST's too (at the finals: the ⊕-sum of the final
// weights of the unweighted potentials). delta is the shortest-distance convergence delta (fstpush's --delta,
// kDelta by default).
func Push(f Expanded, ptype PushType, typ ReweightType, delta float32) (*Vector, error) {
	if ptype&PushLabels != 0 {
		return pushGallic(f, ptype, typ, delta)
	}
	out := Copy(f)
	if ptype&PushWeights != 0 {
		if err := PushWeightsInPlace(out, typ, delta, ptype&PushRemoveTotalWeight != 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PushLabelsInPlace pushes the output labels of f toward the initial state or toward the final states
// (OpenFST's Push with kPushLabels, and kPushRemoveCommonAffix when removeCommonAffix); f is replaced by the
// result. See [Push] for the semantics. Pushing labels alone does not move weights in the tropical semiring.
// In the log semiring OpenFST reweights with the potentials of the unweighted FST (−log of the number of
// paths), and so does this function on acyclic FSTs; on cyclic ones that number is infinite (fstpush 1.7.9
// then loops forever, or stops on a delta artifact when the count grows slowly), and here the weights stay in
// place: the result has OpenFST's states and arcs and the same weighted relation. delta is the
// shortest-distance convergence delta (kDelta for fstpush).
func PushLabelsInPlace(f *Vector, typ ReweightType, delta float32, removeCommonAffix bool) error {
	pt := PushLabels
	if removeCommonAffix {
		pt |= PushRemoveCommonAffix
	}
	g, err := pushGallic(f, pt, typ, delta)
	if err != nil {
		return err
	}
	*f = *g
	return nil
}

// labelString is an output string during label pushing; zero marks the semiring zero (no path).
type labelString struct {
	s    []Label
	zero bool
}

// lcp returns the longest common prefix of a and b (a sub-slice of a).
func lcp(a, b []Label) []Label {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return a[:i]
}

// lcs returns the longest common suffix of a and b (a sub-slice of a).
func lcs(a, b []Label) []Label {
	i, j := len(a), len(b)
	for i > 0 && j > 0 && a[i-1] == b[j-1] {
		i--
		j--
	}
	return a[i:]
}

// hasPrefix and hasSuffix report whether p is a prefix (suffix) of s.
func hasPrefix(s, p []Label) bool { return len(p) <= len(s) && len(lcp(s[:len(p)], p)) == len(p) }
func hasSuffix(s, p []Label) bool {
	return len(p) <= len(s) && len(lcs(s[len(s)-len(p):], p)) == len(p)
}

// stringPotentials returns the string potential of every state in the string semiring (OpenFST's
// StringWeight under ShortestDistance): toward the initial state (STRING_LEFT, reverse distance) the longest
// common prefix of the output strings of the paths from s to a final state, toward the finals (STRING_RIGHT,
// forward distance) the longest common suffix of the output strings of the paths from the start to s.
// Arcs of weight Zero take no part. The fixpoint is exact: a potential only shortens, so each state is
// updated at most its potential's length + 1 times. Memory: O(states + arcs + total potential length).
func stringPotentials(f Expanded, typ ReweightType) []labelString {
	n := f.NumStates()
	p := make([]labelString, n)
	for i := range p {
		p[i].zero = true
	}
	inq := make([]bool, n)
	var q []int32
	push := func(s int32) {
		if !inq[s] {
			inq[s] = true
			q = append(q, s)
		}
	}
	var buf []Label
	// relax merges cand into p[t] (lcp toward the initial state, lcs toward the finals) and queues t when
	// p[t] changed.
	relax := func(t int32, cand []Label) {
		switch {
		case p[t].zero:
			p[t] = labelString{s: append([]Label(nil), cand...)}
		case typ == ReweightToInitial:
			c := lcp(p[t].s, cand)
			if len(c) == len(p[t].s) {
				return
			}
			p[t].s = c
		default:
			c := lcs(p[t].s, cand)
			if len(c) == len(p[t].s) {
				return
			}
			p[t].s = c
		}
		push(t)
	}
	if typ == ReweightToFinal {
		st := int32(f.Start())
		p[st] = labelString{}
		push(st)
		for head := 0; head < len(q); head++ {
			s := q[head]
			inq[s] = false
			for _, a := range f.Arcs(StateID(s)) {
				if IsZero(a.Weight) {
					continue
				}
				buf = append(buf[:0], p[s].s...)
				if a.OLabel != Epsilon {
					buf = append(buf, a.OLabel)
				}
				relax(int32(a.NextState), buf)
			}
		}
		return p
	}
	// Toward the initial state: propagate backward over the reversed arcs (CSR).
	off := make([]int32, n+1)
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(StateID(s)) {
			if !IsZero(a.Weight) {
				off[a.NextState+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		off[i+1] += off[i]
	}
	type predArc struct {
		src int32
		out Label
	}
	pred := make([]predArc, off[n])
	pos := make([]int32, n)
	copy(pos, off[:n])
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(StateID(s)) {
			if !IsZero(a.Weight) {
				pred[pos[a.NextState]] = predArc{int32(s), a.OLabel}
				pos[a.NextState]++
			}
		}
	}
	for s := 0; s < n; s++ {
		if !IsZero(f.Final(StateID(s))) {
			p[s] = labelString{}
			push(int32(s))
		}
	}
	for head := 0; head < len(q); head++ {
		t := q[head]
		inq[t] = false
		for _, pa := range pred[off[t]:off[t+1]] {
			buf = buf[:0]
			if pa.out != Epsilon {
				buf = append(buf, pa.out)
			}
			buf = append(buf, p[t].s...)
			relax(pa.src, buf)
		}
	}
	return p
}

// gallicPotentials returns the potentials of label pushing: OpenFST's ShortestDistance in the gallic
// semiring (output string × weight), forward toward the finals and backward toward the start. The weight
// part is the shortest distance of f when weights are pushed too, else that of f unweighted (every non-Zero
// weight One, OpenFST's RmWeightMapper). Unweighted tropical distances are One wherever the string part is
// defined; unweighted log distances are −log of the number of paths, infinite on a cyclic FST (OpenFST then
// loops forever, or stops on a delta artifact), and there the weight part is One too: weights stay in place.
//
// The string and weight parts are relaxed together as in OpenFST: a contribution is skipped when it leaves
// the string unchanged and the weight within delta, states are visited in topological order when the
// propagation graph is acyclic and in FIFO order with residuals otherwise. Memory: O(states + arcs) plus the
// potential and residual strings.
func gallicPotentials(f Expanded, ptype PushType, typ ReweightType, delta float32) ([]labelString, []Weight, error) {
	n := f.NumStates()
	weighted := ptype&PushWeights != 0
	if !weighted && (f.Semiring() == Tropical || hasLiveCycle(f)) {
		p := stringPotentials(f, typ)
		w := make([]Weight, n)
		for s := range w {
			w[s] = One
			if p[s].zero {
				w[s] = Zero
			}
		}
		return p, w, nil
	}
	sr := f.Semiring()
	toInitial := typ == ReweightToInitial
	weightOf := func(w Weight) Weight {
		if weighted || IsZero(w) {
			return w
		}
		return One
	}
	// The propagation graph as CSR: forward arcs, or reversed arcs toward the start.
	type propArc struct {
		next   int32
		out    Label
		weight Weight
	}
	off := make([]int32, n+1)
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(StateID(s)) {
			if IsZero(a.Weight) {
				continue
			}
			if toInitial {
				off[a.NextState+1]++
			} else {
				off[s+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		off[i+1] += off[i]
	}
	adj := make([]propArc, off[n])
	pos := make([]int32, n)
	copy(pos, off[:n])
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(StateID(s)) {
			if IsZero(a.Weight) {
				continue
			}
			from, to := int32(s), int32(a.NextState)
			if toInitial {
				from, to = to, from
			}
			adj[pos[from]] = propArc{to, a.OLabel, weightOf(a.Weight)}
			pos[from]++
		}
	}
	p := make([]labelString, n)
	r := make([]labelString, n)
	w := make([]Weight, n)
	rw := make([]Weight, n)
	for i := range p {
		p[i].zero, r[i].zero = true, true
		w[i], rw[i] = Zero, Zero
	}
	var sources []int32
	if toInitial {
		for s := 0; s < n; s++ {
			if fw := f.Final(StateID(s)); !IsZero(fw) {
				p[s], r[s] = labelString{}, labelString{}
				w[s], rw[s] = weightOf(fw), weightOf(fw)
				sources = append(sources, int32(s))
			}
		}
	} else {
		st := int32(f.Start())
		p[st], r[st] = labelString{}, labelString{}
		w[st], rw[st] = One, One
		sources = append(sources, st)
	}
	// merge returns the sum of the strings a and cand (cand is copied when a is zero).
	merge := func(a labelString, cand []Label) []Label {
		switch {
		case a.zero:
			return append([]Label(nil), cand...)
		case toInitial:
			return lcp(a.s, cand)
		default:
			return lcs(a.s, cand)
		}
	}
	var buf []Label
	// relax propagates the residual of s along its arcs and reports the targets it updated.
	relax := func(s int32, enqueue func(t int32) error) error {
		rs, rws := r[s], rw[s]
		r[s], rw[s] = labelString{zero: true}, Zero
		if rs.zero {
			return nil
		}
		for _, a := range adj[off[s]:off[s+1]] {
			buf = buf[:0]
			if toInitial && a.out != Epsilon {
				buf = append(buf, a.out)
			}
			buf = append(buf, rs.s...)
			if !toInitial && a.out != Epsilon {
				buf = append(buf, a.out)
			}
			t := a.next
			cw := rws + a.weight
			nw := sr.Plus(w[t], cw)
			ns := merge(p[t], buf)
			if !p[t].zero && len(ns) == len(p[t].s) && ApproxEqual(w[t], nw, delta) {
				continue
			}
			p[t], w[t] = labelString{s: ns}, nw
			r[t], rw[t] = labelString{s: merge(r[t], buf)}, sr.Plus(rw[t], cw)
			if err := enqueue(t); err != nil {
				return err
			}
		}
		return nil
	}
	// Topological order of the propagation graph, if there is one.
	order, acyclic := kahnOrder(n, func(s int32, visit func(t int32)) {
		for _, a := range adj[off[s]:off[s+1]] {
			visit(a.next)
		}
	})
	if acyclic {
		for _, s := range order {
			if err := relax(s, func(int32) error { return nil }); err != nil {
				return nil, nil, err
			}
		}
		return p, w, nil
	}
	inq := make([]bool, n)
	count := make([]int32, n)
	q := make([]int32, 0, n)
	for _, s := range sources {
		q = append(q, s)
		inq[s] = true
	}
	enqueue := func(t int32) error {
		if w[t] != w[t] {
			return fmt.Errorf("state %d: %w", t, ErrNotConverged)
		}
		if inq[t] {
			return nil
		}
		if count[t]++; count[t] > sdMaxRelax {
			return fmt.Errorf("state %d: %w", t, ErrNotConverged)
		}
		inq[t] = true
		q = append(q, t)
		return nil
	}
	for head := 0; head < len(q); head++ {
		s := q[head]
		inq[s] = false
		if err := relax(s, enqueue); err != nil {
			return nil, nil, err
		}
	}
	return p, w, nil
}

// hasLiveCycle reports whether f has a cycle of arcs whose weights are not Zero (Kahn's algorithm).
func hasLiveCycle(f Expanded) bool {
	n := f.NumStates()
	indeg := make([]int32, n)
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(StateID(s)) {
			if !IsZero(a.Weight) {
				indeg[a.NextState]++
			}
		}
	}
	q := make([]StateID, 0, n)
	for s := 0; s < n; s++ {
		if indeg[s] == 0 {
			q = append(q, StateID(s))
		}
	}
	for i := 0; i < len(q); i++ {
		for _, a := range f.Arcs(q[i]) {
			if IsZero(a.Weight) {
				continue
			}
			if indeg[a.NextState]--; indeg[a.NextState] == 0 {
				q = append(q, a.NextState)
			}
		}
	}
	return len(q) < n
}

// gallicArc is an arc of the gallic FST of label pushing: its output is a string of labels.
type gallicArc struct {
	ilabel Label
	out    []Label
	weight Weight
	next   StateID
}

// gallicState is a state of the gallic FST: its arcs and final weight (a string and a weight; Zero when the
// weight is Zero).
type gallicState struct {
	arcs     []gallicArc
	finalOut []Label
	final    Weight
}

// pushGallic implements Push with PushLabels as OpenFST does: f is mapped to the gallic semiring (output
// string × weight; GALLIC_LEFT toward the initial state, GALLIC_RIGHT toward the finals), potentials are
// computed ([stringPotentials], [weightPotentials]), the FST is reweighted with them (Reweight: an arc s→t
// gets p(s)⁻¹·o·p(t) toward the initial state and p(s)·o·p(t)⁻¹ toward the finals, a final state the
// pending p(s) toward the finals), the start potential is put back at the start, the common affix and total
// weight removed if asked (RemoveWeight), and then strings longer than one label are factored as
// FactorWeightFst with GallicFactor does: an arc emits the first label of its string and leads to the state
// (t, rest), a copy of t whose arcs and final weight are prefixed with rest; a final string of two or more
// labels leads on an ε-input arc to (none, rest), and a one-label final string becomes an ε-input arc into a
// single new final state (FromGallicMapper's superfinal state, numbered last). Only states reachable from the
// start are kept, numbered in discovery order as OpenFST's lazy FactorWeightFst numbers them, so the result
// is identical to fstpush's output, state numbers and arc order included (weights within a few delta in the
// log semiring; see [PushLabelsInPlace] for cyclic log FSTs).
//
// Memory: O(states + arcs) plus the pending strings; the output has one state per distinct (state, pending
// string) reached, which is at most the input states times the distinct suffixes of the potentials, as in
// OpenFST.
func pushGallic(f Expanded, ptype PushType, typ ReweightType, delta float32) (*Vector, error) {
	n := f.NumStates()
	start := f.Start()
	if n == 0 || start == NoStateID {
		return Copy(f), nil
	}
	toInitial := typ == ReweightToInitial
	p, w, err := gallicPotentials(f, ptype, typ, delta)
	if err != nil {
		return nil, fmt.Errorf("push labels: %w", err)
	}
	potZero := func(s StateID) bool { return p[s].zero && IsZero(w[s]) }

	// The total weight (ComputeTotalWeight), before reweighting.
	removeTotal, removeAffix := ptype&PushRemoveTotalWeight != 0, ptype&PushRemoveCommonAffix != 0
	var totalOut []Label
	totalW, totalZero := One, true
	if removeTotal || removeAffix {
		if toInitial {
			totalOut, totalW, totalZero = p[start].s, w[start], potZero(start)
		} else {
			sr := f.Semiring()
			totalW = Zero
			for s := 0; s < n; s++ {
				if potZero(StateID(s)) || IsZero(f.Final(StateID(s))) {
					continue
				}
				if totalZero {
					totalOut = p[s].s
				} else {
					totalOut = lcs(totalOut, p[s].s)
				}
				totalW, totalZero = sr.Plus(totalW, w[s]+f.Final(StateID(s))), false
			}
		}
		if !removeAffix {
			totalOut = nil
		}
		if !removeTotal {
			totalW = One
		}
	}

	// The gallic FST, reweighted (Reweight).
	// One arena for the arcs and one for their one-label outputs (capped slices: a longer string is a new
	// allocation, never a write into the arena).
	g := make([]gallicState, n, n+1)
	nArcs := NumArcsTotal(f)
	arcArena := make([]gallicArc, nArcs)
	labelArena := make([]Label, nArcs)
	k := 0
	for s := 0; s < n; s++ {
		ps, pzs := p[s], potZero(StateID(s))
		arcs := f.Arcs(StateID(s))
		gs := &g[s]
		gs.arcs = arcArena[k : k+len(arcs) : k+len(arcs)]
		for i, a := range arcs {
			ga := gallicArc{ilabel: a.ILabel, weight: a.Weight, next: a.NextState}
			if a.OLabel != Epsilon {
				labelArena[k+i] = a.OLabel
				ga.out = labelArena[k+i : k+i+1 : k+i+1]
			}
			t := a.NextState
			if !pzs && !potZero(t) && !IsZero(a.Weight) {
				if toInitial {
					full := ga.out
					if len(p[t].s) > 0 {
						full = append(append(make([]Label, 0, len(ga.out)+len(p[t].s)), ga.out...), p[t].s...)
					}
					if hasPrefix(full, ps.s) {
						ga.out = full[len(ps.s):]
					}
					ga.weight = Divide(a.Weight+w[t], w[s])
				} else {
					full := ga.out
					if len(ps.s) > 0 {
						full = append(append(make([]Label, 0, len(ps.s)+len(ga.out)), ps.s...), ga.out...)
					}
					if hasSuffix(full, p[t].s) {
						ga.out = full[:len(full)-len(p[t].s)]
					}
					ga.weight = Divide(w[s]+a.Weight, w[t])
				}
			}
			gs.arcs[i] = ga
		}
		k += len(arcs)
		gs.final = f.Final(StateID(s))
		switch {
		case toInitial && !pzs:
			gs.final = Divide(gs.final, w[s]) // the string part is ε: p(s) = ε at a final state
		case !toInitial && pzs:
			gs.final = Zero
		case !toInitial && !IsZero(gs.final):
			gs.finalOut = ps.s
			gs.final = w[s] + gs.final
		}
	}
	// The start potential goes back at the start.
	if !potZero(start) && (len(p[start].s) > 0 || w[start] != One) {
		fOut, fW := p[start].s, w[start]
		if !toInitial { // One / p(start): the string part is ε (the empty path reaches the start)
			fOut, fW = nil, Divide(One, w[start])
		}
		if initialAcyclic(f) {
			gs := &g[start]
			for i := range gs.arcs {
				a := &gs.arcs[i]
				a.out = append(append([]Label(nil), fOut...), a.out...)
				a.weight = fW + a.weight
			}
			if !IsZero(gs.final) {
				gs.finalOut = append(append([]Label(nil), fOut...), gs.finalOut...)
				gs.final = fW + gs.final
			}
		} else {
			g = append(g, gallicState{arcs: []gallicArc{{ilabel: Epsilon, out: fOut, weight: fW, next: start}}, final: Zero})
			start = StateID(len(g) - 1)
		}
	}
	// RemoveWeight: divide the total out of the finals (toward the finals) or the start.
	if !totalZero && (len(totalOut) > 0 || totalW != One) {
		if toInitial {
			gs := &g[start]
			for i := range gs.arcs {
				a := &gs.arcs[i]
				if hasPrefix(a.out, totalOut) {
					a.out = a.out[len(totalOut):]
				}
				a.weight = Divide(a.weight, totalW)
			}
			if !IsZero(gs.final) && hasPrefix(gs.finalOut, totalOut) {
				gs.finalOut = gs.finalOut[len(totalOut):]
			}
			gs.final = Divide(gs.final, totalW)
		} else {
			for s := range g {
				gs := &g[s]
				if !IsZero(gs.final) && hasSuffix(gs.finalOut, totalOut) {
					gs.finalOut = gs.finalOut[:len(gs.finalOut)-len(totalOut)]
				}
				gs.final = Divide(gs.final, totalW)
			}
		}
	}
	return factorGallic(f, g, start), nil
}

// superfinalPending marks arcs into the superfinal state until its id is known.
const superfinalPending StateID = -2

// factorGallic builds the output of label pushing from the gallic FST g (FactorWeightFst with GallicFactor,
// then ArcMap with FromGallicMapper; see [pushGallic]). Symbol tables are taken from f.
func factorGallic(f Expanded, g []gallicState, start StateID) *Vector {
	out := NewVector(f.Semiring())
	if sy, ok := f.(Symbolic); ok {
		out.isyms, out.osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	type element struct {
		state StateID // NoStateID for a pending final string
		rest  []Label
	}
	type elementKey struct {
		state StateID
		rest  string
	}
	var elements []element
	plain := make([]StateID, len(g)) // (s, ε) elements
	for i := range plain {
		plain[i] = NoStateID
	}
	ids := make(map[elementKey]StateID)
	var key []byte
	find := func(s StateID, rest []Label) StateID {
		if len(rest) == 0 && s != NoStateID {
			if plain[s] == NoStateID {
				plain[s] = out.AddState()
				elements = append(elements, element{state: s})
			}
			return plain[s]
		}
		key = key[:0]
		for _, l := range rest {
			key = append(key, byte(l), byte(l>>8), byte(l>>16), byte(l>>24))
		}
		if id, ok := ids[elementKey{s, string(key)}]; ok {
			return id
		}
		id := out.AddState()
		ids[elementKey{s, string(key)}] = id
		elements = append(elements, element{s, append([]Label(nil), rest...)})
		return id
	}
	out.SetStart(find(start, nil))
	needSuperfinal := false
	var buf []Label
	for i := 0; i < len(elements); i++ {
		e := elements[i]
		id := StateID(i)
		finalOut, final := e.rest, One
		if e.state != NoStateID {
			gs := &g[e.state]
			for _, a := range gs.arcs {
				str := a.out
				if len(e.rest) > 0 {
					buf = append(append(buf[:0], e.rest...), a.out...)
					str = buf
				}
				arc := Arc{ILabel: a.ilabel, Weight: a.weight}
				if len(str) > 0 {
					arc.OLabel = str[0]
				}
				if len(str) > 1 {
					arc.NextState = find(a.next, str[1:])
				} else {
					arc.NextState = find(a.next, nil)
				}
				out.AddArc(id, arc)
			}
			if IsZero(gs.final) {
				continue
			}
			finalOut, final = gs.finalOut, gs.final
			if len(e.rest) > 0 {
				finalOut = append(append([]Label(nil), e.rest...), gs.finalOut...)
			}
		}
		switch len(finalOut) {
		case 0:
			out.SetFinal(id, final)
		case 1:
			out.AddArc(id, Arc{ILabel: Epsilon, OLabel: finalOut[0], Weight: final, NextState: superfinalPending})
			needSuperfinal = true
		default:
			out.AddArc(id, Arc{ILabel: Epsilon, OLabel: finalOut[0], Weight: final, NextState: find(NoStateID, finalOut[1:])})
		}
	}
	if needSuperfinal {
		sf := out.AddState()
		out.SetFinal(sf, One)
		for s := range out.states {
			arcs := out.states[s].arcs
			for i := range arcs {
				if arcs[i].NextState == superfinalPending {
					arcs[i].NextState = sf
				}
			}
		}
		out.props &= PropBinary // arcs were added with a placeholder target
	}
	return out
}

// kahnOrder returns a topological order of the states 0..n-1 of a graph whose arcs succ enumerates (Kahn's
// algorithm) and whether it covers every state; on a cyclic graph it does not (the order is then partial).
// Memory: O(n).
func kahnOrder(n int, succ func(s int32, visit func(t int32))) (order []int32, acyclic bool) {
	indeg := make([]int32, n)
	inc := func(t int32) { indeg[t]++ }
	for s := 0; s < n; s++ {
		succ(int32(s), inc)
	}
	order = make([]int32, 0, n)
	for s := 0; s < n; s++ {
		if indeg[s] == 0 {
			order = append(order, int32(s))
		}
	}
	dec := func(t int32) {
		if indeg[t]--; indeg[t] == 0 {
			order = append(order, t)
		}
	}
	for i := 0; i < len(order); i++ {
		succ(order[i], dec)
	}
	return order, len(order) == n
}
