package wfst

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"
)

// ShortestPathOptions are fstshortestpath's options.
type ShortestPathOptions struct {
	NShortest int     // number of paths (--nshortest); ≥ 1
	Unique    bool    // return n distinct (input, output) label strings (--unique), each with its best cost
	Threshold Weight  // keep only paths within Threshold of the best (--weight); Zero (+Inf): no limit
	Delta     float32 // convergence delta of the shortest distances (--delta)
	// MaxDeterminizeStates bounds the determinized FST of Unique mode (0: 100,000). OpenFST determinizes
	// lazily, as far as the search needs; we determinize eagerly, which fails with ErrStateLimit on
	// cyclic inputs that are not determinizable.
	MaxDeterminizeStates int
}

// DefaultShortestPathOptions returns fstshortestpath's defaults: one path, no threshold, delta 1e-6.
func DefaultShortestPathOptions() ShortestPathOptions {
	return ShortestPathOptions{NShortest: 1, Threshold: Zero, Delta: ShortestDelta}
}

// spEntry is a partial path: it reaches state (NoStateID: the super-final state) with cost from the
// start; parent and arc give the last step.
type spEntry struct {
	state  StateID
	cost   Weight
	prio   Weight
	parent int32
	arc    Arc // the arc taken from parent's state; for the super-final state, Weight is the final weight
}

type spHeap struct {
	e     []spEntry
	items []int32
}

func (h *spHeap) Len() int { return len(h.items) }
func (h *spHeap) Less(i, j int) bool {
	a, b := &h.e[h.items[i]], &h.e[h.items[j]]
	if a.prio != b.prio {
		return a.prio < b.prio
	}
	return h.items[i] < h.items[j]
}
func (h *spHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *spHeap) Push(x any)    { h.items = append(h.items, x.(int32)) }
func (h *spHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// ShortestPath returns the n best successful paths of f as an FST (OpenFST's ShortestPath): a tree from the
// start state in which the paths share their common prefixes, each path keeping its arcs and final weight,
// so its weight is the path's weight in f. The paths are found best first, in a search guided by the exact
// distances to the final states (computed on the reversed FST), popping each state at most n times, as
// OpenFST's NShortestPath. Ties between equal-cost paths may be broken differently than OpenFST does.
// Only for the tropical semiring. Symbol tables are shared with f.
//
// With Unique, f must be an acceptor: as OpenFST, it is determinized (epsilon is an ordinary label there)
// and the n best paths of the result are returned, so the strings are distinct and each has its best cost.
func ShortestPath(f Expanded, opts ShortestPathOptions) (*Vector, error) {
	if f.Semiring() != Tropical {
		return nil, ErrNotPathSemiring
	}
	if opts.NShortest <= 0 {
		return nil, errors.New("wfst: shortest path: nshortest must be at least 1")
	}
	if opts.Unique {
		if Properties(f, PropAcceptor, true) == 0 {
			return nil, errors.New("wfst: shortest path: unique requires an acceptor")
		}
		maxStates := opts.MaxDeterminizeStates
		if maxStates <= 0 {
			maxStates = 100_000
		}
		d, err := Determinize(f, DeterminizeOptions{Delta: opts.Delta, MaxStates: maxStates})
		if err != nil {
			return nil, fmt.Errorf("wfst: shortest path: %w", err)
		}
		if sy, ok := f.(Symbolic); ok {
			d.SetInputSymbols(sy.InputSymbols())
			d.SetOutputSymbols(sy.OutputSymbols())
		}
		opts.Unique = false
		return ShortestPath(d, opts)
	}
	out := NewVector(Tropical)
	if sy, ok := f.(Symbolic); ok {
		out.isyms, out.osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	start := f.Start()
	if start == NoStateID {
		return out, nil
	}
	rd := ShortestDistance(f, true, opts.Delta)
	dist := func(s StateID) Weight {
		if s == NoStateID {
			return One
		}
		if int(s) < len(rd) {
			return rd[s]
		}
		return Zero
	}
	if IsZero(dist(start)) || opts.Threshold < One {
		return out, nil
	}
	limit := Times(dist(start), opts.Threshold)
	n := opts.NShortest
	h := &spHeap{}
	push := func(e spEntry) {
		e.prio = Times(e.cost, dist(e.state))
		if IsZero(e.prio) || limit < e.prio {
			return
		}
		h.e = append(h.e, e)
		heap.Push(h, int32(len(h.e)-1))
	}
	push(spEntry{state: start, cost: One, parent: -1})
	popped := make([]int32, f.NumStates())
	var done []int32
	for h.Len() > 0 && len(done) < n {
		i := heap.Pop(h).(int32)
		e := h.e[i]
		if e.state == NoStateID {
			done = append(done, i)
			continue
		}
		popped[e.state]++
		if int(popped[e.state]) > n {
			continue
		}
		for _, a := range f.Arcs(e.state) {
			push(spEntry{state: a.NextState, cost: Times(e.cost, a.Weight), parent: i, arc: a})
		}
		if fw := f.Final(e.state); !IsZero(fw) {
			push(spEntry{state: NoStateID, cost: Times(e.cost, fw), parent: i, arc: Arc{Weight: fw}})
		}
	}
	if len(done) == 0 {
		return out, nil
	}
	ostate := make(map[int32]StateID)
	var chain []int32
	for _, fi := range done {
		chain = chain[:0]
		for j := h.e[fi].parent; j >= 0; j = h.e[j].parent {
			chain = append(chain, j)
		}
		slices.Reverse(chain)
		prev := NoStateID
		for _, j := range chain {
			s, ok := ostate[j]
			if !ok {
				s = out.AddState()
				ostate[j] = s
				if prev == NoStateID {
					out.SetStart(s)
				} else {
					a := h.e[j].arc
					a.NextState = s
					out.AddArc(prev, a)
				}
			}
			prev = s
		}
		out.SetFinal(prev, h.e[fi].arc.Weight)
	}
	return out, nil
}
