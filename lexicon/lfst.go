package lexicon

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"hark/wfst"
)

// ErrL reports a lexicon that L cannot be built from.
var ErrL = errors.New("lexicon: cannot build L")

// Word-position suffixes of L's phone symbols (Kaldi's position-dependent phones; Sphinx's b/i/e/s).
const (
	SuffixBegin    = "_B"
	SuffixInternal = "_I"
	SuffixEnd      = "_E"
	SuffixSingle   = "_S"
)

// LEntry is one pronunciation for L: a word of the word symbol table and its phones (CI phone names,
// without position suffixes). A word may have several entries (alternate pronunciations).
type LEntry struct {
	Word   string
	Phones []string
}

// LConfig holds the options of L (Kaldi's utils/lang/make_lexicon_fst.py).
type LConfig struct {
	// SilProb is the probability of optional silence after each word and at the start (Kaldi's --sil-prob,
	// default 0.5); 0 disables optional silence.
	SilProb float64
	// SilPhone is the optional-silence phone (Kaldi's --sil-phone; Sphinx's SIL).
	SilPhone string
	// CIPhones are phones that take no position suffix (silence and fillers: "SIL", "+NSN+", "+SPN+").
	// SilPhone is always one of them.
	CIPhones []string
	// PositionDependent tags phones with their word position (_B, _I, _E, _S), as Sphinx's triphones
	// need. Default true.
	PositionDependent bool
}

// DefaultLConfig returns Kaldi's defaults with Sphinx's silence phone.
func DefaultLConfig() LConfig {
	return LConfig{SilProb: 0.5, SilPhone: "SIL", CIPhones: []string{"SIL", "+NSN+", "+SPN+"}, PositionDependent: true}
}

// Validate checks the options.
func (c LConfig) Validate() error {
	if !(c.SilProb >= 0 && c.SilProb < 1) {
		return fmt.Errorf("%w: sil-prob %g must be in [0, 1)", ErrL, c.SilProb)
	}
	if c.SilProb > 0 && c.SilPhone == "" {
		return fmt.Errorf("%w: sil-prob %g needs a silence phone", ErrL, c.SilProb)
	}
	return nil
}

// L is the lexicon transducer with disambiguation symbols (Kaldi's L_disambig.fst) and its alphabets.
type L struct {
	// FST maps phone symbols (input) to words (output); the word is on the first arc of each
	// pronunciation. Tropical semiring, costs -ln p. Arcs are sorted by output label.
	FST *wfst.Vector
	// Phones is the input symbol table: 0 "<eps>", the CI phones (SilPhone first), every base phone with
	// each position suffix (_B _E _I _S, bases sorted), then the disambiguation symbols #0..#K.
	Phones *wfst.SymbolTable
	// Disambig are the labels of #0..#K in Phones (#0 first: G's backoff symbol passed through).
	Disambig []wfst.Label
	// Words is the output symbol table (the one given to BuildL, shared).
	Words *wfst.SymbolTable
	// Skipped counts entries whose word is not in the word table.
	Skipped int
	// NumProns counts the pronunciations in L.
	NumProns int
}

