package recognizer

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"hark/acoustic/sphinx"
	"hark/feature"
	"hark/graph"
	"hark/hmm"
	"hark/lm"
	"hark/wfst"
)

// Model is a loaded model bundle, shared read-only by all sessions.
//
// Memory (Debian's en-us model, default configuration, measured after Load): the decoding graph is
// memory-mapped from the cache and resident whole (37 MB for the 100,000-n-gram graph: 20 bytes per state +
// 16 per arc), off the Go heap; the full LM's trie is memory-mapped (27 MB file, resident as far as
// rescoring has touched it); on the heap about 25 MB: acoustic model 8 MB, word strings and LM
// vocabulary 5 MB, pruned LM 1 MB (4k+8 bytes per k-gram), label tables 2 MB. Nothing grows after Load;
// sessions hold their own memory (Session).
type Model struct {
	Config Config
	AM     *sphinx.Model
	Feat   feature.Config
	// Graph is the decoding graph. Load releases Graph.Words (its maps cost about 100 bytes a word) once
	// it has built its own label tables, so it is nil after Load: words are available through Word.
	Graph *graph.Graph
	// FullLM is the unpruned LM used to rescore lattices (nil when Config.Rescore is off).
	FullLM lm.Scorer
	// GraphLM is the pruned LM the graph was built from (nil when Config.Rescore is off).
	GraphLM lm.Scorer

	rs         *rescorer // shared by sessions; nil without rescoring
	silenceIdx []bool    // by graph input label: the senone belongs to a filler phone (silence, noise)
	fillerWord []bool    // by word label: a filler word (<sil>, [NOISE], ...)
	words      []string
	// LoadTime is how long Load took, GraphCached whether the graph came from the cache.
	LoadTime    time.Duration
	GraphCached bool
}

// Progress receives human-readable progress lines during Load (graph building can take minutes).
type Progress func(msg string)

// GraphSources returns the graph sources of cfg for a loaded acoustic model: its structure (mdef,
// transition matrices) and the LM and dictionary paths. `hark graph build` and Load use the same sources, so
// they share the cached graph.
func GraphSources(am *sphinx.Model, cfg Config) (graph.Sources, error) {
	return sources(am.Dir, am.Mdef, am.Tmat, cfg.LM, cfg.Dict, cfg.Prune)
}

// GraphSourcesFromFiles is GraphSources reading only the mdef and transition matrices of modelDir (no
// Gaussians), for building a graph without loading the whole model.
func GraphSourcesFromFiles(modelDir, lmPath, dictPath string, prune int) (graph.Sources, error) {
	mdefPath := filepath.Join(modelDir, "mdef")
	tmatPath := filepath.Join(modelDir, "transition_matrices")
	b, err := os.ReadFile(mdefPath)
	if err != nil {
		return graph.Sources{}, fmt.Errorf("recognizer: %w", err)
	}
	mdef, err := sphinx.ParseMdef(mdefPath, b)
	if err != nil {
		return graph.Sources{}, err
	}
	if b, err = os.ReadFile(tmatPath); err != nil {
		return graph.Sources{}, fmt.Errorf("recognizer: %w", err)
	}
	tm, err := sphinx.ParseTmat(tmatPath, b, sphinx.DefaultTmatFloor)
	if err != nil {
		return graph.Sources{}, err
	}
	return sources(modelDir, mdef, tm, lmPath, dictPath, prune)
}

func sources(modelDir string, mdef *sphinx.Mdef, tm *sphinx.Tmat, lmPath, dictPath string, prune int) (graph.Sources, error) {
	tr, err := hmm.NewTransitionsFlat(tm.NTmat, tm.NState, tm.Prob)
	if err != nil {
		return graph.Sources{}, err
	}
	return graph.Sources{
		LM: lmPath, Dict: dictPath, PruneNGrams: prune,
		ModelFiles:  []string{filepath.Join(modelDir, "mdef"), filepath.Join(modelDir, "transition_matrices")},
		Model:       mdef,
		Transitions: tr,
	}, nil
}

