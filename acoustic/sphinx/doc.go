// Package sphinx reads CMU Sphinx acoustic models (pocketsphinx 0.8 / sphinxbase formats) and scores
// senones for the decoder.
//
// A model directory holds:
//
//   - mdef: the model definition, binary (BMDF) or text (version 0.3): CI phones, triphones, senone
//     sequences, transition-matrix ids, and the context tree used for triphone lookup ([Mdef]);
//   - means, variances: s3 Gaussian parameters with checksums ([Gauden]);
//   - sendump (PTM and semi-continuous models) or mixture_weights (continuous models): mixture weights,
//     kept as 8-bit negated logs in pocketsphinx's scaled units ([MixWeights]);
//   - transition_matrices ([Tmat]), noisedict, feat.params (passed through as a key→value map), and
//     optionally senmgau.
//
// [Load] reads a directory into an immutable [Model]; a Model is read-only after loading and safe to share
// between any number of goroutines. Its large arrays are flat slices of numbers, so the garbage collector
// never scans them. Per-utterance state lives in a [Scorer] (one per decoding session), whose memory is
// bounded by the model's dimensions and by how far the feature producer runs ahead of the search, never
// by the length of the audio.
//
// # Units
//
// pocketsphinx computes in integer logarithms of base 1.0001 ("logmath units"; exactly float32(1.0001),
// as pocketsphinx reads -logbase); senone scores are shifted right by [SenscrShift] (10), so one
// senone-score unit is [NatsPerUnit] = 1024·ln(1.0001) ≈ 0.1024 nats. [Scorer.Score]
// returns such integer scores as pocketsphinx stores them (negated: 0 is best, larger is worse);
// [Scorer.LogLikelihood] converts them to natural-log likelihoods (higher is better), which is what the
// decoder consumes.
//
// Selection of the scoring module follows pocketsphinx's acmod.c: with a senmgau file, or when the number
// of codebooks is neither 1 nor the number of CI phones, the model is continuous ("ms"); with one codebook
// per CI phone (at most 256) it is phonetically tied ("ptm"); with a single codebook it is semi-continuous
// ("s2_semi"). Tied models (ptm, s2_semi) are scored with ptm_mgau.c's algorithm (s2_semi_mgau.c's is
// the same with one codebook), continuous ones with ms_gauden.c/ms_senone.c's. The integer senone scores
// equal pocketsphinx's bit for bit: the tests compare every senone of every frame with
// pocketsphinx_batch -compallsen yes -senlogdir for one model of each type.
package sphinx
