package lattice

import (
	"math"

	"hark/wfst"
)

// Posteriors returns, for every arc (indexed [state][arc] as in wl.States), its posterior probability
// given the lattice: exp(-(alpha(src) + w + beta(dst) - total)), with alpha and beta computed by
// forward-backward in the log semiring over total costs (acoustic costs already carry the acoustic
// scale, graph costs are used as they are). On a determinized lattice each word sequence keeps only its
// best alignment, so these are posteriors over word sequences with Viterbi (not summed) alignments, as
// with Kaldi's determinized lattices. The posteriors of the arcs leaving the start state, plus its
// final posterior, sum to 1. The lattice must be topologically sorted (as built by this package).
func (wl *WordLattice) Posteriors() ([][]float32, error) {
	if wl.Start == wfst.NoStateID {
		return nil, ErrEmpty
	}
	if !wl.isTopSorted() {
		return nil, ErrCyclic
	}
	alpha, beta := wl.forwardBackward(true)
	total := beta[wl.Start]
	if math.IsInf(total, 1) {
		return nil, ErrEmpty
	}
	post := make([][]float32, len(wl.States))
	for s := range wl.States {
		st := &wl.States[s]
		p := make([]float32, len(st.Arcs))
		for i, a := range st.Arcs {
			c := alpha[s] + float64(a.Weight.Total()) + beta[a.NextState] - total
			p[i] = float32(math.Exp(-c))
		}
		post[s] = p
	}
	return post, nil
}

// Confidences sets the Conf of each word span to its posterior in wl: the sum of the posteriors of
// the arcs with the same word whose span [Start, End] contains the midpoint of the word's span, capped
// at 1 (a per-arc posterior sum in the spirit of Kaldi's lattice-to-ctm-conf without the MBR
// re-alignment). Spans come from [WordLattice.BestPath], [WordLattice.NBest] or [Path.Align] on the same
// segment. words is modified in place.
func (wl *WordLattice) Confidences(words []WordSpan) error {
	post, err := wl.Posteriors()
	if err != nil {
		return err
	}
	for i := range words {
		w := &words[i]
		mid := w.Start + w.End // twice the midpoint
		sum := float32(0)
		for s := range wl.States {
			for j, a := range wl.States[s].Arcs {
				if a.Word == w.Word && 2*a.Start <= mid && mid <= 2*a.End {
					sum += post[s][j]
				}
			}
		}
		w.Conf = min(sum, 1)
	}
	return nil
}
