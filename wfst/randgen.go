package wfst

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// RandGenSelector chooses how RandGen picks an arc (OpenFST's arc selectors; fstrandgen's --select).
type RandGenSelector uint8

const (
	// UniformSelector picks uniformly among the arcs of a state and, at a final state, stopping
	// (OpenFST's UniformArcSelector, "uniform").
	UniformSelector RandGenSelector = iota
	// LogProbSelector picks an arc with probability proportional to exp(−weight) and stops with probability
	// proportional to exp(−final weight) (OpenFST's LogProbArcSelector, "log_prob"); the weights need not
	// be normalized.
	LogProbSelector
)

// ParseRandGenSelector maps fstrandgen's --select values to a selector.
func ParseRandGenSelector(s string) (RandGenSelector, error) {
	switch s {
	case "uniform":
		return UniformSelector, nil
	case "log_prob":
		return LogProbSelector, nil
	}
	return 0, fmt.Errorf("wfst: unknown arc selector %q (want uniform or log_prob)", s)
}

// RandGenOptions configures [RandGen] (OpenFST's RandGenOptions; fstrandgen's flags).
type RandGenOptions struct {
	Seed     uint64
	Selector RandGenSelector
	// NPath is the number of paths to generate (OpenFST's default 1).
	NPath int
	// MaxLength drops paths longer than this many arcs (0: no limit); OpenFST's max_length.
	MaxLength int
}

// DefaultRandGenOptions returns fstrandgen's defaults: seed 0 (our choice; OpenFST uses the time), uniform,
// one path, no length limit.
func DefaultRandGenOptions() RandGenOptions { return RandGenOptions{NPath: 1} }

// ErrNoPath reports that random generation could not complete a path (dead ends or the length limit).
var ErrNoPath = errors.New("wfst: randgen: could not generate a successful path")

// RandGen returns opts.NPath random successful paths of f as one FST: a start state from which each path is
// a chain of arcs with f's labels and weight One, ending in a final state of weight One (OpenFST's RandGen
// with weighted=false). Paths that run into a dead end or past MaxLength are retried, up to 100 times per
// path. Deterministic for a given seed. f should be trim.
func RandGen(f FST, opts RandGenOptions) (*Vector, error) {
	out := NewVector(f.Semiring())
	if sy, ok := f.(Symbolic); ok {
		out.SetInputSymbols(sy.InputSymbols())
		out.SetOutputSymbols(sy.OutputSymbols())
	}
	if f.Start() == NoStateID {
		return out, nil
	}
	npath := opts.NPath
	if npath <= 0 {
		npath = 1
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9E3779B97F4A7C15))
	start := out.AddState()
	out.SetStart(start)
	var path []Arc
	var probs []float64
	for p := 0; p < npath; p++ {
		ok := false
		for try := 0; try < 100 && !ok; try++ {
			path = path[:0]
			s := f.Start()
			for {
				arcs := f.Arcs(s)
				fw := f.Final(s)
				n := len(arcs)
				choice := -1
				switch opts.Selector {
				case LogProbSelector:
					probs = probs[:0]
					total := 0.0
					for _, a := range arcs {
						pr := math.Exp(-float64(a.Weight))
						probs = append(probs, pr)
						total += pr
					}
					pf := 0.0
					if !IsZero(fw) {
						pf = math.Exp(-float64(fw))
					}
					total += pf
					if total <= 0 {
						break
					}
					r := rng.Float64() * total
					choice = n
					for i, pr := range probs {
						if r < pr {
							choice = i
							break
						}
						r -= pr
					}
					if choice == n && pf == 0 {
						choice = n - 1
					}
				default:
					k := n
					if !IsZero(fw) {
						k++
					}
					if k > 0 {
						choice = rng.IntN(k)
					}
				}
				if choice < 0 {
					break // dead end
				}
				if choice == n {
					ok = true
					break
				}
				path = append(path, arcs[choice])
				s = arcs[choice].NextState
				if opts.MaxLength > 0 && len(path) > opts.MaxLength {
					break
				}
			}
		}
		if !ok {
			return nil, ErrNoPath
		}
		prev := start
		for _, a := range path {
			ns := out.AddState()
			out.AddArc(prev, Arc{ILabel: a.ILabel, OLabel: a.OLabel, Weight: One, NextState: ns})
			prev = ns
		}
		out.SetFinal(prev, One)
	}
	return out, nil
}
