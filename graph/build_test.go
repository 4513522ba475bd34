package graph

import (
	"math"
	"slices"
	"strings"
	"testing"

	"hark/hmm"
	"hark/lexicon"
	"hark/lm"
	"hark/wfst"
)

// tiedModel is a hand-made mdef: CI phones SIL (filler), A, B, C; every triphone exists, with its own
// senones, but word positions are tied (one HMM for b/i/e/s), which is what makes H∘CLG non-functional
// unless the labels carry the phone symbol. 3 emitting states, tmat = base phone.
type tiedModel struct{}

var tiedNames = []string{"SIL", "A", "B", "C"}

func (tiedModel) NumCIPhones() int          { return 4 }
func (tiedModel) CIPhoneName(ci int) string { return tiedNames[ci] }
func (tiedModel) IsFiller(ci int) bool      { return ci == 0 }
func (tiedModel) SilencePhone() int         { return 0 }
func (tiedModel) NumSenones() int           { return 3 * 68 }
func (tiedModel) TmatID(pid int) int {
	if pid < 4 {
		return pid
	}
	return (pid - 4) / 16
}
func (tiedModel) SenoneSeq(pid int) []int { return []int{3 * pid, 3*pid + 1, 3*pid + 2} }
func (tiedModel) PhoneIDNearest(b, l, r, pos int) int {
	if l == 0 || l > 3 {
		l = 0
	}
	return 4 + (b*4+l)*4 + r
}

