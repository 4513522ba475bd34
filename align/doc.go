// Package align finds word boundaries by forced alignment: given the words a decoder recognised and the
// utterance's feature frames, a Viterbi search over the words' triphone HMMs (optional silence between
// them) places each word at the frames its phones take. The decoding graph cannot give these times itself:
// in HCLG a word's output label rides on the triphone of the phone before it (the context transducer's
// one-phone delay), so a word's start frame comes out up to one phone early. Aligning afterwards with the
// same triphones (Mdef.PhoneIDNearest by word position, SIL context at the ends and next to silence) and
// the same senone scores gives pocketsphinx's boundaries.
//
// Lifecycle: NewLexicon once per word table (read-only, shared), New once per session (an Aligner owns
// reusable arenas), then Align per utterance.
package align
