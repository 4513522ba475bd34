// Package lm holds n-gram language models: the Sphinx trie binary (`.lm.bin`, read-only, decoded on
// demand from a flat byte slice or a memory-mapped file), an in-memory [Model] read from and written to
// ARPA text (plain or gzip), conditional probabilities with backoff for any history, sentence scores and
// perplexity as sphinx_lm_eval computes them, entropy-based pruning (Stolcke 1998, as SRILM's -prune),
// and the grammar transducer G with backoff arcs (Kaldi's arpa2fst construction).
//
// # Units and conventions
//
//   - [WordID] is the index of a word in the model's vocabulary (the order of the unigrams in the file).
//     [NoWord] (-1) marks a word the model does not know.
//   - Histories are passed oldest word first: for P(w | u v) the history is []WordID{u, v}. Only the
//     last Order()-1 words are used. A history is cut at its most recent [NoWord]: the words before an
//     unknown word are ignored, as sphinxbase does.
//   - Score methods return natural-log probabilities (ln p ≤ 0 for a normalised model; higher is better).
//     G's arc weights are costs −ln p (wfst.Weight, lower is better). ARPA files hold log10 values, and
//     [Model] stores them as read. The trie stores values in sphinxbase's log base 1.0001
//     (log10 p = v·log10(1.0001)); [Trie.SphinxScore] reproduces sphinxbase's integer scores in that base.
//
// # Measured on en-us.lm.bin (72,547 / 2,051,541 / 1,669,625 n-grams)
//
//   - OpenTrie: 0.02 s of CPU, 13 MB peak RSS (memory-mapped); Score: about 1 µs, no allocation.
//   - Trie.Model: 1.5 s of CPU, 150 MB peak RSS; WriteARPA: 104 MB of text; ReadARPA of it: 2.3 s, 166 MB.
//   - Prune to 400,000 n-grams: 4.6 s of CPU in all, 203 MB peak RSS; dev-set perplexity (with <s> </s>)
//     361 → 481. bench/lm-prune.sh measures other sizes.
//
// # Lifecycle
//
// Build or load a model once (OpenTrie, ParseTrie, ReadARPA, Trie.Model, Prune), then share it: every
// method of [Trie] and [Model] is safe for concurrent use once loaded, and no Score call allocates.
package lm
