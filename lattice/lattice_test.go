package lattice_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"hark/lattice"
	"hark/wfst"
)

// randomWordLattice returns an acyclic word lattice with states 0..n-1 (arcs go forward), words in
// [1, vocab], random pair weights, frames increasing with the state id, the last states final.
func randomWordLattice(rng *rand.Rand, n, arcs, vocab int) *lattice.WordLattice {
	wl := &lattice.WordLattice{Start: 0}
	for s := range n {
		wl.States = append(wl.States, lattice.WordState{Frame: int32(3 * s), Final: lattice.Zero})
	}
	for s := range n - 1 {
		for range 1 + rng.IntN(arcs) {
			t := s + 1 + rng.IntN(min(3, n-s-1))
			wl.States[s].Arcs = append(wl.States[s].Arcs, lattice.WordArc{
				Word:      wfst.Label(1 + rng.IntN(vocab)),
				Weight:    lattice.Weight{Graph: float32(rng.Float64() * 3), Acoustic: float32(rng.Float64() * 5)},
				Start:     int32(3 * s),
				End:       int32(3 * t),
				NextState: wfst.StateID(t),
			})
		}
	}
	wl.States[n-1].Final = lattice.One
	if n > 2 {
		wl.States[n-2].Final = lattice.Weight{Graph: 0.5}
	}
	return wl
}

type pathCost struct {
	words  string
	weight lattice.Weight
}

// enumerate lists every successful path of wl (exponential: tiny lattices only).
func enumerate(wl *lattice.WordLattice) []pathCost {
	var out []pathCost
	var rec func(s wfst.StateID, words []wfst.Label, w lattice.Weight)
	rec = func(s wfst.StateID, words []wfst.Label, w lattice.Weight) {
		st := &wl.States[s]
		if !st.Final.IsZero() {
			out = append(out, pathCost{fmt.Sprint(words), w.Times(st.Final)})
		}
		for _, a := range st.Arcs {
			rec(a.NextState, append(slices.Clip(words), a.Word), w.Times(a.Weight))
		}
	}
	rec(wl.Start, nil, lattice.One)
	return out
}

// bestPerSequence maps each word sequence to its best total cost.
func bestPerSequence(ps []pathCost) map[string]float32 {
	m := map[string]float32{}
	for _, p := range ps {
		if c, ok := m[p.words]; !ok || p.weight.Total() < c {
			m[p.words] = p.weight.Total()
		}
	}
	return m
}

func near(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-3*math.Max(1, math.Abs(float64(a)))
}

func TestWeight(t *testing.T) {
	a := lattice.Weight{Graph: 1, Acoustic: 2}
	b := lattice.Weight{Graph: 2, Acoustic: 1}
	c := lattice.Weight{Graph: 0, Acoustic: 4}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"less-tie-graph", a.Less(b), true},
		{"less-total", c.Less(a), false},
		{"plus", b.Plus(a), a},
		{"times", a.Times(b), lattice.Weight{Graph: 3, Acoustic: 3}},
		{"divide", a.Times(b).Divide(b), a},
		{"zero-plus", lattice.Zero.Plus(a), a},
		{"zero-times", lattice.Zero.Times(a).IsZero(), true},
		{"one-times", lattice.One.Times(a), a},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v; want %v", tt.got, tt.want)
			}
		})
	}
}

func TestDeterminizePreservesSequences(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		wl := randomWordLattice(rng, 3+rng.IntN(6), 3, 3)
		want := bestPerSequence(enumerate(wl))
		det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{Beam: float32(math.Inf(1))})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		paths := enumerate(det)
		seen := map[string]bool{}
		for _, p := range paths {
			if seen[p.words] {
				t.Errorf("seed %d: word sequence %s twice in the determinized lattice", seed, p.words)
			}
			seen[p.words] = true
			if w, ok := want[p.words]; !ok || !near(p.weight.Total(), w) {
				t.Errorf("seed %d: %s costs %g; input best %g (present %v)", seed, p.words, p.weight.Total(), w, ok)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("seed %d: %d sequences after determinization; %d before", seed, len(seen), len(want))
		}
		// The pruned version keeps the best path and its cost.
		bp, err := wl.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		pruned, err := lattice.Determinize(wl, lattice.DeterminizeOptions{Beam: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		pb, err := pruned.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pb.Labels(), bp.Labels()) || !near(pb.Weight.Total(), bp.Weight.Total()) {
			t.Errorf("seed %d: pruned determinized best %v %v; input %v %v", seed, pb.Labels(), pb.Weight, bp.Labels(), bp.Weight)
		}
		kept := bestPerSequence(enumerate(pruned))
		for words, c := range want {
			inBeam := c <= bp.Weight.Total()+0.5
			if _, ok := kept[words]; ok != inBeam && math.Abs(float64(c-bp.Weight.Total()-0.5)) > 1e-3 {
				t.Errorf("seed %d: %s (cost %g, best %g): kept %v after pruning with beam 0.5", seed, words, c, bp.Weight.Total(), ok)
			}
		}
	}
}

