package graph

import (
	"errors"
	"fmt"
	"math"
	"time"

	"hark/hmm"
	"hark/lexicon"
	"hark/lm"
	"hark/wfst"
)

// Config holds the options of the graph build (mkgraph.sh's, with Kaldi's names and defaults).
type Config struct {
	// L configures the lexicon transducer (sil-prob 0.5, SIL). Its CIPhones are replaced by the model's
	// filler phones.
	L lexicon.LConfig
	// H configures H (transition-scale 1.0).
	H hmm.HConfig
	// SelfLoopScale scales the self-loop costs (add-self-loops --self-loop-scale; mkgraph.sh's default 0.1).
	SelfLoopScale float32
	// Delta is the determinization comparison delta (OpenFST's kDelta); minimization uses fstminimize's
	// kShortestDelta, since it quantizes the pushed weights.
	Delta float32
	// MaxStates guards determinization against blow-up: 0 means no limit.
	MaxStates int
	// SkipMinimizeHCLG leaves HCLG determinized but not minimized (mkgraph.sh minimizes): minimization merges
	// states with equal futures (a smaller graph) but is the slowest step on large graphs.
	SkipMinimizeHCLG bool
}

// DefaultConfig returns mkgraph.sh's defaults.
func DefaultConfig() Config {
	return Config{L: lexicon.DefaultLConfig(), H: hmm.DefaultHConfig(), SelfLoopScale: 0.1, Delta: wfst.Delta}
}

// Validate checks the options.
func (c Config) Validate() error {
	if err := c.L.Validate(); err != nil {
		return err
	}
	if err := c.H.Validate(); err != nil {
		return err
	}
	if !(c.SelfLoopScale >= 0) || math.IsInf(float64(c.SelfLoopScale), 0) {
		return fmt.Errorf("graph: self-loop scale %g must be a finite number ≥ 0", c.SelfLoopScale)
	}
	if !(c.Delta > 0) {
		return fmt.Errorf("graph: delta %g must be > 0", c.Delta)
	}
	if c.MaxStates < 0 {
		return fmt.Errorf("graph: max states %d must be ≥ 0", c.MaxStates)
	}
	return nil
}

// Inputs are the sources of a graph.
type Inputs struct {
	// G is the grammar: input and output labels are word ids of Words, with backoff arcs on input #0 and
	// output ε (Kaldi's arpa2fst --disambig-symbol=#0), costs -ln p.
	G wfst.FST
	// Words is G's word symbol table: "<eps>" = 0, the words, and "#0" when G has backoff arcs. It becomes
	// the graph's output table.
	Words *wfst.SymbolTable
	// Lexicon holds the pronunciations (words not in Words are skipped).
	Lexicon []lexicon.LEntry
	// Model is the acoustic model's structure (a Sphinx mdef).
	Model hmm.Model
	// Transitions are the model's transition matrices.
	Transitions *hmm.Transitions
}

// Stage reports one finished step of Build.
type Stage struct {
	Name    string        // "L", "LG", "CLG", "HCLG", ...
	Elapsed time.Duration // time of this step
	States  int
	Arcs    int
}

// Progress receives each finished stage (nil: no reports). It runs on Build's goroutine.
type Progress func(Stage)

// Stats summarises a build (stored in the cache's info.json).
type Stats struct {
	Stages       []Stage
	NumProns     int // pronunciations in L
	SkippedProns int // pronunciations whose word is not in the word table
	NumHMMs      int // C input labels (phone symbol × tied HMM) used
	NumTIDs      int // transition ids
	NumDisambig  int // CLG disambiguation symbols (#-1, #0..#K)
	SplitStates  int // states added by AddSelfLoops
	States       int
	Arcs         int
	NumSenones   int
}

// Graph is a decoding graph: HCLG (input senone+1, output word ids, costs) and its word table. Immutable and
// safe for concurrent use. Memory: HCLG 20 bytes per state + 16 per arc (on the heap after Build; mapped
// from the cache file, off the heap, after Load on Linux: see Load), Words about 100 bytes per word.
type Graph struct {
	HCLG  *wfst.Const
	Words *wfst.SymbolTable
	Info  Info
	// Mapped reports that HCLG's arrays are memory-mapped from the cache file (Load on Linux), not on the
	// Go heap.
	Mapped bool
	// PrunedLM is the pruned LM G was built from, set by BuildFromSources when it pruned (nil otherwise,
	// and after Load: read PrunedLMFile with lm.ReadFlat over the full model's vocabulary). Save writes it.
	PrunedLM *lm.Model
}

// ErrEmpty reports a graph with no successful path.
var ErrEmpty = errors.New("graph: empty graph (no word sequence of G has a pronunciation)")

func size(f wfst.Expanded) (int, int) { return f.NumStates(), wfst.NumArcsTotal(f) }

// Build builds HCLG from in (see the package documentation for the steps).
func Build(in Inputs, cfg Config, progress Progress) (*Graph, Stats, error) {
	return build(in, cfg, progress, nil)
}

// stages keeps the intermediate results of a build (for tests).
type stages struct {
	l          *lexicon.L
	lg, clg    *wfst.Vector
	ctx        *hmm.Context
	hclgNoLoop *wfst.Vector // determinized and minimized, on transition ids
}

