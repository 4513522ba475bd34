package wfst

import "container/heap"

// ShortestDistance returns, for each state s, the semiring sum of the weights of all paths from the start
// state to s (OpenFST's ShortestDistance; the shortest-path cost in the tropical semiring), or with reverse,
// from s to the final states (including the final weights). Unreachable states get Zero. As in OpenFST the
// slice stops after the highest state reached (it may be shorter than NumStates()), and it is empty when f
// has no start state. Updates smaller than delta are ignored (OpenFST's --delta), so on cyclic log-semiring
// FSTs the sums are exact within delta. Acyclic FSTs are processed in topological order, cyclic ones in
// shortest-first (tropical) or FIFO (log) order. Memory O(states).
func ShortestDistance(f Expanded, reverse bool, delta float32) []Weight {
	if reverse {
		r := Reverse(f, true)
		rd := ShortestDistance(r, false, delta)
		if len(rd) == 0 {
			return rd
		}
		return rd[1:]
	}
	start := f.Start()
	n := f.NumStates()
	if start == NoStateID || n == 0 {
		return nil
	}
	sr := f.Semiring()
	d := make([]Weight, n)
	r := make([]Weight, n)
	for i := range d {
		d[i], r[i] = Zero, Zero
	}
	d[start], r[start] = One, One
	maxSeen := start
	relax := func(s StateID, push func(StateID)) {
		rs := r[s]
		r[s] = Zero
		for _, a := range f.Arcs(s) {
			t := a.NextState
			if t > maxSeen {
				maxSeen = t
			}
			w := Times(rs, a.Weight)
			nd := sr.Plus(d[t], w)
			if !ApproxEqual(d[t], nd, delta) {
				d[t] = nd
				r[t] = sr.Plus(r[t], w)
				push(t)
			}
		}
	}
	if order, ok := topOrder(f); ok {
		for _, s := range order {
			if !IsZero(r[s]) {
				relax(s, func(StateID) {})
			}
		}
	} else if sr == Tropical {
		q := &stateHeap{key: d, pos: make([]int32, n)}
		for i := range q.pos {
			q.pos[i] = -1
		}
		q.push(start)
		for q.Len() > 0 {
			s := q.pop()
			relax(s, q.push)
		}
	} else {
		inQueue := make([]bool, n)
		queue := []StateID{start}
		inQueue[start] = true
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			inQueue[s] = false
			relax(s, func(t StateID) {
				if !inQueue[t] {
					inQueue[t] = true
					queue = append(queue, t)
				}
			})
		}
	}
	return d[:maxSeen+1]
}

// topOrder returns the states reachable from the start state in topological order, or false when f is
// cyclic there.
func topOrder(f Expanded) ([]StateID, bool) {
	n := f.NumStates()
	start := f.Start()
	color := make([]uint8, n)
	var finish []StateID
	type frame struct {
		s StateID
		i int32
	}
	stack := []frame{{s: start}}
	color[start] = 1
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		arcs := f.Arcs(top.s)
		if int(top.i) >= len(arcs) {
			color[top.s] = 2
			finish = append(finish, top.s)
			stack = stack[:len(stack)-1]
			continue
		}
		t := arcs[top.i].NextState
		top.i++
		switch color[t] {
		case 0:
			color[t] = 1
			stack = append(stack, frame{s: t})
		case 1:
			return nil, false
		}
	}
	for i, j := 0, len(finish)-1; i < j; i, j = i+1, j-1 {
		finish[i], finish[j] = finish[j], finish[i]
	}
	return finish, true
}

// stateHeap is a min-heap of states keyed by key[s], with decrease-key.
type stateHeap struct {
	key   []Weight
	pos   []int32 // index in heap, -1 when absent
	items []StateID
}

func (h *stateHeap) Len() int           { return len(h.items) }
func (h *stateHeap) Less(i, j int) bool { return h.key[h.items[i]] < h.key[h.items[j]] }
func (h *stateHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.pos[h.items[i]] = int32(i)
	h.pos[h.items[j]] = int32(j)
}
func (h *stateHeap) Push(x any) {
	s := x.(StateID)
	h.pos[s] = int32(len(h.items))
	h.items = append(h.items, s)
}
func (h *stateHeap) Pop() any {
	s := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	h.pos[s] = -1
	return s
}

func (h *stateHeap) push(s StateID) {
	if p := h.pos[s]; p >= 0 {
		heap.Fix(h, int(p))
		return
	}
	heap.Push(h, s)
}

func (h *stateHeap) pop() StateID { return heap.Pop(h).(StateID) }
