package sphinx

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Model types, named after the pocketsphinx module that scores them (acmod.c acmod_init_am).
const (
	TypePTM  = "ptm"     // phonetically tied mixtures: one codebook per CI phone
	TypeSemi = "s2_semi" // semi-continuous: one codebook shared by all senones
	TypeMS   = "ms"      // continuous (multi-stream GMM): one codebook per senone, or a senmgau map
)

// LoadConfig holds the model-loading options, with pocketsphinx's names and defaults.
type LoadConfig struct {
	VarFloor  float64 // -varfloor: variance floor applied to every Gaussian
	TmatFloor float64 // -tmatfloor: floor of non-zero transition probabilities
	MixwFloor float64 // -mixwfloor: floor of mixture weights read from mixture_weights
}

// DefaultLoadConfig returns pocketsphinx's defaults (-varfloor 1e-4, -tmatfloor 1e-4, -mixwfloor 1e-7).
func DefaultLoadConfig() LoadConfig {
	return LoadConfig{VarFloor: 1e-4, TmatFloor: DefaultTmatFloor, MixwFloor: DefaultMixwFloor}
}

// RegisterFlags registers the options on fs under pocketsphinx's names (without the leading dash).
func (c *LoadConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.Float64Var(&c.VarFloor, "varfloor", c.VarFloor, "variance floor for the Gaussians")
	fs.Float64Var(&c.TmatFloor, "tmatfloor", c.TmatFloor, "floor of non-zero HMM transition probabilities")
	fs.Float64Var(&c.MixwFloor, "mixwfloor", c.MixwFloor, "floor of mixture weights (mixture_weights files)")
}

// Validate checks the options.
func (c LoadConfig) Validate() error {
	if !(c.VarFloor > 0) {
		return fmt.Errorf("sphinx: varfloor must be positive, got %v", c.VarFloor)
	}
	if !(c.TmatFloor >= 0 && c.TmatFloor < 1) {
		return fmt.Errorf("sphinx: tmatfloor must be in [0, 1), got %v", c.TmatFloor)
	}
	if !(c.MixwFloor >= 0 && c.MixwFloor < 1) {
		return fmt.Errorf("sphinx: mixwfloor must be in [0, 1), got %v", c.MixwFloor)
	}
	return nil
}

// NoiseEntry is one line of a noisedict: a filler word and its phones.
type NoiseEntry struct {
	Word   string
	Phones []string
}

// Model is a loaded Sphinx acoustic model. It is immutable after Load and safe for concurrent use by any
// number of Scorers; its memory is that of its parts (about 9 bytes per Gaussian parameter, one byte per
// mixture weight, 26 bytes per triphone).
type Model struct {
	Dir        string
	Type       string // TypePTM, TypeSemi or TypeMS
	Mdef       *Mdef
	Gauden     *Gauden
	Mixw       *MixWeights
	Tmat       *Tmat
	Noise      []NoiseEntry      // noisedict entries (nil if the model has none)
	FeatParams map[string]string // feat.params as key → value, keys with their leading dash ("-lowerf")
	// Sen2CB maps each senone to its codebook (PTM: its CI phone; semi: 0; ms: the senone itself).
	Sen2CB []int16
	// VarFloored is the number of variances raised to the variance floor.
	VarFloored int

	pre *gaussPrecomp
}

