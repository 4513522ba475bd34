// Package feature is hark's Sphinx-compatible front end: 16-bit PCM in, MFCC cepstra and the feature
// vectors a CMU Sphinx acoustic model scores out, computed the way Debian's sphinxbase 0.8+5prealpha
// (cmusphinx/sphinxbase 2c132b3, src/libsphinxbase/fe and feat) computes them, so that the cepstra match
// sphinx_fe's and the features match pocketsphinx_batch's.
//
// The pieces, in data-flow order:
//
//   - Config, DefaultConfig, ReadParams: sphinx option names and Debian's defaults; a model's feat.params
//     applied over them.
//   - FrontEnd: online PCM → cepstra (pre-emphasis, Hamming window, real FFT, power spectrum, mel
//     filterbank, noise removal and VAD, log, DCT, lifter), O(window) memory, no allocation per frame.
//   - CMN: batch and live cepstral mean normalisation (cmn.c, cmn_live.c), with -cmninit and the
//     800/500-frame live window; AGC of c0 (agc.c).
//   - Feat: cepstra → feature vectors (CMN, AGC, dynamic features: 1s_c_d_dd deltas and double deltas,
//     s2_4x, s3_1x39, 1s_c_d, 1s_c, 1s_c_d_ld_dd, 1s_3c/1s_4c; subvector projection), online
//     (Accept/Flush) or per whole utterance (Utterance).
//   - Extractor: FrontEnd + Feat, online (Process) or per whole utterance (Utterance).
//   - Compute, Cepstra, FromCepstra: whole-utterance conveniences (pocketsphinx_batch features from PCM,
//     sphinx_fe cepstra, features from a .mfc file's cepstra).
//   - DecodeMFC, ReadMFCFile, EncodeMFC, MFCWriter: the Sphinx cepstra file format.
//
// Verified against Debian's binaries (see the tests and testdata/reference/README.md): cepstra identical
// to sphinx_fe's and to those pocketsphinx_batch decodes from, on every recording of pocketsphinx-testdata
// and the dev set; feature vectors identical to libsphinxbase's feat_s2mfc2feat_live.
//
// Units: sample rates in Hz, window lengths in seconds, frame shifts and sizes in samples; cepstra are
// natural-log based (c0 is √(1/nfilt)·Σ log mel power for -transform dct). Frame indices count frame shifts
// from the start of the utterance.
package feature
