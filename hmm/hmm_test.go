package hmm

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"hark/wfst"
)

// fakeModel is a hand-made mdef: CI phones SIL (filler), A, B, C; a few triphones; 3 emitting states per
// phone; tmat id = base phone; each phone has its own senones.
type fakeModel struct {
	names []string
	tri   map[[4]int]int // (base, left, right, wpos) → pid
	nPid  int
}

func newFakeModel() *fakeModel {
	m := &fakeModel{names: []string{"SIL", "A", "B", "C"}, tri: map[[4]int]int{}, nPid: 4}
	add := func(b, l, r, pos int) {
		m.tri[[4]int{b, l, r, pos}] = m.nPid
		m.nPid++
	}
	add(1, 0, 2, PosBegin)  // 4: A between SIL and B, word begin
	add(2, 1, 3, PosEnd)    // 5: B between A and C, word end
	add(3, 2, 0, PosSingle) // 6: C between B and SIL, single
	add(2, 1, 0, PosEnd)    // 7: B between A and SIL, word end
	add(1, 0, 1, PosSingle) // 8: A between SIL and A, single
	add(1, 1, 0, PosSingle) // 9: A between A and SIL, single
	return m
}

func (m *fakeModel) NumCIPhones() int          { return len(m.names) }
func (m *fakeModel) CIPhoneName(ci int) string { return m.names[ci] }
func (m *fakeModel) IsFiller(ci int) bool      { return ci == 0 }
func (m *fakeModel) SilencePhone() int         { return 0 }
func (m *fakeModel) NumSenones() int           { return 3 * m.nPid }
func (m *fakeModel) TmatID(pid int) int {
	if pid < len(m.names) {
		return pid
	}
	for k, p := range m.tri {
		if p == pid {
			return k[0]
		}
	}
	panic("bad pid")
}
func (m *fakeModel) SenoneSeq(pid int) []int { return []int{3 * pid, 3*pid + 1, 3*pid + 2} }
func (m *fakeModel) PhoneIDNearest(b, l, r, pos int) int {
	if p, ok := m.tri[[4]int{b, l, r, pos}]; ok {
		return p
	}
	return b
}

// fakeTmats returns 4 matrices: self-loop p, forward 1-p, with p = 0.5, 0.6, 0.7, 0.8 for phone 0..3.
func fakeTmats() [][][]float32 {
	var raw [][][]float32
	for ph := 0; ph < 4; ph++ {
		p := float32(0.5 + 0.1*float64(ph))
		raw = append(raw, [][]float32{{p, 1 - p, 0, 0}, {0, p, 1 - p, 0}, {0, 0, p, 1 - p}})
	}
	return raw
}

// phoneTable is the L input table the tests use.
func phoneTable() *wfst.SymbolTable {
	t := wfst.NewSymbolTable("phones")
	for _, s := range []string{"<eps>", "SIL", "A_B", "A_E", "A_I", "A_S", "B_B", "B_E", "B_I", "B_S", "C_B", "C_E", "C_I", "C_S", "#0", "#1"} {
		t.Add(s)
	}
	return t
}

func lab(t *testing.T, tab *wfst.SymbolTable, s string) wfst.Label {
	t.Helper()
	k, ok := tab.Find(s)
	if !ok {
		t.Fatalf("no symbol %q", s)
	}
	return wfst.Label(k)
}

// chain builds an FST that is a single path over (ilabel, olabel) pairs with unit costs 0, final at the end.
func chain(pairs [][2]wfst.Label, weights []float32) *wfst.Vector {
	f := wfst.NewVector(wfst.Tropical)
	s := f.AddState()
	f.SetStart(s)
	for i, p := range pairs {
		n := f.AddState()
		w := float32(0)
		if weights != nil {
			w = weights[i]
		}
		f.AddArc(s, wfst.Arc{ILabel: p[0], OLabel: p[1], Weight: w, NextState: n})
		s = n
	}
	f.SetFinal(s, 0.25)
	return f
}

