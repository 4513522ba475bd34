// Package wfsttest provides test helpers for FST algorithms: a seeded random FST generator, randomized
// equivalence checks, semiring-law checks, and a harness that runs OpenFST's command-line tools on our FSTs
// so that results can be compared with the reference implementation.
package wfsttest

import (
	"math"
	"math/rand/v2"
	"slices"

	"hark/wfst"
)

// Config describes the random FSTs that RandomFST generates.
type Config struct {
	States       int     // number of states (≥ 1)
	ArcsPerState int     // mean number of arcs per state
	Labels       int     // labels are drawn from 1..Labels
	EpsProb      float64 // probability of an epsilon label (per side)
	FinalProb    float64 // probability that a state is final
	Acceptor     bool    // input label = output label
	Acyclic      bool    // arcs only go to higher-numbered states
	Semiring     wfst.Semiring
	// MaxWeight bounds arc and final weights, drawn uniformly from [0, MaxWeight] and rounded to
	// multiples of 1/16 (exact in float32, so tropical sums are exact).
	MaxWeight float32
	// UnweightedCycles makes the weight of every arc inside a cycle (within a strongly connected
	// component) a function of its labels, so that cycles with equal labels have equal weights: any such
	// FST is determinizable (twins property). (In the log semiring a constant is still added to every
	// weight so that sums over cycles converge.)
	UnweightedCycles bool
	// Functional makes transducers functional: the output label of an arc is a fixed function of its
	// input label, and some arcs are then split in two (input then output, or output then input) to move
	// outputs off their inputs.
	Functional bool
}

// DefaultConfig returns a small configuration: 8 states, 2 arcs per state, 4 labels, 20% epsilons.
func DefaultConfig(s wfst.Semiring) Config {
	return Config{States: 8, ArcsPerState: 2, Labels: 4, EpsProb: 0.2, FinalProb: 0.3, Semiring: s, MaxWeight: 3}
}

func (c Config) weight(rng *rand.Rand) wfst.Weight {
	return wfst.Weight(float32(int(rng.Float32()*c.MaxWeight*16)) / 16)
}

func (c Config) label(rng *rand.Rand) wfst.Label {
	if rng.Float64() < c.EpsProb {
		return wfst.Epsilon
	}
	return wfst.Label(1 + rng.IntN(max(c.Labels, 1)))
}

// RandomFST returns a random trim FST drawn with rng under cfg. State 0 is the start state; the result has
// at least one successful path.
func RandomFST(rng *rand.Rand, cfg Config) *wfst.Vector {
	n := max(cfg.States, 1)
	f := wfst.NewVector(cfg.Semiring)
	f.AddStates(n)
	f.SetStart(0)
	outOf := func(l wfst.Label) wfst.Label { // the fixed label function of functional transducers
		if l == wfst.Epsilon {
			return wfst.Epsilon
		}
		return wfst.Label((int(l)*7 + 3) % (max(cfg.Labels, 1) + 1))
	}
	for s := 0; s < n; s++ {
		k := rng.IntN(2*max(cfg.ArcsPerState, 1) + 1)
		for i := 0; i < k; i++ {
			var t int
			if cfg.Acyclic {
				if s == n-1 {
					break
				}
				t = s + 1 + rng.IntN(n-s-1)
			} else {
				t = rng.IntN(n)
			}
			il := cfg.label(rng)
			ol := il
			switch {
			case cfg.Acceptor:
			case cfg.Functional:
				ol = outOf(il)
			default:
				ol = cfg.label(rng)
			}
			f.AddArc(wfst.StateID(s), wfst.Arc{ILabel: il, OLabel: ol, Weight: cfg.weight(rng), NextState: wfst.StateID(t)})
		}
		if rng.Float64() < cfg.FinalProb {
			f.SetFinal(wfst.StateID(s), cfg.weight(rng))
		}
	}
	// Guarantee a successful path: a chain 0 → ... → n-1 (forward arcs) with n-1 final.
	if wfst.IsZero(f.Final(wfst.StateID(n - 1))) {
		f.SetFinal(wfst.StateID(n-1), cfg.weight(rng))
	}
	for s := 0; s < n-1; s++ {
		{ // always: the chain guarantees a successful path
			il := wfst.Label(1 + rng.IntN(max(cfg.Labels, 1)))
			ol := il
			if !cfg.Acceptor {
				if cfg.Functional {
					ol = outOf(il)
				} else {
					ol = cfg.label(rng)
				}
			}
			f.AddArc(wfst.StateID(s), wfst.Arc{ILabel: il, OLabel: ol, Weight: cfg.weight(rng), NextState: wfst.StateID(s + 1)})
		}
	}
	if cfg.Functional && !cfg.Acceptor {
		splitArcs(rng, f)
	}
	if !cfg.Acyclic {
		scc := sccOf(f)
		maxDeg := 0
		for s := 0; s < f.NumStates(); s++ {
			maxDeg = max(maxDeg, len(f.Arcs(wfst.StateID(s))))
		}
		// In the log semiring, every state's outgoing mass must stay below 1 for sums over cycles to
		// converge: add log(maxDeg+2) to every weight.
		base := float32(0)
		if cfg.Semiring == wfst.Log {
			base = float32(int(math.Log(float64(maxDeg+2))*16)+2) / 16
		}
		for s := 0; s < f.NumStates(); s++ {
			arcs := slices.Clone(f.Arcs(wfst.StateID(s)))
			for i := range arcs {
				if cfg.UnweightedCycles && scc[arcs[i].NextState] == scc[s] {
					// Inside a cycle the weight depends on the labels only, so equal label cycles
					// have equal weights (the twins property): determinizable.
					arcs[i].Weight = float32((int(arcs[i].ILabel)*3+int(arcs[i].OLabel))%5) / 4
				}
				arcs[i].Weight += base
			}
			f.SetArcs(wfst.StateID(s), arcs)
			if fw := f.Final(wfst.StateID(s)); !wfst.IsZero(fw) {
				f.SetFinal(wfst.StateID(s), fw+base)
			}
		}
	}
	wfst.Connect(f)
	return f
}

