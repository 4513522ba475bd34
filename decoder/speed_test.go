package decoder

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"hark/wfst"
)

// TestSpeedupsKeepResults decodes the same utterances with the search's speed-ups switched off, one at a
// time (slab compaction; skipping link-pruning passes that would repeat the last; the Const fast path, by
// decoding the generic Vector graph), and requires every
// result to be bit-identical to that of the full search: best path words and weight, partial words
// before finalization, the raw lattice (every arc's labels, weights and target, in order) both before and
// after FinalizeDecoding, and the live token and link counts. The configurations prune hard (beam,
// max-active and lattice pruning all act) so that pruning frees many tokens and links.
func TestSpeedupsKeepResults(t *testing.T) {
	narrow := pruningConfig()
	narrow.PruneInterval = 3
	wide := pruningConfig()
	wide.Beam, wide.MaxActive, wide.LatticeBeam = 8, 80, 6
	for _, cfg := range []Config{narrow, wide} {
		for seed := uint64(1); seed <= 3; seed++ {
			rng := rand.New(rand.NewPCG(seed, 123))
			vg := randomGraph(rng, 300, 4, 50, 30, 0.15, 0.2)
			cg := wfst.NewConst(vg)
			m := randomMatrix(rng, 60, 50)
			variants := []struct {
				name         string
				graph        wfst.FST
				noCmp, allPs bool
			}{{"const", cg, false, false}, {"no-compaction", cg, true, false}, {"all-passes", cg, false, true},
				{"vector", vg, false, false}}
			for _, finalize := range []bool{false, true} {
				var ref result
				var refToks, refLinks int
				for i, v := range variants {
					d := mustNew(t, v.graph, cfg)
					d.noCompact, d.allPasses = v.noCmp, v.allPs
					for _, chunk := range []int{m.NumFrames(), 4} {
						got := decodeChunked(t, d, m, chunk, finalize)
						name := fmt.Sprintf("beam %g seed %d finalize %v %s chunk %d", cfg.Beam, seed, finalize, v.name, chunk)
						if i == 0 && chunk == m.NumFrames() {
							ref, refToks, refLinks = got, d.NumTokens(), d.NumLinks()
							continue
						}
						if !equalLabels(got.words, ref.words) || got.weight != ref.weight {
							t.Errorf("%s: best path %v %v; want %v %v", name, got.words, got.weight, ref.words, ref.weight)
						}
						if !equalLabels(got.partial, ref.partial) {
							t.Errorf("%s: partial %v; want %v", name, got.partial, ref.partial)
						}
						if err := sameLattice(got.lat, ref.lat); err != nil {
							t.Errorf("%s: lattice differs: %v", name, err)
						}
						if d.NumTokens() != refToks || d.NumLinks() != refLinks {
							t.Errorf("%s: %d tokens %d links; want %d %d", name, d.NumTokens(), d.NumLinks(), refToks, refLinks)
						}
					}
				}
			}
		}
	}
}

// countingDecodable counts the log-likelihood requests per frame and index.
type countingDecodable struct {
	*Matrix
	asked map[[2]int]int
}

func (c *countingDecodable) LogLikelihood(frame int, index int32) float32 {
	c.asked[[2]int{frame, int(index)}]++
	return c.Matrix.LogLikelihood(frame, index)
}

// TestLogLikelihoodAskedOnce checks the per-frame cache of scaled log-likelihoods: the decoder asks its
// Decodable at most once per frame and index (however many arcs share the index), over chunked decoding,
// and the result is that of the plain Matrix.
func TestLogLikelihoodAskedOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	g := wfst.NewConst(randomGraph(rng, 300, 4, 20, 30, 0.15, 0.2))
	m := randomMatrix(rng, 40, 20)
	cfg := pruningConfig()
	want := decodeChunked(t, mustNew(t, g, cfg), m, m.NumFrames(), true)
	c := &countingDecodable{Matrix: m, asked: map[[2]int]int{}}
	d := mustNew(t, g, cfg)
	if err := d.InitDecoding(); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < m.NumFrames(); n += 3 {
		c.Matrix = m.Limited(n + 3)
		if err := d.AdvanceDecoding(c, -1); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.FinalizeDecoding(); err != nil {
		t.Fatal(err)
	}
	p, err := d.BestPath(true)
	if err != nil {
		t.Fatal(err)
	}
	if !equalLabels(p.Words(), want.words) || p.Weight != want.weight {
		t.Errorf("best path %v %v; want %v %v", p.Words(), p.Weight, want.words, want.weight)
	}
	if len(c.asked) == 0 {
		t.Fatal("no log-likelihood asked for")
	}
	for k, n := range c.asked {
		if n != 1 {
			t.Errorf("frame %d index %d asked %d times; want once", k[0], k[1], n)
		}
	}
}
