package feature_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// TestReadParams reads the feat.params of the three Sphinx models on the machine.
func TestReadParams(t *testing.T) {
	enUS := feature.DefaultConfig()
	enUS.LowerF, enUS.UpperF, enUS.NFilt, enUS.Transform, enUS.Lifter = 130, 6800, 25, "dct", 22
	enUS.SVSpec, enUS.CMN = "0-12/13-25/26-38", "batch"
	enUS.CMNInit = []float32{41.00, -5.29, -0.12, 5.09, 2.48, -4.07, -1.37, -1.78, -5.08, -2.05, -6.45, -1.42, 1.17}

	tidigits := feature.DefaultConfig()
	tidigits.Dither, tidigits.LowerF, tidigits.UpperF, tidigits.NFilt = true, 1, 4000, 20
	tidigits.Transform, tidigits.RoundFilters, tidigits.RemoveDC, tidigits.WindowLength = "dct", false, true, 0.025
	tidigits.Feat, tidigits.CMN, tidigits.CMNInit = "s2_4x", "current", []float32{63, -1, 1}

	an4 := feature.DefaultConfig()
	an4.NFilt, an4.LowerF, an4.UpperF, an4.CMN = 40, 133.3334, 6855.4976, "current"

	for _, tc := range []struct {
		path string
		want feature.Config
		dim  int
	}{
		{filepath.Join(testenv.ModelDir, "feat.params"), enUS, 39},
		{filepath.Join(testenv.TestData, "tidigits", "hmm", "feat.params"), tidigits, 51},
		{filepath.Join(testenv.TestData, "an4_ci_cont", "feat.params"), an4, 39},
	} {
		t.Run(filepath.Base(filepath.Dir(tc.path)), func(t *testing.T) {
			got, err := feature.ReadParams(testenv.RequireFile(t, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadParams(%s) =\n%+v\nwant\n%+v", tc.path, got, tc.want)
			}
			e, err := feature.NewExtractor(got)
			if err != nil {
				t.Fatal(err)
			}
			if e.Dim() != tc.dim {
				t.Errorf("%s: Dim() = %d; want %d", tc.path, e.Dim(), tc.dim)
			}
		})
	}
}

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
		check      func(feature.Config) bool
	}{
		{"comment-after-value", "# a comment\n-nfilt 30 # -lifter 22\n", true,
			func(c feature.Config) bool { return c.NFilt == 30 && c.Lifter == 0 }},
		{"hash-in-value", "-svspec '#'", false, nil},
		{"comment-line", "# header\n-nfilt 30\n#-lifter 22\n-transform 'dct'\n", true,
			func(c feature.Config) bool { return c.NFilt == 30 && c.Lifter == 0 && c.Transform == "dct" }},
		{"unknown-ignored", "-model ptm -nfilt 25", true, func(c feature.Config) bool { return c.NFilt == 25 }},
		{"quoted", "-svspec \"0-12/13-25/26-38\"", true,
			func(c feature.Config) bool { return c.SVSpec == "0-12/13-25/26-38" }},
		{"cmn-aliases", "-cmn prior", true, func(c feature.Config) bool { return c.CMN == "prior" }},
		{"odd", "-nfilt", false, nil},
		{"bad-int", "-nfilt many", false, nil},
		{"bad-float", "-lowerf NaN", false, nil},
		{"bad-bool", "-dither maybe", false, nil},
		{"bad-transform", "-transform fourier", false, nil},
		{"bad-cmn", "-cmn median", false, nil},
		{"agc", "-agc max", true, func(c feature.Config) bool { return c.AGC == "max" }},
		{"bad-agc", "-agc median", false, nil},
		{"bad-feat", "-feat 13,13,13", false, nil},
		{"nfft", "-nfft 500", false, nil},
		{"frame-too-big", "-wlen 0.1", false, nil},
		{"upperf", "-upperf 9000", false, nil},
		{"svspec-range", "-svspec 0-39", false, nil},
		{"svspec-dup", "-svspec 0-12,3", false, nil},
		{"cmninit-long", "-cmninit 1,2,3,4,5,6,7,8,9,10,11,12,13,14", true, // acmod reads the first ceplen
			func(c feature.Config) bool { return len(c.CMNInit) == 14 }},
		{"cmninit-bad", "-cmninit 1,x", false, nil},
		{"nested-quote", "-feat '1s\"c'", false, nil},
		{"logspec", "-logspec yes", false, nil},
		{"warp", "-warp_params 1.1", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := feature.ParseParams([]byte(tc.text))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseParams(%q) error = %v; want ok %v", tc.text, err, tc.ok)
			}
			if err == nil && tc.check != nil && !tc.check(cfg) {
				t.Errorf("ParseParams(%q) = %+v", tc.text, cfg)
			}
		})
	}
}

func equalConfig(a, b feature.Config) bool {
	if len(a.CMNInit) == 0 && len(b.CMNInit) == 0 {
		a.CMNInit, b.CMNInit = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// FuzzParseParams checks that feat.params parsing never panics, that whatever it accepts is valid and
// survives a round trip through Params, and that an accepted config builds an Extractor.
//
//	go test ./feature -run '^$' -fuzz FuzzParseParams -fuzztime 30s
func FuzzParseParams(f *testing.F) {
	for _, p := range []string{
		filepath.Join(testenv.ModelDir, "feat.params"),
		filepath.Join(testenv.TestData, "tidigits", "hmm", "feat.params"),
		filepath.Join(testenv.TestData, "an4_ci_cont", "feat.params"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	d := feature.DefaultConfig()
	f.Add(d.Params())
	f.Add([]byte("-nfilt 25 # x\n-svspec '0-12/13-25/26-38' -cmninit ''"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := feature.ParseParams(data)
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
		again, err := feature.ParseParams(cfg.Params())
		if err != nil {
			t.Fatalf("Params() does not parse: %v\n%s", err, cfg.Params())
		}
		if !equalConfig(cfg, again) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", cfg, again)
		}
		if cfg.NFFT > 4096 || cfg.NFilt > 128 || cfg.VADPrespeech > 1000 {
			return // valid, but building it takes longer than a fuzz iteration should
		}
		if _, err := feature.NewExtractor(cfg); err != nil && !errors.Is(err, feature.ErrConfig) {
			t.Fatalf("NewExtractor: %v", err)
		}
	})
}
