package lattice_test

import (
	"fmt"

	"hark/lattice"
	"hark/wfst"
)

// Example builds a small state-level lattice by hand (as the decoder's RawLattice does), turns it into a
// word lattice, determinizes it and reads the best path with word times and confidences, then the n-best.
func Example() {
	l := lattice.New()
	for f := range 5 {
		l.AddState(int32(f)) // state f at frame f
	}
	l.Start = 0
	w := func(g, a float32) lattice.Weight { return lattice.Weight{Graph: g, Acoustic: a} }
	// Frames 0-1: word 10 or word 11; frames 2-3: word 20 (index 3 is silence at frame 3).
	l.AddArc(0, lattice.Arc{ILabel: 1, OLabel: 10, Weight: w(1, 1), NextState: 1})
	l.AddArc(0, lattice.Arc{ILabel: 2, OLabel: 11, Weight: w(1, 2), NextState: 1})
	l.AddArc(1, lattice.Arc{ILabel: 1, Weight: w(0, 1), NextState: 2})
	l.AddArc(2, lattice.Arc{ILabel: 4, OLabel: 20, Weight: w(1, 1), NextState: 3})
	l.AddArc(3, lattice.Arc{ILabel: 3, Weight: w(0, 1), NextState: 4})
	l.SetFinal(4, lattice.One)

	isSilence := func(index wfst.Label) bool { return index == 3 }
	wl, err := l.WordLattice(lattice.WordOptions{IsSilence: isSilence})
	if err != nil {
		panic(err)
	}
	det, err := lattice.Determinize(wl, lattice.DefaultDeterminizeOptions())
	if err != nil {
		panic(err)
	}
	best, err := det.BestPath()
	if err != nil {
		panic(err)
	}
	if err := det.Confidences(best.Words); err != nil {
		panic(err)
	}
	for _, x := range best.Words {
		fmt.Printf("word %d frames [%d,%d) conf %.2f\n", x.Word, x.Start, x.End, x.Conf)
	}
	nbest, err := det.NBest(3)
	if err != nil {
		panic(err)
	}
	for _, p := range nbest {
		fmt.Println(p.Labels(), p.Weight)
	}
	// Output:
	// word 10 frames [0,2) conf 0.73
	// word 20 frames [2,3) conf 1.00
	// [10 20] 2,4
	// [11 20] 2,5
}
