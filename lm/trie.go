package lm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// trieMagic is the header of sphinxbase's trie binary (ngram_model_trie.c trie_hdr, no NUL).
const trieMagic = "Trie Language Model"

// MaxOrder is the highest n-gram order the readers accept (sphinxbase's NGRAM_MAX_ORDER is 5).
const MaxOrder = 5

const (
	quantBits     = 16             // prob and backoff bits in the trie's quantised records
	quantTableLen = 1 << quantBits // centres per quantisation table
	unigramSize   = 12             // float32 prob, float32 bo, uint32 next
)

// ErrFormat reports a malformed model file.
var ErrFormat = errors.New("lm: malformed model")

// LogBase is sphinxbase's default log base: trie values v mean p = LogBase^v.
const LogBase = 1.0001

var (
	lnLogBase = math.Log(LogBase)
)

// trieLevel is one bit-packed level of the trie: the records of the n-grams of one order ≥ 2.
type trieLevel struct {
	base      []byte // records, 8 bytes of padding at the end
	wordBits  uint8
	nextBits  uint8 // 0 for the highest order
	totalBits uint64
	wordMask  uint32
	nextMask  uint32
	n         uint32    // entries actually present (from the sentinel of the level below)
	prob      []float32 // quantisation centres of probs (len quantTableLen)
	bo        []float32 // centres of backoffs (nil for the highest order)
}

// Trie is a Sphinx trie language model (sphinxbase's `.lm.bin`, ngram_model_trie.c), read in place:
// the unigram table and the bit-packed n-gram levels stay in the file's bytes (or a memory map) and
// are decoded on demand, so the n-grams are never expanded into Go values.
//
// The trie is reversed: the path w → h1 → h2 from the unigram of the predicted word w holds
// P(w | h2 h1) and the backoff weight of the forward n-gram "h2 h1 w". Values are float32 in log base
// 1.0001 (sphinxbase logmath units); quantised to 65,536 centres per table for orders ≥ 2.
//
// Memory: the file (27 MB for en-us.lm.bin; not on the Go heap when memory-mapped), plus 1 MB of
// decoded quantisation tables and the vocabulary (one string per word sharing one allocation, and one
// int32 per word). Safe for concurrent use; Close unmaps the file and must be the last call.
type Trie struct {
	order   int
	counts  []uint32 // counts in the header
	found   []uint32 // counts found in the trie (sentinels): the header can overstate them
	uni     []byte   // (counts[0]+1) unigram records
	levels  []trieLevel
	vocab   *Vocab
	release func() error
}

