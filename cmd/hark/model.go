package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hark/acoustic/sphinx"
	"hark/lexicon"
	"hark/lm"
)

func init() { addCommand(newModelCmd) }

// Debian's pocketsphinx-en-us paths.
const (
	defaultModelDir = "/usr/share/pocketsphinx/model/en-us/en-us"
	defaultDict     = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
	defaultLM       = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
)

func newModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Inspect Sphinx acoustic models",
	}
	cmd.AddCommand(newModelInfoCmd())
	return cmd
}

func newModelInfoCmd() *cobra.Command {
	var (
		dictPath, fdictPath, lmPath string
		topn                        int
	)
	load := sphinx.DefaultLoadConfig()
	cmd := &cobra.Command{
		Use:   "info [DIR]",
		Short: "Print the type, sizes, topology and feature spec of a Sphinx acoustic model",
		Long: `info loads a Sphinx acoustic model directory (mdef, means, variances, transition_matrices, sendump or
mixture_weights, noisedict, feat.params; default ` + defaultModelDir + `) and its
pronunciation dictionary, checks them (s3 checksums, shapes, phone sets), and prints: the model type
(the pocketsphinx scoring module it needs: ptm, s2_semi or ms), senones, codebooks, Gaussians, streams,
phones, triphones by word position, HMM topology, the feature spec from feat.params, the dictionary
size and the language model's order and n-gram counts. --dict "" and --lm "" skip them.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := defaultModelDir
			if len(args) == 1 {
				dir = args[0]
			}
			m, err := sphinx.Load(dir, load)
			if err != nil {
				return err
			}
			var dict *lexicon.Dict
			if dictPath != "" {
				fd := fdictPath
				if fd == "" {
					if _, err := os.Stat(filepath.Join(dir, "noisedict")); err == nil {
						fd = filepath.Join(dir, "noisedict")
					}
				}
				cfg := lexicon.DefaultDictConfig(m.Mdef.CIPhones)
				cfg.SkipBad = true // report bad entries as pocketsphinx does, without failing
				if dict, err = lexicon.LoadDict(dictPath, fd, cfg); err != nil {
					return err
				}
			}
			lmLine := ""
			if lmPath != "" {
				if lmLine, err = lmInfo(lmPath); err != nil {
					return err
				}
			}
			return printModelInfo(cmd.OutOrStdout(), m, dict, dictPath, topn, lmLine)
		},
	}
	cmd.Flags().StringVar(&dictPath, "dict", defaultDict, "pronunciation dictionary (\"\" for none)")
	cmd.Flags().StringVar(&fdictPath, "fdict", "", "filler dictionary (default DIR/noisedict)")
	cmd.Flags().StringVar(&lmPath, "lm", defaultLM, "language model, Sphinx trie or ARPA (\"\" for none)")
	cmd.Flags().IntVar(&topn, "topn", sphinx.DefaultScorerConfig().TopN, "Gaussians per codebook used in scoring (reported only)")
	cmd.Flags().Float64Var(&load.VarFloor, "varfloor", load.VarFloor, "variance floor")
	cmd.Flags().Float64Var(&load.TmatFloor, "tmatfloor", load.TmatFloor, "transition probability floor")
	cmd.Flags().Float64Var(&load.MixwFloor, "mixwfloor", load.MixwFloor, "mixture weight floor (mixture_weights files)")
	return cmd
}

var modelTypeNames = map[string]string{
	sphinx.TypePTM:  "phonetically tied mixtures: one codebook per CI phone",
	sphinx.TypeSemi: "semi-continuous: one shared codebook",
	sphinx.TypeMS:   "continuous: one codebook per senone",
}

func printModelInfo(w io.Writer, m *sphinx.Model, dict *lexicon.Dict, dictPath string, topn int, lmLine string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	md, g, tm := m.Mdef, m.Gauden, m.Tmat
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("model", "%s", m.Dir)
	row("type", "%s (%s)", m.Type, modelTypeNames[m.Type])
	row("senones", "%d (%d context-independent)", md.NSen, md.NCISen)
	vl := make([]string, len(g.VecLen))
	for i, v := range g.VecLen {
		vl[i] = fmt.Sprint(v)
	}
	row("codebooks", "%d × %d streams × %d Gaussians", g.NMgau, g.NFeat, g.NDensity)
	row("gaussians", "%d diagonal, stream dimensions %s (%d in all); %d variances floored",
		g.NMgau*g.NFeat*g.NDensity, strings.Join(vl, "+"), g.Dim(), m.VarFloored)
	row("mixture weights", "%d senones × %d streams × %d, 8-bit; top-N %d", m.Mixw.NSen, m.Mixw.NFeat, m.Mixw.NDensity, min(topn, g.NDensity))
	var fillers []string
	for ci := 0; ci < md.NumCIPhones(); ci++ {
		if md.IsFiller(ci) {
			fillers = append(fillers, md.CIPhones[ci])
		}
	}
	row("phones", "%d CI, %d fillers (%s), silence %s", md.NumCIPhones(), len(fillers), strings.Join(fillers, " "), silName(md))
	var pos [sphinx.NumWordPos]int
	for p := md.NumCIPhones(); p < len(md.Phones); p++ {
		pos[md.Phones[p].Info[0]]++
	}
	row("triphones", "%d (begin %d, end %d, internal %d, single %d)", md.NumTriphones(),
		pos[sphinx.PosBegin], pos[sphinx.PosEnd], pos[sphinx.PosInternal], pos[sphinx.PosSingle])
	row("senone sequences", "%d; context tree %d nodes", md.NumSseq(), len(md.CDTree))
	row("hmm", "%d emitting states + exit, %d transition matrices, %s", tm.NState, tm.NTmat, topology(tm))
	if m.FeatParams != nil {
		keys := make([]string, 0, len(m.FeatParams))
		for k := range m.FeatParams {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+" "+m.FeatParams[k])
		}
		row("feature", "%s", featSummary(m.FeatParams))
		row("feat.params", "%s", strings.Join(kv, " "))
	} else {
		row("feature", "no feat.params (front-end defaults)")
	}
	row("checksums", "means 0x%08x, variances 0x%08x, transition_matrices 0x%08x", g.MeanChecksum, g.VarChecksum, tm.Checksum)
	if dict != nil {
		bases, alts := 0, 0
		for i := 0; i < dict.FillerStart(); i++ {
			if dict.BaseID(i) == i {
				bases++
			} else {
				alts++
			}
		}
		row("dictionary", "%s: %d words (%d base words, %d alternates), %d fillers, %d in all; %d bad entries skipped",
			dictPath, dict.FillerStart(), bases, alts, dict.NumFillers(), dict.NumWords(), len(dict.Warnings))
	}
	if lmLine != "" {
		row("language model", "%s", lmLine)
	}
	return tw.Flush()
}

func silName(md *sphinx.Mdef) string {
	if md.Sil < 0 {
		return "none"
	}
	return md.CIPhones[md.Sil]
}

// topology describes the transition structure shared by the matrices.
func topology(tm *sphinx.Tmat) string {
	skips := false
	n := tm.NState
	for i := 0; i < tm.NTmat; i++ {
		for j := 0; j < n; j++ {
			if j+2 <= n && tm.Prob[(i*n+j)*(n+1)+j+2] > 0 {
				skips = true
			}
		}
	}
	if skips {
		return "left-to-right with skips (Bakis)"
	}
	return "strictly left-to-right (self-loop and next)"
}

func featSummary(p map[string]string) string {
	get := func(k, def string) string {
		if v, ok := p[k]; ok {
			return v
		}
		return def
	}
	s := get("-feat", "1s_c_d_dd")
	if v, ok := p["-svspec"]; ok {
		s += ", streams " + v
	}
	s += fmt.Sprintf(", cmn %s, varnorm %s, agc %s; %s filters %s–%s Hz, lifter %s, transform %s",
		get("-cmn", "live"), get("-varnorm", "no"), get("-agc", "none"), get("-nfilt", "40"),
		get("-lowerf", "133.33334"), get("-upperf", "6855.4976"), get("-lifter", "0"), get("-transform", "legacy"))
	return s
}

// lmInfo describes the order, vocabulary and n-gram counts of a language model.
func lmInfo(path string) (string, error) {
	s, err := lm.Open(path)
	if err != nil {
		return "", err
	}
	var counts, header []int
	switch m := s.(type) {
	case *lm.Trie:
		defer m.Close()
		counts, header = m.Counts(), m.HeaderCounts()
	case *lm.Model:
		counts = m.Counts()
	}
	cs := make([]string, len(counts))
	for i, c := range counts {
		cs[i] = fmt.Sprint(c)
	}
	line := fmt.Sprintf("%s: order %d, %d words, n-grams %s", path, s.Order(), s.Vocab().NumWords(), strings.Join(cs, " / "))
	for i := range header {
		if header[i] != counts[i] {
			line += fmt.Sprintf(" (header states %d %d-grams)", header[i], i+1)
		}
	}
	return line, nil
}
