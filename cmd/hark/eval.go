package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hark/internal/wer"
)

func init() { addCommand(newEvalCmd) }

// sphinxRef matches a Sphinx transcription line "words (id)" or "words (id score)".
var sphinxRef = regexp.MustCompile(`^(.*)\(([^()\s]+)(?:\s+[-+0-9.eE]+)*\)\s*$`)

// readRefs reads reference transcripts: "ID WORDS..." lines (as ../shared/eval/dev/refs.txt) or Sphinx
// "words (id)" lines (as pocketsphinx-testdata's transcription files).
func readRefs(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	refs := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if m := sphinxRef.FindStringSubmatch(line); m != nil {
			refs[m[2]] = wer.Normalize(m[1])
			continue
		}
		id, words, _ := strings.Cut(line, " ")
		if id == "" {
			return nil, fmt.Errorf("%s:%d: no utterance id", path, n)
		}
		refs[id] = wer.Normalize(words)
	}
	return refs, sc.Err()
}

func newEvalCmd() *cobra.Command {
	var (
		mf      modelFlags
		refPath string
		perFile bool
	)
	cmd := &cobra.Command{
		Use:   "eval --refs REFS [flags] FILE...",
		Short: "Transcribe files and report word error rate against reference transcripts",
		Long: `eval transcribes each file and aligns its words with the reference transcript whose id is the file's
base name without extension. REFS holds "ID WORDS..." lines or Sphinx "words (id)" lines. It prints
substitutions, deletions, insertions and WER per file (with --per-file) and in total, and the real-time
factor of decoding. Text is normalised as ../shared/eval/wer.py does (case, fillers, punctuation).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if refPath == "" {
				return fmt.Errorf("--refs is required")
			}
			refs, err := readRefs(refPath)
			if err != nil {
				return err
			}
			sess, err := mf.session(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "id\twords\tsub\tdel\tins\tWER%\t")
			var total wer.Counts
			var audioSec float64
			t0 := time.Now()
			for _, path := range args {
				id := fileID(path)
				ref, ok := refs[id]
				if !ok {
					return fmt.Errorf("%s: no reference for id %q in %s", path, id, refPath)
				}
				t, err := transcribeFile(cmd.Context(), sess, path, cmd.ErrOrStderr())
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				audioSec += t.Duration
				c := wer.Align(ref, wer.Normalize(t.Text))
				total = total.Add(c)
				if perFile {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t\n", id, c.Ref, c.Sub, c.Del, c.Ins, c.Rate())
				}
			}
			el := time.Since(t0).Seconds()
			fmt.Fprintf(tw, "TOTAL\t%d\t%d\t%d\t%d\t%.2f\t\n", total.Ref, total.Sub, total.Del, total.Ins, total.Rate())
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d files, %.1f s of audio decoded in %.1f s (RTF %.3f)\n", len(args), audioSec, el, el/max(audioSec, 1e-9))
			return nil
		},
	}
	mf.register(cmd.Flags())
	cmd.Flags().StringVar(&refPath, "refs", "", "reference transcripts `FILE` (required)")
	cmd.Flags().BoolVar(&perFile, "per-file", false, "print a line per file")
	return cmd
}
