package decoder

import (
	"math"

	"hark/wfst"
)

// A note on extra_cost (after Kaldi's lattice-faster-decoder.cc). A token's extraCost is, roughly, how
// much worse the best path through it is than the best path overall, computed backwards from the newest
// frame under the assumption that every token of the newest frame could still lie on the winning path
// (their extraCost is 0). A link p→q has link extra cost q.extraCost + (p.totCost + link cost −
// q.totCost) ≥ 0; links whose extra cost exceeds LatticeBeam cannot be within the lattice beam of the
// best path and are excised; a token whose every link was excised (extraCost = +Inf) is deleted. Because
// the newest frame is treated optimistically, pruning during decoding is safe (it never removes what a
// final pruning would keep); FinalizeDecoding redoes it with the final costs.

// pruneForwardLinks is Kaldi's PruneForwardLinks for one frame, iterating until the token extra costs
// change by no more than delta (links within a frame are not in topological order).
func (d *Decoder) pruneForwardLinks(frame int, delta float32) (extraCostsChanged, linksPruned bool) {
	beam := d.cfg.LatticeBeam
	changed := true
	// The first pass visits every token of the frame. A later pass would compute again, bit for bit,
	// the extra cost of a token without a surviving epsilon link (its next tokens are all on the next
	// frame, which does not change here; see epsReadsCurrent) and prune none of its links: it visits only
	// the tokens that had one in the pass before, in list order (d.epsToks).
	allToks := true
	for changed {
		changed = false
		d.epsReads = d.epsReads[:0]
		if allToks {
			d.epsToks = d.epsToks[:0]
			for t := d.active[frame].head; t != none; t = d.toks[t].next {
				c, pruned := d.relaxToken(t, beam, delta)
				changed, linksPruned = changed || c, linksPruned || pruned
			}
			allToks = d.allPasses
		} else {
			ts := d.epsToks
			d.epsToks = ts[:0] // rewritten in place: entry i is read before entry ≤ i is written
			for _, t := range ts {
				c, pruned := d.relaxToken(t, beam, delta)
				changed, linksPruned = changed || c, linksPruned || pruned
			}
		}
		if changed {
			extraCostsChanged = true
			if d.epsReadsCurrent() {
				break // the next pass would change nothing
			}
		}
	}
	return extraCostsChanged, linksPruned
}

// epsRead is the extra cost of a token that an epsilon link (whose next token is on the same frame)
// read in a pass of the link-pruning loops.
type epsRead struct {
	tok   int32
	extra float32
}

// epsReadsCurrent reports whether every extra cost read through a surviving epsilon link in the pass
// just made is still the token's extra cost. Then another pass would be an exact repeat: a link's extra
// cost depends only on its token's cost, its own costs and its next token's cost and extra cost; next
// tokens on the following frame do not change while a frame is pruned, nor does any token cost; so it
// would read the same values, prune no link and compute every token's extra cost again bit for bit (the
// loops' "changed" would be false). Kaldi's loops make that pass; skipping it gives identical results.
// Only epsilon links can read a value their pass changes afterwards, and they are few.
func (d *Decoder) epsReadsCurrent() bool {
	if d.allPasses {
		return false
	}
	for _, r := range d.epsReads {
		if math.Float32bits(d.toks[r.tok].extraCost) != math.Float32bits(r.extra) {
			return false
		}
	}
	return true
}

// pruneForwardLinksFinal is Kaldi's PruneForwardLinksFinal: prune the newest frame's links using the
// final costs (or treating every token as final when none is), and mark decoding finalized.
func (d *Decoder) pruneForwardLinksFinal() {
	d.computeFinalCosts()
	d.finalized = true
	frame := d.NumFramesDecoded()
	beam := d.cfg.LatticeBeam
	const delta = 1e-5
	changed := true
	for changed {
		changed = false
		d.epsReads = d.epsReads[:0]
		for t := d.active[frame].head; t != none; t = d.toks[t].next {
			finalCost := float32(0)
			if d.finalActive {
				finalCost = d.finalOf[t]
			}
			tokExtra, _ := d.pruneLinksOf(t, d.toks[t].totCost+finalCost-d.finalBestCost, beam)
			if tokExtra > beam {
				tokExtra = inf
			}
			if !approxEqual(d.toks[t].extraCost, tokExtra, delta) {
				changed = true
			}
			d.toks[t].extraCost = tokExtra
		}
		if changed && d.epsReadsCurrent() {
			break // the next pass would change nothing (its clamp to +Inf included)
		}
	}
}

// pruneTokensForFrame deletes the tokens of a frame whose extra cost is +Inf (no surviving link).
func (d *Decoder) pruneTokensForFrame(frame int) {
	prev := none
	for t := d.active[frame].head; t != none; {
		next := d.toks[t].next
		if math.IsInf(float64(d.toks[t].extraCost), 1) {
			if prev != none {
				d.toks[prev].next = next
			} else {
				d.active[frame].head = next
			}
			d.freeToken(t)
		} else {
			prev = t
		}
		t = next
	}
}

// pruneActiveTokens is Kaldi's PruneActiveTokens: prune links and tokens backwards from the newest
// frame, going back only as far as extra costs keep changing by more than delta.
func (d *Decoder) pruneActiveTokens(delta float32) {
	curFramePlusOne := d.NumFramesDecoded()
	for f := curFramePlusOne - 1; f >= 0; f-- {
		if d.active[f].mustPruneForwardLinks {
			extraCostsChanged, linksPruned := d.pruneForwardLinks(f, delta)
			if extraCostsChanged && f > 0 {
				d.active[f-1].mustPruneForwardLinks = true
			}
			if linksPruned {
				d.active[f].mustPruneTokens = true
			}
			d.active[f].mustPruneForwardLinks = false
		}
		if f+1 < curFramePlusOne && d.active[f+1].mustPruneTokens {
			d.pruneTokensForFrame(f + 1)
			d.active[f+1].mustPruneTokens = false
		}
	}
}

