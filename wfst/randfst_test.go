package wfst_test

import (
	"math/rand/v2"

	"hark/wfst"
)

// randConfig describes the random FSTs of the oracle tests.
type randConfig struct {
	semiring wfst.Semiring
	acyclic  bool
	acceptor bool
	// minWeight is added to every arc weight: with 1.5 the arc weights of a state sum (in the
	// probability domain) to less than 1, which keeps log-semiring sums over cycles convergent.
	minWeight float32
	// wide gives every state up to 300 arcs over only 3 labels (many ties for ArcSort).
	wide bool
}

// randFST returns a random FST: 1–12 states, a random start state, 0–3 arcs per state to any state (or
// only to higher ones when acyclic), labels 0–5 with epsilons, weights multiples of 1/8 in [0, 4) (exact
// in float32), ~35% final states; it may have unreachable and dead-end states.
func randFST(rng *rand.Rand, cfg randConfig) *wfst.Vector {
	n := 1 + rng.IntN(12)
	f := wfst.NewVector(cfg.semiring)
	f.AddStates(n)
	f.SetStart(wfst.StateID(rng.IntN(n)))
	if cfg.acyclic {
		f.SetStart(wfst.StateID(rng.IntN(max(1, n/3))))
	}
	w := func() wfst.Weight { return wfst.Weight(rng.IntN(32)) / 8 }
	for s := 0; s < n; s++ {
		k := rng.IntN(4)
		if cfg.wide {
			k = rng.IntN(300)
		}
		for i := 0; i < k; i++ {
			var t int
			if cfg.acyclic {
				if s == n-1 {
					break
				}
				t = s + 1 + rng.IntN(n-s-1)
			} else {
				t = rng.IntN(n)
			}
			nl := 6
			if cfg.wide {
				nl = 3
			}
			il := wfst.Label(rng.IntN(nl))
			ol := wfst.Label(rng.IntN(nl))
			if cfg.acceptor {
				ol = il
			}
			a := wfst.Arc{ILabel: il, OLabel: ol, Weight: w(), NextState: wfst.StateID(t)}
			a.Weight += cfg.minWeight
			f.AddArc(wfst.StateID(s), a)
		}
		if rng.Float64() < 0.35 {
			f.SetFinal(wfst.StateID(s), w())
		}
	}
	return f
}
