package lexicon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Distinguished words of Sphinx dictionaries (pocketsphinx s3types.h).
const (
	StartWord   = "<s>"
	FinishWord  = "</s>"
	SilenceWord = "<sil>"
)

// ErrDict is wrapped by every dictionary error.
var ErrDict = errors.New("lexicon: bad dictionary")

// ParseError reports a bad line of a dictionary file.
type ParseError struct {
	File string // file name as given
	Line int    // 1-based line number
	Err  error  // wraps ErrDict
}

func (e *ParseError) Error() string { return fmt.Sprintf("lexicon: %s:%d: %v", e.File, e.Line, e.Err) }

func (e *ParseError) Unwrap() error { return e.Err }

// DictConfig holds the options of ReadDict.
type DictConfig struct {
	// Phones is the acoustic model's CI phone set (e.g. sphinx.Mdef.CIPhones). Every phone of every entry
	// must be in it. Its size is limited to 255.
	Phones []string
	// SilPhone is the phone given to <s>, </s> and <sil> when the filler dictionary lacks them (Sphinx:
	// "SIL"; pocketsphinx uses the model's silence phone).
	SilPhone string
	// SkipBad makes bad entries (unknown phone, no pronunciation, duplicate, alternate without base word)
	// warnings, skipped as pocketsphinx's dict.c does, instead of errors. Warnings are in Dict.Warnings.
	SkipBad bool
}

// DefaultDictConfig returns the options for a model with the given phones: silence phone SIL, bad entries
// are errors.
func DefaultDictConfig(phones []string) DictConfig {
	return DictConfig{Phones: phones, SilPhone: "SIL"}
}

// Dict is a pronunciation dictionary in pocketsphinx's layout (dict.c): the main dictionary's words first,
// then the filler words (filler dictionary, then <s>, </s>, <sil> if it lacked them). Alternate
// pronunciations "word(2)" are words of their own whose base word is "word".
//
// Memory: word strings are stored back to back in one string and pronunciations as one byte per phone;
// plus a map from word to id. A Dict is read-only after ReadDict and safe for concurrent use.
type Dict struct {
	phones  []string
	text    string  // all words back to back
	textOff []int32 // word i is text[textOff[i]:textOff[i+1]]
	pron    []uint8 // phone ids back to back
	pronOff []int32 // word i's phones are pron[pronOff[i]:pronOff[i+1]]
	base    []int32 // base word id of each word (itself for non-alternates)
	next    []int32 // next pronunciation of the same base word, in file order, or -1
	ids     map[string]int32

	fillerStart int
	// Warnings lists the entries skipped when DictConfig.SkipBad is set (each a *ParseError).
	Warnings []error
}

// builder accumulates words.
type builder struct {
	d    *Dict
	cfg  DictConfig
	pids map[string]uint8
	last map[int32]int32 // base word → its last pronunciation so far
	sb   strings.Builder
}

// ReadDict reads a main dictionary and a filler dictionary (either reader may be nil) as pocketsphinx's
// dict_init does. mainName and fillerName name them in errors.
func ReadDict(main io.Reader, mainName string, filler io.Reader, fillerName string, cfg DictConfig) (*Dict, error) {
	if len(cfg.Phones) > 255 {
		return nil, fmt.Errorf("%w: %d phones, at most 255", ErrDict, len(cfg.Phones))
	}
	b := &builder{d: &Dict{phones: cfg.Phones, ids: map[string]int32{}}, cfg: cfg, pids: map[string]uint8{}, last: map[int32]int32{}}
	for i, p := range cfg.Phones {
		b.pids[p] = uint8(i)
	}
	b.d.textOff = append(b.d.textOff, 0)
	b.d.pronOff = append(b.d.pronOff, 0)
	if main != nil {
		if err := b.read(main, mainName); err != nil {
			return nil, err
		}
		for _, w := range []string{StartWord, FinishWord, SilenceWord} {
			if _, ok := b.d.ids[w]; ok {
				return nil, fmt.Errorf("%w: %s: remove %s from the main dictionary (it belongs in the filler dictionary)", ErrDict, mainName, w)
			}
		}
	}
	b.d.fillerStart = len(b.d.base)
	if filler != nil {
		if err := b.read(filler, fillerName); err != nil {
			return nil, err
		}
	}
	for _, w := range []string{StartWord, FinishWord, SilenceWord} {
		if _, ok := b.d.ids[w]; !ok {
			sil, ok := b.pids[cfg.SilPhone]
			if !ok {
				return nil, fmt.Errorf("%w: silence phone %q (for %s) is not in the phone set", ErrDict, cfg.SilPhone, w)
			}
			if err := b.add(w, []uint8{sil}); err != nil {
				return nil, err
			}
		}
	}
	d := b.d
	d.text = b.sb.String()
	return d, nil
}

// LoadDict reads the dictionary files at mainPath and fillerPath (either may be empty).
func LoadDict(mainPath, fillerPath string, cfg DictConfig) (*Dict, error) {
	var main, filler io.Reader
	if mainPath != "" {
		f, err := os.Open(mainPath)
		if err != nil {
			return nil, fmt.Errorf("lexicon: open dictionary: %w", err)
		}
		defer f.Close()
		main = f
	}
	if fillerPath != "" {
		f, err := os.Open(fillerPath)
		if err != nil {
			return nil, fmt.Errorf("lexicon: open filler dictionary: %w", err)
		}
		defer f.Close()
		filler = f
	}
	return ReadDict(main, mainPath, filler, fillerPath, cfg)
}