// computeFinalCosts is Kaldi's ComputeFinalCosts over the newest frame: per-token final costs (in
// finalOf), whether any token is final, the final relative cost and the best final cost.
func (d *Decoder) computeFinalCosts() {
	if cap(d.finalOf) < len(d.toks) {
		d.finalOf = make([]float32, len(d.toks), 2*len(d.toks))
	}
	d.finalOf = d.finalOf[:len(d.toks)]
	bestCost, bestWithFinal := inf, inf
	for _, e := range d.elems {
		cost := d.toks[e.tok].totCost
		finalCost := d.graph.Final(e.state)
		d.finalOf[e.tok] = finalCost
		bestCost = min(bestCost, cost)
		bestWithFinal = min(bestWithFinal, cost+finalCost)
	}
	d.finalActive = !math.IsInf(float64(bestWithFinal), 1)
	switch {
	case math.IsInf(float64(bestCost), 1) && math.IsInf(float64(bestWithFinal), 1):
		d.finalRelativeCost = inf
	default:
		d.finalRelativeCost = bestWithFinal - bestCost
	}
	if d.finalActive {
		d.finalBestCost = bestWithFinal
	} else {
		d.finalBestCost = bestCost
	}
	d.finalValid = true
}

// FinalizeDecoding prunes the whole lattice with the final costs (Kaldi's FinalizeDecoding). Afterwards
// AdvanceDecoding returns ErrFinalized and results must use the final costs (useFinalProbs = true).
func (d *Decoder) FinalizeDecoding() error {
	if !d.started {
		return ErrNotStarted
	}
	if d.finalized {
		return nil
	}
	finalFramePlusOne := d.NumFramesDecoded()
	d.pruneForwardLinksFinal()
	for f := finalFramePlusOne - 1; f >= 0; f-- {
		d.pruneForwardLinks(f, 0)
		d.pruneTokensForFrame(f + 1)
	}
	d.pruneTokensForFrame(0)
	// The hash may name tokens pruned above; results walk the frame lists from now on.
	d.elems = d.elems[:0]
	d.clearHash()
	return nil
}

// FinalRelativeCost returns the best total cost with final costs minus the best total cost without
// them, on the newest frame: +Inf if no final state is active, near 0 if the best path can end here.
func (d *Decoder) FinalRelativeCost() float32 {
	if !d.finalValid {
		d.computeFinalCosts()
	}
	return d.finalRelativeCost
}

// ReachedFinal reports whether a token on the newest frame is in a final state.
func (d *Decoder) ReachedFinal() bool {
	return !math.IsInf(float64(d.FinalRelativeCost()), 1)
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// approxEqual is Kaldi's ApproxEqual: relative tolerance, infinities equal to themselves.
func approxEqual(a, b, delta float32) bool {
	if a == b {
		return true
	}
	diff := abs32(a - b)
	if math.IsInf(float64(diff), 0) || diff != diff {
		return false
	}
	return diff <= delta*max(abs32(a), abs32(b))
}

// pruneLinksOf drops the forward links of token t whose extra cost exceeds beam (or whose next token is
// gone) and returns the token's extra cost: the least of tokExtra and its surviving links' extra costs
// (clamped at 0), and whether any link was dropped. Shared by PruneForwardLinks and its final variant.
func (d *Decoder) pruneLinksOf(t int32, tokExtra, beam float32) (float32, bool) {
	pruned := false
	prev := none
	tokCost := d.toks[t].totCost
	for l := d.toks[t].links; l != none; {
		lk := &d.links[l]
		nt := &d.toks[lk.nextTok]
		linkExtra := nt.extraCost + ((tokCost + lk.acCost + lk.graphCost) - nt.totCost)
		if linkExtra > beam || linkExtra == inf { // an infinite extra cost means the next token is gone
			next := lk.next
			if prev != none {
				d.links[prev].next = next
			} else {
				d.toks[t].links = next
			}
			d.freeLink(l)
			l = next
			pruned = true
			continue
		}
		if lk.ilabel == wfst.Epsilon {
			d.epsReads = append(d.epsReads, epsRead{tok: lk.nextTok, extra: nt.extraCost})
		}
		if linkExtra < 0 {
			linkExtra = 0
		}
		if linkExtra < tokExtra {
			tokExtra = linkExtra
		}
		prev = l
		l = lk.next
	}
	return tokExtra, pruned
}

// relaxToken is one token's step of a link-pruning pass: its extra cost is recomputed from its forward
// links (pruning those beyond beam), it is kept in d.epsToks when one of its epsilon links read another
// token's extra cost (only those can change in a later pass), and it reports whether its extra cost moved
// by more than delta and whether links were pruned.
func (d *Decoder) relaxToken(t int32, beam, delta float32) (changed, pruned bool) {
	n := len(d.epsReads)
	tokExtra, pruned := d.pruneLinksOf(t, inf, beam)
	if len(d.epsReads) > n {
		d.epsToks = append(d.epsToks, t)
	}
	changed = abs32(tokExtra-d.toks[t].extraCost) > delta
	d.toks[t].extraCost = tokExtra
	return changed, pruned
}
