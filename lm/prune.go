package lm

import (
	"cmp"
	"errors"
	"math"
	"slices"
)

// PruneConfig selects how much of a model Prune removes. Names follow SRILM's ngram -prune / -minprune
// and OpenGrm's ngramshrink --target_number_of_ngrams.
type PruneConfig struct {
	// Threshold prunes every n-gram whose removal raises the model's perplexity by a relative amount
	// below it (SRILM -prune; e.g. 1e-8 … 1e-6). Used when TargetNGrams is 0.
	Threshold float64
	// TargetNGrams, when positive, keeps the n-grams whose removal would cost most until the model has
	// at most this many n-grams of all orders (unigrams always stay).
	TargetNGrams int
	// MinOrder is the lowest order pruned (SRILM -minprune; default and minimum 2).
	MinOrder int
}

// DefaultPruneConfig returns SRILM's defaults with no pruning threshold set.
func DefaultPruneConfig() PruneConfig { return PruneConfig{MinOrder: 2} }

// Validate checks the configuration.
func (c PruneConfig) Validate() error {
	switch {
	case c.MinOrder < 2:
		return errors.New("lm: prune: MinOrder must be at least 2")
	case c.TargetNGrams < 0:
		return errors.New("lm: prune: TargetNGrams must not be negative")
	case c.TargetNGrams == 0 && !(c.Threshold > 0):
		return errors.New("lm: prune: set Threshold > 0 or TargetNGrams > 0")
	}
	return nil
}

// PruneStats reports what Prune did.
type PruneStats struct {
	Before, After []int // n-gram counts by order
	// Threshold is the relative perplexity increase below which n-grams were pruned: the configured one,
	// or with a target size the score of the last n-gram kept.
	Threshold float64
	// Renormalised is the number of contexts whose backoff weights were recomputed.
	Renormalised int
}

