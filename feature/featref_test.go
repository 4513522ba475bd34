package feature_test

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hark/feature"
)

// The references of this test were computed by Debian's libsphinxbase.so.3 (feat_s2mfc2feat_live) from
// committed cepstra; testdata/reference/gen-features.sh is the recipe.

func refPath(name string) string { return filepath.Join("testdata", "reference", name) }

func readFrames(t *testing.T, name string, dim int) [][]float32 {
	t.Helper()
	f, err := feature.ReadMFCFile(refPath(name), dim)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// refMeans reads means.txt: the CMN mean sphinxbase held after each run.
func refMeans(t *testing.T) map[string][]float64 {
	t.Helper()
	fh, err := os.Open(refPath("means.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	out := map[string][]float64{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		for _, s := range f[1:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			out[f[0]] = append(out[f[0]], v)
		}
	}
	return out
}

func cloneFrames(in [][]float32) [][]float32 {
	out := make([][]float32, len(in))
	for i, f := range in {
		out[i] = append([]float32(nil), f...)
	}
	return out
}

func compareFrames(t *testing.T, what string, got, want [][]float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d vectors; sphinxbase %d", what, len(got), len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: dim %d; sphinxbase %d", what, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("%s: [%d][%d] = %g; sphinxbase %g", what, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// online runs Feat.Accept frame by frame and Flush.
func online(t *testing.T, f *feature.Feat, ceps [][]float32) [][]float32 {
	t.Helper()
	var out [][]float32
	dst := make([]float32, f.Dim())
	for i, c := range ceps {
		if p, ok := f.Accept(c, i, dst); ok {
			if p != len(out) {
				t.Fatalf("Accept returned pos %d for vector %d", p, len(out))
			}
			out = append(out, append([]float32(nil), dst...))
		}
	}
	for {
		p, ok := f.Flush(dst)
		if !ok {
			break
		}
		if p != len(out) {
			t.Fatalf("Flush returned pos %d for vector %d", p, len(out))
		}
		out = append(out, append([]float32(nil), dst...))
	}
	return out
}

// TestFeatMatchesSphinxbase compares Feat with sphinxbase's feature computation, bit for bit, for the en-us
// 1s_c_d_dd features (batch CMN as pocketsphinx_batch; live CMN from -cmninit, including the 800/500-frame
// window), the tidigits s2_4x features, and every AGC type (whole utterance, and online where AGC runs as
// emax).
func TestFeatMatchesSphinxbase(t *testing.T) {
	means := refMeans(t)
	enUS := feature.DefaultConfig()
	enUS.CMNInit = []float32{41.00, -5.29, -0.12, 5.09, 2.48, -4.07, -1.37, -1.78, -5.08, -2.05, -6.45, -1.42, 1.17}
	gf := readFrames(t, "goforward.mfc", 13)
	var gf4 [][]float32
	for range 4 {
		gf4 = append(gf4, cloneFrames(gf)...)
	}
	dhd := readFrames(t, "dhd-tidigits.mfc", 13)
	for _, tc := range []struct {
		name    string
		feat    string
		cmn     string
		varnorm bool
		agc     string
		init    []float32
		sv      string
		in      [][]float32
		dim     int
		batch   bool
	}{
		{"goforward-batch", "1s_c_d_dd", "batch", false, "none", nil, "0-12/13-25/26-38", gf, 39, true},
		{"goforward-live7", "1s_c_d_dd", "live", false, "none", enUS.CMNInit, "0-12/13-25/26-38", gf, 39, false},
		{"goforward4x-live1", "1s_c_d_dd", "live", false, "none", enUS.CMNInit, "", gf4, 39, false},
		{"dhd-s2_4x-batch", "s2_4x", "current", false, "none", nil, "", dhd, 51, true},
		{"dhd-s2_4x-live10", "s2_4x", "live", false, "none", []float32{63, -1, 1}, "", dhd, 51, false},
		{"goforward-agcmax", "1s_c_d_dd", "batch", false, "max", nil, "", gf, 39, true},
		{"goforward-agcemax", "1s_c_d_dd", "batch", false, "emax", nil, "", gf, 39, true},
		{"goforward-agcnoise", "1s_c_d_dd", "none", false, "noise", nil, "", gf, 39, true},
		{"goforward-varnorm", "1s_c_d_dd", "batch", true, "none", nil, "", gf, 39, true},
		{"goforward-agc-live7", "1s_c_d_dd", "live", false, "max", enUS.CMNInit, "", gf, 39, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := enUS
			cfg.Feat, cfg.CMN, cfg.AGC, cfg.CMNInit, cfg.SVSpec = tc.feat, tc.cmn, tc.agc, tc.init, tc.sv
			cfg.VarNorm = tc.varnorm
			f, err := feature.NewFeat(cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := readFrames(t, tc.name+".feat", tc.dim)
			var got [][]float32
			if tc.batch {
				got = f.Utterance(cloneFrames(tc.in))
			} else {
				got = online(t, f, tc.in)
			}
			compareFrames(t, tc.name, got, want)
			for i, w := range means[tc.name] {
				if math.Abs(float64(f.CMN().Mean[i])-w) > 1e-6*math.Max(1, math.Abs(w)) {
					t.Errorf("CMN mean c%d = %.6f; sphinxbase %.6f", i, f.CMN().Mean[i], w)
				}
			}
			if tc.batch {
				fc, err := feature.FromCepstra(cfg, cloneFrames(tc.in))
				if err != nil {
					t.Fatal(err)
				}
				compareFrames(t, tc.name+" FromCepstra", fc, want)
			}
		})
	}
}
