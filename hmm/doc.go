// Package hmm builds the H and C parts of an HCLG decoding graph from an acoustic model's structure: the
// HMM topology and transition matrices (H) and the word-position-dependent triphone context (C), the
// Kaldi way (kaldi-asr/kaldi src/hmm/hmm-utils.cc, src/fstext/context-fst.cc) adapted to CMU Sphinx
// models.
//
// The model comes in through the consumer-side interface [Model], which a Sphinx mdef satisfies (base
// phones, filler flags, the silence phone, bin_mdef_phone_id_nearest-style triphone lookup with word
// positions and backoff, senone sequences and transition-matrix ids), and the transition matrices as plain
// probabilities. This package never reads model files.
//
// Conventions (docs/conventions.md):
//   - Phone symbols on C's output (L's input) carry the word position as Kaldi's suffixes: "AH_B" (begin),
//     "AH_I" (internal), "AH_E" (end), "AH_S" (single-phone word). Silence and filler phones ("SIL",
//     "+NSN+", ...) have no suffix: they are context-independent and act as SIL context for their
//     neighbours, as pocketsphinx does. Symbols starting with "#" are disambiguation symbols.
//   - Before determinization, H's input labels are transition ids (Context.TransitionID): one per emitting
//     state of each (phone symbol, tied HMM) pair, so that like Kaldi's transition ids they identify the
//     phone and H∘CLG stays functional. After determinization and minimization MapToSenones turns them into
//     HCLG's input labels, 1-based acoustic indices: senone+1 (0 is epsilon). Every emitting arc consumes
//     one frame; its label is that of the HMM state it leaves (Kaldi's convention), and the self-loop of
//     that state is added after the forward arc (Kaldi's add-self-loops --reorder).
//   - Weights are costs: -ln p, lower is better.
//
// Pipeline pieces: [NewContext] (C's alphabet and HMM table), [ComposeContext] (C∘LG without building C),
// [ExpandH] (H∘CLG without self-loops, without building H), [HTransducer] (H as an explicit FST, for
// checking ExpandH against a general composition), [MapToSenones] and [AddSelfLoops] (after
// determinization and minimization).
package hmm