// Prune returns a copy of m with the n-grams of orders ≥ MinOrder removed whose removal changes the
// model least, by Stolcke's relative-entropy criterion (Stolcke 1998, "Entropy-based pruning of backoff
// language models"; SRILM NgramLM::pruneProbs): for the n-gram "h w",
//
//	ΔH = −P(h)·[P(w|h)·(log P(w|h') + log bo'(h) − log P(w|h)) + (1 − Σ_E(h) P(·|h))·(log bo'(h) − log bo(h))]
//
// with h' the history without its oldest word, E(h) the explicit successors of h, bo'(h) the backoff
// weight after removing "h w", and P(h) the chain-rule probability of the history; the relative
// perplexity increase is 10^ΔH − 1 (logs base 10). Every n-gram is scored against m itself; an n-gram
// that is the history of a kept n-gram is kept. The backoff weights of the contexts whose explicit
// successors or lower-order distribution changed are then recomputed so that every distribution sums to
// one. m is not modified. Time O(N log N) in the number of n-grams; memory about twice m's.
func Prune(m *Model, cfg PruneConfig) (*Model, PruneStats, error) {
	st := PruneStats{Before: m.Counts(), Threshold: cfg.Threshold}
	if err := cfg.Validate(); err != nil {
		return nil, st, err
	}
	order := m.Order()
	bos := m.vocab.ID(SentenceStart)
	mass := m.masses()
	// score[k][i]: relative perplexity increase of removing the i-th (k+1)-gram, raised to the maximum
	// over its extensions so that histories of kept n-grams are kept.
	score := make([][]float32, order)
	for k := cfg.MinOrder - 1; k < order; k++ {
		tb := &m.tables[k]
		score[k] = make([]float32, tb.len())
		for begin := 0; begin < tb.len(); {
			ctx := tb.key(begin)[:k]
			end := begin + 1
			for end < tb.len() && slices.Equal(tb.key(end)[:k], ctx) {
				end++
			}
			m.scoreContext(k, begin, end, bos, mass, score[k][begin:end])
			begin = end
		}
	}
	for k := order - 1; k > cfg.MinOrder-1; k-- {
		tb, up := &m.tables[k], &m.tables[k-1]
		for j := 0; j < tb.len(); j++ {
			ctx := tb.key(j)[:k]
			if p, ok := up.find(ctx[:k-1], ctx[k-1]); ok {
				score[k-1][p] = max(score[k-1][p], score[k][j])
			}
		}
	}
	// keep[k][i]: the (k+1)-gram i stays.
	keep := make([][]bool, order)
	threshold := float32(cfg.Threshold)
	for k := cfg.MinOrder - 1; k < order; k++ {
		keep[k] = make([]bool, len(score[k]))
		for i, s := range score[k] {
			keep[k][i] = cfg.TargetNGrams == 0 && s >= threshold
		}
	}
	if cfg.TargetNGrams > 0 {
		budget := cfg.TargetNGrams
		for k := 0; k < cfg.MinOrder-1; k++ {
			budget -= m.tables[k].len()
		}
		type cand struct {
			score float32
			k     uint8
			i     uint32
		}
		n := 0
		for k := cfg.MinOrder - 1; k < order; k++ {
			n += len(score[k])
		}
		all := make([]cand, 0, n)
		for k := cfg.MinOrder - 1; k < order; k++ {
			for i, s := range score[k] {
				all = append(all, cand{s, uint8(k), uint32(i)})
			}
		}
		// Highest scores first; at equal scores lower orders first. A history scores at least as high as
		// its extensions, so it is kept whenever one of them is.
		slices.SortFunc(all, func(a, b cand) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			if c := cmp.Compare(a.k, b.k); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		budget = max(0, min(budget, len(all)))
		for _, c := range all[:budget] {
			keep[c.k][c.i] = true
		}
		st.Threshold = math.Inf(1)
		if budget > 0 {
			st.Threshold = float64(all[budget-1].score)
		}
		if budget == len(all) {
			st.Threshold = math.Inf(-1)
		}
	}
	p := &Model{vocab: m.vocab, tables: make([]ngramTable, order)}
	pruned := make([][]bool, order) // pruned[k][i]: the (k+1)-gram i of m lost an explicit successor
	for k := range m.tables {
		src := &m.tables[k]
		dst := &p.tables[k]
		dst.k = k + 1
		if score[k] == nil {
			dst.words = slices.Clone(src.words)
			dst.prob = slices.Clone(src.prob)
			dst.bo = slices.Clone(src.bo)
			continue
		}
		kept := 0
		for _, ok := range keep[k] {
			if ok {
				kept++
			}
		}
		dst.words = make([]WordID, 0, kept*(k+1))
		dst.prob = make([]float32, 0, kept)
		if src.bo != nil {
			dst.bo = make([]float32, 0, kept)
		}
		for i := range score[k] {
			if keep[k][i] {
				dst.words = append(dst.words, src.key(i)...)
				dst.prob = append(dst.prob, src.prob[i])
				if src.bo != nil {
					dst.bo = append(dst.bo, src.bo[i])
				}
				continue
			}
			ctx := src.key(i)[:k]
			up := &m.tables[k-1]
			if pi, ok := up.find(ctx[:k-1], ctx[k-1]); ok {
				if pruned[k-1] == nil {
					pruned[k-1] = make([]bool, up.len())
				}
				pruned[k-1][pi] = true
			}
		}
	}
	st.Renormalised = p.renormalise(m, mass, pruned)
	st.After = p.Counts()
	return p, st, nil
}

// masses returns, for every n-gram h below the highest order, the total probability mass
// Σ_w P(w | h) of the distribution after h: Σ_E(h) P(w|h) + bo(h)·(mass(h') − Σ_E(h) P(w|h')). It is 1
// for a normalised model; quantised models (the Sphinx tries) are only nearly normalised, and pruning
// keeps each context's mass as it was.
func (m *Model) masses() [][]float64 {
	order := m.Order()
	mass := make([][]float64, order+1)
	total := 0.0
	for _, p := range m.tables[0].prob {
		total += pow10(float64(p))
	}
	mass[order] = []float64{total} // the unigram distribution
	for k := 0; k < order-1; k++ {
		tb, next := &m.tables[k], &m.tables[k+1]
		mass[k] = make([]float64, tb.len())
		j := 0
		for i := 0; i < tb.len(); i++ {
			h := tb.key(i)
			lower := m.contextMass(h[1:], mass)
			explicit, explicitLower := 0.0, 0.0
			for ; j < next.len() && slices.Compare(next.key(j)[:k+1], h) < 0; j++ {
			}
			for ; j < next.len() && slices.Equal(next.key(j)[:k+1], h); j++ {
				explicit += pow10(float64(next.prob[j]))
				explicitLower += pow10(m.log10Score(h[1:], next.key(j)[k+1]))
			}
			mass[k][i] = explicit + pow10(float64(tb.bo[i]))*(lower-explicitLower)
		}
	}
	return mass
}

// contextMass returns the mass of the distribution after ctx: that of its longest suffix that is an
// n-gram, or of the unigrams (kept after the tables in mass).
func (m *Model) contextMass(ctx []WordID, mass [][]float64) float64 {
	for len(ctx) > 0 {
		k := len(ctx) - 1
		if i, ok := m.tables[k].find(ctx[:k], ctx[k]); ok {
			return mass[k][i]
		}
		ctx = ctx[1:]
	}
	return mass[len(mass)-1][0]
}

// scoreContext scores the n-grams [begin, end) of table k (all with the same history) for pruning;
// out[i-begin] is the score of n-gram i.
func (m *Model) scoreContext(k, begin, end int, bos WordID, mass [][]float64, out []float32) {
	tb := &m.tables[k]
	ctx := tb.key(begin)[:k]
	// log10 P(h) by the chain rule; a leading <s> is given, not predicted.
	ctxLog := 0.0
	for j := range ctx {
		if j == 0 && ctx[0] == bos {
			continue
		}
		ctxLog += m.log10Score(usableHist(ctx[:j], m.Order(), m.vocab.NumWords()), ctx[j])
	}
	ctxProb := pow10(ctxLog)
	up := &m.tables[k-1]
	bow := 0.0
	if i, ok := up.find(ctx[:k-1], ctx[k-1]); ok {
		bow = float64(up.bo[i])
	}
	lower := ctx[1:]
	// num and den: the mass left to the backed-off words in the distributions after h and h'.
	den := m.contextMass(lower, mass)
	for i := begin; i < end; i++ {
		den -= pow10(m.log10Score(lower, tb.key(i)[k]))
	}
	den = max(den, 1e-12)
	num := pow10(bow) * den
	for i := begin; i < end; i++ {
		w := tb.key(i)[k]
		lp := float64(tb.prob[i])
		lb := m.log10Score(lower, w)
		newBOW := math.Log10(num+pow10(lp)) - math.Log10(den+pow10(lb))
		deltaProb := lb + newBOW - lp
		deltaEntropy := -ctxProb * (pow10(lp)*deltaProb + num*(newBOW-bow))
		d := pow10(deltaEntropy) - 1
		if math.IsNaN(d) {
			d = 0 // a zero-probability n-gram: nothing to lose
		}
		out[i-begin] = float32(d)
	}
}

// renormalise recomputes, order by order, the backoff weights of p's contexts whose explicit successors
// were pruned (lost, indexed by m's tables) or whose lower-order context changed, so that each keeps the
// mass it had in m. It returns how many were recomputed.
func (p *Model) renormalise(m *Model, mass [][]float64, lost [][]bool) int {
	order := p.Order()
	changed := make([][]bool, order) // by p's indices
	n := 0
	for k := 0; k < order-1; k++ {
		tb := &p.tables[k]
		changed[k] = make([]bool, tb.len())
		next := &p.tables[k+1]
		for i := 0; i < tb.len(); i++ {
			h := tb.key(i)
			mi, _ := m.tables[k].find(h[:k], h[k]) // p's n-grams are m's
			c := lost[k] != nil && lost[k][mi]
			if !c && k > 0 {
				c = p.contextChanged(h[1:], changed)
			}
			if !c {
				continue
			}
			changed[k][i] = true
			num, den := mass[k][mi], m.contextMass(h[1:], mass)
			begin, _ := next.find(h, 0)
			for j := begin; j < next.len() && slices.Equal(next.key(j)[:k+1], h); j++ {
				num -= pow10(float64(next.prob[j]))
				den -= pow10(p.log10Score(h[1:], next.key(j)[k+1]))
			}
			if num > 1e-12 && den > 1e-12 {
				tb.bo[i] = float32(math.Log10(num) - math.Log10(den))
				n++
			}
		}
	}
	return n
}

// contextChanged reports whether the distribution after ctx changed: the longest suffix of ctx that is
// an n-gram was marked changed (the empty context never changes: unigrams are not pruned).
func (p *Model) contextChanged(ctx []WordID, changed [][]bool) bool {
	for len(ctx) > 0 {
		k := len(ctx) - 1
		if i, ok := p.tables[k].find(ctx[:k], ctx[k]); ok {
			return changed[k][i]
		}
		ctx = ctx[1:]
	}
	return false
}

// pow10 returns 10^x (faster than math.Pow for this use; exact enough for probabilities).
func pow10(x float64) float64 { return math.Exp(x * math.Ln10) }