// BuildL builds L_disambig from pronunciations over the word table words (the LM's: "<eps>" = 0, and "#0"
// if G has backoff arcs), as Kaldi's add_lex_disambig.pl + make_lexicon_fst.py do:
//   - pronunciations that are a prefix of another or shared by several words end with #1, #2, ...;
//   - a loop state with optional silence (cost -ln SilProb, else -ln(1 − SilProb)) at the start and after
//     every word;
//   - a #0:#0 self-loop on the loop state when words has "#0", so G's backoff arcs compose through L.
//
// Entries whose word is not in words, and "<s>", "</s>", "<eps>" and "#..." entries, are skipped; a word
// written "word(2)" is taken as "word" (Sphinx's alternate pronunciations). Entries are not modified.
func BuildL(entries []LEntry, words *wfst.SymbolTable, cfg LConfig) (*L, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ci := map[string]bool{}
	for _, p := range cfg.CIPhones {
		ci[p] = true
	}
	if cfg.SilPhone != "" {
		ci[cfg.SilPhone] = true
	}
	type pron struct {
		word   wfst.Label
		phones []string // tagged
	}
	var prons []pron
	skipped := 0
	bases := map[string]bool{}
	for _, e := range entries {
		w := baseWord(e.Word)
		if w == "<s>" || w == "</s>" || w == "<eps>" || strings.HasPrefix(w, "#") {
			skipped++
			continue
		}
		id, ok := words.Find(w)
		if !ok || id == 0 {
			skipped++
			continue
		}
		if len(e.Phones) == 0 {
			return nil, fmt.Errorf("%w: word %q has an empty pronunciation", ErrL, e.Word)
		}
		tagged := make([]string, len(e.Phones))
		for i, p := range e.Phones {
			if p == "" || strings.HasPrefix(p, "#") || p == "<eps>" {
				return nil, fmt.Errorf("%w: word %q has phone %q", ErrL, e.Word, p)
			}
			if ci[p] || !cfg.PositionDependent {
				tagged[i] = p
				if !ci[p] {
					bases[p] = true
				}
				continue
			}
			bases[p] = true
			switch {
			case len(e.Phones) == 1:
				tagged[i] = p + SuffixSingle
			case i == 0:
				tagged[i] = p + SuffixBegin
			case i == len(e.Phones)-1:
				tagged[i] = p + SuffixEnd
			default:
				tagged[i] = p + SuffixInternal
			}
		}
		prons = append(prons, pron{word: wfst.Label(id), phones: tagged})
	}

	// Disambiguation symbols (add_lex_disambig.pl): a pronunciation needs one if it is a proper prefix of
	// another or occurs more than once; the k-th such occurrence of a phone string gets #k.
	count := map[string]int{}
	prefix := map[string]bool{}
	for _, p := range prons {
		count[strings.Join(p.phones, " ")]++
		for i := 1; i < len(p.phones); i++ {
			prefix[strings.Join(p.phones[:i], " ")] = true
		}
	}
	used := map[string]int{}
	disOf := make([]int, len(prons))
	maxDis := 0
	for i, p := range prons {
		k := strings.Join(p.phones, " ")
		if count[k] > 1 || prefix[k] {
			used[k]++
			disOf[i] = used[k]
			maxDis = max(maxDis, used[k])
		}
	}

	phones := wfst.NewSymbolTable("phones")
	phones.AddWithKey("<eps>", 0)
	if cfg.SilPhone != "" {
		phones.Add(cfg.SilPhone)
	}
	ciNames := make([]string, 0, len(ci))
	for p := range ci {
		ciNames = append(ciNames, p)
	}
	sort.Strings(ciNames)
	for _, p := range ciNames {
		phones.Add(p)
	}
	baseNames := make([]string, 0, len(bases))
	for p := range bases {
		baseNames = append(baseNames, p)
	}
	sort.Strings(baseNames)
	for _, p := range baseNames {
		if cfg.PositionDependent {
			for _, s := range []string{SuffixBegin, SuffixEnd, SuffixInternal, SuffixSingle} {
				phones.Add(p + s)
			}
		} else {
			phones.Add(p)
		}
	}
	dis := make([]wfst.Label, maxDis+1)
	for k := 0; k <= maxDis; k++ {
		dis[k] = wfst.Label(phones.Add(fmt.Sprintf("#%d", k)))
	}

	f := wfst.NewVector(wfst.Tropical)
	f.SetInputSymbols(phones)
	f.SetOutputSymbols(words)
	noSil, silCost := wfst.Weight(0), wfst.Zero
	var start, loop, silState wfst.StateID
	if cfg.SilProb > 0 {
		noSil = float32(-math.Log(1 - cfg.SilProb))
		silCost = float32(-math.Log(cfg.SilProb))
		start, loop, silState = f.AddState(), f.AddState(), f.AddState()
		silLab, _ := phones.Find(cfg.SilPhone)
		f.AddArc(start, wfst.Arc{Weight: noSil, NextState: loop})
		f.AddArc(start, wfst.Arc{Weight: silCost, NextState: silState})
		f.AddArc(silState, wfst.Arc{ILabel: wfst.Label(silLab), NextState: loop})
	} else {
		start = f.AddState()
		loop = start
	}
	f.SetStart(start)
	f.SetFinal(loop, wfst.One)
	if w0, ok := words.Find("#0"); ok {
		f.AddArc(loop, wfst.Arc{ILabel: dis[0], OLabel: wfst.Label(w0), NextState: loop})
	}
	var labs []wfst.Label
	for i, p := range prons {
		labs = labs[:0]
		for _, ph := range p.phones {
			l, ok := phones.Find(ph)
			if !ok {
				return nil, fmt.Errorf("%w: phone %q missing from the table", ErrL, ph)
			}
			labs = append(labs, wfst.Label(l))
		}
		if disOf[i] > 0 {
			labs = append(labs, dis[disOf[i]])
		}
		cur := loop
		for j, l := range labs {
			out := wfst.Label(0)
			if j == 0 {
				out = p.word
			}
			if j < len(labs)-1 {
				nx := f.AddState()
				f.AddArc(cur, wfst.Arc{ILabel: l, OLabel: out, NextState: nx})
				cur = nx
				continue
			}
			f.AddArc(cur, wfst.Arc{ILabel: l, OLabel: out, Weight: noSil, NextState: loop})
			if cfg.SilProb > 0 {
				f.AddArc(cur, wfst.Arc{ILabel: l, OLabel: out, Weight: silCost, NextState: silState})
			}
		}
	}
	for s := 0; s < f.NumStates(); s++ {
		arcs := append([]wfst.Arc(nil), f.Arcs(wfst.StateID(s))...)
		sort.SliceStable(arcs, func(i, j int) bool { return arcs[i].OLabel < arcs[j].OLabel })
		f.SetArcs(wfst.StateID(s), arcs)
	}
	return &L{FST: f, Phones: phones, Disambig: dis, Words: words, Skipped: skipped, NumProns: len(prons)}, nil
}

// baseWord strips Sphinx's alternate-pronunciation suffix: "read(2)" → "read".
func baseWord(w string) string {
	if n := len(w); n > 3 && w[n-1] == ')' {
		if i := strings.LastIndexByte(w, '('); i > 0 {
			digits := w[i+1 : n-1]
			if digits != "" && strings.Trim(digits, "0123456789") == "" {
				return w[:i]
			}
		}
	}
	return w
}