func (b *builder) read(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var pron []uint8
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		if strings.HasPrefix(l, "##") || strings.HasPrefix(l, ";;") {
			continue
		}
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			e := &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: "+format, append([]any{ErrDict}, args...)...)}
			if b.cfg.SkipBad {
				b.d.Warnings = append(b.d.Warnings, e)
				return nil
			}
			return e
		}
		if len(f) == 1 {
			if err := bad("word %q has no pronunciation", f[0]); err != nil {
				return err
			}
			continue
		}
		if len(f)-1 > 1<<16 {
			return bad("word %q has %d phones", f[0], len(f)-1)
		}
		pron = pron[:0]
		ok := true
		for _, p := range f[1:] {
			id, found := b.pids[p]
			if !found {
				if err := bad("phone %q of word %q is not in the acoustic model", p, f[0]); err != nil {
					return err
				}
				ok = false
				break
			}
			pron = append(pron, id)
		}
		if !ok {
			continue
		}
		if err := b.add(f[0], pron); err != nil {
			if err := bad("%v", err); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("lexicon: read %s: %w", name, err)
	}
	return nil
}

// add appends a word (dict.c dict_add_word): alternates "w(…)" need their base word w.
func (b *builder) add(w string, pron []uint8) error {
	d := b.d
	if _, dup := d.ids[w]; dup {
		return fmt.Errorf("duplicate word %q", w)
	}
	id := int32(len(d.base))
	base := id
	if bw := BaseWord(w); bw != w {
		bid, ok := d.ids[bw]
		if !ok {
			return fmt.Errorf("missing base word %q for %q", bw, w)
		}
		base = bid
	}
	d.ids[w] = id
	d.base = append(d.base, base)
	d.next = append(d.next, -1)
	if base != id {
		prev, ok := b.last[base]
		if !ok {
			prev = base
		}
		d.next[prev] = id
		b.last[base] = id
	}
	b.sb.WriteString(w)
	d.textOff = append(d.textOff, int32(b.sb.Len()))
	d.pron = append(d.pron, pron...)
	d.pronOff = append(d.pronOff, int32(len(d.pron)))
	return nil
}

// BaseWord strips an alternate-pronunciation suffix as dict.c dict_word2basestr does: a word ending in
// ')' loses everything from the last '(' (which must not be its first character): "read(2)" → "read".
func BaseWord(w string) string {
	if n := len(w); n > 0 && w[n-1] == ')' {
		if i := strings.LastIndexByte(w[:n-1], '('); i > 0 {
			return w[:i]
		}
	}
	return w
}

// NumWords returns the number of words, fillers included.
func (d *Dict) NumWords() int { return len(d.base) }

// FillerStart returns the id of the first filler word; ids from there on are fillers.
func (d *Dict) FillerStart() int { return d.fillerStart }

// NumFillers returns the number of filler words (including <s>, </s> and <sil>).
func (d *Dict) NumFillers() int { return len(d.base) - d.fillerStart }

// IsFiller reports whether word id is a filler word.
func (d *Dict) IsFiller(id int) bool { return id >= d.fillerStart }

// Word returns the text of word id.
func (d *Dict) Word(id int) string { return d.text[d.textOff[id]:d.textOff[id+1]] }

// ID returns the id of word w.
func (d *Dict) ID(w string) (int, bool) {
	id, ok := d.ids[w]
	return int(id), ok
}

// BaseID returns the id of word id's base word (itself unless it is an alternate pronunciation).
func (d *Dict) BaseID(id int) int { return int(d.base[id]) }

// Pron returns the phone ids (indices into the phone set) of word id. The slice aliases the dictionary's
// storage and must not be modified.
func (d *Dict) Pron(id int) []uint8 { return d.pron[d.pronOff[id]:d.pronOff[id+1]] }

// PronString returns word id's phones as names.
func (d *Dict) PronString(id int) []string {
	p := d.Pron(id)
	out := make([]string, len(p))
	for i, x := range p {
		out[i] = d.phones[x]
	}
	return out
}

// Alternates returns the ids of every pronunciation of w's base word (the base word, then its alternates
// in file order), or nil if w is not in the dictionary.
func (d *Dict) Alternates(w string) []int {
	id, ok := d.ids[w]
	if !ok {
		return nil
	}
	var out []int
	for a := d.base[id]; a >= 0; a = d.next[a] {
		out = append(out, int(a))
	}
	return out
}

// Entries returns every pronunciation as an LEntry (words with alternates share their base word's text),
// fillers excluded when withFillers is false; the input for BuildL.
func (d *Dict) Entries(withFillers bool) []LEntry {
	n := d.NumWords()
	if !withFillers {
		n = d.fillerStart
	}
	out := make([]LEntry, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, LEntry{Word: d.Word(d.BaseID(i)), Phones: d.PronString(i)})
	}
	return out
}
