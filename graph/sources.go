package graph

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"hark/hmm"
	"hark/lexicon"
	"hark/lm"
	"hark/wfst"
)

// DefaultPruneNGrams is the default LM size (n-grams of all orders, unigrams included) of a decoding graph:
// the LM is pruned to it before G is built. Kaldi's recipe: a small first-pass LM, lattices rescored with the
// full one. On the dev set with full-LM rescoring, 100,000 n-grams (HCLG 0.48 M states, 1.7 M arcs, 37 MB)
// gave 20.13 % WER against 20.44 % for 400,000 (1.96 M states, 5.6 M arcs, 131 MB), whose graph alone
// would exceed the memory target (docs/architecture.md §8; docs/conventions.md has the build figures).
const DefaultPruneNGrams = 100000

// Sources names the files a graph is built from, and the acoustic model's structure.
type Sources struct {
	// LM is an n-gram model: a Sphinx trie (.lm.bin, "Trie Language Model" header) or ARPA text (plain or
	// gzip).
	LM string
	// Dict is a pronunciation dictionary in CMU format ("word PH1 PH2 ...", alternates "word(2)"), read
	// with lexicon.LoadDict.
	Dict string
	// PruneNGrams, when positive, prunes the LM to at most this many n-grams (all orders; unigrams always
	// stay) by relative entropy (lm.Prune) before G is built.
	PruneNGrams int
	// ModelFiles are the acoustic-model files that determine Model and Transitions (mdef,
	// transition_matrices); they are hashed into the cache key.
	ModelFiles []string
	// Model and Transitions are the acoustic model's structure.
	Model       hmm.Model
	Transitions *hmm.Transitions
}

// Key returns the cache key of the graph these sources and options build.
func (s Sources) Key(cfg Config) (string, error) {
	k := NewKey()
	if err := k.AddFile("lm", s.LM); err != nil {
		return "", err
	}
	if err := k.AddFile("dict", s.Dict); err != nil {
		return "", err
	}
	for i, f := range s.ModelFiles {
		if err := k.AddFile(fmt.Sprintf("model%d", i), f); err != nil {
			return "", err
		}
	}
	k.AddString("prune", fmt.Sprint(s.PruneNGrams))
	if err := k.AddJSON("config", cfg); err != nil {
		return "", err
	}
	return k.Sum(), nil
}

// LoadLM reads an n-gram model from a Sphinx trie or an ARPA file (lm.Open) into memory (lm.AsModel).
func LoadLM(path string) (*lm.Model, error) {
	sc, err := lm.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := lm.AsModel(sc)
	if c, ok := sc.(io.Closer); ok {
		if cerr := c.Close(); err == nil && cerr != nil && m != sc {
			err = cerr
		}
	}
	return m, err
}

// ReadDict reads a CMU-format pronunciation dictionary with lexicon.LoadDict, checking its phones against
// the model's CI phones, and returns its pronunciations (alternates under their base word, no fillers).
func ReadDict(path string, m hmm.Model) ([]lexicon.LEntry, error) {
	phones := make([]string, m.NumCIPhones())
	for i := range phones {
		phones[i] = m.CIPhoneName(i)
	}
	d, err := lexicon.LoadDict(path, "", lexicon.DefaultDictConfig(phones))
	if err != nil {
		return nil, err
	}
	return d.Entries(false), nil
}

// BuildFromSources loads the LM (pruning it when asked), builds G (lm.BuildG) and reads the dictionary,
// then builds HCLG with Build. Progress also receives the stages "LM", "prune", "G" and "dict".
func BuildFromSources(s Sources, cfg Config, progress Progress) (*Graph, error) {
	if s.Model == nil || s.Transitions == nil {
		return nil, errors.New("graph: sources need the model and its transitions")
	}
	t0 := time.Now()
	var pre []Stage
	report := func(name string, states, arcs int) {
		st := Stage{Name: name, Elapsed: time.Since(t0), States: states, Arcs: arcs}
		pre = append(pre, st)
		if progress != nil {
			progress(st)
		}
		t0 = time.Now()
	}
	m, err := LoadLM(s.LM)
	if err != nil {
		return nil, err
	}
	var pruned *lm.Model
	report("LM", m.NumNGrams(), 0)
	if s.PruneNGrams > 0 && m.NumNGrams() > s.PruneNGrams {
		pc := lm.DefaultPruneConfig()
		pc.TargetNGrams = s.PruneNGrams
		pm, _, err := lm.Prune(m, pc)
		if err != nil {
			return nil, err
		}
		m = pm
		report("prune", m.NumNGrams(), 0)
		pruned = pm
	}
	words, backoff := lm.WordSymbols(m)
	g, _, err := lm.BuildG(m, words, backoff)
	if err != nil {
		return nil, err
	}
	m = nil
	report("G", g.NumStates(), wfst.NumArcsTotal(g))
	dict, err := ReadDict(s.Dict, s.Model)
	if err != nil {
		return nil, err
	}
	report("dict", len(dict), 0)
	gr, _, err := Build(Inputs{G: g, Words: words, Lexicon: dict, Model: s.Model, Transitions: s.Transitions}, cfg, progress)
	if err != nil {
		return nil, err
	}
	gr.PrunedLM = pruned
	gr.Info.Stats.Stages = append(pre, gr.Info.Stats.Stages...)
	gr.Info.Sources = map[string]string{"lm": s.LM, "dict": s.Dict, "prune": fmt.Sprint(s.PruneNGrams),
		"model": strings.Join(s.ModelFiles, " ")}
	return gr, nil
}

// Get returns the graph of s and cfg from the cache under root (DefaultCacheDir when empty), building and
// saving it on a miss. cached reports a hit. This is the entry point of the recognizer and `hark graph
// build`.
func Get(root string, s Sources, cfg Config, progress Progress) (g *Graph, cached bool, err error) {
	if root == "" {
		if root, err = DefaultCacheDir(); err != nil {
			return nil, false, err
		}
	}
	key, err := s.Key(cfg)
	if err != nil {
		return nil, false, err
	}
	return LoadOrBuild(root, key, func() (*Graph, error) { return BuildFromSources(s, cfg, progress) })
}
