package lm

import (
	"fmt"
	"math"
	"slices"

	"hark/wfst"
)

// BackoffSymbol is the conventional name of the disambiguation symbol on G's backoff arcs (Kaldi's #0).
const BackoffSymbol = "#0"

// WordSymbols returns a word symbol table for m in Kaldi's words.txt layout: <eps> = 0, the model's words
// in vocabulary order (without <s> and </s>) from 1, then #0, <s> and </s>. The label of #0 is returned
// for BuildG.
func WordSymbols(m *Model) (syms *wfst.SymbolTable, backoff wfst.Label) {
	syms = wfst.NewSymbolTable("words")
	syms.AddWithKey("<eps>", 0)
	for _, w := range m.vocab.Words() {
		if w != SentenceStart && w != SentenceEnd {
			syms.Add(w)
		}
	}
	backoff = wfst.Label(syms.Add(BackoffSymbol))
	syms.Add(SentenceStart)
	syms.Add(SentenceEnd)
	return syms, backoff
}

// GStats describes a G built by BuildG.
type GStats struct {
	States, Arcs  int
	BackoffArcs   int // arcs labelled with the backoff symbol, one per history state but the unigram state
	SkippedNGrams int // n-grams whose predicted word is not in the symbol table (no arc made)
}

// BuildG builds the grammar transducer G of m as Kaldi's arpa2fst does (arpa-lm-compiler.cc), over the
// tropical semiring:
//
//   - one state per history that some n-gram extends (the empty history is the unigram state; "<s>" is
//     the start state);
//   - for each n-gram "h w", an arc from state h labelled w:w with cost −ln P(w | h), to the state of
//     "h w" (below the highest order) or of its longest suffix that is a state, the backoff weights of
//     the skipped n-grams folded into the cost (Kaldi's RemoveRedundantStates result, made directly);
//   - from each history state but the unigram state, one backoff arc labelled backoff:ε (#0 in Kaldi)
//     with cost −ln bo(h) (plus any folded weights) to the state of its longest proper suffix;
//   - "h </s>" becomes the final weight −ln P(</s> | h) of state h; no arc carries <s> or </s>.
//
// Word labels come from syms (by word); n-grams predicting a word missing from syms are skipped and
// counted. Arcs of each state are sorted by input label. As in Kaldi, paths through a backoff arc may
// coexist with the explicit n-gram (G is not a deterministic failure-transition model).
func BuildG(m *Model, syms *wfst.SymbolTable, backoff wfst.Label) (*wfst.Vector, GStats, error) {
	var st GStats
	if syms == nil {
		return nil, st, fmt.Errorf("lm: build G: no symbol table")
	}
	if backoff <= 0 {
		return nil, st, fmt.Errorf("lm: build G: backoff label %d must be positive", backoff)
	}
	order := m.Order()
	words := m.vocab.Words()
	labels := make([]wfst.Label, len(words))
	for i, w := range words {
		labels[i] = wfst.NoLabel
		if k, ok := syms.Find(w); ok {
			if wfst.Label(k) == backoff || k == 0 {
				return nil, st, fmt.Errorf("lm: build G: word %q has label %d (epsilon or backoff)", w, k)
			}
			labels[i] = wfst.Label(k)
		}
	}
	bos, eos := m.vocab.ID(SentenceStart), m.vocab.ID(SentenceEnd)
	f := wfst.NewVector(wfst.Tropical)
	f.SetInputSymbols(syms)
	f.SetOutputSymbols(syms)
	// states[k][i] is the state of the i-th k-gram (k ≥ 1), or NoStateID.
	states := make([][]wfst.StateID, order)
	uni := f.AddState()
	for k := 1; k < order; k++ {
		tb := &m.tables[k-1]
		states[k] = make([]wfst.StateID, tb.len())
		for i := range states[k] {
			states[k][i] = wfst.NoStateID
		}
		next := &m.tables[k]
		for j := 0; j < next.len(); j++ {
			ctx := next.key(j)[:k]
			if j > 0 && slices.Equal(ctx, next.key(j - 1)[:k]) {
				continue
			}
			if ctx[k-1] == eos {
				continue
			}
			i, ok := tb.find(ctx[:k-1], ctx[k-1])
			if !ok {
				return nil, st, fmt.Errorf("lm: build G: %d-gram %v has no prefix %d-gram", k+1, next.key(j), k)
			}
			states[k][i] = f.AddState()
		}
	}
	start := uni
	if bos != NoWord {
		if order > 1 {
			if s := states[1][bos]; s != wfst.NoStateID {
				start = s
			} else {
				start = f.AddState()
				states[1][bos] = start
			}
		}
	}
	f.SetStart(start)
	// dest walks the suffixes of ngram to the longest one that is a state, adding the costs of the
	// backoff weights of the n-grams it skips.
	dest := func(ngram []WordID) (wfst.StateID, float64) {
		cost := 0.0
		for len(ngram) > 0 {
			k := len(ngram)
			if k < order {
				tb := &m.tables[k-1]
				if i, ok := tb.find(ngram[:k-1], ngram[k-1]); ok {
					if s := states[k][i]; s != wfst.NoStateID {
						return s, cost
					}
					cost -= float64(tb.bo[i]) * math.Ln10
				}
			}
			ngram = ngram[1:]
		}
		return uni, cost
	}
	for k := 1; k <= order; k++ {
		tb := &m.tables[k-1]
		for i := 0; i < tb.len(); i++ {
			key := tb.key(i)
			ctx, w := key[:k-1], key[k-1]
			from := uni
			if k > 1 {
				c := &m.tables[k-2]
				ci, ok := c.find(ctx[:k-2], ctx[k-2])
				if !ok || states[k-1][ci] == wfst.NoStateID {
					continue // an n-gram whose history is </s> or missing: not reachable
				}
				from = states[k-1][ci]
			}
			if k < order && states[k][i] != wfst.NoStateID {
				// the history state of this n-gram gets its backoff arc
				to, cost := dest(key[1:])
				cost -= float64(tb.bo[i]) * math.Ln10
				f.AddArc(states[k][i], wfst.Arc{ILabel: backoff, OLabel: wfst.Epsilon, Weight: wfst.Weight(cost), NextState: to})
				st.BackoffArcs++
			}
			if math.IsInf(float64(tb.prob[i]), -1) || w == bos {
				continue
			}
			cost := -float64(tb.prob[i]) * math.Ln10
			if w == eos {
				f.SetFinal(from, wfst.Weight(cost))
				continue
			}
			if labels[w] == wfst.NoLabel {
				st.SkippedNGrams++
				continue
			}
			var to wfst.StateID
			var extra float64
			if k < order {
				to, extra = dest(key)
			} else {
				to, extra = dest(key[1:])
			}
			f.AddArc(from, wfst.Arc{ILabel: labels[w], OLabel: labels[w], Weight: wfst.Weight(cost + extra), NextState: to})
		}
	}
	for s := 0; s < f.NumStates(); s++ {
		arcs := f.Arcs(wfst.StateID(s))
		slices.SortStableFunc(arcs, func(a, b wfst.Arc) int {
			if a.ILabel != b.ILabel {
				return int(a.ILabel) - int(b.ILabel)
			}
			return int(a.OLabel) - int(b.OLabel)
		})
		f.SetArcs(wfst.StateID(s), arcs)
	}
	st.States = f.NumStates()
	st.Arcs = wfst.NumArcsTotal(f)
	return f, st, nil
}
