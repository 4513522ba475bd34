package lm_test

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hark/internal/testenv"
	"hark/lm"
)

var enUSLM = filepath.Join(testenv.ModelRoot, "en-us.lm.bin")

var (
	enUSOnce sync.Once
	enUSTrie *lm.Trie
	enUSErr  error
)

// openEnUS opens the shipped en-us trie once per test binary.
func openEnUS(t testing.TB) *lm.Trie {
	t.Helper()
	testenv.RequireFile(t, enUSLM)
	enUSOnce.Do(func() { enUSTrie, enUSErr = lm.OpenTrie(enUSLM) })
	if enUSErr != nil {
		t.Fatalf("OpenTrie(%s): %v", enUSLM, enUSErr)
	}
	return enUSTrie
}

// devSentences returns the dev-set reference transcripts, lower-cased, without their ids.
func devSentences(t testing.TB) [][]string {
	t.Helper()
	path := testenv.RequireFile(t, filepath.Join("..", testenv.DevSet, "refs.txt"))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(strings.ToLower(line))
		if len(f) > 1 {
			out = append(out, f[1:])
		}
	}
	return out
}

func TestTrieEnUSShape(t *testing.T) {
	tr := openEnUS(t)
	if got, want := tr.HeaderCounts(), []int{72547, 2051547, 1669625}; !equalInts(got, want) {
		t.Errorf("HeaderCounts() = %v; want %v", got, want)
	}
	if got, want := tr.Counts(), []int{72547, 2051541, 1669625}; !equalInts(got, want) {
		t.Errorf("Counts() = %v; want %v", got, want)
	}
	v := tr.Vocab()
	for i, w := range []string{"'bout", "'cause", "'em", "'n", "'s", "'til", "</s>", "<s>"} {
		if got := v.Word(lm.WordID(i)); got != w {
			t.Errorf("Word(%d) = %q; want %q", i, got, w)
		}
		if got := v.ID(w); got != lm.WordID(i) {
			t.Errorf("ID(%q) = %d; want %d", w, got, i)
		}
	}
	// Values verified in references.md §3.4 (log10).
	the, s := v.ID("the"), v.ID("<s>")
	for _, c := range []struct {
		name string
		hist []lm.WordID
		w    lm.WordID
		want float64
	}{
		{"bout", nil, v.ID("'bout"), -6.2831},
		{"the", nil, the, -1.3895},
		{"<s>", nil, s, -99},
		{"the|<s>", []lm.WordID{s}, the, -1.2689},
	} {
		got := float64(tr.Score(c.hist, c.w)) / math.Ln10
		if math.Abs(got-c.want) > 1e-4 {
			t.Errorf("%s: log10 P = %.5f; want %.4f", c.name, got, c.want)
		}
	}
}

