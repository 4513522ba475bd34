package decoder

import (
	"errors"
	"flag"
	"fmt"
	"math"
)

// Config holds the search parameters, with Kaldi's LatticeFasterDecoderConfig names and defaults (plus
// AcousticScale, which Kaldi keeps in the decodable object). Costs are in natural-log units after the
// acoustic scale.
type Config struct {
	// Beam is the decoding beam: tokens costlier than the best token of their frame by more than Beam
	// are dropped. Larger is slower and more accurate. Kaldi --beam, default 16.
	Beam float32
	// MaxActive caps the number of tokens expanded per frame (the cutoff tightens to the MaxActive-th
	// best token). Kaldi --max-active, default math.MaxInt32 (no cap).
	MaxActive int
	// MinActive keeps at least this many tokens per frame (the cutoff widens). Kaldi --min-active,
	// default 200.
	MinActive int
	// LatticeBeam is the lattice generation beam: links and tokens on no path within LatticeBeam of the
	// best are pruned from the lattice. Larger is slower and gives deeper lattices. Kaldi --lattice-beam,
	// default 10.
	LatticeBeam float32
	// PruneInterval is the number of frames between lattice prunings. Kaldi --prune-interval, default 25.
	PruneInterval int
	// BeamDelta is added to the beam when MaxActive or MinActive sets the cutoff (the adaptive beam).
	// Kaldi --beam-delta, default 0.5.
	BeamDelta float32
	// HashRatio sizes the state→token hash table: capacity ≥ HashRatio × the tokens of the previous
	// frame. Kaldi --hash-ratio, default 2.
	HashRatio float32
	// PruneScale is the fraction of LatticeBeam used as the convergence tolerance when pruning during
	// decoding (Kaldi --prune-scale, default 0.1); final pruning uses exact convergence.
	PruneScale float32
	// AcousticScale multiplies log-likelihoods: acoustic cost = -AcousticScale × log-likelihood. Kaldi
	// --acoustic-scale, default 0.1.
	AcousticScale float32
}

// DefaultConfig returns Kaldi's defaults.
func DefaultConfig() Config {
	return Config{
		Beam:          16,
		MaxActive:     math.MaxInt32,
		MinActive:     200,
		LatticeBeam:   10,
		PruneInterval: 25,
		BeamDelta:     0.5,
		HashRatio:     2,
		PruneScale:    0.1,
		AcousticScale: 0.1,
	}
}

// ErrConfig is wrapped by every Validate error.
var ErrConfig = errors.New("decoder: invalid config")

// Validate checks the ranges Kaldi's Check enforces.
func (c *Config) Validate() error {
	switch {
	case !(c.Beam > 0):
		return fmt.Errorf("%w: beam %g must be > 0", ErrConfig, c.Beam)
	case c.MaxActive <= 1:
		return fmt.Errorf("%w: max-active %d must be > 1", ErrConfig, c.MaxActive)
	case c.MinActive < 0 || c.MinActive > c.MaxActive:
		return fmt.Errorf("%w: min-active %d must be in [0, max-active]", ErrConfig, c.MinActive)
	case !(c.LatticeBeam > 0):
		return fmt.Errorf("%w: lattice-beam %g must be > 0", ErrConfig, c.LatticeBeam)
	case c.PruneInterval <= 0:
		return fmt.Errorf("%w: prune-interval %d must be > 0", ErrConfig, c.PruneInterval)
	case !(c.BeamDelta > 0):
		return fmt.Errorf("%w: beam-delta %g must be > 0", ErrConfig, c.BeamDelta)
	case !(c.HashRatio >= 1):
		return fmt.Errorf("%w: hash-ratio %g must be >= 1", ErrConfig, c.HashRatio)
	case !(c.PruneScale > 0 && c.PruneScale < 1):
		return fmt.Errorf("%w: prune-scale %g must be in (0, 1)", ErrConfig, c.PruneScale)
	case !(c.AcousticScale > 0) || math.IsInf(float64(c.AcousticScale), 0):
		return fmt.Errorf("%w: acoustic-scale %g must be finite and > 0", ErrConfig, c.AcousticScale)
	}
	return nil
}

// RegisterFlags registers the fields on fs under Kaldi's flag names with prefix prepended (e.g. "" gives
// --beam, --max-active, --lattice-beam ...). The CLI maps these onto its own flag library.
func (c *Config) RegisterFlags(fs *flag.FlagSet, prefix string) {
	f32 := func(p *float32, name, usage string) {
		fs.Func(prefix+name, fmt.Sprintf("%s (default %g)", usage, *p), func(s string) error {
			var v float64
			if _, err := fmt.Sscan(s, &v); err != nil {
				return fmt.Errorf("parse %s: %w", name, err)
			}
			*p = float32(v)
			return nil
		})
	}
	f32(&c.Beam, "beam", "decoding beam; larger is slower and more accurate")
	fs.IntVar(&c.MaxActive, prefix+"max-active", c.MaxActive, "decoder max active tokens per frame; larger is slower and more accurate")
	fs.IntVar(&c.MinActive, prefix+"min-active", c.MinActive, "decoder min active tokens per frame")
	f32(&c.LatticeBeam, "lattice-beam", "lattice generation beam; larger is slower and gives deeper lattices")
	fs.IntVar(&c.PruneInterval, prefix+"prune-interval", c.PruneInterval, "interval (in frames) at which to prune tokens")
	f32(&c.BeamDelta, "beam-delta", "increment used when the beam is widened by max-active/min-active")
	f32(&c.HashRatio, "hash-ratio", "ratio of hash table capacity to active tokens")
	f32(&c.PruneScale, "prune-scale", "fraction of the lattice beam used as pruning tolerance during decoding")
	f32(&c.AcousticScale, "acoustic-scale", "scaling factor for acoustic log-likelihoods")
}
