package lm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// ngramTable holds the n-grams of one order k: n entries, their words (k per entry, oldest first) in
// lexicographic order of word ids, unique; log10 probabilities and backoff weights.
type ngramTable struct {
	k     int
	words []WordID  // k·n
	prob  []float32 // log10 P(w_k | w_1..w_k-1)
	bo    []float32 // log10 backoff weight; nil for the highest order
}

func (t *ngramTable) len() int { return len(t.prob) }

func (t *ngramTable) key(i int) []WordID { return t.words[i*t.k : (i+1)*t.k : (i+1)*t.k] }

// compareKey compares entry i with the n-gram ctx+w.
func (t *ngramTable) compareKey(i int, ctx []WordID, w WordID) int {
	e := t.words[i*t.k : (i+1)*t.k]
	for j, c := range ctx {
		if e[j] != c {
			return cmp.Compare(e[j], c)
		}
	}
	return cmp.Compare(e[t.k-1], w)
}

// find returns the index of the n-gram ctx+w (len(ctx) == k−1). O(k log n), no allocation.
func (t *ngramTable) find(ctx []WordID, w WordID) (int, bool) {
	if t.k == 1 {
		return int(w), w >= 0 && int(w) < len(t.prob)
	}
	lo, hi := 0, t.len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.compareKey(m, ctx, w) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < t.len() && t.compareKey(lo, ctx, w) == 0
}

// sortUnique sorts the entries by their words and reports the first duplicated n-gram.
func (t *ngramTable) sortUnique() error {
	n := t.len()
	if t.k == 1 || n < 2 {
		return nil
	}
	less := func(a, b int) int { return slices.Compare(t.key(a), t.key(b)) }
	sorted := true
	for i := 1; i < n && sorted; i++ {
		sorted = less(i-1, i) < 0
	}
	if !sorted {
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortFunc(perm, func(a, b int32) int { return less(int(a), int(b)) })
		words := make([]WordID, len(t.words))
		prob := make([]float32, n)
		var bo []float32
		if t.bo != nil {
			bo = make([]float32, n)
		}
		for i, p := range perm {
			copy(words[i*t.k:], t.key(int(p)))
			prob[i] = t.prob[p]
			if bo != nil {
				bo[i] = t.bo[p]
			}
		}
		t.words, t.prob, t.bo = words, prob, bo
	}
	for i := 1; i < n; i++ {
		if less(i-1, i) == 0 {
			return fmt.Errorf("%w: duplicate %d-gram %v", ErrFormat, t.k, t.key(i))
		}
	}
	return nil
}

// Model is an n-gram backoff language model held in memory: ARPA files, models converted from a
// [Trie], and pruned models. Values are log10 as in ARPA files. Memory: per n-gram of order k,
// 4k bytes of word ids plus 4 bytes of probability and (below the highest order) 4 of backoff, in flat
// slices with no pointers (en-us as a Model: about 90 MB of heap); the vocabulary as in [Vocab].
// Read-only after construction and safe for concurrent use.
type Model struct {
	vocab  *Vocab
	tables []ngramTable // tables[k-1] holds the k-grams
}

// newModel returns a model of the given order over vocab with empty tables (unigrams sized to vocab).
func newModel(vocab *Vocab, order int) *Model {
	m := &Model{vocab: vocab, tables: make([]ngramTable, order)}
	for k := range m.tables {
		m.tables[k].k = k + 1
	}
	v := vocab.NumWords()
	u := &m.tables[0]
	u.words = make([]WordID, v)
	for i := range u.words {
		u.words[i] = WordID(i)
	}
	u.prob = make([]float32, v)
	if order > 1 {
		u.bo = make([]float32, v)
	}
	return m
}

// Order returns the highest n-gram order.
func (m *Model) Order() int { return len(m.tables) }

// Vocab returns the vocabulary (the unigrams, in file order).
func (m *Model) Vocab() *Vocab { return m.vocab }

// Counts returns the number of n-grams of each order (index 0: unigrams).
func (m *Model) Counts() []int {
	c := make([]int, len(m.tables))
	for i := range m.tables {
		c[i] = m.tables[i].len()
	}
	return c
}

// NumNGrams returns the total number of n-grams of all orders.
func (m *Model) NumNGrams() int {
	n := 0
	for i := range m.tables {
		n += m.tables[i].len()
	}
	return n
}

// NGram returns the i-th n-gram of order k (0 ≤ i < Counts()[k-1], in lexicographic order of word ids):
// its words (oldest first; the slice aliases the model, do not modify it), log10 probability and log10
// backoff weight (0 for the highest order).
func (m *Model) NGram(k, i int) (words []WordID, log10Prob, log10Backoff float32) {
	t := &m.tables[k-1]
	if t.bo != nil {
		log10Backoff = t.bo[i]
	}
	return t.key(i), t.prob[i], log10Backoff
}

// Lookup returns the log10 probability and backoff of the n-gram words (oldest first), if present.
func (m *Model) Lookup(words []WordID) (log10Prob, log10Backoff float32, ok bool) {
	k := len(words)
	if k == 0 || k > len(m.tables) {
		return 0, 0, false
	}
	t := &m.tables[k-1]
	i, ok := t.find(words[:k-1], words[k-1])
	if !ok {
		return 0, 0, false
	}
	if t.bo != nil {
		log10Backoff = t.bo[i]
	}
	return t.prob[i], log10Backoff, true
}