// ParseTrie parses a trie model held in data. The Trie aliases data: it must not be modified while the
// Trie is in use. Every size in the header is checked against len(data) before anything is allocated.
func ParseTrie(data []byte) (*Trie, error) {
	p := data
	if len(p) < len(trieMagic)+1 || string(p[:len(trieMagic)]) != trieMagic {
		return nil, fmt.Errorf("%w: no %q header", ErrFormat, trieMagic)
	}
	p = p[len(trieMagic):]
	order := int(p[0])
	p = p[1:]
	if order < 1 || order > MaxOrder {
		return nil, fmt.Errorf("%w: order %d not in 1..%d", ErrFormat, order, MaxOrder)
	}
	if len(p) < 4*order {
		return nil, fmt.Errorf("%w: truncated counts", ErrFormat)
	}
	t := &Trie{order: order, counts: make([]uint32, order), found: make([]uint32, order)}
	for i := range t.counts {
		t.counts[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	p = p[4*order:]
	v := t.counts[0]
	if v == 0 || v >= 1<<25 {
		return nil, fmt.Errorf("%w: %d unigrams", ErrFormat, v)
	}
	for i := 1; i < order; i++ {
		if t.counts[i] >= 1<<25 {
			return nil, fmt.Errorf("%w: %d %d-grams (sphinxbase limit 2^25)", ErrFormat, t.counts[i], i+1)
		}
	}
	t.found[0] = v
	var quant []byte
	if order > 1 {
		qsize := (order-2)*2*quantTableLen*4 + quantTableLen*4
		if len(p) < 4+qsize {
			return nil, fmt.Errorf("%w: truncated quantisation tables", ErrFormat)
		}
		quant = p[4:][:qsize] // after int32 dummy (old quantiser type)
		p = p[4+qsize:]
	}
	usize := (uint64(v) + 1) * unigramSize
	if uint64(len(p)) < usize {
		return nil, fmt.Errorf("%w: truncated unigrams (%d needed, %d left)", ErrFormat, usize, len(p))
	}
	t.uni = p[:usize]
	p = p[usize:]
	prev := uint32(0)
	for i := uint32(0); i <= v; i++ {
		next := t.uniNext(i)
		if next < prev {
			return nil, fmt.Errorf("%w: unigram %d: child pointer %d < %d", ErrFormat, i, next, prev)
		}
		prev = next
	}
	if order > 1 {
		if prev > t.counts[1] {
			return nil, fmt.Errorf("%w: unigram sentinel %d > bigram count %d", ErrFormat, prev, t.counts[1])
		}
		t.found[1] = prev
		wordBits := requiredBits(v)
		t.levels = make([]trieLevel, order-1)
		for i := range t.levels {
			lv := &t.levels[i]
			entries := t.counts[i+1]
			lv.wordBits = wordBits
			lv.wordMask = 1<<wordBits - 1
			lv.prob = decodeFloats(quant, 2*i*quantTableLen)
			var quantTotal uint8 = quantBits
			if i < order-2 {
				lv.bo = decodeFloats(quant, (2*i+1)*quantTableLen)
				lv.nextBits = requiredBits(t.counts[i+2])
				lv.nextMask = uint32(uint64(1)<<lv.nextBits - 1)
				quantTotal = 2 * quantBits
			}
			lv.totalBits = uint64(wordBits) + uint64(quantTotal) + uint64(lv.nextBits)
			size := ((1+uint64(entries))*lv.totalBits+7)/8 + 8 // base_size in lm_trie.c
			if uint64(len(p)) < size {
				return nil, fmt.Errorf("%w: truncated %d-gram records (%d bytes needed, %d left)", ErrFormat, i+2, size, len(p))
			}
			lv.base = p[:size]
			p = p[size:]
			lv.n = t.found[i+1]
			if i < order-2 {
				// The record after the last one holds the end of the next level (middle_finish_loading).
				end := lv.next(lv.n)
				if end > t.counts[i+2] {
					return nil, fmt.Errorf("%w: %d-gram sentinel %d > %d-gram count %d", ErrFormat, i+2, end, i+3, t.counts[i+2])
				}
				t.found[i+2] = end
			}
		}
	}
	words, err := parseWords(p, v)
	if err != nil {
		return nil, err
	}
	vocab, dup, ok := NewVocab(words)
	if !ok {
		return nil, fmt.Errorf("%w: duplicate word %q", ErrFormat, dup)
	}
	t.vocab = vocab
	return t, nil
}

// decodeFloats decodes quantTableLen little-endian float32 values starting at float index i of q.
func decodeFloats(q []byte, i int) []float32 {
	f := make([]float32, quantTableLen)
	b := q[4*i:]
	for j := range f {
		f[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
	}
	return f
}

// parseWords reads the word strings: int32 total length, then n NUL-terminated words.
func parseWords(p []byte, n uint32) ([]string, error) {
	if len(p) < 4 {
		return nil, fmt.Errorf("%w: truncated word list", ErrFormat)
	}
	k := binary.LittleEndian.Uint32(p)
	p = p[4:]
	if uint64(k) > uint64(len(p)) || uint64(n) > uint64(k) {
		return nil, fmt.Errorf("%w: word list of %d bytes for %d words, %d bytes left", ErrFormat, k, n, len(p))
	}
	blob := string(p[:k]) // one allocation shared by all words
	words := make([]string, 0, n)
	for len(words) < int(n) {
		i := 0
		for i < len(blob) && blob[i] != 0 {
			i++
		}
		if i == len(blob) {
			return nil, fmt.Errorf("%w: word list ends after %d of %d words", ErrFormat, len(words), n)
		}
		words = append(words, blob[:i])
		blob = blob[i+1:]
	}
	return words, nil
}

func (t *Trie) uniProb(w uint32) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(t.uni[w*unigramSize:]))
}

func (t *Trie) uniBackoff(w uint32) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(t.uni[w*unigramSize+4:]))
}

