package lattice

import (
	"fmt"
	"math"

	"hark/lm"
	"hark/wfst"
)

// NGramLM adapts an n-gram model of package lm (an lm.Scorer: the memory-mapped Sphinx trie or an ARPA
// model) to [LanguageModel] for [Rescore]. A state packs up to two history words (trigram models and
// below), so states are exact and hashing them is cheap. Lattice word ids are mapped to model word ids
// through the graph's word symbol table (built once: 4 bytes per symbol). Safe for concurrent use if the
// scorer is.
type NGramLM struct {
	s     lm.Scorer
	words []lm.WordID // lattice word id → model word id (lm.NoWord when unknown)
	bos   lm.WordID
	eos   lm.WordID
	keep  int // history words kept in a state: Order()-1
}

// NewNGramLM returns the adapter for s over the word symbol table of the decoding graph (its output
// symbols). The model's order must be at most 3, and it must contain <s> and </s>.
func NewNGramLM(s lm.Scorer, words *wfst.SymbolTable) (*NGramLM, error) {
	if s.Order() < 1 || s.Order() > 3 {
		return nil, fmt.Errorf("lattice: n-gram order %d not supported for rescoring (1-3)", s.Order())
	}
	v := s.Vocab()
	a := &NGramLM{s: s, bos: v.ID(lm.SentenceStart), eos: v.ID(lm.SentenceEnd), keep: s.Order() - 1}
	if a.bos == lm.NoWord || a.eos == lm.NoWord {
		return nil, fmt.Errorf("lattice: language model has no %s or %s", lm.SentenceStart, lm.SentenceEnd)
	}
	maxKey := int64(0)
	for _, k := range words.Keys() {
		maxKey = max(maxKey, k)
	}
	if maxKey > 1<<28 {
		return nil, fmt.Errorf("lattice: word symbol key %d too large", maxKey)
	}
	a.words = make([]lm.WordID, maxKey+1)
	for i := range a.words {
		a.words[i] = lm.NoWord
	}
	for _, k := range words.Keys() {
		sym, _ := words.Symbol(k)
		a.words[k] = v.ID(sym)
	}
	return a, nil
}

// state packing: two 32-bit slots, (word id + 1), 0 = empty; the newer word in the low slot.
func (a *NGramLM) unpack(state uint64, buf *[2]lm.WordID) []lm.WordID {
	n := 0
	if hi := uint32(state >> 32); hi != 0 {
		buf[n] = lm.WordID(hi - 1)
		n++
	}
	if lo := uint32(state); lo != 0 {
		buf[n] = lm.WordID(lo - 1)
		n++
	}
	return buf[:n]
}

func (a *NGramLM) push(state uint64, w lm.WordID) uint64 {
	switch a.keep {
	case 0:
		return 0
	case 1:
		return uint64(uint32(w) + 1)
	}
	return state<<32 | uint64(uint32(w)+1)
}

// StartState returns the state after <s>.
func (a *NGramLM) StartState() uint64 { return a.push(0, a.bos) }

// WordCost returns −ln P(word | state) and the next state; +Inf for a word the model does not know.
func (a *NGramLM) WordCost(state uint64, word wfst.Label) (float32, uint64) {
	if word < 0 || int(word) >= len(a.words) || a.words[word] == lm.NoWord {
		return float32(math.Inf(1)), state
	}
	w := a.words[word]
	var buf [2]lm.WordID
	return -a.s.Score(a.unpack(state, &buf), w), a.push(state, w)
}

// FinalCost returns −ln P(</s> | state).
func (a *NGramLM) FinalCost(state uint64) float32 {
	var buf [2]lm.WordID
	return -a.s.Score(a.unpack(state, &buf), a.eos)
}
