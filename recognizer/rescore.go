package recognizer

import (
	"fmt"

	"hark/lattice"
)

// rescorer swaps the graph's pruned LM for the full one on a word lattice (Kaldi's lattice-lmrescore with
// -1 × old and +1 × new). Read-only after construction.
type rescorer struct {
	old, full *lattice.NGramLM
	opts      lattice.RescoreOptions
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
	return &rescorer{old: old, full: full, opts: lattice.DefaultRescoreOptions()}, nil
}

func (r *rescorer) rescore(wl *lattice.WordLattice) (*lattice.WordLattice, error) {
	out, err := lattice.Rescore(wl, r.old, r.full, r.opts)
	if err != nil {
		return nil, fmt.Errorf("recognizer: rescoring: %w", err)
	}
	return out, nil
}
