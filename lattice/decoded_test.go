package lattice_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"hark/decoder"
	"hark/lattice"
	"hark/wfst"
)

// decodedLattice decodes a random HCLG-like graph over a random matrix and returns the raw lattice.
// Index 1 plays the role of silence (isSilence).
func decodedLattice(t testing.TB, seed uint64) *lattice.Lattice {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	const numStates, numIndices = 200, 30
	g := wfst.NewVector(wfst.Tropical)
	g.AddStates(numStates)
	g.SetStart(0)
	for s := range numStates {
		g.AddArc(wfst.StateID(s), wfst.Arc{ILabel: wfst.Label(1 + rng.IntN(numIndices)), Weight: float32(rng.Float64()), NextState: wfst.StateID(s)})
		for range 3 {
			a := wfst.Arc{Weight: float32(rng.Float64() * 3)}
			if rng.Float64() < 0.15 && s+1 < numStates {
				a.NextState = wfst.StateID(s + 1 + rng.IntN(numStates-s-1))
			} else {
				a.ILabel = wfst.Label(1 + rng.IntN(numIndices))
				a.NextState = wfst.StateID(rng.IntN(numStates))
			}
			if rng.Float64() < 0.1 {
				a.OLabel = wfst.Label(1 + rng.IntN(15))
			}
			g.AddArc(wfst.StateID(s), a)
		}
		if rng.IntN(4) == 0 {
			g.SetFinal(wfst.StateID(s), float32(rng.Float64()*2))
		}
	}
	data := make([]float32, 60*numIndices)
	for i := range data {
		data[i] = float32(-40 * rng.Float64())
	}
	m, err := decoder.NewMatrix(data, numIndices)
	if err != nil {
		t.Fatal(err)
	}
	cfg := decoder.DefaultConfig()
	cfg.Beam, cfg.LatticeBeam, cfg.MaxActive, cfg.MinActive = 8, 5, 60, 10
	d, err := decoder.New(wfst.NewConst(g), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(m); err != nil {
		t.Fatal(err)
	}
	l := lattice.New()
	if err := d.RawLattice(l, true); err != nil {
		t.Fatal(err)
	}
	return l
}

func isSil(l wfst.Label) bool { return l == 1 }

func TestDecodedLatticePipeline(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		l := decodedLattice(t, seed)
		best, err := l.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		spans := best.Align(isSil)

		// Lattice-beam pruning never removes the best path.
		pl := lattice.New()
		pl.States = slices.Clone(l.States)
		for i := range pl.States {
			pl.States[i].Arcs = slices.Clone(pl.States[i].Arcs)
		}
		pl.Start = l.Start
		if err := pl.Prune(1); err != nil {
			t.Fatal(err)
		}
		pb, err := pl.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pb.Words(), best.Words()) || pb.Weight != best.Weight {
			t.Errorf("seed %d: pruned best %v %v; unpruned %v %v", seed, pb.Words(), pb.Weight, best.Words(), best.Weight)
		}
		if pl.NumArcs() > l.NumArcs() {
			t.Errorf("seed %d: pruning grew the lattice", seed)
		}

		// The word lattice has the same best path, weight and word spans.
		wl, err := l.WordLattice(lattice.WordOptions{IsSilence: isSil})
		if err != nil {
			t.Fatal(err)
		}
		wb, err := wl.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(wb.Labels(), best.Words()) || !near(wb.Weight.Total(), best.Weight.Total()) {
			t.Errorf("seed %d: word lattice best %v %v; raw %v %v", seed, wb.Labels(), wb.Weight, best.Words(), best.Weight)
		} else {
			for i := range spans {
				if wb.Words[i].Start != spans[i].Start || wb.Words[i].End != spans[i].End {
					t.Errorf("seed %d: word %d span [%d,%d) in the word lattice; [%d,%d) by Align", seed, i, wb.Words[i].Start, wb.Words[i].End, spans[i].Start, spans[i].End)
				}
			}
		}

		// Determinization preserves the best path and its cost.
		det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{Beam: 5})
		if err != nil {
			t.Fatal(err)
		}
		db, err := det.BestPath()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(db.Labels(), best.Words()) || !near(db.Weight.Total(), best.Weight.Total()) {
			t.Errorf("seed %d: determinized best %v %v; raw %v %v", seed, db.Labels(), db.Weight, best.Words(), best.Weight)
		}
		nb, err := det.NBest(10)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, p := range nb {
			k := string(wordsKey(p.Labels()))
			if seen[k] {
				t.Errorf("seed %d: n-best repeats %v", seed, p.Labels())
			}
			seen[k] = true
		}

		// Confidences are probabilities.
		words := slices.Clone(db.Words)
		if err := det.Confidences(words); err != nil {
			t.Fatal(err)
		}
		for _, w := range words {
			if !(w.Conf > 0 && w.Conf <= 1) {
				t.Errorf("seed %d: confidence %g of %v outside (0, 1]", seed, w.Conf, w)
			}
		}
		t.Logf("seed %d: raw %d states %d arcs; word lattice %d/%d; determinized %d/%d; best %v conf %v",
			seed, l.NumStates(), l.NumArcs(), len(wl.States), wl.NumArcs(), len(det.States), det.NumArcs(), db.Labels(), words)
	}
}

