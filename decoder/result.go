package decoder

import (
	"fmt"

	"hark/lattice"
	"hark/wfst"
)

// RawLattice writes the state-level lattice of the utterance so far into dst (reset first, storage
// reused): one state per surviving token (State.Frame = its frame), one arc per surviving forward link
// with weight {graph cost, acoustic cost} (the cost offsets removed, so acoustic = -AcousticScale ×
// log-likelihood), Kaldi's GetRawLattice. With useFinalProbs the newest frame's tokens get their graph
// final costs (or One for all of them if none is final); without, they are all final with One, which is
// illegal after FinalizeDecoding. The lattice is not necessarily topologically numbered.
func (d *Decoder) RawLattice(dst *lattice.Lattice, useFinalProbs bool) error {
	if !d.started {
		return ErrNotStarted
	}
	if d.finalized && !useFinalProbs {
		return fmt.Errorf("decoder: raw lattice without final probs after FinalizeDecoding: %w", ErrFinalized)
	}
	if useFinalProbs && !d.finalValid {
		d.computeFinalCosts()
	}
	dst.Reset()
	numFrames := d.NumFramesDecoded()
	if cap(d.tokState) < len(d.toks) {
		d.tokState = make([]int32, len(d.toks), 2*len(d.toks))
	}
	d.tokState = d.tokState[:len(d.toks)]
	for f := 0; f <= numFrames; f++ {
		if d.active[f].head == none {
			return fmt.Errorf("decoder: frame %d: %w", f, ErrNoTokens)
		}
		for t := d.active[f].head; t != none; t = d.toks[t].next {
			d.tokState[t] = int32(dst.AddState(int32(f)))
		}
	}
	dst.Start = wfst.StateID(d.tokState[d.startTok])
	for f := 0; f <= numFrames; f++ {
		for t := d.active[f].head; t != none; t = d.toks[t].next {
			s := wfst.StateID(d.tokState[t])
			for l := d.toks[t].links; l != none; l = d.links[l].next {
				lk := &d.links[l]
				offset := float32(0)
				if lk.ilabel != wfst.Epsilon {
					offset = d.costOffsets[f]
				}
				dst.AddArc(s, lattice.Arc{
					ILabel:    lk.ilabel,
					OLabel:    lk.olabel,
					Weight:    lattice.Weight{Graph: lk.graphCost, Acoustic: lk.acCost - offset},
					NextState: wfst.StateID(d.tokState[lk.nextTok]),
				})
			}
			if f == numFrames {
				switch {
				case useFinalProbs && d.finalActive:
					if fc := d.finalOf[t]; !lattice.IsInf(fc) {
						dst.SetFinal(s, lattice.Weight{Graph: fc})
					}
				default:
					dst.SetFinal(s, lattice.One)
				}
			}
		}
	}
	return nil
}

// BestPath returns the best path of the raw lattice (Kaldi's GetBestPath), with its words, per-arc
// frames and {graph, acoustic} cost; see RawLattice for useFinalProbs. It allocates the path; the
// lattice is built in storage the decoder reuses.
func (d *Decoder) BestPath(useFinalProbs bool) (lattice.Path, error) {
	if err := d.RawLattice(&d.lat, useFinalProbs); err != nil {
		return lattice.Path{}, err
	}
	return d.lat.BestPath()
}

// bestPathEnd returns the best token of the newest frame, with its final cost added when useFinalProbs
// and some token is final (Kaldi's BestPathEnd), or none.
func (d *Decoder) bestPathEnd(useFinalProbs bool) int32 {
	if useFinalProbs && !d.finalValid {
		d.computeFinalCosts()
	}
	useFinal := useFinalProbs && d.finalActive
	best, bestCost := none, inf
	for t := d.active[len(d.active)-1].head; t != none; t = d.toks[t].next {
		c := d.toks[t].totCost
		if useFinal {
			c += d.finalOf[t]
		}
		if c < bestCost || best == none {
			best, bestCost = t, c
		}
	}
	return best
}

// traceBack walks backpointers from token t to the start, appending the link taken into each token
// (newest first) to d.traceLinks. It returns false if the chain is broken (which the pruning invariants
// rule out).
func (d *Decoder) traceBack(t int32) bool {
	d.traceLinks = d.traceLinks[:0]
	for steps := 0; d.toks[t].backptr != none; steps++ {
		if steps > d.numToks {
			return false
		}
		p := d.toks[t].backptr
		if p < 0 {
			return false // a predecessor freed by pruning (see compact)
		}
		bestL, bestC := none, inf
		for l := d.toks[p].links; l != none; l = d.links[l].next {
			lk := &d.links[l]
			if lk.nextTok == t {
				if c := lk.acCost + lk.graphCost; c < bestC || bestL == none {
					bestL, bestC = l, c
				}
			}
		}
		if bestL == none {
			return false
		}
		d.traceLinks = append(d.traceLinks, bestL)
		t = p
	}
	return true
}

// PartialWords appends to dst the words of the best path so far (without final costs), oldest first,
// and returns the extended slice: Kaldi's online best-path traceback, O(frames) with no lattice built. It
// allocates nothing when dst has room.
func (d *Decoder) PartialWords(dst []wfst.Label) []wfst.Label {
	if !d.started {
		return dst
	}
	t := d.bestPathEnd(false)
	if t == none || !d.traceBack(t) {
		return dst
	}
	for i := len(d.traceLinks) - 1; i >= 0; i-- {
		if w := d.links[d.traceLinks[i]].olabel; w != wfst.Epsilon {
			dst = append(dst, w)
		}
	}
	return dst
}

// TrailingSilenceFrames returns the number of frames at the end of the best path so far whose acoustic
// index satisfies isSilence (Kaldi's TrailingSilenceLength, with the silence test supplied by the
// caller, e.g. "the senone belongs to a silence phone").
func (d *Decoder) TrailingSilenceFrames(isSilence func(index wfst.Label) bool) int {
	if !d.started {
		return 0
	}
	t := d.bestPathEnd(false)
	if t == none || !d.traceBack(t) {
		return 0
	}
	n := 0
	for _, l := range d.traceLinks {
		il := d.links[l].ilabel
		if il == wfst.Epsilon {
			continue
		}
		if !isSilence(il) {
			break
		}
		n++
	}
	return n
}