// bestPath is a tiny exhaustive Viterbi search: the cheapest path whose non-epsilon input labels are
// exactly input, with its output labels (epsilons dropped) and cost. ok is false when no path matches.
func bestPath(f wfst.FST, input []wfst.Label) (out []wfst.Label, cost float64, ok bool) {
	type tok struct {
		cost float64
		out  []wfst.Label
	}
	cur := map[wfst.StateID]tok{f.Start(): {}}
	closure := func(m map[wfst.StateID]tok) {
		for changed := true; changed; {
			changed = false
			for s, t := range m {
				for _, a := range f.Arcs(s) {
					if a.ILabel != 0 {
						continue
					}
					c := t.cost + float64(a.Weight)
					if old, ok := m[a.NextState]; !ok || c < old.cost-1e-9 {
						o := slices.Clone(t.out)
						if a.OLabel != 0 {
							o = append(o, a.OLabel)
						}
						m[a.NextState] = tok{c, o}
						changed = true
					}
				}
			}
		}
	}
	closure(cur)
	for _, x := range input {
		next := map[wfst.StateID]tok{}
		for s, t := range cur {
			for _, a := range f.Arcs(s) {
				if a.ILabel != x {
					continue
				}
				c := t.cost + float64(a.Weight)
				if old, ok := next[a.NextState]; !ok || c < old.cost-1e-9 {
					o := slices.Clone(t.out)
					if a.OLabel != 0 {
						o = append(o, a.OLabel)
					}
					next[a.NextState] = tok{c, o}
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

func TestNewTransitions(t *testing.T) {
	tests := []struct {
		name string
		raw  [][][]float32
		want [][]float64 // matrix 0
		err  bool
	}{
		{"counts", [][][]float32{{{3, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 9, 1}}}, [][]float64{{0.75, 0.25, 0, 0}, {0, 0.5, 0.5, 0}, {0, 0, 0.9, 0.1}}, false},
		{"skip", [][][]float32{{{2, 1, 1, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}}}, [][]float64{{0.5, 0.25, 0.25, 0}, {0, 0.5, 0.5, 0}, {0, 0, 0.5, 0.5}}, false},
		{"backwards", [][][]float32{{{1, 1, 0, 0}, {1, 1, 1, 0}, {0, 0, 1, 1}}}, nil, true},
		{"stuck", [][][]float32{{{1, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 1}}}, nil, true},
		{"columns", [][][]float32{{{1, 1, 0}, {0, 1, 1}, {0, 0, 1}}}, nil, true},
		{"negative", [][][]float32{{{1, -1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}}}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTransitions(tc.raw)
			if tc.err {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range tc.want {
				for j, p := range row {
					if got := tr.Prob(0, i, j); math.Abs(got-p) > 1e-9 {
						t.Errorf("p[%d][%d] = %g, want %g", i, j, got, p)
					}
				}
			}
		})
	}
}

func TestTmatFloor(t *testing.T) {
	tr, err := NewTransitions([][][]float32{{{1e6, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Prob(0, 0, 1)
	if want := TmatFloor / (1 + TmatFloor); math.Abs(p-want) > 1e-9*want+1e-12 && math.Abs(p-TmatFloor) > 2e-6 {
		t.Errorf("floored p = %g, want about %g", p, TmatFloor)
	}
}

// wordLG builds LG for the word sequence w1 = "A B" (A_B B_E), w2 = "C" (C_S) as a chain with costs.
func wordLG(t *testing.T) (*wfst.Vector, *wfst.SymbolTable) {
	ph := phoneTable()
	lg := chain([][2]wfst.Label{{lab(t, ph, "A_B"), 1}, {lab(t, ph, "B_E"), 0}, {lab(t, ph, "#1"), 0}, {lab(t, ph, "C_S"), 2}}, []float32{1, 0, 0, 2})
	return lg, ph
}

func TestComposeContext(t *testing.T) {
	m := newFakeModel()
	lg, ph := wordLG(t)
	c, err := NewContext(m, ph)
	if err != nil {
		t.Fatal(err)
	}
	clg, err := ComposeContext(lg, c)
	if err != nil {
		t.Fatal(err)
	}
	// The only path: #-1 (A_B read), HMM(A|SIL,B,b) when B_E is read, #1, HMM(B|A,C,e) when C_S is read,
	// HMM(C|B,SIL,s) flushed at the end.
	var in []wfst.Label
	var outs []wfst.Label
	cost := float64(0)
	s := clg.Start()
	for wfst.IsZero(clg.Final(s)) {
		arcs := clg.Arcs(s)
		if len(arcs) != 1 {
			t.Fatalf("state %d has %d arcs, want 1 (a chain)", s, len(arcs))
		}
		a := arcs[0]
		in = append(in, a.ILabel)
		if a.OLabel != 0 {
			outs = append(outs, a.OLabel)
		}
		cost += float64(a.Weight)
		s = a.NextState
	}
	if len(in) != 5 {
		t.Fatalf("CLG path has %d arcs, want 5: %v", len(in), in)
	}
	if in[0] != 1 || c.DisambigName(in[0]) != "#-1" {
		t.Errorf("first label %d, want #-1", in[0])
	}
	if !c.IsDisambig(in[2]) || c.DisambigName(in[2]) != "#1" {
		t.Errorf("third label %d, want #1", in[2])
	}
	wantPid := map[int]int{1: 4, 3: 5, 4: 6}
	for i, pid := range wantPid {
		h := c.HMM(in[i])
		if got := int(h.Senones[0]) / 3; got != pid {
			t.Errorf("arc %d: HMM of phone %d, want %d", i, got, pid)
		}
		if int(h.Tmat) != m.TmatID(pid) {
			t.Errorf("arc %d: tmat %d, want %d", i, h.Tmat, m.TmatID(pid))
		}
	}
	if !slices.Equal(outs, []wfst.Label{1, 2}) {
		t.Errorf("outputs %v, want [1 2]", outs)
	}
	if want := 3.25; math.Abs(cost+float64(clg.Final(s))-want) > 1e-6 {
		t.Errorf("cost %g, want %g", cost+float64(clg.Final(s)), want)
	}
}

func TestComposeContextSilenceAndBackoff(t *testing.T) {
	// "A" (A_S), SIL, "A" (A_S): silence is context-independent and acts as SIL context, so both words use
	// the A|SIL,SIL triphone, which the model lacks: backoff to the CI phone A.
	m := newFakeModel()
	ph := phoneTable()
	lg := chain([][2]wfst.Label{{lab(t, ph, "A_S"), 1}, {lab(t, ph, "SIL"), 0}, {lab(t, ph, "A_S"), 1}}, nil)
	c, err := NewContext(m, ph)
	if err != nil {
		t.Fatal(err)
	}
	clg, err := ComposeContext(lg, c)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for s := clg.Start(); wfst.IsZero(clg.Final(s)); {
		a := clg.Arcs(s)[0]
		if !c.IsDisambig(a.ILabel) {
			pids = append(pids, int(c.HMM(a.ILabel).Senones[0])/3)
		}
		s = a.NextState
	}
	if want := []int{1, 0, 1}; !slices.Equal(pids, want) {
		t.Errorf("phones %v, want %v", pids, want)
	}
	// "A" "A" with no silence: cross-word context A|SIL,A (pid 8) then A|A,SIL (pid 9).
	lg = chain([][2]wfst.Label{{lab(t, ph, "A_S"), 1}, {lab(t, ph, "A_S"), 1}}, nil)
	clg, err = ComposeContext(lg, c)
	if err != nil {
		t.Fatal(err)
	}
	pids = pids[:0]
	for s := clg.Start(); wfst.IsZero(clg.Final(s)); {
		a := clg.Arcs(s)[0]
		if !c.IsDisambig(a.ILabel) {
			pids = append(pids, int(c.HMM(a.ILabel).Senones[0])/3)
		}
		s = a.NextState
	}
	if want := []int{8, 9}; !slices.Equal(pids, want) {
		t.Errorf("phones %v, want %v", pids, want)
	}
}

func TestNewContextErrors(t *testing.T) {
	m := newFakeModel()
	for _, sym := range []string{"D_B", "A", "SIL_B", "A_X"} {
		tab := wfst.NewSymbolTable("p")
		tab.Add("<eps>")
		tab.Add(sym)
		if _, err := NewContext(m, tab); err == nil {
			t.Errorf("symbol %q: want an error", sym)
		}
	}
}

// frames returns the frame labels (senone+1) of a phone sequence with the given durations per state.
func frames(pids []int, dur [][3]int) []wfst.Label {
	var f []wfst.Label
	for i, p := range pids {
		for j := 0; j < 3; j++ {
			for k := 0; k < dur[i][j]; k++ {
				f = append(f, wfst.Label(3*p+j+1))
			}
		}
	}
	return f
}

// pathCost is the exact cost of the HMM path: transition costs of each phone plus graph cost.
func pathCost(pids []int, dur [][3]int, m *fakeModel, tr *Transitions, scale float64) float64 {
	c := 0.0
	for i, p := range pids {
		tm := m.TmatID(p)
		for j := 0; j < 3; j++ {
			loop := tr.SelfLoop(tm, j)
			c += -math.Log(tr.Prob(tm, j, j+1)/(1-loop)) - scale*float64(dur[i][j]-1)*math.Log(loop) - scale*math.Log(1-loop)
		}
	}
	return c
}

func TestExpandHAndSelfLoops(t *testing.T) {
	m := newFakeModel()
	tr, err := NewTransitions(fakeTmats())
	if err != nil {
		t.Fatal(err)
	}
	lg, ph := wordLG(t)
	c, err := NewContext(m, ph)
	if err != nil {
		t.Fatal(err)
	}
	clg, err := ComposeContext(lg, c)
	if err != nil {
		t.Fatal(err)
	}
	hclg, err := ExpandH(clg, c, tr, DefaultHConfig())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := MapToSenones(hclg, c); err != nil || n != 2 {
		t.Errorf("removed %d disambiguation arcs, want 2 (#-1 and #1)", n)
	}
	pids := []int{4, 5, 6}
	one := [][3]int{{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}
	// Without self-loops only one frame per state fits.
	out, cost, ok := bestPath(hclg, frames(pids, one))
	if !ok {
		t.Fatal("no path for 9 frames")
	}
	if !slices.Equal(out, []wfst.Label{1, 2}) {
		t.Errorf("words %v, want [1 2]", out)
	}
	graph := 3.25
	want := graph
	for _, p := range pids {
		for j := 0; j < 3; j++ {
			tm := m.TmatID(p)
			want += -math.Log(tr.Prob(tm, j, j+1) / (1 - tr.SelfLoop(tm, j)))
		}
	}
	if math.Abs(cost-want) > 1e-4 {
		t.Errorf("cost without self-loops %g, want %g", cost, want)
	}
	if _, _, ok := bestPath(hclg, frames(pids, [][3]int{{2, 1, 1}, {1, 1, 1}, {1, 1, 1}})); ok {
		t.Error("10 frames accepted before self-loops")
	}
	for _, scale := range []float32{1, 0.1} {
		g := wfst.Copy(hclg)
		loops, err := c.SelfLoopProbs(tr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := AddSelfLoops(g, loops, scale); err != nil {
			t.Fatal(err)
		}
		dur := [][3]int{{2, 1, 3}, {1, 4, 1}, {5, 2, 2}}
		out, cost, ok := bestPath(g, frames(pids, dur))
		if !ok {
			t.Fatalf("scale %g: no path", scale)
		}
		if !slices.Equal(out, []wfst.Label{1, 2}) {
			t.Errorf("scale %g: words %v", scale, out)
		}
		if want := graph + pathCost(pids, dur, m, tr, float64(scale)); math.Abs(cost-want) > 1e-3 {
			t.Errorf("scale %g: cost %g, want %g", scale, cost, want)
		}
	}
}

func TestAddSelfLoopsSplitsStates(t *testing.T) {
	// Two arcs with different labels into one state: the state must be split so each copy loops on its
	// own label; and the start state entered by a labelled arc gets a copy too.
	f := wfst.NewVector(wfst.Tropical)
	s0, s1, s2 := f.AddState(), f.AddState(), f.AddState()
	f.SetStart(s0)
	f.AddArc(s0, wfst.Arc{ILabel: 1, NextState: s1})
	f.AddArc(s0, wfst.Arc{ILabel: 2, NextState: s1})
	f.AddArc(s1, wfst.Arc{ILabel: 3, NextState: s2})
	f.AddArc(s2, wfst.Arc{ILabel: 1, NextState: s0})
	f.SetFinal(s2, 0)
	probs := []float64{0.5, 0.25, 0.75}
	added, err := AddSelfLoops(f, probs, 1)
	if err != nil {
		t.Fatal(err)
	}
	if added != 2 {
		t.Errorf("added %d states, want 2", added)
	}
	tests := []struct {
		in   []wfst.Label
		want float64
		ok   bool
	}{
		{[]wfst.Label{1, 1, 3}, -math.Log(0.5) - math.Log(0.5) - math.Log(0.25), true},
		{[]wfst.Label{2, 2, 2, 3}, -2*math.Log(0.25) - math.Log(0.75) - math.Log(0.25), true},
		{[]wfst.Label{1, 2, 3}, 0, false},
		{[]wfst.Label{1, 3, 3, 1, 1, 3}, -3*math.Log(0.5) - math.Log(0.75) - 2*math.Log(0.25), true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			_, cost, ok := bestPath(f, tc.in)
			if ok != tc.ok {
				t.Fatalf("accepted %v, want %v", ok, tc.ok)
			}
			if ok && math.Abs(cost-tc.want) > 1e-5 {
				t.Errorf("cost %g, want %g", cost, tc.want)
			}
		})
	}
}

func TestExpandHEqualsComposeWithH(t *testing.T) {
	m := newFakeModel()
	tr, err := NewTransitions(fakeTmats())
	if err != nil {
		t.Fatal(err)
	}
	ph := phoneTable()
	// A small LG with alternatives and a loop: (A_B B_E | A_S #1 | SIL)* C_S.
	lg := wfst.NewVector(wfst.Tropical)
	s0, s1, s2 := lg.AddState(), lg.AddState(), lg.AddState()
	lg.SetStart(s0)
	lg.AddArc(s0, wfst.Arc{ILabel: lab(t, ph, "A_B"), OLabel: 1, Weight: 0.5, NextState: s1})
	lg.AddArc(s1, wfst.Arc{ILabel: lab(t, ph, "B_E"), NextState: s0})
	lg.AddArc(s0, wfst.Arc{ILabel: lab(t, ph, "A_S"), OLabel: 2, Weight: 1, NextState: s1})
	lg.AddArc(s1, wfst.Arc{ILabel: lab(t, ph, "#1"), Weight: 0.25, NextState: s0})
	lg.AddArc(s0, wfst.Arc{ILabel: lab(t, ph, "SIL"), Weight: 2, NextState: s0})
	lg.AddArc(s0, wfst.Arc{ILabel: lab(t, ph, "C_S"), OLabel: 3, Weight: 0.75, NextState: s2})
	lg.SetFinal(s2, 0.125)
	c, err := NewContext(m, ph)
	if err != nil {
		t.Fatal(err)
	}
	clg, err := ComposeContext(lg, c)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := ExpandH(clg, c, tr, DefaultHConfig())
	if err != nil {
		t.Fatal(err)
	}
	h, err := HTransducer(c, tr, DefaultHConfig())
	if err != nil {
		t.Fatal(err)
	}
	wfst.ArcSort(h, wfst.OLabelSort)
	composed, err := wfst.Compose(h, clg, wfst.DefaultComposeOptions())
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		eq, err := wfst.RandEquivalent(exp, composed, 200, 1e-4, seed)
		if err != nil {
			t.Fatal(err)
		}
		if !eq {
			t.Fatalf("seed %d: ExpandH(CLG) and H∘CLG differ", seed)
		}
	}
	// And the check can fail: one arc's cost changed changes the relation.
	other := wfst.Copy(composed)
	arcs := slices.Clone(other.Arcs(other.Start()))
	for i := range arcs {
		arcs[i].Weight += 1
	}
	other.SetArcs(other.Start(), arcs)
	if eq, err := wfst.RandEquivalent(exp, other, 200, 1e-4, 1); err != nil || eq {
		t.Fatalf("perturbed H∘CLG compares equal (%v, %v)", eq, err)
	}
}

func TestNewTransitionsFlat(t *testing.T) {
	raw := fakeTmats()
	var flat []float32
	for _, m := range raw {
		for _, r := range m {
			flat = append(flat, r...)
		}
	}
	tr, err := NewTransitionsFlat(len(raw), 3, flat)
	if err != nil {
		t.Fatal(err)
	}
	for m := range raw {
		for i := 0; i < 3; i++ {
			for j := 0; j <= 3; j++ {
				if got, want := tr.Prob(m, i, j), float64(raw[m][i][j]); math.Abs(got-want) > 1e-6 {
					t.Fatalf("p[%d][%d][%d] = %g, want %g", m, i, j, got, want)
				}
			}
		}
	}
	if _, err := NewTransitionsFlat(len(raw), 3, flat[1:]); err == nil {
		t.Error("short slice: want an error")
	}
}