func wordsKey(w []wfst.Label) []byte {
	var b []byte
	for _, x := range w {
		b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
	}
	return b
}

// TestWordLatticeHand checks spans on a hand-made state-level lattice: leading silence, word 7 over
// frames 2-4 followed by 2 frames of silence, then word 8 (frames 6-7) and an epsilon tail.
func TestWordLatticeHand(t *testing.T) {
	l := lattice.New()
	// state i is at frame i; emitting arcs i → i+1.
	for f := range 9 {
		l.AddState(int32(f))
	}
	l.Start = 0
	ils := []wfst.Label{1, 1, 5, 5, 5, 1, 6, 6}
	ols := []wfst.Label{0, 0, 7, 0, 0, 0, 8, 0}
	for f := range 8 {
		l.AddArc(wfst.StateID(f), lattice.Arc{ILabel: ils[f], OLabel: ols[f], Weight: lattice.Weight{Graph: 0.5, Acoustic: 1}, NextState: wfst.StateID(f + 1)})
	}
	// An alternative, worse word 9 from frame 2 to the end.
	l.AddArc(2, lattice.Arc{ILabel: 5, OLabel: 9, Weight: lattice.Weight{Graph: 9, Acoustic: 9}, NextState: 8})
	l.SetFinal(8, lattice.One)
	best, err := l.BestPath()
	if err != nil {
		t.Fatal(err)
	}
	want := []lattice.WordSpan{{Word: 7, Start: 2, End: 5}, {Word: 8, Start: 6, End: 8}}
	if got := best.Align(isSil); !slices.Equal(got, want) {
		t.Errorf("Align = %v; want %v", got, want)
	}
	wantNoSil := []lattice.WordSpan{{Word: 7, Start: 2, End: 6}, {Word: 8, Start: 6, End: 8}}
	if got := best.Align(nil); !slices.Equal(got, wantNoSil) {
		t.Errorf("Align(nil) = %v; want %v", got, wantNoSil)
	}
	wl, err := l.WordLattice(lattice.WordOptions{IsSilence: isSil})
	if err != nil {
		t.Fatal(err)
	}
	wb, err := wl.BestPath()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(wb.Words, want) {
		t.Errorf("word lattice best = %v; want %v", wb.Words, want)
	}
	if n := wl.NumArcs(); n != 3 {
		t.Errorf("word lattice has %d arcs; want 3 (7, 8, 9)", n)
	}
	if err := wl.Confidences(wb.Words); err != nil {
		t.Fatal(err)
	}
	if c := wb.Words[0].Conf; !(c > 0.99 && c <= 1) {
		t.Errorf("confidence of the dominant word 7 = %g; want ≈ 1", c)
	}
}
