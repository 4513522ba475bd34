// Package wfst is a weighted finite-state transducer library with OpenFST's semantics.
//
// Names map to OpenFST: [Vector] ≙ VectorFst (mutable), [Const] ≙ ConstFst (immutable, flat arrays),
// [Arc] ≙ StdArc/LogArc (ilabel, olabel, weight, nextstate; 16 bytes, the same layout as OpenFST's
// files), [Tropical] ≙ TropicalWeight, [Log] ≙ LogWeight. Labels and state ids are int32; label 0 is
// epsilon everywhere.
//
// Weights are float32 costs (negated natural-log probabilities; lower is better) in both semirings, as in
// OpenFST: Zero is +Inf, One is 0, Times is +. The semirings differ only in Plus: min for [Tropical],
// -log(e^-a + e^-b) for [Log]. An FST carries its [Semiring], and algorithms that need Plus take it from
// there, so one set of algorithms serves "standard" and "log" arcs with no interface call per weight.
//
// Lifecycle: build with a *Vector (AddState, SetStart, SetFinal, AddArc), run algorithms on it, then freeze
// it into a *Const (NewConst) to share read-only between goroutines. A *Vector is not safe for concurrent
// mutation; a *Const is immutable and safe for any number of readers.
//
// Slices returned by Arcs alias internal storage: they are valid until the next mutation of that state and
// must not be modified by the caller.
package wfst
