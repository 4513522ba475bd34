package decoder

import (
	"math"
	"math/rand/v2"
	"testing"

	"hark/wfst"
)

// randomGraph returns an HCLG-like random graph: numStates states, about arcsPerState arcs each with
// input labels in [1, numIndices] (a fraction epsFrac of them epsilon, always to a higher state so there
// are no epsilon cycles), word labels in [1, numWords] on a fraction wordFrac of arcs, positive costs,
// and a few final states. Every state has a self-loop (an HMM state), so paths of any length exist.
func randomGraph(rng *rand.Rand, numStates, arcsPerState, numIndices, numWords int, epsFrac, wordFrac float64) *wfst.Vector {
	g := wfst.NewVector(wfst.Tropical)
	g.AddStates(numStates)
	g.SetStart(0)
	for s := range numStates {
		g.AddArc(wfst.StateID(s), wfst.Arc{ILabel: wfst.Label(1 + rng.IntN(numIndices)), Weight: float32(rng.Float64()), NextState: wfst.StateID(s)})
		for range arcsPerState - 1 {
			a := wfst.Arc{Weight: float32(rng.Float64() * 3)}
			if rng.Float64() < epsFrac && s+1 < numStates {
				a.NextState = wfst.StateID(s + 1 + rng.IntN(numStates-s-1))
			} else {
				a.ILabel = wfst.Label(1 + rng.IntN(numIndices))
				a.NextState = wfst.StateID(rng.IntN(numStates))
			}
			if rng.Float64() < wordFrac {
				a.OLabel = wfst.Label(1 + rng.IntN(numWords))
			}
			g.AddArc(wfst.StateID(s), a)
		}
		if rng.IntN(4) == 0 {
			g.SetFinal(wfst.StateID(s), float32(rng.Float64()*2))
		}
	}
	return g
}

// randomMatrix returns frames × numIndices log-likelihoods in [-40, 0] with a few peaks, shaped like
// scaled GMM log-likelihoods.
func randomMatrix(rng *rand.Rand, frames, numIndices int) *Matrix {
	data := make([]float32, frames*numIndices)
	for i := range data {
		data[i] = float32(-40 * rng.Float64())
		if rng.IntN(8) == 0 {
			data[i] = float32(-5 * rng.Float64())
		}
	}
	m, err := NewMatrix(data, numIndices)
	if err != nil {
		panic(err)
	}
	return m
}

// exhaustive computes the best total cost and its words over the explicit trellis "graph × frames":
// nodes (t, s); emitting arcs from (t, s) to (t+1, s') costing w − scale·loglike(t, ilabel); epsilon arcs
// within a frame (they go to higher states only, so one pass in state order closes them); final costs at
// the last frame, or zero for every state if none is final (Kaldi's convention).
func exhaustive(g *wfst.Vector, m *Matrix, scale float32) (float64, []wfst.Label) {
	n := g.NumStates()
	T := m.NumFrames()
	type back struct {
		prevT, prevS int
		word         wfst.Label
	}
	inf := math.Inf(1)
	cost := make([][]float64, T+1)
	bp := make([][]back, T+1)
	for t := range cost {
		cost[t] = make([]float64, n)
		bp[t] = make([]back, n)
		for s := range cost[t] {
			cost[t][s] = inf
			bp[t][s] = back{-1, -1, 0}
		}
	}
	closeEps := func(t int) {
		for s := range n {
			if math.IsInf(cost[t][s], 1) {
				continue
			}
			for _, a := range g.Arcs(wfst.StateID(s)) {
				if a.ILabel != 0 {
					continue
				}
				if c := cost[t][s] + float64(a.Weight); c < cost[t][a.NextState] {
					cost[t][a.NextState] = c
					bp[t][a.NextState] = back{t, s, a.OLabel}
				}
			}
		}
	}
	cost[0][g.Start()] = 0
	closeEps(0)
	for t := range T {
		for s := range n {
			if math.IsInf(cost[t][s], 1) {
				continue
			}
			for _, a := range g.Arcs(wfst.StateID(s)) {
				if a.ILabel == 0 {
					continue
				}
				c := cost[t][s] + float64(a.Weight) - float64(scale)*float64(m.LogLikelihood(t, int32(a.ILabel)))
				if c < cost[t+1][a.NextState] {
					cost[t+1][a.NextState] = c
					bp[t+1][a.NextState] = back{t, s, a.OLabel}
				}
			}
		}
		closeEps(t + 1)
	}
	best, bestS := inf, -1
	anyFinal := false
	for s := range n {
		if f := g.Final(wfst.StateID(s)); !math.IsInf(float64(f), 1) && !math.IsInf(cost[T][s], 1) {
			anyFinal = true
		}
	}
	for s := range n {
		c := cost[T][s]
		if anyFinal {
			c += float64(g.Final(wfst.StateID(s)))
		}
		if c < best {
			best, bestS = c, s
		}
	}
	var words []wfst.Label
	for t, s := T, bestS; s >= 0; {
		b := bp[t][s]
		if b.prevS < 0 {
			break
		}
		if b.word != 0 {
			words = append(words, b.word)
		}
		t, s = b.prevT, b.prevS
	}
	for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 {
		words[i], words[j] = words[j], words[i]
	}
	return best, words
}

func mustNew(t testing.TB, g wfst.FST, cfg Config) *Decoder {
	t.Helper()
	d, err := New(g, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

func equalLabels(a, b []wfst.Label) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkCounts verifies the slab counters against the frame lists (no token or link leaked or lost).
func checkCounts(t *testing.T, d *Decoder) {
	t.Helper()
	nt, nl := 0, 0
	for f := range d.active {
		for k := d.active[f].head; k != none; k = d.toks[k].next {
			nt++
			for l := d.toks[k].links; l != none; l = d.links[l].next {
				nl++
			}
		}
	}
	if nt != d.NumTokens() || nl != d.NumLinks() {
		t.Errorf("live tokens/links in lists = %d/%d; counters say %d/%d", nt, nl, d.NumTokens(), d.NumLinks())
	}
	free := 0
	for k := d.tokFree; k != none; k = d.toks[k].next {
		free++
	}
	if free+nt != len(d.toks) {
		t.Errorf("free tokens %d + live %d != slab %d", free, nt, len(d.toks))
	}
}
