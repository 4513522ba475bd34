// Package lattice holds the lattices the decoder produces and the algorithms run on them per segment:
// topological order, beam pruning, best path, word alignment, the compact word lattice, pruned word-level
// determinization, word posteriors (confidences), n-best lists and LM rescoring.
//
// Conventions (Kaldi's):
//   - A [Weight] is Kaldi's LatticeWeight: a pair of costs (negated natural-log probabilities, lower is
//     better), Graph (transition, pronunciation and LM costs from the decoding graph) and Acoustic (the
//     acoustic cost already multiplied by the acoustic scale: -AcousticScale × log-likelihood). The total
//     cost is their sum; pairs are ordered by total cost, then by graph cost (Kaldi's NaturalLess).
//   - A state-level [Lattice] is a transducer: input labels are acoustic indices (1-based, 0 = epsilon:
//     an arc that consumes no frame), output labels are word ids (0 = no word). Every state records the
//     number of frames consumed before it ([State.Frame]); an emitting arc from a state at frame t consumes
//     frame t and reaches a state at frame t+1.
//   - A [WordLattice] is an acceptor over words whose states carry times, so each arc spans the frames
//     [Frame(src), Frame(dst)) (see [WordLattice] for how word boundaries are defined).
//
// Lifecycle and memory: lattices are built per segment (the recognizer caps segments at about 30 s) and
// their size is bounded by the decoder's lattice beam; nothing here is shared between goroutines unless
// the caller shares it, and no function keeps a reference to its arguments after it returns, except where
// documented (slices returned by accessors alias internal storage and are valid until the next mutation).
package lattice
