package lattice

import "hark/wfst"

// kahnOrder returns the states reachable from start in a topological order (every arc goes from an
// earlier to a later state of the order), or ok = false when they include a cycle. n is the number of
// states; dests(s, visit) calls visit with the destination of each of s's arcs, in arc order. It
// allocates the returned slice and two n-sized scratch slices.
func kahnOrder(n int, start wfst.StateID, dests func(s wfst.StateID, visit func(wfst.StateID))) (order []wfst.StateID, ok bool) {
	indeg := make([]int32, n)
	reach := make([]bool, n)
	stack := []wfst.StateID{start}
	reach[start] = true
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		dests(s, func(d wfst.StateID) {
			indeg[d]++
			if !reach[d] {
				reach[d] = true
				stack = append(stack, d)
			}
		})
	}
	if indeg[start] != 0 {
		return nil, false
	}
	order = make([]wfst.StateID, 0, n)
	order = append(order, start)
	for i := 0; i < len(order); i++ {
		dests(order[i], func(d wfst.StateID) {
			if indeg[d]--; indeg[d] == 0 {
				order = append(order, d)
			}
		})
	}
	for s := range n {
		if reach[s] && indeg[s] > 0 {
			return nil, false
		}
	}
	return order, true
}
