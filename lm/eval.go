package lm

import "math"

// Scorer is a language model that gives conditional log-probabilities: [Trie] and [Model] satisfy it.
// Score returns ln P(w | hist) (natural log; hist oldest first, see the package doc) and must be safe for
// concurrent use.
type Scorer interface {
	Order() int
	Vocab() *Vocab
	Score(hist []WordID, w WordID) float32
}

// EvalResult is the evaluation of one text the way sphinx_lm_eval computes it (sphinx_lm_eval.c
// calc_entropy): no sentence markers are added; "<s>" is a context cue, skipped as a predicted word but
// kept in the history; unknown words are skipped and cut the history of the words after them.
type EvalResult struct {
	Words       int     // words in the text, including context cues and unknown words
	OOVs        int     // unknown words
	ContextCues int     // occurrences of <s>
	LogProb     float64 // sum of ln P(w | history) over the evaluated words (natural log)
	// SphinxScore is the sum of the integer scores in log base 1.0001 (sphinx_lm_eval's "lm score");
	// only set when the model is a *Trie.
	SphinxScore int64
}

// Evaluated returns the number of words that were scored: Words − OOVs − ContextCues.
func (r EvalResult) Evaluated() int { return r.Words - r.OOVs - r.ContextCues }

// Perplexity returns exp(−LogProb / Evaluated()) (NaN when nothing was evaluated).
func (r EvalResult) Perplexity() float64 {
	if r.Evaluated() <= 0 {
		return math.NaN()
	}
	return math.Exp(-r.LogProb / float64(r.Evaluated()))
}

// sphinxCH is calc_entropy's integer cross-entropy: −score / n with C's truncating division.
func (r EvalResult) sphinxCH() int64 {
	if r.Evaluated() <= 0 {
		return 0
	}
	return -r.SphinxScore / int64(r.Evaluated())
}

// SphinxCrossEntropy returns sphinx_lm_eval -text's cross-entropy in bits (computed from the integer
// per-word average, as evaluate_string does).
func (r EvalResult) SphinxCrossEntropy() float64 {
	return float64(r.sphinxCH()) * lnLogBase / math.Ln2
}

// SphinxPerplexity returns sphinx_lm_eval -text's perplexity: 1.0001^(integer per-word average).
func (r EvalResult) SphinxPerplexity() float64 {
	return math.Pow(LogBase, float64(r.sphinxCH()))
}

// Eval scores a text (a sequence of words) as sphinx_lm_eval does; see [EvalResult]. It allocates one
// slice of len(words) ids.
func Eval(s Scorer, words []string) EvalResult {
	r := EvalResult{Words: len(words)}
	v := s.Vocab()
	ids := v.IDs(make([]WordID, 0, len(words)), words)
	start := v.ID(SentenceStart)
	unk := v.ID(UnknownWord)
	t, isTrie := s.(*Trie)
	for i, w := range ids {
		switch {
		case w == start && w != NoWord:
			r.ContextCues++
			continue
		case w == NoWord || w == unk:
			r.OOVs++
			continue
		}
		hist := ids[:i]
		r.LogProb += float64(s.Score(hist, w))
		if isTrie {
			r.SphinxScore += int64(t.SphinxScore(hist, w))
		}
	}
	return r
}

// CorpusEval accumulates EvalResults over sentences the way sphinx_lm_eval -lsn does (evaluate_file).
type CorpusEval struct {
	EvalResult
	chBits float64 // Σ per-sentence integer cross-entropy × evaluated words, in bits
}

// Add adds one sentence's result.
func (c *CorpusEval) Add(r EvalResult) {
	c.Words += r.Words
	c.OOVs += r.OOVs
	c.ContextCues += r.ContextCues
	c.LogProb += r.LogProb
	c.SphinxScore += r.SphinxScore
	c.chBits += float64(r.sphinxCH()) * float64(r.Evaluated()) * lnLogBase / math.Ln2
}

// SphinxCrossEntropy returns sphinx_lm_eval -lsn's cross-entropy in bits.
func (c *CorpusEval) SphinxCrossEntropy() float64 {
	return c.chBits / float64(c.Evaluated())
}

// SphinxPerplexity returns sphinx_lm_eval -lsn's perplexity: 2^cross-entropy.
func (c *CorpusEval) SphinxPerplexity() float64 { return math.Pow(2, c.SphinxCrossEntropy()) }