// Load loads the model bundle of cfg, building the decoding graph into the cache if it is not there.
func Load(cfg Config, progress Progress) (*Model, error) {
	t0 := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	say := func(format string, args ...any) {
		if progress != nil {
			progress(fmt.Sprintf(format, args...))
		}
	}
	am, err := sphinx.Load(cfg.AcousticModel, sphinx.DefaultLoadConfig())
	if err != nil {
		return nil, fmt.Errorf("recognizer: acoustic model: %w", err)
	}
	feat, err := feature.ReadParams(filepath.Join(cfg.AcousticModel, "feat.params"))
	if err != nil {
		return nil, fmt.Errorf("recognizer: front end: %w", err)
	}
	src, err := GraphSources(am, cfg)
	if err != nil {
		return nil, err
	}
	g, cached, err := graph.Get(cfg.GraphCache, src, cfg.Graph, func(st graph.Stage) {
		say("graph: %s done in %v (%d states, %d arcs)", st.Name, st.Elapsed.Round(time.Millisecond), st.States, st.Arcs)
	})
	if err != nil {
		return nil, fmt.Errorf("recognizer: graph: %w", err)
	}
	m := &Model{Config: cfg, AM: am, Feat: feat, Graph: g, GraphCached: cached}
	if err := m.index(); err != nil {
		return nil, err
	}
	if cfg.Rescore {
		if m.FullLM, err = lm.Open(cfg.LM); err != nil {
			return nil, fmt.Errorf("recognizer: rescoring LM: %w", err)
		}
		if m.GraphLM, err = graphLM(m.FullLM, g, cfg, src); err != nil {
			return nil, fmt.Errorf("recognizer: rescoring LM: %w", err)
		}
		if m.rs, err = newRescorer(m); err != nil {
			return nil, err
		}
	}
	// The realignment lexicon (word times) is built here rather than on the first utterance, so that the
	// first request does not pay for reading the dictionary and the idle baseline already counts it.
	if _, err := m.AlignLexicon(); err != nil {
		return nil, err
	}
	m.Graph.Words = nil // see Model.Graph
	m.LoadTime = time.Since(t0)
	return m, nil
}

// graphLM returns the pruned LM the graph was built from. A graph just built carries it; a graph loaded
// from the cache has it beside it in its entry (graph.PrunedLMFile, lm's flat binary form: n-gram tables
// without words, read over the full model's vocabulary), read in milliseconds into 1.6 MB of heap for
// 100,000 n-grams (as ARPA text, which older entries held, that was 3.1 MB parsed in 0.3 s into 5 MB with
// a second copy of the 72,547 words). An entry without it (built by an older version) gets it here:
// pruning the full en-us model again takes seconds and a transient 200 MB, once.
func graphLM(full lm.Scorer, g *graph.Graph, cfg Config, src graph.Sources) (lm.Scorer, error) {
	if cfg.Prune <= 0 {
		return full, nil
	}
	if g.PrunedLM != nil {
		return g.PrunedLM, nil
	}
	root := cfg.GraphCache
	if root == "" {
		var err error
		if root, err = graph.DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	key, err := src.Key(cfg.Graph)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(graph.EntryDir(root, key), graph.PrunedLMFile)
	if b, err := os.ReadFile(path); err == nil {
		if m, err := lm.ReadFlat(b, full.Vocab()); err == nil {
			return m, nil
		}
		// A damaged cache file is rebuilt below.
	}
	mod, err := lm.AsModel(full)
	if err != nil {
		return nil, err
	}
	pc := lm.DefaultPruneConfig()
	pc.TargetNGrams = cfg.Prune
	pruned, _, err := lm.Prune(mod, pc)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { return lm.WriteFlat(w, pruned) }); err != nil {
		return nil, fmt.Errorf("cache pruned LM: %w", err)
	}
	return pruned, nil
}

// writeFileAtomic writes path through a temporary file in the same directory and renames it into place,
// so readers never see a partial file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// index precomputes the label tables the search and the alignment use.
func (m *Model) index() error {
	md := m.AM.Mdef
	m.silenceIdx = make([]bool, md.NumSenones()+1)
	for pid := 0; pid < md.NumCIPhones(); pid++ {
		if !md.IsFiller(pid) {
			continue
		}
		for _, s := range md.SenoneSeq(pid) {
			m.silenceIdx[s+1] = true
		}
	}
	ws := m.Graph.Words
	maxKey := int64(0)
	for _, k := range ws.Keys() {
		maxKey = max(maxKey, k)
	}
	m.words = make([]string, maxKey+1)
	m.fillerWord = make([]bool, maxKey+1)
	for _, k := range ws.Keys() {
		w, _ := ws.Symbol(k)
		m.words[k] = w
		m.fillerWord[k] = isFillerWord(w)
	}
	return nil
}

func isFillerWord(w string) bool {
	if w == "" {
		return true
	}
	switch w[0] {
	case '<', '[', '+', '#':
		return true
	}
	return false
}

// IsSilence reports whether graph input label idx (senone+1) belongs to a filler phone.
func (m *Model) IsSilence(idx wfst.Label) bool {
	return int(idx) < len(m.silenceIdx) && idx > 0 && m.silenceIdx[idx]
}

// Word returns the word of output label l ("" for epsilon or unknown labels).
func (m *Model) Word(l wfst.Label) string {
	if l <= 0 || int(l) >= len(m.words) {
		return ""
	}
	return m.words[l]
}

// IsFillerWord reports whether output label l is a filler (silence, noise, sentence marker).
func (m *Model) IsFillerWord(l wfst.Label) bool {
	return l <= 0 || int(l) >= len(m.fillerWord) || m.fillerWord[l]
}

// FrameShift returns the duration of one feature frame in seconds.
func (m *Model) FrameShift() float64 { return 1 / float64(m.Feat.FrameRate) }