// Load reads the model in dir with the given options. Required files: mdef, means, variances,
// transition_matrices, and sendump or mixture_weights; noisedict and feat.params are read when present.
func Load(dir string, cfg LoadConfig) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	read := func(name string, required bool) ([]byte, string, error) {
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err != nil {
			if !required && errors.Is(err, fs.ErrNotExist) {
				return nil, p, nil
			}
			return nil, p, fmt.Errorf("sphinx: read model: %w", err)
		}
		return b, p, nil
	}
	m := &Model{Dir: dir}
	b, p, err := read("mdef", true)
	if err != nil {
		return nil, err
	}
	if m.Mdef, err = ParseMdef(p, b); err != nil {
		return nil, err
	}
	mb, mp, err := read("means", true)
	if err != nil {
		return nil, err
	}
	vb, vp, err := read("variances", true)
	if err != nil {
		return nil, err
	}
	if m.Gauden, err = ParseGauden(mp, mb, vp, vb); err != nil {
		return nil, err
	}
	g := m.Gauden
	b, p, err = read("transition_matrices", true)
	if err != nil {
		return nil, err
	}
	if m.Tmat, err = ParseTmat(p, b, float32(cfg.TmatFloor)); err != nil {
		return nil, err
	}
	if m.Tmat.NTmat != m.Mdef.NTmat {
		return nil, formatErr(p, "n_tmat", "%d, mdef has %d", m.Tmat.NTmat, m.Mdef.NTmat)
	}
	if m.Mdef.NEmitState != 0 && m.Tmat.NState != m.Mdef.NEmitState {
		return nil, formatErr(p, "n_src", "%d states, mdef has %d emitting states", m.Tmat.NState, m.Mdef.NEmitState)
	}
	nSen := m.Mdef.NSen
	senmgau, sp, err := read("senmgau", false)
	if err != nil {
		return nil, err
	}
	// Model selection as acmod.c: senmgau → ms; n_mgau == n_ciphone ≤ 256 → ptm; n_mgau == 1 → s2_semi;
	// otherwise ms.
	nCI := len(m.Mdef.CIPhones)
	m.Sen2CB = make([]int16, nSen)
	switch {
	case senmgau == nil && g.NMgau == nCI && g.NMgau <= 256:
		m.Type = TypePTM
		for s := range m.Sen2CB {
			if m.Mdef.Sen2CI[s] < 0 {
				return nil, formatErr(m.Dir, "mdef", "senone %d belongs to no phone", s)
			}
			m.Sen2CB[s] = m.Mdef.Sen2CI[s]
		}
	case senmgau == nil && g.NMgau == 1:
		m.Type = TypeSemi
	default:
		m.Type = TypeMS
		switch g.NMgau {
		case 1:
		case nSen:
			for s := range m.Sen2CB {
				m.Sen2CB[s] = int16(s)
			}
		default:
			if senmgau != nil {
				return nil, formatErr(sp, "senmgau", "explicit senone-to-codebook maps are not supported (%d codebooks, %d senones)", g.NMgau, nSen)
			}
			return nil, formatErr(mp, "n_mgau", "%d codebooks match neither 1, the %d CI phones nor the %d senones", g.NMgau, nCI, nSen)
		}
		if g.NMgau > 32767 {
			return nil, formatErr(mp, "n_mgau", "%d codebooks, at most 32767 supported", g.NMgau)
		}
	}
	// Mixture weights: sendump, or mixture_weights quantised as the chosen module does.
	b, p, err = read("sendump", false)
	if err != nil {
		return nil, err
	}
	if b != nil {
		m.Mixw, err = ParseSendump(p, b, g.NFeat, g.NDensity, nSen)
	} else {
		if b, p, err = read("mixture_weights", true); err != nil {
			return nil, err
		}
		q := QuantTied
		if m.Type == TypeMS {
			q = QuantMS
		}
		m.Mixw, err = ParseMixw(p, b, float32(cfg.MixwFloor), q)
	}
	if err != nil {
		return nil, err
	}
	if m.Mixw.NSen != nSen || m.Mixw.NFeat != g.NFeat || m.Mixw.NDensity != g.NDensity {
		return nil, formatErr(p, "shape", "%d senones × %d streams × %d densities, model has %d × %d × %d",
			m.Mixw.NSen, m.Mixw.NFeat, m.Mixw.NDensity, nSen, g.NFeat, g.NDensity)
	}
	if b, p, err = read("noisedict", false); err != nil {
		return nil, err
	}
	if b != nil {
		if m.Noise, err = ParseNoiseDict(p, b); err != nil {
			return nil, err
		}
	}
	if b, p, err = read("feat.params", false); err != nil {
		return nil, err
	}
	if b != nil {
		if m.FeatParams, err = ParseFeatParams(p, b); err != nil {
			return nil, err
		}
	}
	m.pre = precompute(g, float32(cfg.VarFloor))
	m.VarFloored = m.pre.floored
	return m, nil
}

// ParseNoiseDict parses a filler dictionary ("WORD PHONE..." per line; "##" and ";;" lines are comments).
// The phones are not checked here; package lexicon checks them against the model's phone set.
func ParseNoiseDict(file string, data []byte) ([]NoiseEntry, error) {
	var out []NoiseEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.HasPrefix(l, "##") || strings.HasPrefix(l, ";;") {
			continue
		}
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if len(f) == 1 {
			return nil, formatErr(file, fmt.Sprintf("line %d", n), "word %q has no pronunciation", f[0])
		}
		out = append(out, NoiseEntry{Word: f[0], Phones: f[1:]})
	}
	if err := sc.Err(); err != nil {
		return nil, formatErr(file, "lines", "%v", err)
	}
	return out, nil
}

// ParseFeatParams parses a feat.params file: whitespace-separated "-key value" pairs ('#' starts a
// comment line), as sphinxbase cmd_ln_parse_file reads it. Keys keep their leading dash. Interpreting the
// values is up to the front end (package feature).
func ParseFeatParams(file string, data []byte) (map[string]string, error) {
	var toks []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		toks = append(toks, strings.Fields(l)...)
	}
	out := map[string]string{}
	for i := 0; i < len(toks); i += 2 {
		if !strings.HasPrefix(toks[i], "-") {
			return nil, formatErr(file, toks[i], "expected a -key")
		}
		if i+1 >= len(toks) {
			return nil, formatErr(file, toks[i], "missing value")
		}
		out[toks[i]] = toks[i+1]
	}
	return out, nil
}