func TestNBestMatchesEnumeration(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		wl := randomWordLattice(rng, 3+rng.IntN(6), 3, 4)
		all := enumerate(wl)
		sort.Slice(all, func(i, j int) bool { return all[i].weight.Total() < all[j].weight.Total() })
		got, err := wl.NBest(5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != min(5, len(all)) {
			t.Fatalf("seed %d: NBest(5) gave %d paths; %d exist", seed, len(got), len(all))
		}
		for i, p := range got {
			if !near(p.Weight.Total(), all[i].weight.Total()) {
				t.Errorf("seed %d: path %d costs %g; enumeration %g", seed, i, p.Weight.Total(), all[i].weight.Total())
			}
		}
	}
}

func TestPosteriorsMatchEnumeration(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		wl := randomWordLattice(rng, 3+rng.IntN(5), 2, 3)
		post, err := wl.Posteriors()
		if err != nil {
			t.Fatal(err)
		}
		// Brute force: Σ over paths through each arc of e^-cost, over Σ over all paths.
		want := make([][]float64, len(wl.States))
		for s := range want {
			want[s] = make([]float64, len(wl.States[s].Arcs))
		}
		z := 0.0
		var rec func(s wfst.StateID, cost float64, used [][2]int)
		rec = func(s wfst.StateID, cost float64, used [][2]int) {
			st := &wl.States[s]
			if !st.Final.IsZero() {
				p := math.Exp(-(cost + float64(st.Final.Total())))
				z += p
				for _, u := range used {
					want[u[0]][u[1]] += p
				}
			}
			for i, a := range st.Arcs {
				rec(a.NextState, cost+float64(a.Weight.Total()), append(slices.Clip(used), [2]int{int(s), i}))
			}
		}
		rec(wl.Start, 0, nil)
		for s := range want {
			for i := range want[s] {
				if w := want[s][i] / z; math.Abs(float64(post[s][i])-w) > 1e-4 {
					t.Errorf("seed %d: posterior of arc %d/%d = %g; enumeration %g", seed, s, i, post[s][i], w)
				}
			}
		}
	}
}

// bigram is a toy LM: cost(w | prev) from a table, default 2; state = previous word.
type bigram struct{ cost map[[2]wfst.Label]float32 }

func (b bigram) StartState() uint64 { return 0 }
func (b bigram) WordCost(s uint64, w wfst.Label) (float32, uint64) {
	c, ok := b.cost[[2]wfst.Label{wfst.Label(s), w}]
	if !ok {
		c = 2
	}
	return c, uint64(w)
}
func (b bigram) FinalCost(s uint64) float32 { return 0.25 * float32(s) }

// unigram is a toy "old" LM: cost 1 per word, final 0.
type unigram struct{}

func (unigram) StartState() uint64                                { return 0 }
func (unigram) WordCost(s uint64, w wfst.Label) (float32, uint64) { return 1, 0 }
func (unigram) FinalCost(uint64) float32                          { return 0 }

var _ lattice.LanguageModel = bigram{}

func TestRescore(t *testing.T) {
	lm := bigram{cost: map[[2]wfst.Label]float32{{0, 1}: 0.1, {1, 2}: 0.2, {2, 3}: 5, {3, 1}: 0.3}}
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 4))
		wl := randomWordLattice(rng, 3+rng.IntN(5), 3, 3)
		det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := bestPerSequence(enumerate(det))
		out, err := lattice.Rescore(det, unigram{}, lm, lattice.DefaultRescoreOptions())
		if err != nil {
			t.Fatal(err)
		}
		after := bestPerSequence(enumerate(out))
		if len(after) != len(before) {
			t.Fatalf("seed %d: %d sequences after rescoring; %d before", seed, len(after), len(before))
		}
		for _, p := range enumeratePaths(det) {
			s := uint64(0)
			delta := float32(0)
			for _, w := range p.labels {
				c, n := lm.WordCost(s, w)
				delta += c - 1
				s = n
			}
			delta += lm.FinalCost(s)
			key := fmt.Sprint(p.labels)
			if got, want := after[key], before[key]+delta; !near(got, want) {
				t.Errorf("seed %d: %s rescored to %g; want %g + %g", seed, key, got, before[key], delta)
			}
		}
	}
}

type labeledPath struct{ labels []wfst.Label }

func enumeratePaths(wl *lattice.WordLattice) []labeledPath {
	var out []labeledPath
	var rec func(s wfst.StateID, words []wfst.Label)
	rec = func(s wfst.StateID, words []wfst.Label) {
		if !wl.States[s].Final.IsZero() {
			out = append(out, labeledPath{slices.Clone(words)})
		}
		for _, a := range wl.States[s].Arcs {
			rec(a.NextState, append(slices.Clip(words), a.Word))
		}
	}
	rec(wl.Start, nil)
	return out
}
