package recognizer

import (
	"fmt"
	"path/filepath"

	"hark/decoder"
	"hark/graph"
	"hark/segment"
)

// Default file locations: Debian's pocketsphinx-en-us package.
const (
	DefaultModelRoot = "/usr/share/pocketsphinx/model/en-us"
	DefaultPrune     = graph.DefaultPruneNGrams // n-grams of the LM the decoding graph is built from
)

// Defaults of the live partial-result decoder (Config.PartialBeam, PartialMaxActive), chosen with
// bench/partial-beam.sh on 40 dev recordings: a third of the full search's CPU per second of audio
// (0.052 s against 0.161 s live at beam 13 / max-active 7000; 11 / 2000 costs 0.070 s), live-text WER 35 %
// against 22 % (the finals, decoded again at the full beam, are unaffected); see docs/service.md.
const (
	DefaultPartialBeam      = 10
	DefaultPartialMaxActive = 1000
)

// Config says which model to load and how to decode. DefaultConfig gives Debian's en-us model.
type Config struct {
	// AcousticModel is the Sphinx acoustic model directory (mdef, means, variances, ...).
	AcousticModel string
	// Dict is the pronunciation dictionary; the model's noisedict supplies the fillers.
	Dict string
	// LM is the n-gram LM (Sphinx .lm.bin or ARPA). The graph is built from a copy pruned to Prune n-grams,
	// and lattices are rescored with the full model when Rescore is set.
	LM    string
	Prune int
	// Rescore rescores each segment's lattice with the full LM (graph LM cost out, full LM cost in).
	Rescore bool
	// GraphCache is the graph cache directory ("" = graph.DefaultCacheDir()).
	GraphCache string
	// Graph holds the graph build options.
	Graph graph.Config
	// Decoder holds the beam search options.
	Decoder decoder.Config
	// PartialBeam and PartialMaxActive narrow the search of live decoders whose results are only previews:
	// the partial results of a stream whose final results are decoded again, batch-style, from each
	// segment (see PartialDecoder). 0 = as Decoder. hark serve --partial-beam, --partial-max-active.
	PartialBeam      float32
	PartialMaxActive int
	// Segment holds the long-audio segmentation options.
	Segment segment.Config
	// LatticeBeam prunes the word lattice before rescoring and confidences (cost units after acoustic
	// scaling).
	LatticeBeam float32
	// WordPenalty is added to every word's cost (the word insertion penalty, in scaled cost units).
	WordPenalty float32
}

// DefaultConfig returns the configuration for Debian's pocketsphinx-en-us model under root
// (DefaultModelRoot when root is empty).
func DefaultConfig(root string) Config {
	if root == "" {
		root = DefaultModelRoot
	}
	dc := decoder.DefaultConfig()
	// Width: beam 13, max-active 7000, lattice beam 6. Measured by search errors (utterances whose best path
	// costs more, acoustic + graph, than a beam 20 / max-active 50,000 reference finds; bench/search-errors.sh)
	// on the 133 dev recordings: 13/7000 has 10 (7.5 %), bound by max-active (beams 14-16 at 10000 remove the
	// same 5); 13/12000 removes 6 of them (WER 19.97 → 19.50 %) for 0.156 against 0.130 CPU s per audio s,
	// but raises `hark transcribe`'s peak RSS from 157 to 181 MB (1.68× pocketsphinx_batch's, over the 1.5×
	// bound) and the session footprint from 161 to 209 MB, so it is left to --max-active. Lattice beam 8
	// changed neither search nor rescoring errors (40 recordings) for 3-4× the lattice CPU.
	dc.Beam = 13
	dc.MaxActive = 7000
	dc.LatticeBeam = 6
	// pocketsphinx weighs the LM by 6.5 in its first pass and by 9.5 (-bestpathlw) in the final lattice pass,
	// the one our single pass with full-LM rescoring corresponds to; LM weight w ≡ acoustic scale 1/w.
	dc.AcousticScale = 1 / 9.5
	return Config{
		AcousticModel:    filepath.Join(root, "en-us"),
		Dict:             filepath.Join(root, "cmudict-en-us.dict"),
		LM:               filepath.Join(root, "en-us.lm.bin"),
		Prune:            DefaultPrune,
		Rescore:          true,
		Graph:            graph.DefaultConfig(),
		Decoder:          dc,
		PartialBeam:      DefaultPartialBeam,
		PartialMaxActive: DefaultPartialMaxActive,
		Segment:          segment.DefaultConfig(),
		LatticeBeam:      6,
	}
}

// PartialDecoder returns the search configuration of live decoders whose results are previews: Decoder
// with Beam and MaxActive replaced by PartialBeam and PartialMaxActive when they are set, never wider
// than Decoder (MinActive capped at MaxActive).
func (c *Config) PartialDecoder() decoder.Config {
	d := c.Decoder
	if c.PartialBeam > 0 {
		d.Beam = min(c.PartialBeam, d.Beam)
	}
	if c.PartialMaxActive > 0 {
		d.MaxActive = min(c.PartialMaxActive, d.MaxActive)
	}
	d.MinActive = min(d.MinActive, d.MaxActive)
	return d
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.AcousticModel == "" || c.Dict == "" || c.LM == "" {
		return fmt.Errorf("recognizer: acoustic model, dictionary and LM paths are required")
	}
	if c.Prune < 0 {
		return fmt.Errorf("recognizer: prune %d must not be negative", c.Prune)
	}
	if !(c.LatticeBeam > 0) {
		return fmt.Errorf("recognizer: lattice beam %g must be positive", c.LatticeBeam)
	}
	if err := c.Decoder.Validate(); err != nil {
		return err
	}
	if c.PartialBeam < 0 || c.PartialMaxActive < 0 {
		return fmt.Errorf("recognizer: partial beam %g and partial max-active %d must not be negative", c.PartialBeam, c.PartialMaxActive)
	}
	if p := c.PartialDecoder(); p.Validate() != nil {
		return fmt.Errorf("recognizer: partial decoder: %w", p.Validate())
	}
	if err := c.Graph.Validate(); err != nil {
		return err
	}
	return c.Segment.Validate()
}
