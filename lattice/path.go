package lattice

import (
	"hark/wfst"
)

// PathArc is one arc of a path through a state-level lattice, with the frame of its source state.
type PathArc struct {
	Arc
	Frame int32
}

// Path is one path through a state-level lattice: its arcs in order, its total weight (including the
// final weight) and the number of frames it spans.
type Path struct {
	Arcs      []PathArc
	Weight    Weight
	NumFrames int32
}

// Words returns the non-epsilon output labels of p in order (a new slice).
func (p *Path) Words() []wfst.Label {
	var w []wfst.Label
	for _, a := range p.Arcs {
		if a.OLabel != wfst.Epsilon {
			w = append(w, a.OLabel)
		}
	}
	return w
}

// BestPath returns the lowest-cost successful path of an acyclic lattice (ties broken by [Weight.Less]
// on the pair, then by state order), or ErrEmpty.
func (l *Lattice) BestPath() (Path, error) {
	order, err := l.TopOrder()
	if err != nil {
		return Path{}, err
	}
	n := len(l.States)
	// Backward pass over pair weights: best[s] = best weight from s to a final state, via next[s].
	best := make([]Weight, n)
	next := make([]int32, n) // index into States[s].Arcs, -1 = stop (final)
	for i := range best {
		best[i] = Zero
	}
	for i := len(order) - 1; i >= 0; i-- {
		s := order[i]
		st := &l.States[s]
		b, nx := st.Final, int32(-1)
		for j, a := range st.Arcs {
			if c := a.Weight.Times(best[a.NextState]); c.Less(b) {
				b, nx = c, int32(j)
			}
		}
		best[s], next[s] = b, nx
	}
	if best[l.Start].IsZero() {
		return Path{}, ErrEmpty
	}
	p := Path{Weight: best[l.Start]}
	s := l.Start
	for steps := 0; next[s] >= 0; steps++ {
		if steps > n {
			return Path{}, ErrCyclic
		}
		a := l.States[s].Arcs[next[s]]
		p.Arcs = append(p.Arcs, PathArc{Arc: a, Frame: l.States[s].Frame})
		s = a.NextState
	}
	p.NumFrames = l.States[s].Frame
	return p, nil
}

// WordSpan is one word of an alignment: its id and the frames [Start, End) it occupies. Conf is its
// confidence (a posterior in [0, 1]) when computed, else 0.
type WordSpan struct {
	Word  wfst.Label
	Start int32
	End   int32
	Conf  float32
}

// Align returns the words of p with their frame spans. Definition (our HCLG places a word's output label
// on the first arc of the word): a word starts at the frame of the arc carrying its label (the frame that
// arc consumes, or the next frame consumed if it is an epsilon-input arc) and ends where the next word
// starts, or at the end of the path for the last word. If isSilence is not nil, emitting frames whose
// acoustic index satisfies it are trimmed from the end of each word's span (inter-word and final
// silence), but a word always keeps at least one frame when it had one. A word with an empty span (two
// labels before one frame) gets Start == End.
func (p *Path) Align(isSilence func(wfst.Label) bool) []WordSpan {
	var out []WordSpan
	lastSpeech := int32(-1) // end (exclusive) of the last non-silence frame since the current word started
	for _, a := range p.Arcs {
		if a.OLabel != wfst.Epsilon {
			if len(out) > 0 {
				closeSpan(&out[len(out)-1], a.Frame, lastSpeech)
			}
			out = append(out, WordSpan{Word: a.OLabel, Start: a.Frame})
			lastSpeech = -1
		}
		if a.ILabel != wfst.Epsilon && (isSilence == nil || !isSilence(a.ILabel)) {
			lastSpeech = a.Frame + 1
		}
	}
	if len(out) > 0 {
		closeSpan(&out[len(out)-1], p.NumFrames, lastSpeech)
	}
	return out
}

func closeSpan(w *WordSpan, end, lastSpeech int32) {
	w.End = end
	if lastSpeech >= 0 && lastSpeech < end {
		w.End = lastSpeech
	}
	if lastSpeech < 0 && end > w.Start {
		w.End = w.Start + 1 // all silence: keep one frame
	}
}
