package lm

import "sort"

// WordID is the index of a word in a model's vocabulary: 0..NumWords()-1, in the order of the model's
// unigrams.
type WordID int32

// NoWord is the WordID of a word the model does not know.
const NoWord WordID = -1

// Vocab maps words to WordIDs and back. Memory: the words (one string each, sharing one backing
// allocation when read from a trie) plus one int32 per word for the sorted index; no map. Read-only after
// construction and safe for concurrent use.
type Vocab struct {
	words  []string
	sorted []WordID // ids ordered by word (byte order), for binary search
}

// NewVocab returns a vocabulary of the given words (id i is words[i]). The slice is kept, not copied.
// It reports the first duplicated word, if any, with ok=false.
func NewVocab(words []string) (v *Vocab, dup string, ok bool) {
	v = &Vocab{words: words, sorted: make([]WordID, len(words))}
	for i := range v.sorted {
		v.sorted[i] = WordID(i)
	}
	if !sort.SliceIsSorted(v.sorted, func(i, j int) bool { return words[v.sorted[i]] < words[v.sorted[j]] }) {
		sort.Slice(v.sorted, func(i, j int) bool { return words[v.sorted[i]] < words[v.sorted[j]] })
	}
	for i := 1; i < len(v.sorted); i++ {
		if words[v.sorted[i]] == words[v.sorted[i-1]] {
			return v, words[v.sorted[i]], false
		}
	}
	return v, "", true
}

// NumWords returns the number of words.
func (v *Vocab) NumWords() int { return len(v.words) }

// Word returns the word of id (the empty string when id is out of range).
func (v *Vocab) Word(id WordID) string {
	if id < 0 || int(id) >= len(v.words) {
		return ""
	}
	return v.words[id]
}

// Words returns all words in id order. The slice aliases the vocabulary; do not modify it.
func (v *Vocab) Words() []string { return v.words }

// ID returns the id of word, or NoWord. O(log V), no allocation.
func (v *Vocab) ID(word string) WordID {
	i := sort.Search(len(v.sorted), func(i int) bool { return v.words[v.sorted[i]] >= word })
	if i < len(v.sorted) && v.words[v.sorted[i]] == word {
		return v.sorted[i]
	}
	return NoWord
}

// IDs maps words to ids (NoWord for unknown words), appending to dst.
func (v *Vocab) IDs(dst []WordID, words []string) []WordID {
	for _, w := range words {
		dst = append(dst, v.ID(w))
	}
	return dst
}

// Sentence markers and the unknown-word token, as in ARPA files and sphinxbase.
const (
	SentenceStart = "<s>"
	SentenceEnd   = "</s>"
	UnknownWord   = "<UNK>"
)
