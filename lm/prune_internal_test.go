package lm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// normalisedBigramARPA returns a random bigram model whose backoff weights make every distribution sum
// to one (up to printing with 9 decimals).
func normalisedBigramARPA(rng *rand.Rand, words []string) string {
	n := len(words)
	uni := make([]float64, n)
	total := 0.0
	for i := range uni {
		if words[i] != SentenceStart {
			uni[i] = 0.1 + rng.Float64()
			total += uni[i]
		}
	}
	var b1, b2 strings.Builder
	nb := 0
	for i, h := range words {
		if h == SentenceEnd {
			continue
		}
		// explicit successors: a random half of the words, with probabilities above their unigram ones
		explicit, lower := 0.0, 0.0
		for j, w := range words {
			if w == SentenceStart || rng.IntN(2) == 0 {
				continue
			}
			p := uni[j] / total * (1 + 2*rng.Float64())
			if explicit+p > 0.9 {
				break
			}
			explicit += p
			lower += uni[j] / total
			fmt.Fprintf(&b2, "%.9f\t%s %s\n", math.Log10(p), h, w)
			nb++
		}
		bo := (1 - explicit) / (1 - lower)
		p := -99.0
		if h != SentenceStart {
			p = math.Log10(uni[i] / total)
		}
		fmt.Fprintf(&b1, "%.9f\t%s\t%.9f\n", p, h, math.Log10(bo))
	}
	for i, w := range words {
		if w == SentenceEnd {
			fmt.Fprintf(&b1, "%.9f\t%s\n", math.Log10(uni[i]/total), w)
		}
	}
	return fmt.Sprintf("\\data\\\nngram 1=%d\nngram 2=%d\n\n\\1-grams:\n%s\n\\2-grams:\n%s\n\\end\\\n", n, nb, b1.String(), b2.String())
}

// TestPruneScoreIsRelativeEntropy checks the closed form of Stolcke's criterion against the relative
// entropy computed by brute force over the whole vocabulary: removing "h w" and renormalising bo(h)
// changes the model by P(h)·Σ_x P(x|h)·log10(P(x|h)/P'(x|h)), and the score is 10^that − 1.
func TestPruneScoreIsRelativeEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	words := []string{"</s>", "<s>", "a", "b", "c", "d", "e", "f"}
	m, err := ReadARPA(strings.NewReader(normalisedBigramARPA(rng, words)))
	if err != nil {
		t.Fatal(err)
	}
	mass := m.masses()
	for i, s := range mass[0] {
		if math.Abs(s-1) > 1e-6 {
			t.Fatalf("context %q: mass %g; the test model must be normalised", m.vocab.Word(WordID(i)), s)
		}
	}
	bos := m.vocab.ID(SentenceStart)
	tb := &m.tables[1]
	score := make([]float32, tb.len())
	for begin := 0; begin < tb.len(); {
		end := begin + 1
		for end < tb.len() && tb.key(end)[0] == tb.key(begin)[0] {
			end++
		}
		m.scoreContext(1, begin, end, bos, mass, score[begin:end])
		begin = end
	}
	v := m.vocab.NumWords()
	for i := 0; i < tb.len(); i++ {
		h, w := tb.key(i)[0], tb.key(i)[1]
		// P'(x|h): explicit successors but w keep theirs; the others back off with the new weight.
		explicit := map[WordID]float64{}
		for j := 0; j < tb.len(); j++ {
			if k := tb.key(j); k[0] == h && k[1] != w {
				explicit[k[1]] = math.Pow(10, float64(tb.prob[j]))
			}
		}
		num, den := 1.0, 1.0
		for x, p := range explicit {
			num -= p
			den -= math.Pow(10, float64(m.tables[0].prob[x]))
		}
		kl := 0.0
		for x := WordID(0); int(x) < v; x++ {
			p := math.Pow(10, m.log10Score([]WordID{h}, x))
			q, ok := explicit[x]
			if !ok {
				q = num / den * math.Pow(10, float64(m.tables[0].prob[x]))
			}
			if p > 0 {
				kl += p * math.Log10(p/q)
			}
		}
		ph := 1.0
		if h != bos {
			ph = math.Pow(10, float64(m.tables[0].prob[h]))
		}
		want := math.Pow(10, ph*kl) - 1
		if i < 3 {
			t.Logf("bigram %d: score %g, brute force %g", i, score[i], want)
		}
		if got := float64(score[i]); math.Abs(got-want) > 1e-7+1e-5*math.Abs(want) {
			t.Errorf("bigram %s %s: score %g; brute-force relative entropy gives %g", m.vocab.Word(h), m.vocab.Word(w), got, want)
		}
	}
}
