package lattice_test

import (
	"testing"

	"hark/lattice"
)

// BenchmarkPipeline measures the per-segment lattice work on a decoded 60-frame lattice (random graph,
// see decodedLattice): word lattice, pruned determinization, posteriors/confidences and 10-best. Run:
//
//	go test -run '^$' -bench Pipeline ./lattice/
func BenchmarkPipeline(b *testing.B) {
	l := decodedLattice(b, 3)
	b.ReportAllocs()
	for b.Loop() {
		wl, err := l.WordLattice(lattice.WordOptions{IsSilence: isSil})
		if err != nil {
			b.Fatal(err)
		}
		det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{Beam: 5})
		if err != nil {
			b.Fatal(err)
		}
		best, err := det.BestPath()
		if err != nil {
			b.Fatal(err)
		}
		if err := det.Confidences(best.Words); err != nil {
			b.Fatal(err)
		}
		if _, err := det.NBest(10); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(l.NumArcs()), "raw-arcs")
}