func build(in Inputs, cfg Config, progress Progress, keep *stages) (*Graph, Stats, error) {
	var st Stats
	if err := cfg.Validate(); err != nil {
		return nil, st, err
	}
	if in.G == nil || in.Words == nil || in.Model == nil || in.Transitions == nil {
		return nil, st, errors.New("graph: inputs need G, Words, Model and Transitions")
	}
	t0 := time.Now()
	report := func(name string, f wfst.Expanded) {
		s := Stage{Name: name, Elapsed: time.Since(t0)}
		s.States, s.Arcs = size(f)
		st.Stages = append(st.Stages, s)
		if progress != nil {
			progress(s)
		}
		t0 = time.Now()
	}

	// The CI phones of L are the model's fillers (silence and noise phones).
	lcfg := cfg.L
	lcfg.CIPhones = nil
	for ci := 0; ci < in.Model.NumCIPhones(); ci++ {
		if in.Model.IsFiller(ci) {
			lcfg.CIPhones = append(lcfg.CIPhones, in.Model.CIPhoneName(ci))
		}
	}
	l, err := lexicon.BuildL(in.Lexicon, in.Words, lcfg)
	if err != nil {
		return nil, st, err
	}
	st.NumProns, st.SkippedProns = l.NumProns, l.Skipped
	report("L", l.FST)

	// G must be input-label sorted for the composition with an output-sorted L.
	g := in.G
	if gv, ok := g.(*wfst.Vector); ok && gv.KnownProperties()&wfst.PropILabelSorted == 0 {
		gv = wfst.Copy(gv)
		wfst.ArcSort(gv, wfst.ILabelSort)
		g = gv
	}
	var lg *wfst.Vector
	if ge, ok := g.(wfst.Expanded); ok {
		lg, ok = composeLG(l.FST, ge)
		if !ok {
			lg = nil
		}
	}
	if lg == nil {
		var err error
		if lg, err = wfst.Compose(l.FST, g, wfst.DefaultComposeOptions()); err != nil {
			return nil, st, fmt.Errorf("graph: compose L∘G: %w", err)
		}
	}
	report("L∘G", lg)
	logSR := wfst.Log
	dopts := wfst.DeterminizeOptions{Delta: cfg.Delta, RemoveEpsilons: true, Semiring: &logSR, MaxStates: cfg.MaxStates}
	lg, err = wfst.Determinize(lg, dopts)
	if err != nil {
		return nil, st, fmt.Errorf("graph: determinize LG: %w", err)
	}
	report("det(LG)", lg)
	if err := wfst.Minimize(lg, wfst.MinimizeOptions{Delta: wfst.ShortestDelta}); err != nil {
		return nil, st, fmt.Errorf("graph: minimize LG: %w", err)
	}
	report("min(LG)", lg)
	if lg.NumStates() == 0 {
		return nil, st, ErrEmpty
	}

	ctx, err := hmm.NewContext(in.Model, l.Phones)
	if err != nil {
		return nil, st, err
	}
	clg, err := hmm.ComposeContext(lg, ctx)
	if err != nil {
		return nil, st, err
	}
	if keep != nil {
		keep.l, keep.lg, keep.clg, keep.ctx = l, lg, clg, ctx
	}
	lg = nil
	st.NumHMMs, st.NumTIDs, st.NumDisambig = ctx.NumHMMs(), ctx.NumTransitionIDs(), ctx.NumDisambig()
	report("CLG", clg)

	hclg, err := hmm.ExpandH(clg, ctx, in.Transitions, cfg.H)
	if err != nil {
		return nil, st, err
	}
	clg = nil
	report("H∘CLG", hclg)
	hclg, err = wfst.Determinize(hclg, dopts)
	if err != nil {
		return nil, st, fmt.Errorf("graph: determinize HCLG: %w", err)
	}
	report("det(HCLG)", hclg)
	if !cfg.SkipMinimizeHCLG {
		if err := wfst.Minimize(hclg, wfst.MinimizeOptions{Delta: wfst.ShortestDelta}); err != nil {
			return nil, st, fmt.Errorf("graph: minimize HCLG: %w", err)
		}
		report("min(HCLG)", hclg)
	}
	if keep != nil {
		keep.hclgNoLoop = wfst.Copy(hclg)
	}
	if _, err := hmm.MapToSenones(hclg, ctx); err != nil {
		return nil, st, err
	}
	loops, err := ctx.SelfLoopProbs(in.Transitions)
	if err != nil {
		return nil, st, err
	}
	split, err := hmm.AddSelfLoops(hclg, loops, cfg.SelfLoopScale)
	if err != nil {
		return nil, st, err
	}
	st.SplitStates = split
	wfst.ArcSort(hclg, wfst.ILabelSort)
	hclg.SetSemiring(wfst.Tropical)
	hclg.SetInputSymbols(nil)
	hclg.SetOutputSymbols(in.Words)
	report("HCLG", hclg)
	st.States, st.Arcs = size(hclg)
	st.NumSenones = in.Model.NumSenones()
	c := wfst.NewConst(hclg)
	return &Graph{HCLG: c, Words: in.Words, Info: Info{Stats: st, Config: cfg}}, st, nil
}