// usableHist returns the suffix of hist a score uses: at most Order()-1 words, after the most recent
// unknown word.
func usableHist(hist []WordID, order, v int) []WordID {
	n := 0
	for n < len(hist) && n < order-1 {
		h := hist[len(hist)-1-n]
		if h < 0 || int(h) >= v {
			break
		}
		n++
	}
	return hist[len(hist)-n:]
}

// log10Score returns log10 P(w | h) with Katz backoff for a usable history h.
func (m *Model) log10Score(h []WordID, w WordID) float64 {
	acc := 0.0
	for n := len(h); n > 0; n-- {
		ctx := h[len(h)-n:]
		t := &m.tables[n]
		if i, ok := t.find(ctx, w); ok {
			return acc + float64(t.prob[i])
		}
		c := &m.tables[n-1]
		if i, ok := c.find(ctx[:n-1], ctx[n-1]); ok {
			acc += float64(c.bo[i])
		}
	}
	return acc + float64(m.tables[0].prob[w])
}

// Score returns ln P(w | hist) with Katz backoff (natural log; −Inf for an unknown w). hist is oldest
// first; only its last Order()-1 words are used, cut at the most recent unknown word. No allocation.
func (m *Model) Score(hist []WordID, w WordID) float32 {
	v := m.vocab.NumWords()
	if w < 0 || int(w) >= v {
		return float32(math.Inf(-1))
	}
	return float32(m.log10Score(usableHist(hist, m.Order(), v), w) * math.Ln10)
}

// Model converts the trie to an in-memory Model holding every n-gram present (the trie's sentinels,
// not its header, give the counts), with values converted from log base 1.0001 to log10. Time and
// memory are linear in the number of n-grams (en-us: 1.5 s of CPU, 90 MB of heap, 150 MB peak RSS).
// The Model does not alias the trie's memory: it stays valid after the trie is closed.
func (t *Trie) Model() (*Model, error) {
	m := newModel(t.vocab, t.order)
	v := t.counts[0]
	for w := uint32(0); w < v; w++ {
		m.tables[0].prob[w] = toLog10(t.uniProb(w))
		if m.tables[0].bo != nil {
			m.tables[0].bo[w] = toLog10(t.uniBackoff(w))
		}
	}
	for k := 1; k < t.order; k++ {
		tb := &m.tables[k]
		n := int(t.found[k])
		tb.words = make([]WordID, 0, n*(k+1))
		tb.prob = make([]float32, 0, n)
		if k < t.order-1 {
			tb.bo = make([]float32, 0, n)
		}
	}
	var path [MaxOrder]WordID // reversed: path[0] is the predicted word
	var walk func(k int, begin, end uint32) error
	walk = func(k int, begin, end uint32) error {
		// Records [begin, end) of level k-1 hold (k+1)-grams whose reversed prefix is path[:k].
		lv := &t.levels[k-1]
		if begin > end || end > lv.n {
			return fmt.Errorf("%w: %d-gram range [%d,%d) outside %d records", ErrFormat, k+1, begin, end, lv.n)
		}
		tb := &m.tables[k]
		for i := begin; i < end; i++ {
			h := lv.word(i)
			if h >= v {
				return fmt.Errorf("%w: %d-gram record %d: word %d ≥ %d", ErrFormat, k+1, i, h, v)
			}
			if tb.len() == int(t.found[k]) {
				return fmt.Errorf("%w: more %d-grams reachable than the %d present", ErrFormat, k+1, t.found[k])
			}
			path[k] = WordID(h)
			for j := k; j >= 0; j-- {
				tb.words = append(tb.words, path[j])
			}
			tb.prob = append(tb.prob, toLog10(lv.probAt(i)))
			if lv.bo != nil {
				tb.bo = append(tb.bo, toLog10(lv.backoffAt(i)))
				cb, ce := lv.children(i)
				if err := walk(k+1, cb, ce); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if t.order > 1 {
		for w := uint32(0); w < v; w++ {
			path[0] = WordID(w)
			b, e := t.uniRange(w)
			if err := walk(1, b, e); err != nil {
				return nil, err
			}
		}
	}
	for k := range m.tables {
		m.tables[k].radixSortReversed(int(v))
		if err := m.tables[k].sortUnique(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// radixSortReversed sorts a table whose entries are in reversed-trie order (by the last word, then the
// one before it, …) into forward lexicographic order, by stable counting sorts on the earlier words from
// the last-but-one to the first (LSD radix sort): O(k·(n + v)) for v words.
func (t *ngramTable) radixSortReversed(v int) {
	n := t.len()
	if t.k == 1 || n < 2 {
		return
	}
	words := make([]WordID, len(t.words))
	prob := make([]float32, n)
	var bo []float32
	if t.bo != nil {
		bo = make([]float32, n)
	}
	count := make([]int, v+1)
	for c := t.k - 2; c >= 0; c-- {
		clear(count)
		for i := 0; i < n; i++ {
			count[t.words[i*t.k+c]+1]++
		}
		for w := 1; w <= v; w++ {
			count[w] += count[w-1]
		}
		for i := 0; i < n; i++ {
			j := count[t.words[i*t.k+c]]
			count[t.words[i*t.k+c]]++
			copy(words[j*t.k:(j+1)*t.k], t.words[i*t.k:(i+1)*t.k])
			prob[j] = t.prob[i]
			if bo != nil {
				bo[j] = t.bo[i]
			}
		}
		t.words, words = words, t.words
		t.prob, prob = prob, t.prob
		t.bo, bo = bo, t.bo
	}
}

// toLog10 converts a value in log base 1.0001 to log10.
func toLog10(v float32) float32 { return float32(float64(v) * log10LogBase) }

var log10LogBase = math.Log10(LogBase)
