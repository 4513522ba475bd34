package recognizer

import (
	"unsafe"

	"hark/decoder"
	"hark/lattice"
	"hark/wfst"
)

// Calibration of SessionFootprint (see its documentation). The figures were measured with
// TestSessionFootprintBoundsHeapGrowth on Debian's en-us model (graphs from the LM pruned to 400k and 100k
// n-grams, beam 13, max-active 7000, lattice beam 6) over the dev set concatenated into 30 s utterances:
// peak heap growth 53-60 MB per session for a footprint of about 150 MB.
const (
	// latticeTokensPerFrame bounds the tokens per frame that survive lattice-beam pruning (the raw
	// lattice's states per frame). Measured on en-us: about 20 per frame after the final pruning of a 30 s
	// utterance; the bound takes 100 for the looser pruning during decoding (PruneScale) and hard audio.
	latticeTokensPerFrame = 100
	// linksPerToken bounds the forward links per token (a token has one link per emitting arc it was
	// expanded over; surviving tokens have one or two).
	linksPerToken = 2
	// wordLatticeDiv: the word lattice, its determinized and rescored copies and the best-path and
	// confidence scratch take at most 1/wordLatticeDiv of the raw lattice's bytes: they hold word arcs
	// only (one per word hypothesis, many frames each), well under the raw lattice.
	wordLatticeDiv = 2
	// sessionFixed covers the session's small fixed structures (front end filter banks and FFT, CMN,
	// stream buffers, the decoder's initial hash).
	sessionFixed = 256 << 10
)

// SessionFootprint returns the worst-case bytes of heap one Session over m needs while it decodes a
// segment of the longest length the segmenter produces (Config.Segment.MaxSegment, 30 s by default),
// including the segment's audio and features and the garbage one segment's decoding leaves for the
// collector. The model and the graph are shared and not counted. The server reserves this much from the
// memory budget before a session starts.
//
// Derivation, with F = MaxSegment / frame shift (+1%), A = the graph's mean arcs per state, and
// T = min(MaxActive × A, states of the graph) the tokens one frame can create:
//
//   - decoder slabs: the tokens of the PruneInterval+1 frames not yet pruned (T each) plus the tokens that
//     survive lattice-beam pruning on every earlier frame (min(T, latticeTokensPerFrame) each); each token
//     20 bytes with linksPerToken links of 24 bytes, plus 4 bytes each in the maps the compaction after
//     each pruning uses; slabs grow by appending (capacity at most 1.25 × the length for slices this large);
//   - the state→token hash (HashRatio × T slots of 12 bytes, at most doubled) and the per-frame lists;
//   - the raw lattice of the segment (one state of 40 bytes per surviving token, one arc of 20 bytes
//     per link, arc slices doubled), and the word lattice, rescoring and confidences (1/wordLatticeDiv
//     of the raw lattice);
//   - features: per frame 13 cepstra and 39 features of 4 bytes with their slice headers, plus the
//     scorer's copy of the features (doubled for growth);
//   - audio: the segment's samples as float32 and int16, twice each (the reader's window and its copy);
//   - the scorer's per-senone cache (8 bytes per senone) and top-N tables, and sessionFixed.
//
// It is an upper bound by construction for every term but the lattice density, which is bounded by a
// measured constant with a margin (see latticeTokensPerFrame); the test checks the whole against
// measured heap growth.
func (m *Model) SessionFootprint() int64 {
	shift := m.FrameShift()
	frames := int64(m.Config.Segment.MaxSegment.Seconds()/shift*1.01) + 2
	samples := int64(m.Config.Segment.MaxSegment.Seconds()*float64(m.Feat.SampleRate)) + int64(m.Feat.SampleRate)

	dc := m.Config.Decoder
	states, arcs := int64(1), int64(1)
	if g := m.Graph; g != nil && g.HCLG != nil {
		states, arcs = int64(max(g.HCLG.NumStates(), 1)), int64(len(g.HCLG.AllArcs()))
	}
	fanout := max(float64(arcs)/float64(states), 1)
	perFrame := min(int64(float64(dc.MaxActive)*fanout), states)
	latPerFrame := min(perFrame, latticeTokensPerFrame)

	// Each token 20 bytes plus its 4-byte slot in the compaction's token map (decoder.tokState); each link
	// 24 bytes plus 4 in the link map.
	const tokBytes, linkBytes = 20 + 4, 24 + 4
	toks := int64(dc.PruneInterval+1)*perFrame + frames*latPerFrame
	links := toks * linksPerToken
	slabs := (toks*tokBytes + links*linkBytes) * 5 / 4
	hash := 2*int64(float64(perFrame)*float64(dc.HashRatio))*12 + 2*perFrame*(16+16) // slots, elems ×2
	lists := frames * (12 + 4 + 4)                                                   // active, costOffsets, tokState

	latStates := frames * latPerFrame
	rawLat := latStates*int64(unsafe.Sizeof(lattice.State{})) + 2*latStates*linksPerToken*int64(unsafe.Sizeof(lattice.Arc{}))
	latTotal := rawLat + rawLat/wordLatticeDiv

	dim := int64(39)
	feats := frames*(13*4+24+8) + frames*(dim*4+24) + 2*frames*dim*4
	audioBuf := 2 * samples * (4 + 2)

	var scorer int64
	if m.AM != nil {
		scorer = int64(m.AM.Mdef.NumSenones()) * 8
		if g := m.AM.Gauden; g != nil {
			scorer += int64(g.NMgau*g.NFeat) * 8 * 16
		}
	}
	return slabs + hash + lists + latTotal + feats + audioBuf + scorer + sessionFixed
}

// GraphBytes returns the bytes of the decoding graph's arrays (states and arcs), shared by all sessions.
func (m *Model) GraphBytes() int64 {
	if m.Graph == nil || m.Graph.HCLG == nil {
		return 0
	}
	g := m.Graph.HCLG
	return int64(len(g.States()))*int64(unsafe.Sizeof(wfst.ConstState{})) +
		int64(len(g.AllArcs()))*int64(unsafe.Sizeof(wfst.Arc{}))
}

// Bytes returns the bytes the session holds between segments: the decoder's arenas (their capacity, i.e.
// the high-water mark of the segments decoded since the last Shrink), its lattice, and the stream's
// buffers. It reads the session's storage, so call it only from the goroutine that uses the session (or
// while nobody does).
func (s *Session) Bytes() int64 {
	n := s.dec.ArenaBytes() + decoder.LatticeBytes(s.lat)
	n += int64(cap(s.stream.featBuf))*4 + int64(cap(s.stream.partialBuf))*4
	return n
}

// Shrink frees the session's decoder arenas and lattice storage, which otherwise stay at the high-water
// mark of the longest segment decoded (so a pooled session that decoded one hard segment would hold that
// memory forever). The session stays usable: the next StartStream or DecodeUtterance starts from fresh
// storage and gives exactly the results a new session would. Call it only between streams, from the
// goroutine that owns the session.
func (s *Session) Shrink() {
	s.dec.Shrink()
	s.lat = lattice.New()
	s.stream.active = false
}
