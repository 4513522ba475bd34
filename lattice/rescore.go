package lattice

import (
	"fmt"
	"math"

	"hark/wfst"
)

// LanguageModel is what rescoring needs from an n-gram model (a consumer-side interface: package lm
// satisfies it without importing this package). States are opaque 64-bit values chosen by the model (for
// example a trie node index, or packed history word ids); a state must determine the model's
// predictions. Words are the lattice's word ids (the graph's output symbols); costs are negated
// natural-log probabilities (lower is better), including back-off costs. Implementations must be safe
// for concurrent use if shared between goroutines.
type LanguageModel interface {
	// StartState returns the state after the sentence start (<s>).
	StartState() uint64
	// WordCost returns the cost of word in state and the state after it.
	WordCost(state uint64, word wfst.Label) (cost float32, next uint64)
	// FinalCost returns the cost of the sentence end (</s>) in state.
	FinalCost(state uint64) float32
}

// RescoreOptions controls [Rescore].
type RescoreOptions struct {
	// OldScale multiplies the old model's costs, which are subtracted (Kaldi's lattice-lmrescore
	// --lm-scale=-OldScale); usually 1.
	OldScale float32
	// NewScale multiplies the new model's costs, which are added; usually 1.
	NewScale float32
	// MaxStates bounds the expanded lattice (0 = 1 << 20); beyond it Rescore returns ErrTooLarge.
	MaxStates int
}

// DefaultRescoreOptions replaces the old LM costs by the new ones at scale 1.
func DefaultRescoreOptions() RescoreOptions {
	return RescoreOptions{OldScale: 1, NewScale: 1, MaxStates: 1 << 20}
}

// Rescore replaces LM costs on wl: along every path, the graph cost loses OldScale × the old model's
// cost of the word sequence (sentence end included) and gains NewScale × the new model's. old may be
// nil (only add the new model, e.g. when the graph had no LM). It composes the lattice with both models
// on the fly: output states are reachable triples (lattice state, old LM state, new LM state), so a
// word lattice whose states merge different LM histories is expanded as much as the new model's
// histories require, bounded by opts.MaxStates. Acoustic costs, frames and spans are unchanged. The
// result is topologically sorted; wl is not modified.
func Rescore(wl *WordLattice, old, lm LanguageModel, opts RescoreOptions) (*WordLattice, error) {
	if lm == nil {
		return nil, fmt.Errorf("lattice: rescore: nil language model")
	}
	if wl.Start == wfst.NoStateID {
		return nil, ErrEmpty
	}
	maxStates := opts.MaxStates
	if maxStates <= 0 {
		maxStates = 1 << 20
	}
	type triple struct {
		s        wfst.StateID
		old, new uint64
	}
	out := &WordLattice{}
	index := map[triple]wfst.StateID{}
	var queue []triple
	get := func(t triple) (wfst.StateID, error) {
		if id, ok := index[t]; ok {
			return id, nil
		}
		if len(out.States) >= maxStates {
			return 0, fmt.Errorf("rescored lattice over %d states: %w", maxStates, ErrTooLarge)
		}
		id := out.addState(wl.States[t.s].Frame)
		index[t] = id
		queue = append(queue, t)
		return id, nil
	}
	var oldStart uint64
	if old != nil {
		oldStart = old.StartState()
	}
	start, err := get(triple{wl.Start, oldStart, lm.StartState()})
	if err != nil {
		return nil, err
	}
	out.Start = start
	for i := 0; i < len(queue); i++ {
		t := queue[i]
		id := index[t]
		st := &wl.States[t.s]
		if !st.Final.IsZero() {
			f := st.Final
			f.Graph += opts.NewScale * lm.FinalCost(t.new)
			if old != nil {
				f.Graph -= opts.OldScale * old.FinalCost(t.old)
			}
			out.States[id].Final = f
		}
		for _, a := range st.Arcs {
			w := a.Weight
			c, nn := lm.WordCost(t.new, a.Word)
			w.Graph += opts.NewScale * c
			no := t.old
			if old != nil {
				var oc float32
				oc, no = old.WordCost(t.old, a.Word)
				w.Graph -= opts.OldScale * oc
			}
			if math.IsInf(float64(w.Graph), 1) {
				continue
			}
			next, err := get(triple{a.NextState, no, nn})
			if err != nil {
				return nil, err
			}
			a.Weight, a.NextState = w, next
			out.States[id].Arcs = append(out.States[id].Arcs, a)
		}
	}
	out.connectAndSort()
	if out.Start == wfst.NoStateID {
		return nil, ErrEmpty
	}
	return out, nil
}
