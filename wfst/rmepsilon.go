package wfst

import (
	"fmt"
	"slices"
)

// RmEpsilonOptions configures [RemoveEpsilon] (OpenFST's RmEpsilonOptions; fstrmepsilon's flags).
type RmEpsilonOptions struct {
	// Connect trims the result (OpenFST's default true).
	Connect bool
	// Delta is the convergence delta of the epsilon-closure distances (OpenFST's default kShortestDelta).
	Delta float32
}

// DefaultRmEpsilonOptions returns OpenFST's defaults: Connect true, Delta kShortestDelta.
func DefaultRmEpsilonOptions() RmEpsilonOptions {
	return RmEpsilonOptions{Connect: true, Delta: ShortestDelta}
}

// RemoveEpsilon removes the epsilon arcs (input and output label both epsilon) of f in place, as OpenFST's
// RmEpsilon: each state gets the non-epsilon arcs and final weights of its epsilon closure, weighted by the
// ⊕-sum of the epsilon paths (shortest distance over epsilon arcs, converging within opts.Delta in the log
// semiring). Arcs of a state with the same labels and destination are merged with ⊕. The weighted relation
// is unchanged. Epsilon cycles are allowed (their weights must converge).
//
// Complexity: O(Σ_s |closure(s)| · arcs) time; memory O(states) of scratch plus the new arcs. States are
// processed in a postorder of the epsilon graph, so closures of acyclic epsilon graphs stay one level deep.
func RemoveEpsilon(f *Vector, opts RmEpsilonOptions) error {
	n := f.NumStates()
	if n == 0 {
		return nil
	}
	sr := f.Semiring()
	order := epsPostorder(f)
	d := make([]Weight, n)
	r := make([]Weight, n)
	inq := make([]bool, n)
	seen := make([]bool, n)
	count := make([]int32, n)
	for i := range d {
		d[i], r[i] = Zero, Zero
	}
	var touched, q []int32
	var scratch []Arc
	for _, s := range order {
		st := &f.states[s]
		hasEps := false
		for _, a := range st.arcs {
			if a.ILabel == Epsilon && a.OLabel == Epsilon {
				hasEps = true
				break
			}
		}
		if !hasEps {
			if !hasDupArcs(st.arcs) {
				continue
			}
			scratch = append(scratch[:0], st.arcs...)
			st.arcs = st.arcs[:0]
			f.SetArcs(StateID(s), mergeArcs(sr, scratch, st.arcs))
			continue
		}
		// Epsilon closure of s: distances over epsilon arcs.
		touched = append(touched[:0], s)
		seen[s] = true
		d[s], r[s] = One, One
		q = append(q[:0], s)
		inq[s] = true
		for head := 0; head < len(q); head++ {
			u := q[head]
			inq[u] = false
			ru := r[u]
			r[u] = Zero
			for _, a := range f.states[u].arcs {
				if a.ILabel != Epsilon || a.OLabel != Epsilon {
					continue
				}
				t := a.NextState
				if !seen[t] {
					seen[t] = true
					touched = append(touched, int32(t))
				}
				w := ru + a.Weight
				nd := sr.Plus(d[t], w)
				if !ApproxEqual(d[t], nd, opts.Delta) {
					d[t] = nd
					r[t] = sr.Plus(r[t], w)
					if !inq[t] {
						count[t]++
						if count[t] > sdMaxRelax {
							return fmt.Errorf("rmepsilon: epsilon closure of state %d: %w", s, ErrNotConverged)
						}
						inq[t] = true
						q = append(q, int32(t))
					}
				}
			}
		}
		scratch = scratch[:0]
		final := Zero
		for _, t := range touched {
			dt := d[t]
			if !IsZero(dt) {
				for _, a := range f.states[t].arcs {
					if a.ILabel == Epsilon && a.OLabel == Epsilon {
						continue
					}
					a.Weight += dt
					scratch = append(scratch, a)
				}
				if ft := f.states[t].final; !IsZero(ft) {
					final = sr.Plus(final, dt+ft)
				}
			}
			d[t], r[t], seen[t], count[t] = Zero, Zero, false, 0
		}
		st = &f.states[s]
		old := st.arcs
		if cap(old) >= len(scratch) {
			old = old[:0]
		} else {
			old = nil
		}
		f.SetArcs(StateID(s), mergeArcs(sr, scratch, old))
		st.final = final
	}
	f.props &= PropBinary
	if opts.Connect {
		trimInPlace(f)
	}
	return nil
}

