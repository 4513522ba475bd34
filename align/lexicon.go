package align

import (
	"fmt"

	"hark/lexicon"
)

// Lexicon holds the pronunciations of a word table (e.g. the decoding graph's words.txt) as CI phone ids of
// the acoustic model, indexed by word label. A label's pronunciations are every pronunciation of its base
// word (the base word, then its alternates in dictionary order), since the graph outputs an alternate
// ("read(2)") as its base word.
//
// Memory: 4 bytes per label, 4 bytes per pronunciation and 1 byte per phone, in three flat slices (about
// 1 MB for the en-us graph's 72,547 words); no pointers. Read-only after NewLexicon and safe for concurrent
// use.
type Lexicon struct {
	wordOff []int32 // label l's pronunciations are l's entries wordOff[l]..wordOff[l+1]-1 of pronOff
	pronOff []int32 // pronunciation p's phones are phones[pronOff[p]:pronOff[p+1]]
	phones  []uint8
}

// NewLexicon returns the pronunciations of words (words[l] is the text of label l; "" for labels without a
// word, such as ε) from d. d's phone ids must be the acoustic model's CI phone ids (lexicon.DictConfig.Phones
// = the model's Mdef.CIPhones). Words missing from d get no pronunciation: aligning them fails with
// ErrNoPron. Fillers of d (<sil>, [NOISE], ...) are looked up like any word.
func NewLexicon(d *lexicon.Dict, words []string) (*Lexicon, error) {
	if d == nil {
		return nil, fmt.Errorf("align: nil dictionary")
	}
	x := &Lexicon{wordOff: make([]int32, 1, len(words)+1), pronOff: []int32{0}}
	for _, w := range words {
		if w != "" {
			for _, id := range d.Alternates(w) {
				x.phones = append(x.phones, d.Pron(id)...)
				x.pronOff = append(x.pronOff, int32(len(x.phones)))
			}
		}
		x.wordOff = append(x.wordOff, int32(len(x.pronOff)-1))
	}
	return x, nil
}

// NumWords returns the number of labels (len(words) of NewLexicon).
func (x *Lexicon) NumWords() int { return len(x.wordOff) - 1 }

// NumProns returns the number of pronunciations of label l (0 for labels out of range).
func (x *Lexicon) NumProns(l int32) int {
	if l < 0 || int(l) >= x.NumWords() {
		return 0
	}
	return int(x.wordOff[l+1] - x.wordOff[l])
}

// Pron returns the i-th pronunciation of label l as CI phone ids. The slice aliases the Lexicon's storage
// and must not be modified.
func (x *Lexicon) Pron(l int32, i int) []uint8 {
	p := x.wordOff[l] + int32(i)
	return x.phones[x.pronOff[p]:x.pronOff[p+1]]
}
