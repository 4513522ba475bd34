// Package decoder is a Kaldi lattice-faster-style token-passing search over a decoding graph (HCLG) driven
// by a [Decodable] (frames × log-likelihoods). It never sees audio, features or models, so it is tested on
// a log-likelihood matrix ([Matrix]).
//
// Conventions: graph input labels are 1-based acoustic indices (senone + 1; 0 = epsilon, an arc that
// consumes no frame), output labels are word ids (0 = none), graph weights are costs (-ln p, lower is
// better). Acoustic cost = -AcousticScale × log-likelihood. Total cost = graph cost + acoustic cost.
//
// Lifecycle (as Kaldi's LatticeFasterDecoder):
//
//	d, err := decoder.New(graph, decoder.DefaultConfig())
//	d.InitDecoding()
//	for frames arrive { d.AdvanceDecoding(decodable, -1) }   // any chunking gives the same result
//	d.PartialWords(buf)                                       // cheap partial result at any time
//	d.FinalizeDecoding()                                      // optional; no AdvanceDecoding afterwards
//	d.BestPath(true) / d.RawLattice(lat, true) / d.ReachedFinal() / d.FinalRelativeCost()
//
// The graph is read-only and may be shared by any number of decoders in different goroutines; a Decoder
// is used by one goroutine at a time. A *wfst.Const graph takes a concrete fast path (flat arrays, no
// interface call per state); any wfst.FST works.
//
// Memory: tokens and forward links live in int32-indexed slabs (no pointers for the GC to scan), with
// free lists, compacted after each pruning so that a frame's tokens and links stay together in memory
// (the search is bound by memory latency more than by arithmetic); they, the per-frame token lists, the state→token hash and the scratch arrays are reset, not
// freed, by InitDecoding, so after the first utterance of a given size decoding allocates nothing per
// frame. What bounds it: between two prunings (PruneInterval frames) tokens accumulate at most the tokens
// created per frame (bounded by the arcs leaving the MaxActive expanded tokens) × PruneInterval; after
// pruning only tokens and links within LatticeBeam of the best path remain, i.e. the lattice of the
// segment, which grows linearly with its length: the caller caps segments (about 30 s in the recognizer).
// Compaction needs 4 bytes per token and per link slot for its index maps, and the per-frame cache of
// scaled log-likelihoods 8 bytes per acoustic index.
package decoder
