package lattice

import (
	"errors"
	"fmt"
	"math"

	"hark/wfst"
)

// Errors returned by the algorithms of this package.
var (
	// ErrCyclic reports a lattice with a cycle (an epsilon loop in the graph that the search followed).
	ErrCyclic = errors.New("lattice: lattice is cyclic")
	// ErrEmpty reports a lattice without a start state or without any successful path.
	ErrEmpty = errors.New("lattice: no successful path")
	// ErrTooLarge reports that an algorithm hit its configured size bound.
	ErrTooLarge = errors.New("lattice: size limit exceeded")
)

// Weight is Kaldi's LatticeWeight: graph and acoustic costs (negated natural-log probabilities; the
// acoustic part already includes the acoustic scale). The semiring zero is {+Inf, +Inf}, one is {0, 0}.
type Weight struct {
	Graph    float32
	Acoustic float32
}

// Zero is the semiring zero: no path.
var Zero = Weight{float32(math.Inf(1)), float32(math.Inf(1))}

// One is the semiring one: a free transition.
var One = Weight{}

// Total returns Graph + Acoustic, the cost that orders paths.
func (w Weight) Total() float32 { return w.Graph + w.Acoustic }

// IsZero reports whether w is the semiring zero (an infinite total cost).
func (w Weight) IsZero() bool { return math.IsInf(float64(w.Total()), 1) }

// Times is the semiring product: component-wise sum.
func (w Weight) Times(v Weight) Weight { return Weight{w.Graph + v.Graph, w.Acoustic + v.Acoustic} }

// Divide is the semiring division w/v: component-wise difference (Zero/v = Zero).
func (w Weight) Divide(v Weight) Weight {
	if w.IsZero() {
		return Zero
	}
	return Weight{w.Graph - v.Graph, w.Acoustic - v.Acoustic}
}

// Less is Kaldi's NaturalLess for lattice weights: lower total cost first, then lower graph cost.
func (w Weight) Less(v Weight) bool {
	a, b := w.Total(), v.Total()
	if a != b {
		return a < b
	}
	return w.Graph < v.Graph
}

// Plus is the tropical sum of the pair semiring: the better of w and v by [Weight.Less].
func (w Weight) Plus(v Weight) Weight {
	if v.Less(w) {
		return v
	}
	return w
}

// String formats w as Kaldi prints a LatticeWeight: "graph,acoustic".
func (w Weight) String() string { return fmt.Sprintf("%g,%g", w.Graph, w.Acoustic) }

// Arc is a state-level lattice arc: acoustic index in (0 = consumes no frame), word out (0 = none).
type Arc struct {
	ILabel    wfst.Label
	OLabel    wfst.Label
	Weight    Weight
	NextState wfst.StateID
}

// State is one lattice state: the frames consumed before it, its final weight (Zero if not final) and
// its arcs.
type State struct {
	Frame int32
	Final Weight
	Arcs  []Arc
}

// Lattice is a state-level lattice (Kaldi's Lattice): a transducer from acoustic indices to words over
// pair weights. Create it with New (or Reset a used one) so that Start is NoStateID. Memory: one State
// header (40 bytes) per state plus 20 bytes per arc; Reset keeps the storage for reuse. Not safe for
// concurrent mutation.
type Lattice struct {
	States []State
	Start  wfst.StateID
}

// New returns an empty lattice with no start state.
func New() *Lattice { return &Lattice{Start: wfst.NoStateID} }

// Reset removes every state but keeps the allocated storage (including each state's arc slice) for
// reuse.
func (l *Lattice) Reset() {
	for i := range l.States {
		l.States[i].Arcs = l.States[i].Arcs[:0]
	}
	l.States = l.States[:0]
	l.Start = wfst.NoStateID
}

// NumStates returns the number of states.
func (l *Lattice) NumStates() int { return len(l.States) }

// NumArcs returns the total number of arcs.
func (l *Lattice) NumArcs() int {
	n := 0
	for i := range l.States {
		n += len(l.States[i].Arcs)
	}
	return n
}

// AddState adds a non-final state at the given frame and returns its id. It reuses the arc storage of
// a state removed by Reset.
func (l *Lattice) AddState(frame int32) wfst.StateID {
	if len(l.States) < cap(l.States) {
		l.States = l.States[:len(l.States)+1]
		st := &l.States[len(l.States)-1]
		st.Frame, st.Final, st.Arcs = frame, Zero, st.Arcs[:0]
	} else {
		l.States = append(l.States, State{Frame: frame, Final: Zero})
	}
	return wfst.StateID(len(l.States) - 1)
}