func tiedTransitions(t testing.TB) *hmm.Transitions {
	var raw [][][]float32
	for ph := 0; ph < 4; ph++ {
		p := float32(0.5 + 0.1*float64(ph))
		raw = append(raw, [][]float32{{p, 1 - p, 0, 0}, {0, p, 1 - p, 0}, {0, 0, p, 1 - p}})
	}
	tr, err := hmm.NewTransitions(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// bigram is a tiny ARPA-style bigram LM (log10 values).
type bigram struct {
	uni map[string][2]float64 // word → log10 p, log10 backoff
	bi  map[[2]string]float64 // (h, w) → log10 p
}

var testLM = bigram{
	uni: map[string][2]float64{"</s>": {-1.0, 0}, "<s>": {-99, -0.5}, "a": {-0.7, -0.3}, "b": {-0.8, -0.2},
		"ab": {-1.2, -0.1}, "c": {-0.9, -0.4}},
	bi: map[[2]string]float64{{"<s>", "a"}: -0.3, {"a", "b"}: -0.2, {"b", "</s>"}: -0.1, {"<s>", "ab"}: -0.9,
		{"ab", "c"}: -0.5, {"c", "</s>"}: -0.3},
}

// cost returns the LM cost (-ln p) of a sentence, by the backoff rule.
func (m bigram) cost(words []string) float64 {
	c := 0.0
	h := "<s>"
	for _, w := range append(slices.Clone(words), "</s>") {
		if p, ok := m.bi[[2]string{h, w}]; ok {
			c += -p * math.Ln10
		} else {
			c += -(m.uni[h][1] + m.uni[w][0]) * math.Ln10
		}
		h = w
	}
	return c
}

// fst builds G as Kaldi's arpa2fst does: a state per history (the empty history too), word arcs to the
// state of the new history, #0 backoff arcs to the empty history, </s> as final weights; start = <s>.
func (m bigram) fst(words *wfst.SymbolTable) *wfst.Vector {
	g := wfst.NewVector(wfst.Tropical)
	g.SetInputSymbols(words)
	g.SetOutputSymbols(words)
	state := map[string]wfst.StateID{}
	var names []string
	for w := range m.uni {
		if w != "</s>" {
			names = append(names, w)
		}
	}
	slices.Sort(names)
	eps := g.AddState()
	for _, w := range names {
		state[w] = g.AddState()
	}
	g.SetStart(state["<s>"])
	id := func(w string) wfst.Label { k, _ := words.Find(w); return wfst.Label(k) }
	for _, w := range names {
		if w != "<s>" {
			g.AddArc(eps, wfst.Arc{ILabel: id(w), OLabel: id(w), Weight: float32(-m.uni[w][0] * math.Ln10), NextState: state[w]})
		}
		g.AddArc(state[w], wfst.Arc{ILabel: id("#0"), Weight: float32(-m.uni[w][1] * math.Ln10), NextState: eps})
	}
	g.SetFinal(eps, float32(-m.uni["</s>"][0]*math.Ln10))
	for hw, p := range m.bi {
		if hw[1] == "</s>" {
			g.SetFinal(state[hw[0]], float32(-p*math.Ln10))
			continue
		}
		g.AddArc(state[hw[0]], wfst.Arc{ILabel: id(hw[1]), OLabel: id(hw[1]), Weight: float32(-p * math.Ln10), NextState: state[hw[1]]})
	}
	wfst.ArcSort(g, wfst.ILabelSort)
	return g
}

func testInputs(t testing.TB) Inputs {
	words := wfst.NewSymbolTable("words")
	for _, w := range []string{"<eps>", "a", "ab", "b", "c", "#0"} {
		words.Add(w)
	}
	return Inputs{
		G:     testLM.fst(words),
		Words: words,
		Lexicon: []lexicon.LEntry{
			{Word: "a", Phones: []string{"A"}},
			{Word: "b", Phones: []string{"B"}},
			{Word: "ab", Phones: []string{"A", "B"}},
			{Word: "c", Phones: []string{"C"}},
			{Word: "c(2)", Phones: []string{"A", "C"}},
			{Word: "zz", Phones: []string{"C", "C"}},
		},
		Model:       tiedModel{},
		Transitions: tiedTransitions(t),
	}
}

// bestPath is a tiny exhaustive Viterbi search: the cheapest path whose non-epsilon input labels are
// exactly input, with its outputs (epsilons dropped) and cost; ok is false when no path matches.
func bestPath(f wfst.FST, input []wfst.Label) (out []wfst.Label, cost float64, ok bool) {
	type tok struct {
		cost float64
		out  []wfst.Label
	}
	relax := func(m map[wfst.StateID]tok, t tok, a wfst.Arc) bool {
		c := t.cost + float64(a.Weight)
		if old, ok := m[a.NextState]; ok && c >= old.cost-1e-9 {
			return false
		}
		o := slices.Clone(t.out)
		if a.OLabel != 0 {
			o = append(o, a.OLabel)
		}
		m[a.NextState] = tok{c, o}
		return true
	}
	closure := func(m map[wfst.StateID]tok) {
		for changed := true; changed; {
			changed = false
			for s, t := range m {
				for _, a := range f.Arcs(s) {
					if a.ILabel == 0 && relax(m, t, a) {
						changed = true
					}
				}
			}
		}
	}
	cur := map[wfst.StateID]tok{f.Start(): {}}
	closure(cur)
	for _, x := range input {
		next := map[wfst.StateID]tok{}
		for s, t := range cur {
			for _, a := range f.Arcs(s) {
				if a.ILabel == x {
					relax(next, t, a)
				}
			}
		}
		closure(next)
		cur = next
	}
	best := math.Inf(1)
	for s, t := range cur {
		if fw := f.Final(s); !wfst.IsZero(fw) && t.cost+float64(fw) < best {
			best, out, ok = t.cost+float64(fw), t.out, true
		}
	}
	return out, best, ok
}

func syms(t testing.TB, tab *wfst.SymbolTable, s string) []wfst.Label {
	t.Helper()
	var out []wfst.Label
	for _, x := range strings.Fields(s) {
		k, ok := tab.Find(x)
		if !ok {
			t.Fatalf("no symbol %q", x)
		}
		out = append(out, wfst.Label(k))
	}
	return out
}

// phoneSeg is one phone of an expected path: CI ids of the phone and its contexts, and frames per state.
type phoneSeg struct {
	base, left, right int
	dur               [3]int
}

// framesAndCost returns the frame labels of a phone path and its HMM cost (transition-scale 1, the given
// self-loop scale), computed from the model directly.
func framesAndCost(m tiedModel, tr *hmm.Transitions, segs []phoneSeg, loopScale float64) ([]wfst.Label, float64) {
	var fr []wfst.Label
	c := 0.0
	for _, s := range segs {
		pid := s.base
		if s.base != 0 {
			pid = m.PhoneIDNearest(s.base, s.left, s.right, 0)
		}
		tm := m.TmatID(pid)
		for j, sen := range m.SenoneSeq(pid) {
			for k := 0; k < s.dur[j]; k++ {
				fr = append(fr, wfst.Label(sen+1))
			}
			loop := tr.SelfLoop(tm, j)
			c += -math.Log(tr.Prob(tm, j, j+1)/(1-loop)) - loopScale*float64(s.dur[j]-1)*math.Log(loop) - loopScale*math.Log(1-loop)
		}
	}
	return fr, c
}

func TestBuildStages(t *testing.T) {
	in := testInputs(t)
	cfg := DefaultConfig()
	var keep stages
	var names []string
	g, st, err := build(in, cfg, func(s Stage) { names = append(names, s.Name) }, &keep)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"L", "L∘G", "det(LG)", "min(LG)", "CLG", "H∘CLG", "det(HCLG)", "min(HCLG)", "HCLG"}; !slices.Equal(names, want) {
		t.Errorf("stages %v, want %v", names, want)
	}
	if st.NumProns != 5 || st.SkippedProns != 1 {
		t.Errorf("prons %d skipped %d, want 5, 1", st.NumProns, st.SkippedProns)
	}
	half := math.Log(2)
	ph := keep.l.Phones
	w := in.Words

	// LG: phone strings to words, cost = LM + optional-silence choices.
	lgTests := []struct {
		phones, words string
		cost          float64
		ok            bool
	}{
		{"A_S B_S", "a b", testLM.cost([]string{"a", "b"}) + 3*half, true},
		{"A_B B_E", "ab", testLM.cost([]string{"ab"}) + 2*half, true},
		{"SIL A_B B_E SIL C_S", "ab c", testLM.cost([]string{"ab", "c"}) + 3*half, true},
		{"A_B C_E", "c", testLM.cost([]string{"c"}) + 2*half, true},
		{"C_B C_E", "", 0, false}, // zz is not in the LM
		{"A_B B_S", "", 0, false},
	}
	for _, tc := range lgTests {
		in := syms(t, ph, tc.phones)
		// The disambiguation symbols of LG are not in these strings: search LG with #0 arcs as epsilons.
		lg := wfst.Copy(keep.lg)
		for s := 0; s < lg.NumStates(); s++ {
			arcs := slices.Clone(lg.Arcs(wfst.StateID(s)))
			for i := range arcs {
				if n, _ := ph.Symbol(int64(arcs[i].ILabel)); strings.HasPrefix(n, "#") {
					arcs[i].ILabel = 0
				}
			}
			lg.SetArcs(wfst.StateID(s), arcs)
		}
		out, cost, ok := bestPath(lg, in)
		if ok != tc.ok {
			t.Errorf("LG %q: accepted %v, want %v", tc.phones, ok, tc.ok)
			continue
		}
		if ok && (!slices.Equal(out, syms(t, w, tc.words)) || math.Abs(cost-tc.cost) > 1e-3) {
			t.Errorf("LG %q: %v %.4f, want %q %.4f", tc.phones, out, cost, tc.words, tc.cost)
		}
	}

	// HCLG: frames to words. "a b" and "ab" have the same frames (positions are tied): the LM decides.
	tr := in.Transitions
	m := tiedModel{}
	d := [3]int{2, 1, 3}
	hclgTests := []struct {
		name  string
		segs  []phoneSeg
		words string
		lm    float64
	}{
		{"a b", []phoneSeg{{1, 0, 2, d}, {2, 1, 0, [3]int{1, 4, 1}}}, "a b", testLM.cost([]string{"a", "b"}) + 3*half},
		{"ab c", []phoneSeg{{1, 0, 2, d}, {2, 1, 3, d}, {3, 2, 0, d}}, "ab c", testLM.cost([]string{"ab", "c"}) + 3*half},
		{"sil a sil b sil", []phoneSeg{{0, 0, 0, d}, {1, 0, 0, d}, {0, 0, 0, d}, {2, 0, 0, d}, {0, 0, 0, [3]int{1, 1, 1}}},
			"a b", testLM.cost([]string{"a", "b"}) + 3*half},
		{"c(2)", []phoneSeg{{1, 0, 3, d}, {3, 1, 0, d}}, "c", testLM.cost([]string{"c"}) + 2*half},
	}
	for _, tc := range hclgTests {
		fr, hc := framesAndCost(m, tr, tc.segs, float64(cfg.SelfLoopScale))
		out, cost, ok := bestPath(g.HCLG, fr)
		if !ok {
			t.Errorf("HCLG %s: no path", tc.name)
			continue
		}
		if want := tc.lm + hc; !slices.Equal(out, syms(t, w, tc.words)) || math.Abs(cost-want) > 2e-3 {
			t.Errorf("HCLG %s: %v %.4f, want %q %.4f", tc.name, out, cost, tc.words, want)
		}
	}
	// A frame sequence no word sequence explains: a right context that does not match the next phone.
	for _, segs := range [][]phoneSeg{{{1, 0, 2, d}, {3, 1, 0, d}}} {
		fr, _ := framesAndCost(m, tr, segs, 0.1)
		if _, _, ok := bestPath(g.HCLG, fr); ok {
			t.Errorf("HCLG accepts %v", segs)
		}
	}
}

func TestBuildProperties(t *testing.T) {
	in := testInputs(t)
	var keep stages
	g, _, err := build(in, DefaultConfig(), nil, &keep)
	if err != nil {
		t.Fatal(err)
	}
	// Input-deterministic before self-loops (on transition ids, as Kaldi's HCLG is on transition ids).
	f := keep.hclgNoLoop
	for s := 0; s < f.NumStates(); s++ {
		seen := map[wfst.Label]bool{}
		for _, a := range f.Arcs(wfst.StateID(s)) {
			if seen[a.ILabel] {
				t.Fatalf("state %d has two arcs with input %d", s, a.ILabel)
			}
			seen[a.ILabel] = true
		}
	}
	// Connected: every state accessible and co-accessible.
	acc, coacc := wfst.AccessibleStates(g.HCLG)
	for s := range acc {
		if !acc[s] || !coacc[s] {
			t.Fatalf("state %d: accessible %v, co-accessible %v", s, acc[s], coacc[s])
		}
	}
	// Input labels are senone+1 or epsilon; outputs are words (never #0).
	n0, _ := in.Words.Find("#0")
	for s := 0; s < g.HCLG.NumStates(); s++ {
		for _, a := range g.HCLG.Arcs(wfst.StateID(s)) {
			if a.ILabel < 0 || int(a.ILabel) > in.Model.NumSenones() {
				t.Fatalf("input label %d out of range", a.ILabel)
			}
			if a.OLabel < 0 || int64(a.OLabel) == n0 {
				t.Fatalf("output label %d", a.OLabel)
			}
		}
	}
}

// testARPA is testLM as an ARPA file.
const testARPA = `\data\
ngram 1=6
ngram 2=6

\1-grams:
-1.0 </s>
-99 <s> -0.5
-0.7 a -0.3
-0.8 b -0.2
-1.2 ab -0.1
-0.9 c -0.4

\2-grams:
-0.3 <s> a
-0.2 a b
-0.1 b </s>
-0.9 <s> ab
-0.5 ab c
-0.3 c </s>

\end\
`

// TestBuildFromARPA builds HCLG from the ARPA text of testLM through lm's reader and G, and checks the same
// best paths as with the hand-made G.
func TestBuildFromARPA(t *testing.T) {
	m, err := lm.ReadARPA(strings.NewReader(testARPA))
	if err != nil {
		t.Fatal(err)
	}
	words, backoff := lm.WordSymbols(m)
	g, _, err := lm.BuildG(m, words, backoff)
	if err != nil {
		t.Fatal(err)
	}
	in := testInputs(t)
	in.G, in.Words = g, words
	gr, _, err := Build(in, DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := [3]int{1, 2, 1}
	for _, tc := range []struct {
		segs  []phoneSeg
		words string
		lm    float64
	}{
		{[]phoneSeg{{1, 0, 2, d}, {2, 1, 0, d}}, "a b", testLM.cost([]string{"a", "b"}) + 3*math.Log(2)},
		{[]phoneSeg{{1, 0, 2, d}, {2, 1, 3, d}, {3, 2, 0, d}}, "ab c", testLM.cost([]string{"ab", "c"}) + 3*math.Log(2)},
		{[]phoneSeg{{3, 0, 0, d}}, "c", testLM.cost([]string{"c"}) + 2*math.Log(2)},
	} {
		fr, hc := framesAndCost(tiedModel{}, in.Transitions, tc.segs, 0.1)
		out, cost, ok := bestPath(gr.HCLG, fr)
		if want := tc.lm + hc; !ok || !slices.Equal(out, syms(t, words, tc.words)) || math.Abs(cost-want) > 2e-3 {
			t.Errorf("%s: %v %.4f %v, want %.4f", tc.words, out, cost, ok, want)
		}
	}
}
