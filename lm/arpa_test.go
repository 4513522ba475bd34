package lm_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hark/internal/testenv"
	"hark/lm"
)

// tinyARPA is a hand-made trigram model (values log10).
const tinyARPA = `
\data\
ngram 1=6
ngram 2=6
ngram 3=2

\1-grams:
-1.0	</s>
-99	<s>	-0.30103
-0.69897	a	-0.2
-0.39794	b	-0.1
-1.0	c	0
-0.8	d

\2-grams:
-0.30103	<s> a	-0.1
-0.5	<s> b	0
-0.2	a b	-0.05
-0.6	b </s>
-0.4	b c	0
-0.3	c </s>

\3-grams:
-0.1	<s> a b
-0.2	a b </s>

\end\
`

func mustReadARPA(t testing.TB, s string) *lm.Model {
	t.Helper()
	m, err := lm.ReadARPA(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ReadARPA: %v", err)
	}
	return m
}

func TestModelScoreBackoff(t *testing.T) {
	m := mustReadARPA(t, tinyARPA)
	for _, c := range []struct {
		hist, w string
		want    float64 // log10
	}{
		{"", "a", -0.69897},
		{"<s>", "a", -0.30103},
		{"<s> a", "b", -0.1},
		{"a b", "</s>", -0.2},
		{"<s>", "c", -0.30103 + -1.0},         // bo(<s>) + P(c)
		{"a", "c", -0.2 + -1.0},               // bo(a) + P(c)
		{"<s> a", "c", -0.1 + -0.2 + -1.0},    // bo(<s> a) + bo(a) + P(c)
		{"d a", "b", -0.2},                    // no "d a": P(b|a)
		{"a b", "c", -0.05 + -0.4},            // bo(a b) + P(c|b)
		{"c b", "c", -0.4},                    // no "c b": P(c|b) (bo(c b) = 0)
		{"x <s>", "a", -0.30103},              // unknown word cuts the history
		{"a x", "a", -0.69897},                // unknown last word: no history
		{"d d d d <s> a", "b", -0.1},          // only the last two words count
		{"b", "d", -0.1 + -0.8},               // bo(b) + P(d)
		{"<s> b", "</s>", -0.6},               // P(</s>|b)
		{"a c", "</s>", -0.3},                 // P(</s>|c), bo(a c)=0 (absent)
		{"b c", "</s>", -0.3 + 0},             // "b c" bo 0
		{"a b", "a", -0.05 + -0.1 + -0.69897}, // bo(a b) + bo(b) + P(a)
		{"<s> a", "</s>", -0.1 + -0.2 + -1.0}, // bo(<s> a) + bo(a) + P(</s>)
	} {
		var hist []lm.WordID
		for _, w := range strings.Fields(c.hist) {
			hist = append(hist, m.Vocab().ID(w))
		}
		got := float64(m.Score(hist, m.Vocab().ID(c.w))) / math.Ln10
		if math.Abs(got-c.want) > 1e-5 {
			t.Errorf("log10 P(%s | %s) = %.6f; want %.6f", c.w, c.hist, got, c.want)
		}
	}
}

func TestARPARoundTrip(t *testing.T) {
	m := mustReadARPA(t, tinyARPA)
	var buf bytes.Buffer
	if err := lm.WriteARPA(&buf, m); err != nil {
		t.Fatal(err)
	}
	m2 := mustReadARPA(t, buf.String())
	assertSameModel(t, m, m2, 0)
	// gzip
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	m3, err := lm.ReadARPA(&gz)
	if err != nil {
		t.Fatalf("ReadARPA(gzip): %v", err)
	}
	assertSameModel(t, m, m3, 0)
}

// assertSameModel checks that two models have the same vocabulary and n-grams with values within tol
// (log10).
func assertSameModel(t testing.TB, a, b *lm.Model, tol float64) {
	t.Helper()
	if a.Order() != b.Order() {
		t.Fatalf("orders %d and %d", a.Order(), b.Order())
	}
	aw, bw := a.Vocab().Words(), b.Vocab().Words()
	if len(aw) != len(bw) {
		t.Fatalf("vocabularies of %d and %d words", len(aw), len(bw))
	}
	for i := range aw {
		if aw[i] != bw[i] {
			t.Fatalf("word %d: %q and %q", i, aw[i], bw[i])
		}
	}
	ac, bc := a.Counts(), b.Counts()
	bad := 0
	for k := 1; k <= a.Order(); k++ {
		if ac[k-1] != bc[k-1] {
			t.Fatalf("%d-gram counts %d and %d", k, ac[k-1], bc[k-1])
		}
		for i := 0; i < ac[k-1]; i++ {
			w1, p1, b1 := a.NGram(k, i)
			w2, p2, b2 := b.NGram(k, i)
			if !equalIDs(w1, w2) || !close32(p1, p2, tol) || !close32(b1, b2, tol) {
				if bad++; bad < 10 {
					t.Errorf("%d-gram %d: %v %g %g and %v %g %g", k, i, w1, p1, b1, w2, p2, b2)
				}
			}
		}
	}
}

