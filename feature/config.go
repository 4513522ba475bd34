package feature

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Config holds the front-end and feature options of sphinxbase (fe.h waveform_to_cepstral_command_line_macro,
// feat.h cepstral_to_feature_command_line_macro) and pocketsphinx (-cmninit, -svspec, -ceplen). Each field
// names the sphinx option it mirrors; DefaultConfig gives the defaults of Debian's build (references.md §2.3),
// and ReadParams applies a model's feat.params over them, as pocketsphinx does.
type Config struct {
	SampleRate   float32 // -samprate: samples per second (Hz)
	FrameRate    int     // -frate: frames per second; the frame shift is round(SampleRate/FrameRate) samples
	WindowLength float32 // -wlen: Hamming window length in seconds; frame size is round(WindowLength·SampleRate)
	Alpha        float32 // -alpha: pre-emphasis coefficient, y[n] = x[n] − Alpha·x[n−1]; 0 disables it
	NFFT         int     // -nfft: FFT size, a power of two ≥ the frame size
	LowerF       float32 // -lowerf: lower edge of the mel filterbank (Hz)
	UpperF       float32 // -upperf: upper edge of the mel filterbank (Hz)
	NFilt        int     // -nfilt: number of triangular mel filters
	Transform    string  // -transform: "legacy" (old Sphinx DCT), "dct" (orthonormal DCT-II) or "htk"
	Lifter       int     // -lifter: sinusoidal lifter length L (weights 1 + ⌊L/2⌋·sin(πi/L)); 0 disables it
	NumCep       int     // -ncep: number of cepstra per frame
	RoundFilters bool    // -round_filters: snap filter edges to FFT bins
	UnitArea     bool    // -unit_area: scale each triangle to unit area
	DoubleBW     bool    // -doublebw: filters twice as wide around the same centres
	RemoveDC     bool    // -remove_dc: subtract each frame's mean before windowing

	Dither bool  // -dither: add 1 to about a quarter of the samples (sphinxbase's "1/2-bit noise")
	Seed   int32 // -seed: Mersenne Twister seed of the dither (sphinxbase uses it as given, also when < 0)

	RemoveNoise    bool    // -remove_noise: spectral subtraction in the mel-power domain (fe_noise.c)
	RemoveSilence  bool    // -remove_silence: drop non-speech frames (VAD with hangover)
	VADThreshold   float32 // -vad_threshold: log SNR below which a frame is non-speech
	VADPrespeech   int     // -vad_prespeech: frames kept before the speech onset
	VADStartspeech int     // -vad_startspeech: consecutive speech frames that start speech
	VADPostspeech  int     // -vad_postspeech: consecutive non-speech frames that end speech

	CMN       string    // -cmn: "batch" (alias "current"), "live" (alias "prior") or "none"
	CMNInit   []float32 // -cmninit: initial live-CMN mean; the first CepLen values are used, missing ones are 0
	VarNorm   bool      // -varnorm: variance normalisation (batch CMN only)
	AGC       string    // -agc: automatic gain control of c0, "none", "max", "emax" or "noise"
	AGCThresh float32   // -agcthresh: noise threshold of -agc noise (log units above the minimum c0)
	Feat      string    // -feat: "1s_c_d_dd", "s2_4x", "s3_1x39", "1s_c_d", "1s_c", "1s_c_d_ld_dd", "1s_3c", "1s_4c"
	CepLen    int       // -ceplen: cepstra per frame the feature computation reads (must equal NumCep)
	SVSpec    string    // -svspec: subvector specification, e.g. "0-12/13-25/26-38"; empty for none
}

// DefaultConfig returns the defaults of Debian's pocketsphinx 0.8+5prealpha build (references.md §2.3):
// the sphinxbase built-ins, which a model's feat.params overrides.
func DefaultConfig() Config {
	return Config{
		SampleRate:     16000,
		FrameRate:      100,
		WindowLength:   0.025625,
		Alpha:          0.97,
		NFFT:           512,
		LowerF:         133.33334,
		UpperF:         6855.4976,
		NFilt:          40,
		Transform:      "legacy",
		Lifter:         0,
		NumCep:         13,
		RoundFilters:   true,
		UnitArea:       true,
		Seed:           -1,
		RemoveNoise:    true,
		RemoveSilence:  true,
		VADThreshold:   2.0,
		VADPrespeech:   20,
		VADStartspeech: 10,
		VADPostspeech:  50,
		CMN:            "live",
		CMNInit:        []float32{40, 3, -1},
		AGC:            "none",
		AGCThresh:      2.0,
		Feat:           "1s_c_d_dd",
		CepLen:         13,
	}
}

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("feature: invalid config")

// FrameShift returns the frame shift in samples, (int)(SampleRate/FrameRate + 0.5) as fe_init_auto_r computes it.
func (c *Config) FrameShift() int {
	return int(float64(c.SampleRate)/float64(c.FrameRate) + 0.5)
}

// FrameSize returns the analysis window in samples, (int)(WindowLength·SampleRate + 0.5).
func (c *Config) FrameSize() int {
	return int(float64(c.WindowLength)*float64(c.SampleRate) + 0.5)
}

// cmnMode returns the canonical CMN type (sphinxbase cmn_type_from_str accepts "current" and "prior" too).
func (c *Config) cmnMode() string {
	switch c.CMN {
	case "current":
		return "batch"
	case "prior":
		return "live"
	}
	return c.CMN
}

// Validate checks the options the way fe_parse_general_params, fe_init_auto_r, feat_init and acmod do, and
// a few limits of our own (sizes that keep allocation bounded).
func (c *Config) Validate() error {
	if err := c.validateFrontEnd(); err != nil {
		return err
	}
	return c.validateFeat()
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// validateFrontEnd checks the options of the signal-processing front end only (what sphinx_fe uses).
func (c *Config) validateFrontEnd() error {
	switch {
	case !(c.SampleRate > 0 && c.SampleRate <= 1e6):
		return bad("samprate %g out of range (0, 1e6]", c.SampleRate)
	case c.FrameRate < 1 || c.FrameRate > math.MaxInt16 || float32(c.FrameRate) > c.SampleRate:
		return bad("frate %d out of range [1, min(samprate, 32767)]", c.FrameRate)
	case c.NFFT < 2 || c.NFFT > 1<<16 || c.NFFT&(c.NFFT-1) != 0:
		return bad("nfft %d is not a power of two in [2, 65536]", c.NFFT)
	case c.NFilt < 1 || c.NFilt > 1024:
		return bad("nfilt %d out of range [1, 1024]", c.NFilt)
	case c.NumCep < 1 || c.NumCep > c.NFilt:
		return bad("ncep %d out of range [1, nfilt=%d]", c.NumCep, c.NFilt)
	case c.Lifter < 0:
		return bad("lifter %d is negative", c.Lifter)
	case !(c.LowerF >= 0) || !(c.UpperF > c.LowerF):
		return bad("filterbank edges lowerf %g, upperf %g are not 0 ≤ lowerf < upperf", c.LowerF, c.UpperF)
	case c.UpperF > c.SampleRate/2+1:
		return bad("upperf %g is higher than samprate/2 (%g)", c.UpperF, c.SampleRate/2)
	case c.VADPrespeech < 0 || c.VADPrespeech > 10000 || c.VADStartspeech < 0 || c.VADPostspeech < 0:
		return bad("VAD frame counts prespeech %d, startspeech %d, postspeech %d out of range",
			c.VADPrespeech, c.VADStartspeech, c.VADPostspeech)
	}
	if !(c.WindowLength > 0) {
		return bad("wlen %g is not positive", c.WindowLength)
	}
	size, shift := c.FrameSize(), c.FrameShift()
	switch {
	case shift < 2:
		return bad("frame shift %d samples is too small", shift)
	case size < shift:
		return bad("frame size %d (-wlen) is smaller than frame shift %d (-frate)", size, shift)
	case size > c.NFFT:
		return bad("frame size %d is larger than nfft %d", size, c.NFFT)
	}
	switch c.Transform {
	case "legacy", "dct", "htk":
	default:
		return bad("transform %q is not one of legacy, dct, htk", c.Transform)
	}
	return nil
}

// validateFeat checks the feature (CMN, AGC, -feat, -svspec) options.
func (c *Config) validateFeat() error {
	switch c.cmnMode() {
	case "batch", "live", "none":
	default:
		return bad("cmn %q is not one of batch (current), live (prior), none", c.CMN)
	}
	if c.VarNorm && c.cmnMode() == "live" {
		return bad("varnorm is not implemented for live CMN (sphinxbase cmn_live)")
	}
	switch c.AGC {
	case "none", "max", "emax", "noise":
	default:
		return bad("agc %q is not one of none, max, emax, noise", c.AGC)
	}
	if c.CepLen != c.NumCep {
		return bad("ceplen %d differs from ncep %d", c.CepLen, c.NumCep)
	}
	for _, r := range c.Feat {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return bad("feat %q is not a feature type name", c.Feat)
		}
	}
	ft, err := lookupFeat(c.Feat, c.CepLen)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if c.SVSpec != "" {
		sv, err := ParseSubvectors(c.SVSpec)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
		if len(ft.streams) != 1 {
			return bad("svspec needs a single-stream feature, %s has %d streams", c.Feat, len(ft.streams))
		}
		for _, s := range sv {
			for _, d := range s {
				if d >= ft.dim {
					return bad("svspec dimension %d is out of range for %d-dimensional %s", d, ft.dim, c.Feat)
				}
			}
		}
	}
	return nil
}

// Maximum size of a feat.params file; real ones are a few hundred bytes.
const maxParamsSize = 1 << 16

// ReadParams reads a model's feat.params file and applies it over DefaultConfig, as pocketsphinx's
// ps_expand_model_config does. See ParseParams for the syntax.
func ReadParams(path string) (Config, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Config{}, fmt.Errorf("feature: read params: %w", err)
	}
	if fi.Size() > maxParamsSize {
		return Config{}, fmt.Errorf("feature: read params %s: %d bytes, more than the %d a feat.params may have",
			path, fi.Size(), maxParamsSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("feature: read params: %w", err)
	}
	cfg := DefaultConfig()
	if err := cfg.ApplyParams(data); err != nil {
		return Config{}, fmt.Errorf("feature: read params %s: %w", path, err)
	}
	return cfg, nil
}

// ParseParams parses feat.params text over DefaultConfig and validates the result.
func ParseParams(data []byte) (Config, error) {
	cfg := DefaultConfig()
	if err := cfg.ApplyParams(data); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// ApplyParams sets the options in data, which has the syntax of sphinxbase's cmd_ln_parse_file: whitespace
// separated "-name value" pairs, values optionally quoted with " or ', and '#' starting a comment where a
// name is expected. Like pocketsphinx, it ignores options it does not know (such as -model), and it rejects
// known options whose values do not parse. The result is validated.
func (c *Config) ApplyParams(data []byte) error {
	if len(data) > maxParamsSize {
		return fmt.Errorf("feature: params: %d bytes, more than %d", len(data), maxParamsSize)
	}
	toks, err := tokenizeParams(data)
	if err != nil {
		return err
	}
	if len(toks)%2 != 0 {
		return fmt.Errorf("feature: params: option %q has no value", toks[len(toks)-1])
	}
	for i := 0; i < len(toks); i += 2 {
		if err := c.Set(toks[i], toks[i+1]); err != nil {
			return err
		}
	}
	return c.Validate()
}

// tokenizeParams splits cmd_ln file text into arguments (cmd_ln_parse_file_r).
func tokenizeParams(data []byte) ([]string, error) {
	var toks []string
	var cur []byte
	inTok := false
	var quote byte
	isSep := func(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }
	for i := 0; i < len(data); i++ {
		ch := data[i]
		if !inTok {
			if isSep(ch) {
				continue
			}
			if ch == '#' && len(toks)%2 == 0 {
				for i < len(data) && data[i] != '\n' {
					i++
				}
				continue
			}
			inTok = true
			cur = cur[:0]
		}
		switch {
		case ch == '"' || ch == '\'':
			if quote == ch {
				quote = 0
			} else if quote != 0 {
				return nil, errors.New("feature: params: nested quotation")
			} else {
				quote = ch
			}
		case quote == 0 && isSep(ch):
			toks = append(toks, string(cur))
			inTok = false
		default:
			cur = append(cur, ch)
		}
	}
	if inTok {
		toks = append(toks, string(cur))
	}
	return toks, nil
}

// Set sets one option by its sphinx name (with or without the leading dash). Unknown names are ignored and
// reported as (nil); malformed values of known options are errors.
func (c *Config) Set(name, value string) error {
	name = strings.TrimPrefix(name, "-")
	f32 := func(dst *float32) error {
		v, err := strconv.ParseFloat(value, 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("feature: option -%s: value %q is not a finite number", name, value)
		}
		*dst = float32(v)
		return nil
	}
	i32 := func(dst *int) error {
		v, err := strconv.ParseInt(value, 10, 32)
		if err != nil {
			return fmt.Errorf("feature: option -%s: value %q is not an integer", name, value)
		}
		*dst = int(v)
		return nil
	}
	boolean := func(dst *bool) error {
		switch strings.ToLower(value) {
		case "yes", "true", "1", "on":
			*dst = true
		case "no", "false", "0", "off":
			*dst = false
		default:
			return fmt.Errorf("feature: option -%s: value %q is not a boolean", name, value)
		}
		return nil
	}
	switch name {
	case "samprate":
		return f32(&c.SampleRate)
	case "frate":
		return i32(&c.FrameRate)
	case "wlen":
		return f32(&c.WindowLength)
	case "alpha":
		return f32(&c.Alpha)
	case "nfft":
		return i32(&c.NFFT)
	case "lowerf":
		return f32(&c.LowerF)
	case "upperf":
		return f32(&c.UpperF)
	case "nfilt":
		return i32(&c.NFilt)
	case "transform":
		c.Transform = value
	case "lifter":
		return i32(&c.Lifter)
	case "ncep":
		return i32(&c.NumCep)
	case "ceplen":
		return i32(&c.CepLen)
	case "round_filters":
		return boolean(&c.RoundFilters)
	case "unit_area":
		return boolean(&c.UnitArea)
	case "doublebw":
		return boolean(&c.DoubleBW)
	case "remove_dc":
		return boolean(&c.RemoveDC)
	case "dither":
		return boolean(&c.Dither)
	case "seed":
		var s int
		if err := i32(&s); err != nil {
			return err
		}
		c.Seed = int32(s)
	case "remove_noise":
		return boolean(&c.RemoveNoise)
	case "remove_silence":
		return boolean(&c.RemoveSilence)
	case "vad_threshold":
		return f32(&c.VADThreshold)
	case "vad_prespeech":
		return i32(&c.VADPrespeech)
	case "vad_startspeech":
		return i32(&c.VADStartspeech)
	case "vad_postspeech":
		return i32(&c.VADPostspeech)
	case "cmn":
		c.CMN = value
	case "cmninit":
		if value == "" {
			c.CMNInit = nil
			return nil
		}
		v, err := parseCMNInit(value)
		if err != nil {
			return err
		}
		c.CMNInit = v
	case "varnorm":
		return boolean(&c.VarNorm)
	case "agc":
		c.AGC = value
	case "agcthresh":
		return f32(&c.AGCThresh)
	case "feat":
		c.Feat = value
	case "svspec":
		c.SVSpec = value
	case "logspec", "smoothspec":
		var b bool
		if err := boolean(&b); err != nil {
			return err
		}
		if b {
			return fmt.Errorf("feature: option -%s yes is not supported", name)
		}
	case "warp_params":
		if value != "" {
			return fmt.Errorf("feature: option -warp_params (VTLN) is not supported")
		}
	}
	return nil
}

// Params returns the configuration as feat.params text ("-name value" lines, every option), which
// ApplyParams reads back to an equal Config.
func (c *Config) Params() []byte {
	var b strings.Builder
	f := func(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }
	yn := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	quote := func(s string) string {
		if s == "" || strings.ContainsAny(s, " \t\r\n#'\"") {
			return "'" + s + "'"
		}
		return s
	}
	init := make([]string, len(c.CMNInit))
	for i, v := range c.CMNInit {
		init[i] = f(v)
	}
	for _, kv := range [][2]string{
		{"samprate", f(c.SampleRate)}, {"frate", strconv.Itoa(c.FrameRate)}, {"wlen", f(c.WindowLength)},
		{"alpha", f(c.Alpha)}, {"nfft", strconv.Itoa(c.NFFT)}, {"lowerf", f(c.LowerF)}, {"upperf", f(c.UpperF)},
		{"nfilt", strconv.Itoa(c.NFilt)}, {"transform", quote(c.Transform)}, {"lifter", strconv.Itoa(c.Lifter)},
		{"ncep", strconv.Itoa(c.NumCep)}, {"round_filters", yn(c.RoundFilters)}, {"unit_area", yn(c.UnitArea)},
		{"doublebw", yn(c.DoubleBW)}, {"remove_dc", yn(c.RemoveDC)}, {"dither", yn(c.Dither)},
		{"seed", strconv.Itoa(int(c.Seed))}, {"remove_noise", yn(c.RemoveNoise)},
		{"remove_silence", yn(c.RemoveSilence)}, {"vad_threshold", f(c.VADThreshold)},
		{"vad_prespeech", strconv.Itoa(c.VADPrespeech)}, {"vad_startspeech", strconv.Itoa(c.VADStartspeech)},
		{"vad_postspeech", strconv.Itoa(c.VADPostspeech)}, {"cmn", quote(c.CMN)},
		{"cmninit", quote(strings.Join(init, ","))}, {"varnorm", yn(c.VarNorm)}, {"agc", quote(c.AGC)},
		{"agcthresh", f(c.AGCThresh)},
		{"feat", quote(c.Feat)}, {"ceplen", strconv.Itoa(c.CepLen)}, {"svspec", quote(c.SVSpec)},
	} {
		fmt.Fprintf(&b, "-%s %s\n", kv[0], kv[1])
	}
	return []byte(b.String())
}

// parseCMNInit parses a -cmninit comma list as acmod_init_feat does (atof of each item).
func parseCMNInit(s string) ([]float32, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 1024 {
		return nil, fmt.Errorf("feature: option -cmninit: %d values", len(parts))
	}
	out := make([]float32, 0, len(parts))
	for _, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("feature: option -cmninit: value %q is not a finite number", p)
		}
		out = append(out, float32(v))
	}
	return out, nil
}
