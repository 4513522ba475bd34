package recognizer

import (
	"fmt"

	"hark/lattice"
	"hark/wfst"
)

// rescorer swaps the graph's pruned LM for the full one on a word lattice (Kaldi's lattice-lmrescore with
// -1 × old and +1 × new). Read-only after construction.
//
// As in Kaldi, the lattice is determinized first (one path per word sequence within the lattice beam, each
// with its best alignment; lattice.Determinize), so the on-the-fly composition with the two LMs expands word
// sequences, not alignments. Without it, a 3-second dev utterance (cathy_arctic_a0012, 741 word-lattice
// states, 37,118 arcs) expanded to 71,269 states and 4.1 M arcs: 362 MB allocated and 5.5 s of CPU; after
// determinization 687 states, 4,433 arcs, 2.5 MB and 34 ms, with the same best word sequence on all 20
// dev files compared (and on the whole dev set: docs/architecture.md §8).
type rescorer struct {
	old, full *lattice.NGramLM
	opts      lattice.RescoreOptions
	det       lattice.DeterminizeOptions
}

func newRescorer(m *Model) (*rescorer, error) {
	full, err := lattice.NewNGramLM(m.FullLM, m.Graph.Words)
	if err != nil {
		return nil, fmt.Errorf("recognizer: rescoring LM: %w", err)
	}
	old, err := lattice.NewNGramLM(m.GraphLM, m.Graph.Words)
	if err != nil {
		return nil, fmt.Errorf("recognizer: graph LM: %w", err)
	}
	det := lattice.DefaultDeterminizeOptions()
	det.Beam = m.Config.LatticeBeam
	return &rescorer{old: old, full: full, opts: lattice.DefaultRescoreOptions(), det: det}, nil
}

func (r *rescorer) rescore(wl *lattice.WordLattice) (*lattice.WordLattice, error) {
	dl, err := lattice.Determinize(wl, r.det)
	if err != nil {
		return nil, fmt.Errorf("recognizer: determinizing the lattice: %w", err)
	}
	out, err := lattice.Rescore(dl, r.old, r.full, r.opts)
	if err != nil {
		return nil, fmt.Errorf("recognizer: rescoring: %w", err)
	}
	return out, nil
}

// bestWords is the lattice half of decoding an utterance: it prunes the raw lattice lat to beam (in place),
// builds its word lattice (isSilence names the filler phones' input labels), rescores that with rs (none
// when rs is nil), and returns the best path with its words' confidences set.
func bestWords(lat *lattice.Lattice, beam float32, isSilence func(wfst.Label) bool, rs *rescorer) (lattice.WordPath, error) {
	if err := lat.Prune(beam); err != nil {
		return lattice.WordPath{}, err
	}
	wl, err := lat.WordLattice(lattice.WordOptions{IsSilence: isSilence})
	if err != nil {
		return lattice.WordPath{}, err
	}
	if rs != nil {
		if wl, err = rs.rescore(wl); err != nil {
			return lattice.WordPath{}, err
		}
	}
	best, err := wl.BestPath()
	if err != nil {
		return lattice.WordPath{}, err
	}
	if err := wl.Confidences(best.Words); err != nil {
		return lattice.WordPath{}, err
	}
	return best, nil
}
