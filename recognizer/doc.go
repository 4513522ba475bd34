// Package recognizer ties the engine together: it loads a model bundle once (acoustic model, front-end
// configuration, HCLG graph, full LM for rescoring) and decodes audio with it, either streaming through a
// Session or in batch over long recordings split at pauses (Transcribe).
//
// Memory: a Model is read-only after Load and shared by every Session and goroutine; its size is that of
// its parts (acoustic model ≈ 10 MB, graph: 20 bytes per state + 16 per arc, LM trie memory-mapped). A
// Session holds one front end, one scorer, one decoder and one segment's lattice: bounded by the decoder
// configuration (max-active) and the segment cap (Config.Segment.MaxSegment), never by the length of the
// audio. Only the words of the transcript grow with the audio.
package recognizer
