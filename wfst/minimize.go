package wfst

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MinimizeOptions configures [Minimize] (fstminimize's flags).
type MinimizeOptions struct {
	// Delta is the quantization delta of pushed weights and the convergence delta of the push (OpenFST's
	// fstminimize default kShortestDelta, 1e-6).
	Delta float32
	// AllowNondet minimizes a non-deterministic input anyway (by bisimulation); the result is equivalent
	// but need not be minimal (OpenFST's allow_nondet).
	AllowNondet bool
}

// DefaultMinimizeOptions returns fstminimize's defaults: Delta kShortestDelta, AllowNondet false.
func DefaultMinimizeOptions() MinimizeOptions { return MinimizeOptions{Delta: ShortestDelta} }

// ErrNotDeterministic reports an input that must be deterministic and is not.
var ErrNotDeterministic = errors.New("wfst: input is not deterministic")

// Minimize minimizes f in place (OpenFST's Minimize): a deterministic weighted acceptor becomes the minimal
// deterministic acceptor of the same weighted language. Weighted inputs are first pushed toward the initial
// state and their weights quantized with opts.Delta (so the output's weights are pushed), then states are
// merged by partition refinement over (label, weight, class of destination); the result is trimmed.
// Transducers are minimized with each (input, output) label pair encoded as one label (Kaldi's
// MinimizeEncoded; OpenFST additionally pushes output labels first, so it may merge more). Minimize never
// increases the number of states of a trim input.
//
// Complexity: O(rounds · arcs) with rounds ≤ the length of the longest distinguishing string (Moore's
// refinement with hashing). Memory: O(states + arcs) scratch.
func Minimize(f *Vector, opts MinimizeOptions) error {
	if f.Start() == NoStateID {
		f.DeleteAllStates()
		return nil
	}
	// Encode label pairs of transducers.
	var decode [][2]Label
	if !isAcceptor(f) {
		enc := map[[2]Label]Label{}
		for s := range f.states {
			arcs := f.states[s].arcs
			for i := range arcs {
				k := [2]Label{arcs[i].ILabel, arcs[i].OLabel}
				if k == [2]Label{} {
					continue // epsilon:epsilon stays 0 (as do arcs that weight pushing adds)
				}
				c, ok := enc[k]
				if !ok {
					decode = append(decode, k)
					c = Label(len(decode))
					enc[k] = c
				}
				arcs[i].ILabel, arcs[i].OLabel = c, c
			}
		}
		defer func() {
			for s := range f.states {
				arcs := f.states[s].arcs
				for i := range arcs {
					if arcs[i].ILabel == Epsilon {
						continue
					}
					k := decode[arcs[i].ILabel-1]
					arcs[i].ILabel, arcs[i].OLabel = k[0], k[1]
				}
				f.SetArcs(StateID(s), arcs)
			}
		}()
	}
	trimInPlace(f)
	if f.NumStates() == 0 {
		return nil
	}
	for s := range f.states {
		slices.SortFunc(f.states[s].arcs, func(a, b Arc) int {
			if a.ILabel != b.ILabel {
				return int(a.ILabel) - int(b.ILabel)
			}
			if a.Weight != b.Weight {
				if a.Weight < b.Weight {
					return -1
				}
				return 1
			}
			return int(a.NextState) - int(b.NextState)
		})
	}
	det := true
	for s := range f.states {
		arcs := f.states[s].arcs
		for i := 1; i < len(arcs); i++ {
			if arcs[i].ILabel == arcs[i-1].ILabel {
				det = false
				break
			}
		}
	}
	if !det && !opts.AllowNondet {
		return fmt.Errorf("minimize: %w", ErrNotDeterministic)
	}
	weighted := false
	for s := range f.states {
		if fw := f.states[s].final; !IsZero(fw) && fw != One {
			weighted = true
		}
		for _, a := range f.states[s].arcs {
			if a.Weight != One {
				weighted = true
			}
		}
	}
	if weighted {
		if err := PushWeightsInPlace(f, ReweightToInitial, opts.Delta, false); err != nil {
			return fmt.Errorf("minimize: %w", err)
		}
		for s := range f.states {
			st := &f.states[s]
			st.final = Quantize(st.final, opts.Delta)
			for i := range st.arcs {
				st.arcs[i].Weight = Quantize(st.arcs[i].Weight, opts.Delta)
			}
		}
	}
	class := refinePartition(f, !det)
	mergeByClass(f, class)
	return nil
}

// refinePartition computes the coarsest partition of the states of f compatible with final weights and with
// (label, weight, class of destination) of the arcs (Moore's algorithm, hashing signatures). Arcs must be
// sorted by label; nondet sorts signatures as multisets.
func refinePartition(f *Vector, nondet bool) []int32 {
	n := f.NumStates()
	class := make([]int32, n)
	next := make([]int32, n)
	// Initial partition by final weight.
	{
		m := map[uint32]int32{}
		for s := 0; s < n; s++ {
			k := math.Float32bits(f.states[s].final)
			c, ok := m[k]
			if !ok {
				c = int32(len(m))
				m[k] = c
			}
			class[s] = c
		}
	}
	numClasses := int32(0)
	for _, c := range class {
		numClasses = max(numClasses, c+1)
	}
	size := 1
	for size < 2*n {
		size <<= 1
	}
	slots := make([]int32, size)
	hashes := make([]uint64, n)
	type sig struct {
		l Label
		w uint32
		c int32
	}
	var sa, sb []sig
	sigOf := func(s int, buf []sig) []sig {
		buf = buf[:0]
		for _, a := range f.states[s].arcs {
			buf = append(buf, sig{a.ILabel, math.Float32bits(a.Weight), class[a.NextState]})
		}
		if nondet {
			slices.SortFunc(buf, func(x, y sig) int {
				if x.l != y.l {
					return int(x.l) - int(y.l)
				}
				if x.w != y.w {
					return int(int64(x.w) - int64(y.w))
				}
				return int(x.c) - int(y.c)
			})
			buf = slices.Compact(buf)
		}
		return buf
	}
	for {
		clear(slots)
		mask := uint64(size - 1)
		newCount := int32(0)
		for s := 0; s < n; s++ {
			sa = sigOf(s, sa)
			h := uint64(class[s])*0x9E3779B97F4A7C15 + 1
			for _, x := range sa {
				h ^= uint64(uint32(x.l)) | uint64(x.w)<<32
				h *= 0x100000001B3
				h ^= uint64(uint32(x.c))
				h *= 0x100000001B3
				h ^= h >> 31
			}
			hashes[s] = h
			for i := h & mask; ; i = (i + 1) & mask {
				r := slots[i]
				if r == 0 {
					slots[i] = int32(s) + 1
					next[s] = newCount
					newCount++
					break
				}
				rep := int(r - 1)
				if hashes[rep] != h || class[rep] != class[s] {
					continue
				}
				sb = sigOf(rep, sb)
				if slices.Equal(sa, sb) {
					next[s] = next[rep]
					break
				}
			}
		}
		class, next = next, class
		if newCount == numClasses {
			return class
		}
		numClasses = newCount
	}
}

// mergeByClass replaces f by its quotient under class: one state per class, with the arcs of a
// representative (duplicates removed), and the start and final weights carried over.
func mergeByClass(f *Vector, class []int32) {
	n := f.NumStates()
	numClasses := int32(0)
	for _, c := range class {
		numClasses = max(numClasses, c+1)
	}
	if int(numClasses) == n {
		return
	}
	rep := make([]int32, numClasses)
	for i := range rep {
		rep[i] = -1
	}
	for s := 0; s < n; s++ {
		if rep[class[s]] < 0 {
			rep[class[s]] = int32(s)
		}
	}
	states := make([]vectorState, numClasses)
	for c := range rep {
		st := f.states[rep[c]]
		arcs := st.arcs
		for i := range arcs {
			arcs[i].NextState = StateID(class[arcs[i].NextState])
		}
		arcs = slices.CompactFunc(arcs, func(a, b Arc) bool { return a == b })
		states[c] = vectorState{final: st.final, arcs: arcs}
	}
	start := StateID(class[f.Start()])
	f.states = states
	for c := range states {
		f.SetArcs(StateID(c), states[c].arcs)
	}
	f.SetStart(start)
}