func equalInts(a, b []int) bool {
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

var lineRE = regexp.MustCompile(`^log P\((.*)\|(.*)\) = (-?\d+)$`)

// TestSphinxLMEval compares sentence scores and perplexities on the dev references with
// sphinx_lm_eval -lm en-us.lm.bin. One call evaluates every sentence (-lsn) with -verbose; a line holding
// only "</s>" (never in a transcript) separates sentences, so per-sentence sums can be read back.
func TestSphinxLMEval(t *testing.T) {
	tool := testenv.RequireTool(t, "sphinx_lm_eval")
	tr := openEnUS(t)
	sents := devSentences(t)
	var lsn bytes.Buffer
	for _, s := range sents {
		lsn.WriteString(strings.Join(s, " "))
		lsn.WriteString("\n</s>\n")
	}
	path := filepath.Join(t.TempDir(), "refs.lsn")
	if err := os.WriteFile(path, lsn.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-lm", enUSLM, "-lsn", path, "-verbose", "yes").Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	type sent struct {
		sum   int64
		lines int
	}
	var ref []sent
	var cur sent
	total := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := lineRE.FindStringSubmatch(line); m != nil {
			if m[1] == "</s>" && m[2] == "" {
				ref = append(ref, cur)
				cur = sent{}
				continue
			}
			n, err := strconv.ParseInt(m[3], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			cur.sum += n
			cur.lines++
			continue
		}
		if k, v, ok := strings.Cut(line, ": "); ok {
			total[k] = v
		}
	}
	if len(ref) != len(sents) {
		t.Fatalf("sphinx_lm_eval gave %d sentences; want %d", len(ref), len(sents))
	}
	var corpus lm.CorpusEval
	maxRel := 0.0
	for i, s := range sents {
		r := lm.Eval(tr, s)
		corpus.Add(r)
		corpus.Add(lm.Eval(tr, []string{"</s>"}))
		if r.Evaluated() != ref[i].lines {
			t.Errorf("sentence %d: %d words evaluated; sphinx_lm_eval %d", i, r.Evaluated(), ref[i].lines)
		}
		if r.SphinxScore != ref[i].sum {
			t.Errorf("sentence %d: lm score %d; sphinx_lm_eval %d", i, r.SphinxScore, ref[i].sum)
		}
		want := lm.EvalResult{Words: r.Words, OOVs: r.OOVs, ContextCues: r.ContextCues, SphinxScore: ref[i].sum}
		rel := math.Abs(r.SphinxPerplexity()/want.SphinxPerplexity() - 1)
		maxRel = math.Max(maxRel, rel)
		if rel > 1e-3 {
			t.Errorf("sentence %d: perplexity %g; sphinx_lm_eval %g", i, r.SphinxPerplexity(), want.SphinxPerplexity())
		}
		// The float score (without sphinxbase's integer truncation) stays within a unit per word.
		if d := math.Abs(r.LogProb/math.Log(lm.LogBase) - float64(r.SphinxScore)); d > float64(r.Evaluated()) {
			t.Errorf("sentence %d: float score %.1f vs integer %d", i, r.LogProb/math.Log(lm.LogBase), r.SphinxScore)
		}
	}
	t.Logf("%d sentences; max relative perplexity difference %.2g", len(sents), maxRel)
	if got, want := strconv.FormatInt(corpus.SphinxScore, 10), total["lm score"]; got != want {
		t.Errorf("corpus lm score %s; sphinx_lm_eval %s", got, want)
	}
	wantPPL, err := strconv.ParseFloat(total["perplexity"], 64)
	if err != nil {
		t.Fatalf("perplexity line %q: %v", total["perplexity"], err)
	}
	if got := corpus.SphinxPerplexity(); math.Abs(got/wantPPL-1) > 1e-6 {
		t.Errorf("corpus perplexity %f; sphinx_lm_eval %f", got, wantPPL)
	}
	t.Logf("corpus (with separator lines): lm score %d, perplexity %.6f (sphinx_lm_eval %s, %s); OOVs %d",
		corpus.SphinxScore, corpus.SphinxPerplexity(), total["lm score"], total["perplexity"], corpus.OOVs)
}

// TestSphinxReadsOurARPA writes the turtle trie as ARPA and has sphinx_lm_eval score random sentences
// with both files: sphinxbase re-quantises the ARPA into its own trie, so the scores agree within 0.1%.
func TestSphinxReadsOurARPA(t *testing.T) {
	tool := testenv.RequireTool(t, "sphinx_lm_eval")
	bin := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	tr, err := lm.OpenTrie(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	m, err := tr.Model()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var arpa bytes.Buffer
	if err := lm.WriteARPA(&arpa, m); err != nil {
		t.Fatal(err)
	}
	arpaPath := filepath.Join(dir, "turtle.arpa")
	if err := os.WriteFile(arpaPath, arpa.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	words := tr.Vocab().Words()
	var lsn strings.Builder
	for i := range 40 {
		for j := range 3 + i%5 {
			lsn.WriteString(words[(i*31+j*17)%len(words)] + " ")
		}
		lsn.WriteString("\n")
	}
	lsnPath := filepath.Join(dir, "sents.lsn")
	if err := os.WriteFile(lsnPath, []byte(lsn.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	score := func(model string) float64 {
		out, err := exec.Command(tool, "-lm", model, "-lsn", lsnPath).Output()
		if err != nil {
			t.Fatalf("%s -lm %s: %v", tool, model, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "lm score: "); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
		}
		t.Fatalf("no lm score in the output of %s -lm %s", tool, model)
		return 0
	}
	fromBin, fromARPA := score(bin), score(arpaPath)
	if math.Abs(fromARPA/fromBin-1) > 1e-3 {
		t.Errorf("sphinx_lm_eval lm score: %g with our ARPA; %g with turtle.lm.bin", fromARPA, fromBin)
	}
	t.Logf("sphinx_lm_eval lm score: %g with our ARPA, %g with turtle.lm.bin", fromARPA, fromBin)
}
