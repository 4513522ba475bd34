package wfst

import (
	"errors"
	"math"
)

// ErrNotPathSemiring is returned by algorithms that need the path property (a total order compatible with
// Plus), which only the tropical semiring has.
var ErrNotPathSemiring = errors.New("wfst: weight needs the path property (tropical semiring)")

// Prune removes in place every arc and final weight that lies on no successful path whose cost is within
// threshold of the shortest path's cost, then the states left useless (OpenFST's Prune with
// weight_threshold). threshold Zero (+Inf) keeps every successful path; states that are not on any
// successful path are removed in every case. With nstate ≥ 0, at most nstate states are kept, visited in
// order of best path cost through them (OpenFST's state_threshold); -1 means no limit. Only for the
// tropical semiring. Time O((states + arcs) log states).
func Prune(f *Vector, threshold Weight, nstate int, delta float32) error {
	if f.semiring != Tropical {
		return ErrNotPathSemiring
	}
	if nstate == 0 || f.start == NoStateID || len(f.states) == 0 {
		f.DeleteAllStates()
		return nil
	}
	fd := ShortestDistance(f, true, delta)
	start := f.start
	if int(start) >= len(fd) || IsZero(fd[start]) {
		f.DeleteAllStates()
		return nil
	}
	n := len(f.states)
	fdist := func(s StateID) Weight {
		if int(s) < len(fd) {
			return fd[s]
		}
		return Zero
	}
	id := make([]Weight, n)
	for i := range id {
		id[i] = Zero
	}
	key := make([]Weight, n)
	for i := range key {
		key[i] = Weight(math.Inf(1))
	}
	visited := make([]bool, n)
	dead := f.AddState()
	limit := Times(fd[start], threshold)
	h := &stateHeap{key: key, pos: make([]int32, n+1)}
	for i := range h.pos {
		h.pos[i] = -1
	}
	numVisited := 0
	if !(limit < fd[start]) {
		id[start] = One
		key[start] = Times(id[start], fdist(start))
		h.push(start)
		numVisited++
	}
	for h.Len() > 0 {
		s := h.pop()
		visited[s] = true
		if limit < Times(id[s], f.states[s].final) {
			f.states[s].final = Zero
		}
		arcs := f.states[s].arcs
		for i := range arcs {
			a := &arcs[i]
			w := Times(Times(id[s], a.Weight), fdist(a.NextState))
			if limit < w {
				a.NextState = dead
				continue
			}
			if nw := Times(id[s], a.Weight); nw < id[a.NextState] {
				id[a.NextState] = nw
				key[a.NextState] = Times(nw, fdist(a.NextState))
			}
			if visited[a.NextState] {
				continue
			}
			if nstate >= 0 && numVisited >= nstate {
				continue
			}
			if h.pos[a.NextState] < 0 {
				numVisited++
			}
			h.push(a.NextState)
		}
	}
	del := make([]bool, n+1)
	del[dead] = true
	for s := 0; s < n; s++ {
		if !visited[s] {
			del[s] = true
		}
	}
	f.DeleteStates(del)
	return nil
}
