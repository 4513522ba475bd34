package lexicon

import (
	"math"
	"slices"
	"strings"
	"testing"

	"hark/wfst"
)

// lBestPath is a tiny exhaustive Viterbi search over f: the cheapest path whose non-epsilon input labels
// are exactly input, its outputs (epsilons dropped) and cost; ok is false when none matches.
func lBestPath(f wfst.FST, input []wfst.Label) (out []wfst.Label, cost float64, ok bool) {
	type tok struct {
		cost float64
		out  []wfst.Label
	}
	relax := func(m map[wfst.StateID]tok, s wfst.StateID, t tok, a wfst.Arc) bool {
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
					if a.ILabel == 0 && relax(m, s, t, a) {
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
					relax(next, s, t, a)
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

func testWords(extra ...string) *wfst.SymbolTable {
	w := wfst.NewSymbolTable("words")
	for _, s := range append([]string{"<eps>", "a", "the", "thee", "read", "red", "<s>", "</s>"}, extra...) {
		w.Add(s)
	}
	return w
}

func testEntries() []LEntry {
	return []LEntry{
		{"a", []string{"AH"}},
		{"the", []string{"DH", "AH"}},
		{"the(2)", []string{"DH", "IY"}},
		{"thee", []string{"DH", "IY"}},
		{"read", []string{"R", "IY", "D"}},
		{"read(2)", []string{"R", "EH", "D"}},
		{"red", []string{"R", "EH", "D"}},
		{"oov", []string{"UW"}},
	}
}

func labels(t *testing.T, tab *wfst.SymbolTable, syms string) []wfst.Label {
	t.Helper()
	var out []wfst.Label
	for _, s := range strings.Fields(syms) {
		k, ok := tab.Find(s)
		if !ok {
			t.Fatalf("no symbol %q in %s", s, tab.Name)
		}
		out = append(out, wfst.Label(k))
	}
	return out
}

func TestBuildLPaths(t *testing.T) {
	words := testWords("#0")
	l, err := BuildL(testEntries(), words, DefaultLConfig())
	if err != nil {
		t.Fatal(err)
	}
	if l.Skipped != 1 || l.NumProns != 7 {
		t.Errorf("skipped %d, prons %d; want 1, 7", l.Skipped, l.NumProns)
	}
	half := -math.Log(0.5)
	tests := []struct {
		phones string
		words  string
		cost   float64
		ok     bool
	}{
		{"AH_S", "a", 2 * half, true},
		{"SIL AH_S SIL", "a", 2 * half, true},
		{"DH_B AH_E AH_S", "the a", 3 * half, true},
		{"DH_B IY_E #1 SIL R_B IY_I D_E", "the read", 3 * half, true},
		{"DH_B IY_E #2 R_B EH_I D_E #1", "thee read", 3 * half, true},
		{"R_B EH_I D_E #2", "red", 2 * half, true},
		{"DH_B IY_E R_B IY_I D_E", "", 0, false},   // homophone without its disambiguation symbol
		{"DH_B AH_I", "", 0, false},                // word-internal position at the end
		{"SIL SIL AH_S", "", 0, false},             // one optional silence at a time
		{"AH_S #0 AH_S", "a #0 a", 3 * half, true}, // G's backoff symbol passes through
	}
	for _, tc := range tests {
		t.Run(tc.phones, func(t *testing.T) {
			out, cost, ok := lBestPath(l.FST, labels(t, l.Phones, tc.phones))
			if ok != tc.ok {
				t.Fatalf("accepted %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if want := labels(t, words, tc.words); !slices.Equal(out, want) {
				t.Errorf("words %v, want %v", out, want)
			}
			if math.Abs(cost-tc.cost) > 1e-5 {
				t.Errorf("cost %g, want %g", cost, tc.cost)
			}
		})
	}
}

func TestBuildLSymbols(t *testing.T) {
	l, err := BuildL(testEntries(), testWords(), DefaultLConfig())
	if err != nil {
		t.Fatal(err)
	}
	var syms []string
	for _, k := range l.Phones.Keys() {
		s, _ := l.Phones.Symbol(k)
		syms = append(syms, s)
	}
	want := "<eps> SIL +NSN+ +SPN+ AH_B AH_E AH_I AH_S D_B D_E D_I D_S DH_B DH_E DH_I DH_S EH_B EH_E EH_I EH_S " +
		"IY_B IY_E IY_I IY_S R_B R_E R_I R_S #0 #1 #2"
	if got := strings.Join(syms, " "); got != want {
		t.Errorf("phones:\n got %s\nwant %s", got, want)
	}
	if len(l.Disambig) != 3 {
		t.Errorf("disambig %v, want #0 #1 #2", l.Disambig)
	}
	// No #0 in the word table: no backoff loop.
	for s := 0; s < l.FST.NumStates(); s++ {
		for _, a := range l.FST.Arcs(wfst.StateID(s)) {
			if a.ILabel == l.Disambig[0] {
				t.Errorf("state %d has a #0 arc without #0 in the word table", s)
			}
		}
	}
}

func TestBuildLPrefixDisambig(t *testing.T) {
	// Without position tags "a" (AH) is a prefix of "ah-ha" (AH HH AH): it needs #1.
	cfg := DefaultLConfig()
	cfg.PositionDependent = false
	cfg.SilProb = 0
	w := testWords("ah-ha")
	l, err := BuildL([]LEntry{{"a", []string{"AH"}}, {"ah-ha", []string{"AH", "HH", "AH"}}}, w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := lBestPath(l.FST, labels(t, l.Phones, "AH")); ok {
		t.Error("prefix word accepted without #1")
	}
	out, cost, ok := lBestPath(l.FST, labels(t, l.Phones, "AH #1 AH HH AH"))
	if !ok || !slices.Equal(out, labels(t, w, "a ah-ha")) || cost != 0 {
		t.Errorf("got %v %g %v", out, cost, ok)
	}
}

func TestBuildLErrors(t *testing.T) {
	w := testWords()
	for _, tc := range []struct {
		name string
		e    []LEntry
		cfg  func(*LConfig)
	}{
		{"empty pronunciation", []LEntry{{"a", nil}}, nil},
		{"disambiguation phone", []LEntry{{"a", []string{"#1"}}}, nil},
		{"sil-prob 1", []LEntry{{"a", []string{"AH"}}}, func(c *LConfig) { c.SilProb = 1 }},
		{"no silence phone", []LEntry{{"a", []string{"AH"}}}, func(c *LConfig) { c.SilPhone = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultLConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			if _, err := BuildL(tc.e, w, cfg); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestBaseWord(t *testing.T) {
	for in, want := range map[string]string{"read(2)": "read", "read": "read", "(2)": "(2)", "a(b)": "a(b)", "x(12)": "x", "f()": "f()"} {
		if got := baseWord(in); got != want {
			t.Errorf("baseWord(%q) = %q, want %q", in, got, want)
		}
	}
}