// splitArcs splits some arcs a:b/w into a:ε/w then ε:b, or ε:b/w then a:ε, through a new state. The
// relation is unchanged; outputs move relative to inputs.
func splitArcs(rng *rand.Rand, f *wfst.Vector) {
	n := f.NumStates()
	for s := 0; s < n; s++ {
		arcs := append([]wfst.Arc(nil), f.Arcs(wfst.StateID(s))...)
		changed := false
		for i, a := range arcs {
			if a.ILabel == wfst.Epsilon || a.OLabel == wfst.Epsilon || rng.IntN(3) != 0 {
				continue
			}
			m := f.AddState()
			if rng.IntN(2) == 0 {
				arcs[i] = wfst.Arc{ILabel: a.ILabel, OLabel: wfst.Epsilon, Weight: a.Weight, NextState: m}
				f.AddArc(m, wfst.Arc{ILabel: wfst.Epsilon, OLabel: a.OLabel, Weight: wfst.One, NextState: a.NextState})
			} else {
				arcs[i] = wfst.Arc{ILabel: wfst.Epsilon, OLabel: a.OLabel, Weight: a.Weight, NextState: m}
				f.AddArc(m, wfst.Arc{ILabel: a.ILabel, OLabel: wfst.Epsilon, Weight: wfst.One, NextState: a.NextState})
			}
			changed = true
		}
		if changed {
			f.SetArcs(wfst.StateID(s), arcs)
		}
	}
}

// TagUnion returns one FST holding all of fsts side by side: a new start state with an arc tag_i:tag_i
// (weight One) into the start of fsts[i], where tag_i = tagBase + i. Because the tags are distinct, an
// algorithm run on the union acts on each part separately (determinize, rmepsilon, push toward the
// finals, compose with a union tagged alike, ...), so one run of an external tool covers many FSTs. All
// fsts must share a semiring.
func TagUnion(fsts []*wfst.Vector, tagBase wfst.Label) *wfst.Vector {
	u := wfst.NewVector(fsts[0].Semiring())
	start := u.AddState()
	u.SetStart(start)
	for i, f := range fsts {
		off := wfst.StateID(u.NumStates())
		u.AddStates(f.NumStates())
		for s := 0; s < f.NumStates(); s++ {
			u.SetFinal(off+wfst.StateID(s), f.Final(wfst.StateID(s)))
			for _, a := range f.Arcs(wfst.StateID(s)) {
				a.NextState += off
				u.AddArc(off+wfst.StateID(s), a)
			}
		}
		if f.Start() != wfst.NoStateID {
			tag := tagBase + wfst.Label(i)
			u.AddArc(start, wfst.Arc{ILabel: tag, OLabel: tag, Weight: wfst.One, NextState: off + f.Start()})
		}
	}
	return u
}

// sccOf returns the strongly connected component of each state (iterative Kosaraju).
func sccOf(f *wfst.Vector) []int32 {
	n := f.NumStates()
	order := make([]int32, 0, n)
	seen := make([]bool, n)
	type frame struct{ s, i int32 }
	for r := 0; r < n; r++ {
		if seen[r] {
			continue
		}
		seen[r] = true
		stack := []frame{{int32(r), 0}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			arcs := f.Arcs(wfst.StateID(top.s))
			if int(top.i) < len(arcs) {
				t := arcs[top.i].NextState
				top.i++
				if !seen[t] {
					seen[t] = true
					stack = append(stack, frame{int32(t), 0})
				}
				continue
			}
			order = append(order, top.s)
			stack = stack[:len(stack)-1]
		}
	}
	pred := make([][]int32, n)
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(wfst.StateID(s)) {
			pred[a.NextState] = append(pred[a.NextState], int32(s))
		}
	}
	comp := make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	c := int32(0)
	for i := n - 1; i >= 0; i-- {
		r := order[i]
		if comp[r] >= 0 {
			continue
		}
		comp[r] = c
		stack := []int32{r}
		for len(stack) > 0 {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, u := range pred[s] {
				if comp[u] < 0 {
					comp[u] = c
					stack = append(stack, u)
				}
			}
		}
		c++
	}
	return comp
}