func (t *Trie) uniNext(w uint32) uint32 {
	return binary.LittleEndian.Uint32(t.uni[w*unigramSize+8:])
}

// uniRange returns the children of unigram w in level 0: [begin, end).
func (t *Trie) uniRange(w uint32) (uint32, uint32) { return t.uniNext(w), t.uniNext(w + 1) }

func (lv *trieLevel) word(i uint32) uint32 {
	return readBits(lv.base, uint64(i)*lv.totalBits, lv.wordMask)
}

// next reads the child pointer of record i (middle levels only).
func (lv *trieLevel) next(i uint32) uint32 {
	return readBits(lv.base, uint64(i)*lv.totalBits+uint64(lv.wordBits)+2*quantBits, lv.nextMask)
}

// probAt decodes the probability of record i.
func (lv *trieLevel) probAt(i uint32) float32 {
	off := uint64(i)*lv.totalBits + uint64(lv.wordBits)
	if lv.bo != nil {
		off += quantBits // the backoff comes first (lm_trie_quant_mpread)
	}
	return lv.prob[readBits(lv.base, off, quantTableLen-1)]
}

// backoffAt decodes the backoff of record i (middle levels only).
func (lv *trieLevel) backoffAt(i uint32) float32 {
	return lv.bo[readBits(lv.base, uint64(i)*lv.totalBits+uint64(lv.wordBits), quantTableLen-1)]
}

// find looks word up among the records [begin, end) of lv with sphinxbase's interpolation search
// (lm_trie.c uniform_find); maxVocab is the number of unigrams. A corrupt range is treated as empty.
func (lv *trieLevel) find(begin, end, word, maxVocab uint32) (uint32, bool) {
	if begin >= end || end > lv.n || word > maxVocab {
		return 0, false
	}
	beforeIt, beforeV := int64(begin)-1, uint64(0)
	afterIt, afterV := int64(end), uint64(maxVocab)
	key := uint64(word)
	for afterIt-beforeIt > 1 {
		width := uint64(afterIt - beforeIt - 1)
		pivot := beforeIt + 1 + int64((key-beforeV)*width/(afterV-beforeV+1))
		mid := uint64(lv.word(uint32(pivot)))
		switch {
		case mid < key:
			beforeIt, beforeV = pivot, mid
		case mid > key:
			afterIt, afterV = pivot, mid
		default:
			return uint32(pivot), true
		}
	}
	return 0, false
}

// children returns the child range of middle record i.
func (lv *trieLevel) children(i uint32) (uint32, uint32) { return lv.next(i), lv.next(i + 1) }

// Order returns the model's order (3 for a trigram model).
func (t *Trie) Order() int { return t.order }

// Vocab returns the vocabulary.
func (t *Trie) Vocab() *Vocab { return t.vocab }

// HeaderCounts returns the n-gram counts stated in the header, by order (index 0: unigrams). The
// shipped en-us.lm.bin overstates its bigrams (2,051,547 for 2,051,541 present).
func (t *Trie) HeaderCounts() []int {
	c := make([]int, len(t.counts))
	for i, n := range t.counts {
		c[i] = int(n)
	}
	return c
}

// Counts returns the number of n-grams actually present, by order, as given by the trie's sentinels.
func (t *Trie) Counts() []int {
	c := make([]int, len(t.found))
	for i, n := range t.found {
		c[i] = int(n)
	}
	return c
}

// Close releases the memory map, if any. The Trie must not be used afterwards.
func (t *Trie) Close() error {
	if t.release == nil {
		return nil
	}
	err := t.release()
	t.release = nil
	return err
}

