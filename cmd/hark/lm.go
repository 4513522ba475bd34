package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hark/lm"
	"hark/wfst/fstio"
)

func init() { addCommand(newLMCmd) }

func newLMCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "lm",
		Short: "Inspect, evaluate, convert and prune n-gram language models (Sphinx trie .lm.bin or ARPA)",
	}
	c.AddCommand(newLMInfoCmd(), newLMEvalCmd(), newLMConvertCmd(), newLMPruneCmd(), newLMGCmd())
	return c
}

// openLM loads a model and reports how long it took.
func openLM(cmd *cobra.Command, path string) (lm.Scorer, error) {
	t0 := time.Now()
	s, err := lm.Open(path)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "loaded %s in %v (%s)\n", path, time.Since(t0).Round(time.Millisecond), memLine())
	return s, nil
}

// memLine returns the process's resident set size and peak, from /proc/self/status where available.
func memLine() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	line := fmt.Sprintf("heap %d MB", ms.HeapAlloc>>20)
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return line
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && (k == "VmRSS" || k == "VmHWM") {
			line += ", " + k + " " + strings.Join(strings.Fields(v), " ")
		}
	}
	return line
}

func newLMInfoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "info FILE",
		Short: "Print a model's format, order and n-gram counts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openLM(cmd, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch m := s.(type) {
			case *lm.Trie:
				defer m.Close()
				fmt.Fprintf(out, "format: sphinx trie\norder: %d\nheader counts: %v\ncounts: %v\n", m.Order(), m.HeaderCounts(), m.Counts())
			case *lm.Model:
				fmt.Fprintf(out, "format: arpa\norder: %d\ncounts: %v\n", m.Order(), m.Counts())
			}
			fmt.Fprintf(out, "words: %d\n", s.Vocab().NumWords())
			return nil
		},
	}
}