// AddArc adds an arc leaving s.
func (l *Lattice) AddArc(s wfst.StateID, a Arc) { l.States[s].Arcs = append(l.States[s].Arcs, a) }

// SetFinal sets the final weight of s.
func (l *Lattice) SetFinal(s wfst.StateID, w Weight) { l.States[s].Final = w }

// NumFrames returns the largest state frame (the number of frames the lattice spans), 0 when empty.
func (l *Lattice) NumFrames() int {
	n := int32(0)
	for i := range l.States {
		n = max(n, l.States[i].Frame)
	}
	return int(n)
}

// TopOrder returns the states reachable from the start in a topological order (every arc goes from an
// earlier to a later state of the order), or ErrCyclic. It allocates the returned slice.
func (l *Lattice) TopOrder() ([]wfst.StateID, error) {
	if l.Start == wfst.NoStateID || len(l.States) == 0 {
		return nil, ErrEmpty
	}
	order, ok := kahnOrder(len(l.States), l.Start, func(s wfst.StateID, visit func(wfst.StateID)) {
		for _, a := range l.States[s].Arcs {
			visit(a.NextState)
		}
	})
	if !ok {
		return nil, ErrCyclic
	}
	return order, nil
}

// forwardBackward computes, for the states in topological order, the tropical forward (alpha: best cost
// from the start) and backward (beta: best cost to a final state) total costs. Unreachable states keep
// +Inf.
func (l *Lattice) forwardBackward(order []wfst.StateID) (alpha, beta []float64) {
	n := len(l.States)
	inf := math.Inf(1)
	alpha = make([]float64, n)
	beta = make([]float64, n)
	for i := range alpha {
		alpha[i], beta[i] = inf, inf
	}
	alpha[l.Start] = 0
	for _, s := range order {
		as := alpha[s]
		if math.IsInf(as, 1) {
			continue
		}
		for _, a := range l.States[s].Arcs {
			if c := as + float64(a.Weight.Total()); c < alpha[a.NextState] {
				alpha[a.NextState] = c
			}
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		s := order[i]
		st := &l.States[s]
		b := float64(st.Final.Total())
		for _, a := range st.Arcs {
			if c := float64(a.Weight.Total()) + beta[a.NextState]; c < b {
				b = c
			}
		}
		beta[s] = b
	}
	return alpha, beta
}

// Prune removes the arcs and states that lie on no path within beam (a total cost) of the best path, as
// Kaldi's PruneLattice: an arc p→q survives iff alpha(p) + w + beta(q) ≤ best + beam. The best path
// always survives. States are renumbered (keeping their relative order); the lattice must be acyclic.
func (l *Lattice) Prune(beam float32) error {
	order, err := l.TopOrder()
	if err != nil {
		return err
	}
	alpha, beta := l.forwardBackward(order)
	best := beta[l.Start]
	if math.IsInf(best, 1) {
		return ErrEmpty
	}
	limit := best + float64(beam)
	keep := make([]bool, len(l.States))
	for _, s := range order {
		st := &l.States[s]
		if alpha[s]+beta[s] > limit {
			continue
		}
		keep[s] = true
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
	l.compact(keep)
	return nil
}

// compact deletes the states with keep[s] false, renumbering the rest in order and dropping arcs into
// deleted states.
func (l *Lattice) compact(keep []bool) {
	newID := make([]wfst.StateID, len(l.States))
	n := 0
	for s := range l.States {
		if !keep[s] {
			newID[s] = wfst.NoStateID
			continue
		}
		newID[s] = wfst.StateID(n)
		if n != s {
			l.States[n], l.States[s] = l.States[s], l.States[n]
		}
		n++
	}
	// States beyond n keep their (now unused) arc storage for reuse; clear them.
	for i := n; i < len(l.States); i++ {
		l.States[i].Arcs = l.States[i].Arcs[:0]
	}
	l.States = l.States[:n]
	for s := range l.States {
		st := &l.States[s]
		out := st.Arcs[:0]
		for _, a := range st.Arcs {
			if t := newID[a.NextState]; t != wfst.NoStateID {
				a.NextState = t
				out = append(out, a)
			}
		}
		st.Arcs = out
	}
	if l.Start != wfst.NoStateID {
		l.Start = newID[l.Start]
	}
}

// IsInf reports whether a cost is +Inf (a Zero weight component).
func IsInf(c float32) bool { return math.IsInf(float64(c), 1) }