// hasDupArcs reports whether two arcs share labels and destination (quadratic for tiny states, sort-free).
func hasDupArcs(arcs []Arc) bool {
	if len(arcs) > 16 {
		return true // let mergeArcs decide
	}
	for i := 1; i < len(arcs); i++ {
		for j := 0; j < i; j++ {
			if arcs[i].ILabel == arcs[j].ILabel && arcs[i].OLabel == arcs[j].OLabel && arcs[i].NextState == arcs[j].NextState {
				return true
			}
		}
	}
	return false
}

// mergeArcs sorts arcs by (ilabel, olabel, nextstate), ⊕-merges arcs with equal keys and appends the result
// to dst (which must not alias arcs). arcs is reordered.
func mergeArcs(sr Semiring, arcs, dst []Arc) []Arc {
	slices.SortFunc(arcs, func(a, b Arc) int {
		if a.ILabel != b.ILabel {
			return int(a.ILabel) - int(b.ILabel)
		}
		if a.OLabel != b.OLabel {
			return int(a.OLabel) - int(b.OLabel)
		}
		return int(a.NextState) - int(b.NextState)
	})
	for i := 0; i < len(arcs); {
		a := arcs[i]
		j := i + 1
		for j < len(arcs) && arcs[j].ILabel == a.ILabel && arcs[j].OLabel == a.OLabel && arcs[j].NextState == a.NextState {
			a.Weight = sr.Plus(a.Weight, arcs[j].Weight)
			j++
		}
		dst = append(dst, a)
		i = j
	}
	return dst
}

// epsPostorder returns every state in a postorder of the epsilon graph (epsilon-successors first, where the
// graph is acyclic).
func epsPostorder(f *Vector) []int32 {
	n := f.NumStates()
	order := make([]int32, 0, n)
	state := make([]uint8, n) // 0 new, 1 on stack, 2 done
	type frame struct {
		s   int32
		pos int32
	}
	var stack []frame
	for root := 0; root < n; root++ {
		if state[root] != 0 {
			continue
		}
		stack = append(stack[:0], frame{int32(root), 0})
		state[root] = 1
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			arcs := f.states[top.s].arcs
			pushed := false
			for int(top.pos) < len(arcs) {
				a := arcs[top.pos]
				top.pos++
				if a.ILabel == Epsilon && a.OLabel == Epsilon && state[a.NextState] == 0 {
					state[a.NextState] = 1
					stack = append(stack, frame{int32(a.NextState), 0})
					pushed = true
					break
				}
			}
			if !pushed {
				state[top.s] = 2
				order = append(order, top.s)
				stack = stack[:len(stack)-1]
			}
		}
	}
	return order
}

// trimInPlace deletes the states of f that are not both accessible from the start and coaccessible (can
// reach a final state), as OpenFST's Connect. An FST with no start state becomes empty.
func trimInPlace(f *Vector) {
	n := f.NumStates()
	if n == 0 {
		return
	}
	if f.Start() == NoStateID {
		f.DeleteAllStates()
		return
	}
	acc := make([]bool, n)
	stack := []StateID{f.Start()}
	acc[f.Start()] = true
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, a := range f.states[s].arcs {
			if !acc[a.NextState] {
				acc[a.NextState] = true
				stack = append(stack, a.NextState)
			}
		}
	}
	off := make([]int32, n+1)
	for s := 0; s < n; s++ {
		if acc[s] {
			for _, a := range f.states[s].arcs {
				off[a.NextState+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		off[i+1] += off[i]
	}
	pred := make([]StateID, off[n])
	pos := make([]int32, n)
	copy(pos, off[:n])
	for s := 0; s < n; s++ {
		if acc[s] {
			for _, a := range f.states[s].arcs {
				pred[pos[a.NextState]] = StateID(s)
				pos[a.NextState]++
			}
		}
	}
	coacc := make([]bool, n)
	stack = stack[:0]
	for s := 0; s < n; s++ {
		if acc[s] && !IsZero(f.states[s].final) {
			coacc[s] = true
			stack = append(stack, StateID(s))
		}
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, u := range pred[off[s]:off[s+1]] {
			if !coacc[u] {
				coacc[u] = true
				stack = append(stack, u)
			}
		}
	}
	del := acc // reuse
	some := false
	for s := 0; s < n; s++ {
		del[s] = !(acc[s] && coacc[s])
		some = some || del[s]
	}
	if !coacc[f.Start()] {
		f.DeleteAllStates()
		return
	}
	if some {
		f.DeleteStates(del)
	}
}