func newLMEvalCmd() *cobra.Command {
	var lmPath, text, lsn string
	var verbose bool
	c := &cobra.Command{
		Use:   "eval --lm FILE (--text TEXT | --lsn FILE)",
		Short: "Score text as sphinx_lm_eval does (lm score in log base 1.0001, cross-entropy, perplexity)",
		Long: `Score text as sphinx_lm_eval does: no sentence markers are added, <s> is a context cue, unknown
words are skipped. The lm score (log base 1.0001) is only given for Sphinx trie models; perplexities of
ARPA models are exp(-ln P / N).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (text == "") == (lsn == "") {
				return fmt.Errorf("lm eval: give exactly one of --text and --lsn")
			}
			s, err := openLM(cmd, lmPath)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			_, isTrie := s.(*lm.Trie)
			if text != "" {
				r := lm.Eval(s, strings.Fields(text))
				fmt.Fprintf(out, "input: %s\n", text)
				if isTrie {
					fmt.Fprintf(out, "cross-entropy: %f bits\nperplexity: %f\nlm score: %d\n", r.SphinxCrossEntropy(), r.SphinxPerplexity(), r.SphinxScore)
				} else {
					fmt.Fprintf(out, "perplexity: %f\nlog10 prob: %f\n", r.Perplexity(), r.LogProb/2.302585092994046)
				}
				fmt.Fprintf(out, "%d words evaluated\n%d OOVs, %d context cues removed\n", r.Words, r.OOVs, r.ContextCues)
				return nil
			}
			f, err := os.Open(lsn)
			if err != nil {
				return err
			}
			defer f.Close()
			var c lm.CorpusEval
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				words := strings.Fields(sc.Text())
				if n := len(words); n > 0 && strings.HasPrefix(words[n-1], "(") && strings.HasSuffix(words[n-1], ")") {
					words = words[:n-1] // utterance id, as sphinx_lm_eval drops it
				}
				if len(words) == 0 {
					continue
				}
				r := lm.Eval(s, words)
				if verbose {
					fmt.Fprintf(out, "%d\t%.4f\t%s\n", r.SphinxScore, r.Perplexity(), strings.Join(words, " "))
				}
				c.Add(r)
			}
			if err := sc.Err(); err != nil {
				return err
			}
			if isTrie {
				fmt.Fprintf(out, "cross-entropy: %f bits\nperplexity: %f\nlm score: %d\n", c.SphinxCrossEntropy(), c.SphinxPerplexity(), c.SphinxScore)
			}
			fmt.Fprintf(out, "perplexity (exact): %f\n%d words evaluated\n%d OOVs (%.2f%%), %d context cues removed\n",
				c.Perplexity(), c.Words, c.OOVs, 100*float64(c.OOVs)/float64(max(1, c.Words)), c.ContextCues)
			return nil
		},
	}
	c.Flags().StringVar(&lmPath, "lm", defaultGraphLM, "language model `FILE` (Sphinx trie or ARPA, plain or gzip)")
	c.Flags().StringVar(&text, "text", "", "text to evaluate")
	c.Flags().StringVar(&lsn, "lsn", "", "transcription `FILE` to evaluate, one sentence per line")
	c.Flags().BoolVar(&verbose, "verbose", false, "print each sentence's lm score and perplexity")
	return c
}

// writeARPAFile writes m to path as ARPA, gzip-compressed when path ends in .gz ("-" is stdout).
func writeARPAFile(cmd *cobra.Command, m *lm.Model, path string) (err error) {
	var w io.Writer = cmd.OutOrStdout()
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	if strings.HasSuffix(path, ".gz") {
		zw := gzip.NewWriter(w)
		if err := lm.WriteARPA(zw, m); err != nil {
			return err
		}
		return zw.Close()
	}
	return lm.WriteARPA(w, m)
}

func newLMConvertCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "convert IN OUT.arpa[.gz]",
		Short: "Convert a model (Sphinx trie or ARPA) to ARPA text; OUT '-' writes to stdout",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openLM(cmd, args[0])
			if err != nil {
				return err
			}
			m, err := lm.AsModel(s)
			if err != nil {
				return err
			}
			return writeARPAFile(cmd, m, args[1])
		},
	}
}

func newLMPruneCmd() *cobra.Command {
	var lmPath, out, lsn string
	cfg := lm.DefaultPruneConfig()
	c := &cobra.Command{
		Use:   "prune [--lm FILE] (--threshold X | --target N) [-o OUT.arpa] [--lsn FILE]",
		Short: "Prune a model by relative entropy (Stolcke) to a threshold or a number of n-grams",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			s, err := openLM(cmd, lmPath)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			t0 := time.Now()
			m, err := lm.AsModel(s)
			if err != nil {
				return err
			}
			fmt.Fprintf(errOut, "model in memory in %v (%s)\n", time.Since(t0).Round(time.Millisecond), memLine())
			t0 = time.Now()
			p, st, err := lm.Prune(m, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(errOut, "pruned in %v (%s)\n", time.Since(t0).Round(time.Millisecond), memLine())
			o := cmd.OutOrStdout()
			fmt.Fprintf(o, "counts: %v -> %v (%d -> %d n-grams)\nthreshold: %g\nrenormalised contexts: %d\n",
				st.Before, st.After, sum(st.Before), sum(st.After), st.Threshold, st.Renormalised)
			if lsn != "" {
				before, after, err := evalFile(lsn, s, p)
				if err != nil {
					return err
				}
				fmt.Fprintf(o, "perplexity on %s (with <s> </s>): %.2f -> %.2f\n", lsn, before, after)
			}
			if out != "" {
				return writeARPAFile(cmd, p, out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&lmPath, "lm", defaultGraphLM, "language model `FILE` (Sphinx trie or ARPA, plain or gzip)")
	c.Flags().Float64Var(&cfg.Threshold, "threshold", 0, "prune n-grams raising perplexity by less than this relative amount (SRILM -prune)")
	c.Flags().IntVar(&cfg.TargetNGrams, "target", 0, "keep at most `N` n-grams of all orders (overrides --threshold)")
	c.Flags().IntVar(&cfg.MinOrder, "minprune", cfg.MinOrder, "lowest order to prune (SRILM -minprune)")
	c.Flags().StringVarP(&out, "output", "o", "", "write the pruned model as ARPA to `FILE` (.gz: compressed)")
	c.Flags().StringVar(&lsn, "lsn", "", "report perplexity before and after on `FILE` (lines \"[ID] WORDS\"; an upper-case first token with digits is taken as an id; text is lower-cased)")
	return c
}

func sum(c []int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// evalFile returns the perplexities of two models on the sentences of path, each wrapped in <s> … </s>.
func evalFile(path string, a, b lm.Scorer) (float64, float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var ca, cb lm.CorpusEval
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.ContainsAny(f[0], "0123456789") {
			f = f[1:] // utterance id
		}
		if len(f) == 0 {
			continue
		}
		words := append([]string{lm.SentenceStart}, strings.Fields(strings.ToLower(strings.Join(f, " ")))...)
		words = append(words, lm.SentenceEnd)
		ca.Add(lm.Eval(a, words))
		cb.Add(lm.Eval(b, words))
	}
	return ca.Perplexity(), cb.Perplexity(), nil
}

func newLMGCmd() *cobra.Command {
	var lmPath, words string
	var target int
	c := &cobra.Command{
		Use:   "g [--lm FILE] [--target N] G.fst [--words words.txt]",
		Short: "Build the grammar FST G (Kaldi's arpa2fst: backoff arcs on #0) and write it in OpenFST format",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openLM(cmd, lmPath)
			if err != nil {
				return err
			}
			m, err := lm.AsModel(s)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			if target > 0 && m.NumNGrams() > target {
				cfg := lm.DefaultPruneConfig()
				cfg.TargetNGrams = target
				t0 := time.Now()
				if m, _, err = lm.Prune(m, cfg); err != nil {
					return err
				}
				fmt.Fprintf(errOut, "pruned to %v in %v\n", m.Counts(), time.Since(t0).Round(time.Millisecond))
			}
			t0 := time.Now()
			syms, backoff := lm.WordSymbols(m)
			g, st, err := lm.BuildG(m, syms, backoff)
			if err != nil {
				return err
			}
			fmt.Fprintf(errOut, "G: %d states, %d arcs (%d backoff, label %d), %d n-grams skipped, built in %v (%s)\n",
				st.States, st.Arcs, st.BackoffArcs, backoff, st.SkippedNGrams, time.Since(t0).Round(time.Millisecond), memLine())
			if words != "" {
				if err := fstio.WriteSymbolsTextFile(words, syms); err != nil {
					return err
				}
			}
			return fstio.WriteFile(args[0], g, fstio.WriteOptions{})
		},
	}
	c.Flags().StringVar(&lmPath, "lm", defaultGraphLM, "language model `FILE` (Sphinx trie or ARPA, plain or gzip)")
	c.Flags().IntVar(&target, "target", 0, "prune to at most `N` n-grams first (0: no pruning)")
	c.Flags().StringVar(&words, "words", "", "write the word symbol table (Kaldi words.txt) to `FILE`")
	return c
}
