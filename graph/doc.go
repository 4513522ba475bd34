// Package graph builds HCLG decoding graphs the Kaldi way (egs/wsj/s5/utils/mkgraph.sh) from a grammar G
// (an n-gram LM as a WFST with #0 backoff arcs), a pronunciation lexicon, and an acoustic model's structure
// (hmm.Model and hmm.Transitions), and keeps built graphs in an on-disk cache in OpenFST's const format.
//
// Pipeline ([Build]):
//
//	L   = lexicon.BuildL (disambiguation symbols #0..#K, optional silence)
//	LG  = minimize(determinize*(L ∘ G))          determinize* = with epsilon removal, in the log semiring
//	CLG = hmm.ComposeContext(LG)                 word-position-dependent triphones, #-1 at the start
//	HCLG = minimize(determinize*(hmm.ExpandH(CLG)))  on transition ids, then
//	       hmm.MapToSenones (labels → senone+1, disambiguation → ε), hmm.AddSelfLoops, arcsort
//
// The result's input labels are senone+1 (0 = ε), its output labels word ids of the word symbol table
// (0 = <eps>), its weights costs (-ln p): docs/conventions.md.
//
// Using it from a recognizer (the acoustic model's mdef satisfies hmm.Model; its transition matrices come
// in as plain data):
//
//	tr, err := hmm.NewTransitionsFlat(am.Tmat.NTmat, am.Tmat.NState, am.Tmat.Prob)
//	src := graph.Sources{LM: lmPath, Dict: dictPath, PruneNGrams: graph.DefaultPruneNGrams,
//		ModelFiles: []string{mdefPath, tmatPath}, Model: am.Mdef, Transitions: tr}
//	g, cached, err := graph.Get("", src, graph.DefaultConfig(), progress) // "" = DefaultCacheDir()
//	// g.HCLG (*wfst.Const) is the decoding graph, g.Words its output symbols.
//
// A [Graph] is immutable after Build or Load and safe for concurrent use by any number of decoders.
package graph