func close32(a, b float32, tol float64) bool {
	if a == b {
		return true
	}
	return math.Abs(float64(a)-float64(b)) <= tol
}

func equalIDs(a, b []lm.WordID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadARPAErrors(t *testing.T) {
	for _, c := range []struct{ name, text string }{
		{"empty", ""},
		{"no-data", "\\1-grams:\n-1 a\n\\end\\\n"},
		{"count-mismatch", "\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n\\end\\\n"},
		{"too-many", "\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n-1 b\n\\end\\\n"},
		{"unknown-word", "\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a 0\n\\2-grams:\n-1 a b\n\\end\\\n"},
		{"duplicate", "\\data\\\nngram 1=2\n\\1-grams:\n-1 a\n-1 a\n\\end\\\n"},
		{"duplicate-bigram", "\\data\\\nngram 1=1\nngram 2=2\n\\1-grams:\n-1 a 0\n\\2-grams:\n-1 a a\n-2 a a\n\\end\\\n"},
		{"bad-float", "\\data\\\nngram 1=1\n\\1-grams:\nx a\n\\end\\\n"},
		{"nan", "\\data\\\nngram 1=1\n\\1-grams:\nnan a\n\\end\\\n"},
		{"no-end", "\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n"},
		{"order-gap", "\\data\\\nngram 1=1\nngram 3=1\n\\1-grams:\n-1 a\n\\end\\\n"},
		{"huge-count", "\\data\\\nngram 1=2000000000\n\\1-grams:\n-1 a\n\\end\\\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := lm.ReadARPA(strings.NewReader(c.text))
			if !errors.Is(err, lm.ErrFormat) {
				t.Errorf("ReadARPA = %v; want an error wrapping ErrFormat", err)
			}
		})
	}
}

// TestTrieARPARoundTrip converts en-us.lm.bin to a Model, writes it as ARPA, reads it back and checks
// every n-gram, and that the Model scores as the trie does.
func TestTrieARPARoundTrip(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("converts and reparses 3.7M n-grams (8 s; 80 s with -race): run without -short and -race")
	}
	tr := openEnUS(t)
	m, err := tr.Model()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Counts(), tr.Counts(); !equalInts(got, want) {
		t.Fatalf("Model().Counts() = %v; want %v", got, want)
	}
	var buf bytes.Buffer
	if err := lm.WriteARPA(&buf, m); err != nil {
		t.Fatal(err)
	}
	t.Logf("ARPA: %d bytes", buf.Len())
	m2, err := lm.ReadARPA(&buf)
	if err != nil {
		t.Fatal(err)
	}
	assertSameModel(t, m, m2, 0)
	// Every n-gram of the ARPA scores as the trie does (trie values converted: float tolerance).
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 1; k <= m2.Order(); k++ {
		n := m2.Counts()[k-1]
		for range 2000 {
			words, p, _ := m2.NGram(k, rng.IntN(n))
			hist, w := words[:k-1], words[k-1]
			want := float64(tr.Score(hist, w)) / math.Ln10
			if math.Abs(float64(p)-want) > 1e-5 {
				t.Errorf("%d-gram %v: ARPA log10 %g; trie %g", k, words, p, want)
			}
			// random histories exercise the backoff paths
			rh := []lm.WordID{lm.WordID(rng.IntN(tr.Vocab().NumWords())), w}
			rw := lm.WordID(rng.IntN(tr.Vocab().NumWords()))
			if a, b := m2.Score(rh, rw), tr.Score(rh, rw); math.Abs(float64(a-b)) > 1e-4*math.Max(1, math.Abs(float64(b))) {
				t.Errorf("Score(%v, %d): model %g; trie %g", rh, rw, a, b)
			}
		}
	}
	for _, s := range devSentences(t) {
		a, b := lm.Eval(m2, s), lm.Eval(tr, s)
		if math.Abs(a.LogProb-b.LogProb) > 1e-5*math.Abs(b.LogProb) {
			t.Errorf("%q: model %g; trie %g", strings.Join(s, " "), a.LogProb, b.LogProb)
		}
	}
}

// TestTrieMatchesSphinxARPA converts the small tries of pocketsphinx-testdata to ARPA with
// sphinx_lm_convert (which works on them: their headers hold the true counts) and compares with our
// conversion, n-gram by n-gram, within sphinx's 4-decimal printing.
func TestTrieMatchesSphinxARPA(t *testing.T) {
	tool := testenv.RequireTool(t, "sphinx_lm_convert")
	for _, name := range []string{"tidigits/lm/tidigits.lm.bin", "turtle.lm.bin"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			path := testenv.RequireFile(t, filepath.Join(testenv.TestData, name))
			out := filepath.Join(t.TempDir(), "lm.arpa")
			if b, err := exec.Command(tool, "-i", path, "-o", out, "-ofmt", "arpa").CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tool, err, b)
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want, err := lm.ReadARPA(f)
			if err != nil {
				t.Fatalf("ReadARPA(sphinx_lm_convert output): %v", err)
			}
			tr, err := lm.OpenTrie(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			got, err := tr.Model()
			if err != nil {
				t.Fatal(err)
			}
			assertSameModel(t, got, want, 0.00005+1e-6)
		})
	}
}
