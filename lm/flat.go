package lm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
)

// flatMagic starts a model written by WriteFlat (version 1).
const flatMagic = "HARKLMF1"

// Flat layout (all little-endian, every field 4-byte aligned): magic (8 bytes); order, number of words
// (uint32 each); vocabulary hash (uint64: VocabHash); n-gram counts (uint64 per order); then for each
// order k = 1..order: the words of the k-grams (int32, k per n-gram, oldest first; left out for k = 1,
// whose words are the vocabulary ids in order), log10 probabilities (float32 per n-gram) and, below the
// highest order, log10 backoff weights (float32 per n-gram). The words themselves are not stored: a flat
// model is read over the vocabulary it was written with (the unpruned model's, for a pruned model).

// VocabHash identifies a vocabulary by its words in id order (FNV-1a, 64 bits, each word followed by a
// zero byte).
func VocabHash(v *Vocab) uint64 {
	h := fnv.New64a()
	for _, w := range v.words {
		io.WriteString(h, w)
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// WriteFlat writes m in hark's flat binary form (layout above): its n-gram tables as they are held in
// memory, without the vocabulary. It is the compact cache form of a pruned model: no text to parse, no
// word strings to hold (ReadFlat shares the vocabulary of the model it was pruned from), 4k+4 (+4 below
// the highest order) bytes per k-gram.
func WriteFlat(w io.Writer, m *Model) error {
	var hdr bytes.Buffer
	hdr.WriteString(flatMagic)
	put := func(v any) { binary.Write(&hdr, binary.LittleEndian, v) }
	put(uint32(m.Order()))
	put(uint32(m.vocab.NumWords()))
	put(VocabHash(m.vocab))
	for k := range m.tables {
		put(uint64(m.tables[k].len()))
	}
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return fmt.Errorf("lm: write flat model: %w", err)
	}
	for k := range m.tables {
		t := &m.tables[k]
		parts := []any{t.prob}
		if k > 0 {
			parts = []any{t.words, t.prob}
		}
		if t.bo != nil {
			parts = append(parts, t.bo)
		}
		for _, p := range parts {
			if err := binary.Write(w, binary.LittleEndian, p); err != nil {
				return fmt.Errorf("lm: write flat model: %w", err)
			}
		}
	}
	return nil
}

// ReadFlat reads a model written by WriteFlat from data over vocab, which must be the vocabulary the
// model had when written (checked: same number of words and VocabHash). Every count is checked against
// the bytes present before anything is allocated, every word id against the vocabulary, and every table
// for order and uniqueness, so corrupt input fails with an error wrapping ErrFormat. The result does not
// alias data. Memory: as WriteFlat's bytes (plus nothing for the vocabulary, which is shared).
func ReadFlat(data []byte, vocab *Vocab) (*Model, error) {
	const fixed = len(flatMagic) + 4 + 4 + 8
	if len(data) < fixed || string(data[:len(flatMagic)]) != flatMagic {
		return nil, fmt.Errorf("%w: not a flat model (magic)", ErrFormat)
	}
	le := binary.LittleEndian
	p := len(flatMagic)
	order := int(le.Uint32(data[p:]))
	nw := le.Uint32(data[p+4:])
	hash := le.Uint64(data[p+8:])
	p = fixed
	if order < 1 || order > MaxOrder {
		return nil, fmt.Errorf("%w: flat model order %d", ErrFormat, order)
	}
	if int(nw) != vocab.NumWords() || hash != VocabHash(vocab) {
		return nil, fmt.Errorf("%w: flat model written over another vocabulary (%d words)", ErrFormat, nw)
	}
	if len(data)-p < 8*order {
		return nil, fmt.Errorf("%w: flat model header truncated", ErrFormat)
	}
	counts := make([]uint64, order)
	need := uint64(0)
	for k := range counts {
		counts[k] = le.Uint64(data[p:])
		p += 8
		per := uint64(4*(k+1) + 4) // words and probability
		if k == 0 {
			per = 4 // no words
		}
		if k < order-1 {
			per += 4
		}
		if counts[k] > math.MaxInt32 || counts[k]*per > uint64(len(data)) {
			return nil, fmt.Errorf("%w: flat model: %d %d-grams exceed the input", ErrFormat, counts[k], k+1)
		}
		need += counts[k] * per
	}
	if counts[0] != uint64(nw) {
		return nil, fmt.Errorf("%w: flat model has %d unigrams for %d words", ErrFormat, counts[0], nw)
	}
	if need != uint64(len(data)-p) {
		return nil, fmt.Errorf("%w: flat model: tables need %d bytes, %d present", ErrFormat, need, len(data)-p)
	}
	m := newModel(vocab, order)
	floats := func(dst []float32) {
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(data[p:]))
			p += 4
		}
	}
	for k := range m.tables {
		t := &m.tables[k]
		n := int(counts[k])
		if k > 0 {
			t.words = make([]WordID, n*(k+1))
			for i := range t.words {
				w := WordID(le.Uint32(data[p:]))
				p += 4
				if w < 0 || uint32(w) >= nw {
					return nil, fmt.Errorf("%w: flat model: %d-gram word %d of %d words", ErrFormat, k+1, w, nw)
				}
				t.words[i] = w
			}
			t.prob = make([]float32, n)
			if k < order-1 {
				t.bo = make([]float32, n)
			}
		}
		floats(t.prob)
		if t.bo != nil {
			floats(t.bo)
		}
		for i := 1; i < n && k > 0; i++ {
			if t.compareKey(i-1, t.key(i)[:k], t.key(i)[k]) >= 0 {
				return nil, fmt.Errorf("%w: flat model: %d-grams out of order at %d", ErrFormat, k+1, i)
			}
		}
	}
	return m, nil
}
