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
	// Try a topological order (Kahn) of the propagation graph.
	indeg := make([]int32, n)
	for s := 0; s < n; s++ {
		for _, a := range arcsOf(int32(s)) {
			indeg[a.NextState]++
		}
	}
	order := make([]int32, 0, n)
	for s := 0; s < n; s++ {
		if indeg[s] == 0 {
			order = append(order, int32(s))
		}
	}
	for i := 0; i < len(order); i++ {
		for _, a := range arcsOf(order[i]) {
			indeg[a.NextState]--
			if indeg[a.NextState] == 0 {
				order = append(order, int32(a.NextState))
			}
		}
	}
	if len(order) == n { // acyclic: one exact pass
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

// initialAcyclic reports whether no arc enters the start state.
func initialAcyclic(f Expanded) bool {
	st := f.Start()
	for s := 0; s < f.NumStates(); s++ {
		for _, a := range f.Arcs(StateID(s)) {
			if a.NextState == st {
				return false
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

// Push returns a copy of f with weights and/or output labels pushed (OpenFST's Push(ifst, ofst, ptype,
// rtype, delta), the fstpush tool): PushWeights moves weights, PushLabels moves output labels (see
// [PushLabelsInPlace]); PushRemoveTotalWeight and PushRemoveCommonAffix drop what accumulates at the start
// (or at the finals with ReweightToFinal). f is not modified.
func Push(f Expanded, ptype PushType, typ ReweightType, delta float32) (*Vector, error) {
	out := Copy(f)
	if ptype&PushLabels != 0 {
		if err := PushLabelsInPlace(out, typ, ptype&PushRemoveCommonAffix != 0); err != nil {
			return nil, err
		}
	}
	if ptype&PushWeights != 0 {
		if err := PushWeightsInPlace(out, typ, delta, ptype&PushRemoveTotalWeight != 0); err != nil {
			return nil, err
		}
	}
	return out, nil
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

// PushLabelsInPlace pushes output labels toward the initial state (OpenFST's Push with kPushLabels,
// REWEIGHT_TO_INITIAL): each state's pending output is the longest common prefix of the output strings of all
// its successful paths, and arcs are rewritten to emit it as early as possible. Arcs that must emit more than
// one label become chains of epsilon-input arcs through new states (OpenFST's FactorWeight). The common
// prefix of the whole FST is kept at the start unless removeCommonAffix. Pushing toward the final states is
// not supported for labels and returns an error.
func PushLabelsInPlace(f *Vector, typ ReweightType, removeCommonAffix bool) error {
	if typ != ReweightToInitial {
		return errors.New("wfst: push labels: only toward the initial state is supported")
	}
	n := f.NumStates()
	if n == 0 || f.Start() == NoStateID {
		return nil
	}
	// Reverse adjacency.
	off := make([]int32, n+1)
	for s := 0; s < n; s++ {
		for _, a := range f.states[s].arcs {
			off[a.NextState+1]++
		}
	}
	for i := 0; i < n; i++ {
		off[i+1] += off[i]
	}
	pred := make([]int32, off[n])
	pos := make([]int32, n)
	copy(pos, off[:n])
	for s := 0; s < n; s++ {
		for _, a := range f.states[s].arcs {
			pred[pos[a.NextState]] = int32(s)
			pos[a.NextState]++
		}
	}
	p := make([]labelString, n)
	inq := make([]bool, n)
	var q []int32
	for s := 0; s < n; s++ {
		p[s].zero = true
		if !IsZero(f.states[s].final) {
			p[s] = labelString{}
		}
	}
	for s := 0; s < n; s++ {
		if !p[s].zero {
			for _, u := range pred[off[s]:off[s+1]] {
				if !inq[u] {
					inq[u] = true
					q = append(q, u)
				}
			}
		}
	}
	var buf []Label
	for head := 0; head < len(q); head++ {
		s := q[head]
		inq[s] = false
		cur := labelString{zero: true}
		if !IsZero(f.states[s].final) {
			cur = labelString{}
		}
		for _, a := range f.states[s].arcs {
			pt := p[a.NextState]
			if pt.zero || IsZero(a.Weight) {
				continue
			}
			buf = buf[:0]
			if a.OLabel != Epsilon {
				buf = append(buf, a.OLabel)
			}
			buf = append(buf, pt.s...)
			if cur.zero {
				cur = labelString{s: append([]Label(nil), buf...)}
			} else {
				cur.s = lcp(cur.s, buf)
			}
		}
		old := p[s]
		if cur.zero || (!old.zero && len(cur.s) == len(old.s)) {
			continue
		}
		p[s] = cur
		for _, u := range pred[off[s]:off[s+1]] {
			if !inq[u] {
				inq[u] = true
				q = append(q, u)
			}
		}
	}
	// Rewrite arcs: string(s→t) = p(s)⁻¹ · o · p(t).
	type chainKey struct {
		next StateID
		rest string
	}
	chains := make(map[chainKey]StateID)
	keyOf := func(ls []Label) string {
		b := make([]byte, 0, 4*len(ls))
		for _, l := range ls {
			b = append(b, byte(l), byte(l>>8), byte(l>>16), byte(l>>24))
		}
		return string(b)
	}
	// chainTo returns a state that emits ls (epsilon inputs, weight One) and then reaches t.
	var chainTo func(ls []Label, t StateID) StateID
	chainTo = func(ls []Label, t StateID) StateID {
		if len(ls) == 0 {
			return t
		}
		k := chainKey{t, keyOf(ls)}
		if s, ok := chains[k]; ok {
			return s
		}
		nxt := chainTo(ls[1:], t)
		s := f.AddState()
		f.AddArc(s, Arc{ILabel: Epsilon, OLabel: ls[0], Weight: One, NextState: nxt})
		chains[k] = s
		return s
	}
	for s := 0; s < n; s++ {
		ps := p[s]
		if ps.zero {
			continue
		}
		arcs := f.states[s].arcs
		for i := range arcs {
			a := arcs[i]
			pt := p[a.NextState]
			if pt.zero {
				continue
			}
			buf = buf[:0]
			if a.OLabel != Epsilon {
				buf = append(buf, a.OLabel)
			}
			buf = append(buf, pt.s...)
			if IsZero(a.Weight) || len(buf) < len(ps.s) {
				continue // a dead arc: it took no part in the prefix computation
			}
			str := buf[len(ps.s):] // p(s) is a prefix of buf by construction
			a.OLabel = Epsilon
			if len(str) > 0 {
				a.OLabel = str[0]
				a.NextState = chainTo(append([]Label(nil), str[1:]...), a.NextState)
			}
			f.states[s].arcs[i] = a
		}
		f.SetArcs(StateID(s), f.states[s].arcs)
	}
	if total := p[f.Start()]; !total.zero && len(total.s) > 0 && !removeCommonAffix {
		start := f.Start()
		ns := f.AddState()
		f.AddArc(ns, Arc{ILabel: Epsilon, OLabel: total.s[0], Weight: One, NextState: chainTo(total.s[1:], start)})
		f.SetStart(ns)
	}
	f.props &= PropBinary
	return nil
}
