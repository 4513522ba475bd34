package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"hark/graph"
	"hark/recognizer"
)

func init() { addCommand(newGraphCmd) }

// Defaults of `hark graph build`: Debian's pocketsphinx-en-us files.
const (
	defaultGraphLM    = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
	defaultGraphDict  = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
	defaultGraphModel = "/usr/share/pocketsphinx/model/en-us/en-us"
)

// graphSources returns the sources of a graph; the recognizer uses the same, so both share the cache.
func graphSources(modelDir, lmPath, dictPath string, prune int) (graph.Sources, error) {
	return recognizer.GraphSourcesFromFiles(modelDir, lmPath, dictPath, prune)
}

func newGraphCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Build and inspect HCLG decoding graphs",
	}
	cmd.AddCommand(newGraphBuildCmd(), newGraphInfoCmd())
	return cmd
}

func newGraphInfoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "info DIR",
		Short: "Load a cached graph (a directory printed by graph build) and print its size and load time",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			start := time.Now()
			g, err := graph.Load(args[0])
			if err != nil {
				return err
			}
			load := time.Since(start)
			fi, err := os.Stat(filepath.Join(args[0], graph.HCLGFile))
			if err != nil {
				return fmt.Errorf("graph: %w", err)
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "key\t%s\nstates\t%d\narcs\t%d\nwords\t%d\nbytes\t%d\nload\t%.3fs\n", g.Info.Key,
				g.HCLG.NumStates(), g.HCLG.NumArcsTotal(), g.Words.Len(), fi.Size(), load.Seconds())
			for _, s := range g.Info.Stats.Stages {
				fmt.Fprintf(w, "stage\t%s\t%.1fs\t%d states\t%d arcs\n", s.Name, s.Elapsed.Seconds(), s.States, s.Arcs)
			}
			return nil
		},
	}
}

func newGraphBuildCmd() *cobra.Command {
	var (
		lmPath, dictPath, modelDir, out string
		prune                           int
		force, dryRun                   bool
		cfg                             = graph.DefaultConfig()
		silProb                         float64
		selfLoop, transScale            float64
	)
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the HCLG graph of an LM, a dictionary and an acoustic model into the graph cache",
		Long: `Build the HCLG decoding graph (Kaldi's mkgraph.sh recipe) from an n-gram LM (Sphinx .lm.bin or
ARPA, pruned to --prune n-grams), a CMU pronunciation dictionary and a Sphinx acoustic model, and store it in
the graph cache (OpenFST const format, keyed by a hash of the inputs and options). A graph already in the
cache is not rebuilt unless --force is given. Progress goes to stderr; the entry's directory to stdout.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			cfg.L.SilProb = silProb
			cfg.SelfLoopScale = float32(selfLoop)
			cfg.H.TransitionScale = float32(transScale)
			if err := cfg.Validate(); err != nil {
				return err
			}
			src, err := graphSources(modelDir, lmPath, dictPath, prune)
			if err != nil {
				return err
			}
			root := out
			if root == "" {
				if root, err = graph.DefaultCacheDir(); err != nil {
					return err
				}
			}
			key, err := src.Key(cfg)
			if err != nil {
				return err
			}
			dir := graph.EntryDir(root, key)
			if dryRun {
				fmt.Fprintln(c.OutOrStdout(), dir)
				return nil
			}
			if force {
				if err := os.RemoveAll(dir); err != nil {
					return fmt.Errorf("graph: %w", err)
				}
			}
			stderr := c.ErrOrStderr()
			start := time.Now()
			progress := func(s graph.Stage) {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Fprintf(stderr, "%-10s %8.1fs  %10d states %11d arcs   (total %.1fs, heap %d MiB)\n", s.Name,
					s.Elapsed.Seconds(), s.States, s.Arcs, time.Since(start).Seconds(), ms.HeapInuse>>20)
			}
			g, cached, err := graph.Get(root, src, cfg, progress)
			if err != nil {
				return err
			}
			if cached {
				fmt.Fprintf(stderr, "graph %s is cached (use --force to rebuild)\n", key)
			} else {
				fi, _ := os.Stat(filepath.Join(dir, graph.HCLGFile))
				var sz int64
				if fi != nil {
					sz = fi.Size()
				}
				fmt.Fprintf(stderr, "built in %.1fs: %d states, %d arcs, %d words, %.1f MiB\n", time.Since(start).Seconds(),
					g.HCLG.NumStates(), g.HCLG.NumArcsTotal(), g.Words.Len(), float64(sz)/(1<<20))
			}
			fmt.Fprintln(c.OutOrStdout(), dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&lmPath, "lm", defaultGraphLM, "n-gram LM `FILE` (Sphinx .lm.bin or ARPA, plain or gzip)")
	f.StringVar(&dictPath, "dict", defaultGraphDict, "pronunciation dictionary `FILE` (CMU format)")
	f.StringVar(&modelDir, "model", defaultGraphModel, "Sphinx acoustic model `DIR` (mdef, transition_matrices)")
	f.StringVar(&out, "out", "", "graph cache `DIR` (default $XDG_CACHE_HOME/hark or ~/.cache/hark)")
	f.IntVar(&prune, "prune", graph.DefaultPruneNGrams, "prune the LM to at most `N` n-grams (0: no pruning)")
	f.BoolVar(&force, "force", false, "rebuild even if the graph is cached")
	f.BoolVar(&dryRun, "dry-run", false, "print the cache entry directory of the graph and exit")
	f.Float64Var(&silProb, "sil-prob", cfg.L.SilProb, "probability of optional silence between words")
	f.Float64Var(&selfLoop, "self-loop-scale", float64(cfg.SelfLoopScale), "scale of HMM self-loop costs")
	f.BoolVar(&cfg.SkipMinimizeHCLG, "skip-minimize-hclg", cfg.SkipMinimizeHCLG, "do not minimize HCLG (faster build, larger graph)")
	f.Float64Var(&transScale, "transition-scale", float64(cfg.H.TransitionScale), "scale of HMM forward transition costs")
	return cmd
}
