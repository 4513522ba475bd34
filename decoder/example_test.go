package decoder_test

import (
	"fmt"

	"hark/decoder"
	"hark/lattice"
	"hark/wfst"
)

// Example decodes three frames over a two-word graph: word 1 ("yes", acoustic index 1) or word 2
// ("no", index 2), each a one-state HMM with a self-loop.
func Example() {
	g := wfst.NewVector(wfst.Tropical)
	g.AddStates(3)
	g.SetStart(0)
	g.AddArc(0, wfst.Arc{ILabel: 1, OLabel: 1, Weight: 0.7, NextState: 1})
	g.AddArc(0, wfst.Arc{ILabel: 2, OLabel: 2, Weight: 0.7, NextState: 2})
	g.AddArc(1, wfst.Arc{ILabel: 1, Weight: 0.1, NextState: 1})
	g.AddArc(2, wfst.Arc{ILabel: 2, Weight: 0.1, NextState: 2})
	g.SetFinal(1, 0)
	g.SetFinal(2, 0)
	graph := wfst.NewConst(g)

	// Log-likelihoods: frames × indices (index 1 is column 0).
	m, err := decoder.NewMatrix([]float32{
		-2, -9,
		-3, -8,
		-2, -7,
	}, 2)
	if err != nil {
		panic(err)
	}
	d, err := decoder.New(graph, decoder.DefaultConfig())
	if err != nil {
		panic(err)
	}
	if err := d.InitDecoding(); err != nil {
		panic(err)
	}
	for n := 1; n <= m.NumFrames(); n++ { // frames arriving one at a time
		if err := d.AdvanceDecoding(m.Limited(n), -1); err != nil {
			panic(err)
		}
		fmt.Println("partial:", d.PartialWords(nil))
	}
	if err := d.FinalizeDecoding(); err != nil {
		panic(err)
	}
	p, err := d.BestPath(true)
	if err != nil {
		panic(err)
	}
	lat := lattice.New()
	if err := d.RawLattice(lat, true); err != nil {
		panic(err)
	}
	fmt.Printf("words %v, cost %.2f (graph %.2f, acoustic %.2f), final %v\n",
		p.Words(), p.Weight.Total(), p.Weight.Graph, p.Weight.Acoustic, d.ReachedFinal())
	fmt.Println("alignment:", p.Align(nil))
	// Output:
	// partial: [1]
	// partial: [1]
	// partial: [1]
	// words [1], cost 1.60 (graph 0.90, acoustic 0.70), final true
	// alignment: [{1 0 3 0}]
}
