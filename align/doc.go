// Package align finds word boundaries by forced alignment: given the words a decoder recognised and the
// utterance's feature frames, a Viterbi search over the words' triphone HMMs (optional silence and noise
// between them) places each word at the frames its phones take. The decoding graph cannot give these times
// itself: in HCLG a word's output label rides on the triphone of the phone before it (the context
// transducer's one-phone delay), so a word's start frame comes out up to one phone early.
//
// Aligning afterwards the way pocketsphinx's search scores a path gives pocketsphinx's boundaries: its
// triphones (dict2pid: Mdef.PhoneIDNearest by word position, SIL context at the ends and next to a pause,
// SIL as the right context of single-phone words), its senone scores and transition probabilities, unscaled
// in nats, and its pause penalties in the same units (-silprob, -fillprob; not scaled by the language
// weight). Given the same features (the same cepstral mean), word boundaries agree with
// pocketsphinx_continuous -time yes within 30 ms on pocketsphinx-testdata (recognizer's TestWordTimes).
//
// Lifecycle: NewLexicon once per word table (read-only, shared), New once per session (an Aligner owns
// reusable arenas), then Align per utterance.
package align