// histLen returns how many words of hist (oldest first) sphinxbase uses: at most order−1, cut at the most
// recent word that is not a valid id.
func (t *Trie) histLen(hist []WordID) int {
	n := 0
	for n < len(hist) && n < t.order-1 {
		h := hist[len(hist)-1-n]
		if h < 0 || uint32(h) >= t.counts[0] {
			break
		}
		n++
	}
	return n
}

// rawScore is sphinxbase's lm_trie_score in float32 logmath units, with the same order of float
// operations. h(i) is the i-th most recent history word; n is the usable history length.
func (t *Trie) rawScore(w uint32, hist []WordID, n int) float32 {
	h := func(i int) uint32 { return uint32(hist[len(hist)-1-i]) }
	v := t.counts[0]
	prob := t.uniProb(w)
	if n == 0 {
		return prob
	}
	begin, end := t.uniRange(w)
	if n < t.order-1 {
		// lm_trie_nobo_score: get_available_prob, then get_available_backoff.
		used := 1
		independent := begin == end
		for i := 0; ; i++ {
			if i == n || independent {
				break
			}
			lv := &t.levels[i]
			at, ok := lv.find(begin, end, h(i), v)
			if !ok {
				break
			}
			begin, end = lv.children(at)
			independent = begin == end
			prob = lv.probAt(at)
			used = i + 2
		}
		if n < used {
			return prob
		}
		var backoff float32
		start := used
		b0, e0 := t.uniRange(h(0))
		if start <= 1 {
			backoff += t.uniBackoff(h(0))
			start = 2
		}
		for j, o := start-1, start-2; j < n; j, o = j+1, o+1 {
			lv := &t.levels[o]
			at, ok := lv.find(b0, e0, h(j), v)
			if !ok {
				break
			}
			backoff += lv.backoffAt(at)
		}
		return prob + backoff
	}
	// lm_trie_hist_score with the backoff cache of update_backoff, computed afresh.
	var cache [MaxOrder]float32
	cache[0] = t.uniBackoff(h(0))
	cb, ce := t.uniRange(h(0))
	for i := 1; i < n; i++ {
		lv := &t.levels[i-1]
		at, ok := lv.find(cb, ce, h(i), v)
		if !ok {
			break
		}
		cache[i] = lv.backoffAt(at)
		cb, ce = lv.children(at)
	}
	for i := 0; i < n-1; i++ {
		lv := &t.levels[i]
		at, ok := lv.find(begin, end, h(i), v)
		if !ok {
			for j := i; j < n; j++ {
				prob += cache[j]
			}
			return prob
		}
		prob = lv.probAt(at)
		begin, end = lv.children(at)
	}
	lv := &t.levels[n-1]
	at, ok := lv.find(begin, end, h(n-1), v)
	if !ok {
		return prob + cache[n-1]
	}
	return lv.probAt(at)
}

// SphinxScore returns log P(w | hist) as sphinxbase's ngram_ng_score does with lw=1 and wip=1: an
// integer in log base 1.0001 (ln p = score·ln 1.0001), from float32 sums of the stored values truncated
// toward zero. hist is oldest first; an unknown w gives math.MinInt32 (sphinxbase's log zero is also very
// negative). No allocation.
func (t *Trie) SphinxScore(hist []WordID, w WordID) int32 {
	if w < 0 || uint32(w) >= t.counts[0] {
		return math.MinInt32
	}
	return int32(t.rawScore(uint32(w), hist, t.histLen(hist)))
}

// Score returns ln P(w | hist) with Katz backoff (natural log, ≤ 0; −Inf for an unknown w). hist is
// oldest first; only its last Order()-1 words are used, cut at the most recent unknown word. The value
// is the float32 sum sphinxbase computes, converted from log base 1.0001 without rounding to an integer.
// No allocation.
func (t *Trie) Score(hist []WordID, w WordID) float32 {
	if w < 0 || uint32(w) >= t.counts[0] {
		return float32(math.Inf(-1))
	}
	return float32(float64(t.rawScore(uint32(w), hist, t.histLen(hist))) * lnLogBase)
}
