package lm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hark/internal/testenv"
	"hark/lm"
	"hark/wfst"
)

// bestPath returns the lowest-cost path of f from its start to a final state (Bellman-Ford, small FSTs
// only): its cost and output words (epsilon and labels in skip omitted).
func bestPath(t *testing.T, f *wfst.Vector, syms *wfst.SymbolTable) (float64, string) {
	t.Helper()
	n := f.NumStates()
	dist := make([]float64, n)
	pred := make([]int, n)
	lab := make([]wfst.Label, n)
	for i := range dist {
		dist[i], pred[i] = math.Inf(1), -1
	}
	dist[f.Start()] = 0
	for range n {
		changed := false
		for s := range n {
			if math.IsInf(dist[s], 1) {
				continue
			}
			for _, a := range f.Arcs(wfst.StateID(s)) {
				if d := dist[s] + float64(a.Weight); d < dist[a.NextState]-1e-12 {
					dist[a.NextState], pred[a.NextState], lab[a.NextState] = d, s, a.OLabel
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	best, bs := math.Inf(1), -1
	for s := range n {
		if c := dist[s] + float64(f.Final(wfst.StateID(s))); c < best {
			best, bs = c, s
		}
	}
	var words []string
	for s := bs; s >= 0 && s != int(f.Start()) || (s == int(f.Start()) && pred[s] >= 0 && len(words) < n); s = pred[s] {
		if pred[s] < 0 {
			break
		}
		if lab[s] != wfst.Epsilon {
			w, _ := syms.Symbol(int64(lab[s]))
			words = append([]string{w}, words...)
		}
	}
	return best, strings.Join(words, " ")
}

// pathCost returns the lowest cost of a path of f from the start to a final state whose output is
// words (epsilon outputs free), by dynamic programming over (position, state).
func pathCost(t *testing.T, f *wfst.Vector, syms *wfst.SymbolTable, words []string) float64 {
	t.Helper()
	n := f.NumStates()
	cur := make([]float64, n)
	for i := range cur {
		cur[i] = math.Inf(1)
	}
	cur[f.Start()] = 0
	relaxEps := func(d []float64) {
		for range n {
			changed := false
			for s := range n {
				if math.IsInf(d[s], 1) {
					continue
				}
				for _, a := range f.Arcs(wfst.StateID(s)) {
					if a.OLabel == wfst.Epsilon && d[s]+float64(a.Weight) < d[a.NextState]-1e-12 {
						d[a.NextState] = d[s] + float64(a.Weight)
						changed = true
					}
				}
			}
			if !changed {
				return
			}
		}
	}
	relaxEps(cur)
	for _, w := range words {
		k, ok := syms.Find(w)
		if !ok {
			t.Fatalf("word %q not in the symbol table", w)
		}
		next := make([]float64, n)
		for i := range next {
			next[i] = math.Inf(1)
		}
		for s := range n {
			for _, a := range f.Arcs(wfst.StateID(s)) {
				if a.OLabel == wfst.Label(k) && cur[s]+float64(a.Weight) < next[a.NextState] {
					next[a.NextState] = cur[s] + float64(a.Weight)
				}
			}
		}
		relaxEps(next)
		cur = next
	}
	best := math.Inf(1)
	for s := range n {
		best = math.Min(best, cur[s]+float64(f.Final(wfst.StateID(s))))
	}
	return best
}

// sentenceCost returns −ln P(words </s> | <s>) under m.
func sentenceCost(m lm.Scorer, words []string) float64 {
	v := m.Vocab()
	hist := []lm.WordID{v.ID(lm.SentenceStart)}
	cost := 0.0
	for _, w := range append(append([]string(nil), words...), lm.SentenceEnd) {
		id := v.ID(w)
		cost -= float64(m.Score(hist, id))
		hist = append(hist, id)
	}
	return cost
}

// checkGStructure checks that every state but the unigram state has exactly one backoff arc, and
// returns the number of states with one.
func checkGStructure(t *testing.T, f *wfst.Vector, backoff wfst.Label, st lm.GStats) {
	t.Helper()
	withBackoff := 0
	for s := 0; s < f.NumStates(); s++ {
		nb := 0
		prev := wfst.Label(-1)
		for _, a := range f.Arcs(wfst.StateID(s)) {
			if a.ILabel < prev {
				t.Errorf("state %d: arcs not sorted by input label", s)
			}
			prev = a.ILabel
			if a.ILabel == backoff {
				nb++
				if a.OLabel != wfst.Epsilon {
					t.Errorf("state %d: backoff arc with output %d", s, a.OLabel)
				}
			} else if a.ILabel != a.OLabel || a.ILabel == wfst.Epsilon {
				t.Errorf("state %d: word arc %d:%d", s, a.ILabel, a.OLabel)
			}
		}
		if nb > 1 {
			t.Errorf("state %d: %d backoff arcs", s, nb)
		}
		withBackoff += nb
	}
	if withBackoff != f.NumStates()-1 || st.BackoffArcs != withBackoff {
		t.Errorf("%d backoff arcs (stats %d) for %d states; want one per state but the unigram state", withBackoff, st.BackoffArcs, f.NumStates())
	}
}

func TestBuildGTiny(t *testing.T) {
	m := mustReadARPA(t, tinyARPA)
	syms, backoff := lm.WordSymbols(m)
	g, st, err := lm.BuildG(m, syms, backoff)
	if err != nil {
		t.Fatal(err)
	}
	// States: unigram; <s>, a, b, c (histories of bigrams); <s> a, a b (histories of trigrams).
	if st.States != 7 || st.SkippedNGrams != 0 {
		t.Errorf("stats %+v; want 7 states, none skipped", st)
	}
	checkGStructure(t, g, backoff, st)
	cost, words := bestPath(t, g, syms)
	if want := 0.60103 * math.Ln10; words != "a b" || math.Abs(cost-want) > 1e-5 {
		t.Errorf("best path %q cost %.5f; want \"a b\" %.5f", words, cost, want)
	}
	// The same with wfst.ShortestPath.
	sp, err := wfst.ShortestPath(g, wfst.DefaultShortestPathOptions())
	if err != nil {
		t.Fatal(err)
	}
	if c, w := bestPath(t, sp, syms); w != words || math.Abs(c-cost) > 1e-5 {
		t.Errorf("wfst.ShortestPath: %q cost %.5f; want %q %.5f", w, c, words, cost)
	}
	for _, s := range []string{"a b", "b", "a", "c", "b c", "a b c", "d d a", "a c d b", ""} {
		words := strings.Fields(s)
		got, want := pathCost(t, g, syms, words), sentenceCost(m, words)
		if math.Abs(got-want) > 1e-4 {
			t.Errorf("%q: G cost %.5f; LM −ln P %.5f", s, got, want)
		}
	}
	// Every explicit n-gram weight is −ln p: the unigram state's arcs carry −ln P(w) plus folded
	// backoffs of words without a state (c: bo 0, d: no bo).
	uni := wfst.StateID(-1)
	for s := 0; s < g.NumStates(); s++ {
		if g.NumArcs(wfst.StateID(s)) > 0 && !hasLabel(g, wfst.StateID(s), backoff) {
			uni = wfst.StateID(s)
		}
	}
	if uni < 0 {
		t.Fatal("no unigram state")
	}
	for _, c := range []struct {
		w    string
		cost float64
	}{{"a", 0.69897}, {"b", 0.39794}, {"c", 1.0}, {"d", 0.8}} {
		k, _ := syms.Find(c.w)
		found := false
		for _, a := range g.Arcs(uni) {
			if a.ILabel == wfst.Label(k) {
				found = true
				if math.Abs(float64(a.Weight)-c.cost*math.Ln10) > 1e-5 {
					t.Errorf("unigram arc %s: %g; want %g", c.w, a.Weight, c.cost*math.Ln10)
				}
			}
		}
		if !found {
			t.Errorf("no unigram arc for %s", c.w)
		}
	}
	if got, want := float64(g.Final(uni)), 1.0*math.Ln10; math.Abs(got-want) > 1e-5 {
		t.Errorf("final weight of the unigram state %g; want %g", got, want)
	}
}

func hasLabel(f *wfst.Vector, s wfst.StateID, l wfst.Label) bool {
	for _, a := range f.Arcs(s) {
		if a.ILabel == l {
			return true
		}
	}
	return false
}

// TestBuildGSkipsUnknownSymbols: n-grams predicting words missing from the symbol table get no arc.
func TestBuildGSkipsUnknownSymbols(t *testing.T) {
	m := mustReadARPA(t, tinyARPA)
	syms := wfst.NewSymbolTable("words")
	syms.AddWithKey("<eps>", 0)
	for _, w := range []string{"a", "b", "#0"} {
		syms.Add(w)
	}
	k, _ := syms.Find("#0")
	g, st, err := lm.BuildG(m, syms, wfst.Label(k))
	if err != nil {
		t.Fatal(err)
	}
	if st.SkippedNGrams != 3 { // c, d, b c
		t.Errorf("skipped %d n-grams; want 3", st.SkippedNGrams)
	}
	if got, want := pathCost(t, g, syms, []string{"a", "b"}), sentenceCost(m, []string{"a", "b"}); math.Abs(got-want) > 1e-4 {
		t.Errorf("G cost %g; want %g", got, want)
	}
	if _, _, err := lm.BuildG(m, syms, 0); err == nil {
		t.Error("BuildG with backoff label 0 succeeded")
	}
}

// TestBuildGReal builds G from the small trie models of pocketsphinx-testdata and checks its structure
// and, on random sentences, that its best path for the words costs at most the LM's −ln P (equal
// unless a backoff path is cheaper, as Kaldi's G allows).
func TestBuildGReal(t *testing.T) {
	for _, name := range []string{"tidigits/lm/tidigits.lm.bin", "turtle.lm.bin"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			path := testenv.RequireFile(t, filepath.Join(testenv.TestData, name))
			tr, err := lm.OpenTrie(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			m, err := tr.Model()
			if err != nil {
				t.Fatal(err)
			}
			syms, backoff := lm.WordSymbols(m)
			g, st, err := lm.BuildG(m, syms, backoff)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("counts %v, G %+v", m.Counts(), st)
			checkGStructure(t, g, backoff, st)
			var vocab []string
			for _, w := range m.Vocab().Words() {
				if w != lm.SentenceStart && w != lm.SentenceEnd && !strings.EqualFold(w, lm.UnknownWord) {
					vocab = append(vocab, w)
				}
			}
			rng := rand.New(rand.NewPCG(3, 4))
			equal := 0
			const n = 50
			for range n {
				words := make([]string, 1+rng.IntN(6))
				for i := range words {
					words[i] = vocab[rng.IntN(len(vocab))]
				}
				got, want := pathCost(t, g, syms, words), sentenceCost(m, words)
				if got > want+1e-3 {
					t.Errorf("%q: G cost %.4f > LM −ln P %.4f", words, got, want)
				}
				if math.Abs(got-want) <= 1e-3 {
					equal++
				}
			}
			t.Logf("%d of %d random sentences cost exactly −ln P in G", equal, n)
		})
	}
}

// TestBuildGOpenFST compiles G (printed in AT&T text) with OpenFST's fstcompile and checks fstshortestpath's
// best path and cost, and fstinfo's counts.
func TestBuildGOpenFST(t *testing.T) {
	compile := testenv.RequireTool(t, "fstcompile")
	shortest := testenv.RequireTool(t, "fstshortestpath")
	fstprint := testenv.RequireTool(t, "fstprint")
	info := testenv.RequireTool(t, "fstinfo")
	m := mustReadARPA(t, tinyARPA)
	syms, backoff := lm.WordSymbols(m)
	g, st, err := lm.BuildG(m, syms, backoff)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var txt strings.Builder
	// AT&T text lists the start state first.
	order := []wfst.StateID{g.Start()}
	for s := 0; s < g.NumStates(); s++ {
		if wfst.StateID(s) != g.Start() {
			order = append(order, wfst.StateID(s))
		}
	}
	for _, s := range order {
		for _, a := range g.Arcs(s) {
			fmt.Fprintf(&txt, "%d %d %d %d %.6f\n", s, a.NextState, a.ILabel, a.OLabel, a.Weight)
		}
		if f := g.Final(s); !wfst.IsZero(f) {
			fmt.Fprintf(&txt, "%d %.6f\n", s, f)
		}
	}
	run := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	if err := os.WriteFile(filepath.Join(dir, "g.txt"), []byte(txt.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run(compile, filepath.Join(dir, "g.txt"), filepath.Join(dir, "g.fst"))
	in := run(info, filepath.Join(dir, "g.fst"))
	for _, want := range []string{fmt.Sprintf("# of states                                       %d", st.States),
		fmt.Sprintf("# of arcs                                         %d", st.Arcs)} {
		if !strings.Contains(in, want) {
			t.Errorf("fstinfo lacks %q:\n%s", want, in)
		}
	}
	run(shortest, filepath.Join(dir, "g.fst"), filepath.Join(dir, "best.fst"))
	var total float64
	var words []string
	for _, line := range strings.Split(strings.TrimSpace(run(fstprint, filepath.Join(dir, "best.fst"))), "\n") {
		f := strings.Fields(line)
		var w float64
		switch len(f) {
		case 5:
			if l, _ := strconv.Atoi(f[3]); l != 0 {
				sym, _ := syms.Symbol(int64(l))
				words = append(words, sym)
			}
			w, _ = strconv.ParseFloat(f[4], 64)
		case 2:
			w, _ = strconv.ParseFloat(f[1], 64)
		}
		total += w
	}
	if want := 0.60103 * math.Ln10; strings.Join(words, " ") != "a b" || math.Abs(total-want) > 1e-4 {
		t.Errorf("fstshortestpath: %q cost %.5f; want \"a b\" %.5f", words, total, want)
	}
}
