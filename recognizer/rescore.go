package recognizer

import (
	"fmt"

	"hark/lattice"
	"hark/lm"
	"hark/wfst"
)

// lmAdapter presents an lm.Scorer of order ≤ 3 to lattice rescoring: states pack the last two word ids,
// costs are −ln P. Graph word labels are mapped to the LM's word ids once; filler words cost nothing and
// keep the state. Safe for concurrent use (read-only).
type lmAdapter struct {
	s     lm.Scorer
	ids   []lm.WordID // by graph word label; lm.NoWord for fillers
	start lm.WordID
	end   lm.WordID
}

func newLMAdapter(s lm.Scorer, m *Model) (*lmAdapter, error) {
	if s.Order() > 3 {
		return nil, fmt.Errorf("recognizer: rescoring supports LMs up to order 3, got %d", s.Order())
	}
	v := s.Vocab()
	a := &lmAdapter{s: s, ids: make([]lm.WordID, len(m.words))}
	for i := range a.ids {
		a.ids[i] = lm.NoWord
		if m.IsFillerWord(wfst.Label(i)) {
			continue
		}
		a.ids[i] = v.ID(m.words[i])
	}
	a.start, a.end = v.ID(lm.SentenceStart), v.ID(lm.SentenceEnd)
	if a.start == lm.NoWord || a.end == lm.NoWord {
		return nil, fmt.Errorf("recognizer: LM lacks %s or %s", lm.SentenceStart, lm.SentenceEnd)
	}
	return a, nil
}

func pack(h2, h1 lm.WordID) uint64 { return uint64(uint32(h2))<<32 | uint64(uint32(h1)) }

func unpack(st uint64) (h2, h1 lm.WordID) { return lm.WordID(int32(st >> 32)), lm.WordID(int32(st)) }

func (a *lmAdapter) hist(st uint64, buf *[2]lm.WordID) []lm.WordID {
	h2, h1 := unpack(st)
	if h2 == lm.NoWord {
		buf[0] = h1
		return buf[:1]
	}
	buf[0], buf[1] = h2, h1
	return buf[:2]
}

// StartState is the state after <s>.
func (a *lmAdapter) StartState() uint64 { return pack(lm.NoWord, a.start) }

// WordCost returns −ln P(word | state) and the next state.
func (a *lmAdapter) WordCost(st uint64, word wfst.Label) (float32, uint64) {
	if word <= 0 || int(word) >= len(a.ids) || a.ids[word] == lm.NoWord {
		return 0, st
	}
	var buf [2]lm.WordID
	w := a.ids[word]
	cost := -a.s.Score(a.hist(st, &buf), w)
	_, h1 := unpack(st)
	if a.s.Order() < 3 {
		return cost, pack(lm.NoWord, w)
	}
	return cost, pack(h1, w)
}

// FinalCost returns −ln P(</s> | state).
func (a *lmAdapter) FinalCost(st uint64) float32 {
	var buf [2]lm.WordID
	return -a.s.Score(a.hist(st, &buf), a.end)
}

// rescorer swaps the graph's pruned LM for the full one on a word lattice.
type rescorer struct {
	old, full *lmAdapter
	opts      lattice.RescoreOptions
	beam      float32
}

func newRescorer(m *Model) (*rescorer, error) {
	full, err := newLMAdapter(m.FullLM, m)
	if err != nil {
		return nil, err
	}
	old, err := newLMAdapter(m.GraphLM, m)
	if err != nil {
		return nil, err
	}
	return &rescorer{old: old, full: full, opts: lattice.DefaultRescoreOptions(), beam: m.Config.LatticeBeam}, nil
}

func (r *rescorer) rescore(wl *lattice.WordLattice) (*lattice.WordLattice, error) {
	out, err := lattice.Rescore(wl, r.old, r.full, r.opts)
	if err != nil {
		return nil, fmt.Errorf("recognizer: rescoring: %w", err)
	}
	return out, nil
}
