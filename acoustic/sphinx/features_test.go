package sphinx_test

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// modelFeatures computes the features of a 16 kHz 16-bit little-endian raw file with package feature,
// configured by the model directory's feat.params.
func modelFeatures(t testing.TB, dir, raw string) [][]float32 {
	t.Helper()
	cfg, err := feature.ReadParams(testenv.RequireFile(t, filepath.Join(dir, "feat.params")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(testenv.RequireFile(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	feats, err := feature.Compute(cfg, pcm)
	if err != nil {
		t.Fatal(err)
	}
	return feats
}

// goforwardRaw is pocketsphinx-testdata's "go forward ten meters" (16 kHz, 16-bit, mono, little-endian).
var goforwardRaw = filepath.Join(testenv.TestData, "goforward.raw")

// sphinxCepstra runs sphinx_fe with the en-us model's front-end parameters on a raw file and returns the
// 13-dimensional cepstra. (Until the feature package lands this is our front end; sphinx_fe is the
// reference the feature package is tested against.)
func sphinxCepstra(t testing.TB, raw string) [][]float32 {
	return sphinxCepstraArgs(t, raw, "-lowerf", "130", "-upperf", "6800", "-nfilt", "25", "-transform", "dct", "-lifter", "22")
}

// sphinxCepstraArgs runs sphinx_fe with the given front-end arguments.
func sphinxCepstraArgs(t testing.TB, raw string, feArgs ...string) [][]float32 {
	t.Helper()
	fe := testenv.RequireTool(t, "sphinx_fe")
	testenv.RequireFile(t, raw)
	out := filepath.Join(t.TempDir(), "out.mfc")
	args := append([]string{"-i", raw, "-o", out, "-raw", "yes", "-input_endian", "little", "-samprate", "16000"}, feArgs...)
	cmd := exec.Command(fe, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sphinx_fe: %v\n%s", err, b)
	}
	return readMFC(t, out)
}

// readMFC reads a Sphinx cepstra file: int32 number of floats, then float32 × 13 per frame.
func readMFC(t testing.TB, path string) [][]float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	n := int(order.Uint32(b))
	if n*4+4 != len(b) {
		order = binary.BigEndian
		n = int(order.Uint32(b))
	}
	if n*4+4 != len(b) || n%13 != 0 {
		t.Fatalf("%s: bad cepstra header %d for %d bytes", path, n, len(b))
	}
	out := make([][]float32, n/13)
	for i := range out {
		out[i] = make([]float32, 13)
		for j := range out[i] {
			out[i][j] = math.Float32frombits(order.Uint32(b[4+4*(13*i+j):]))
		}
	}
	return out
}

// features1sCDD applies batch CMN and builds sphinxbase's 1s_c_d_dd vectors (feat.c): c[t], c[t+2]−c[t−2],
// (c[t+3]−c[t−1])−(c[t+1]−c[t−3]), with the utterance's first and last frames replicated at the edges.
func features1sCDD(cep [][]float32) [][]float32 {
	n := len(cep)
	mean := make([]float64, 13)
	for _, c := range cep {
		for j, v := range c {
			mean[j] += float64(v)
		}
	}
	norm := make([][]float32, n)
	for i, c := range cep {
		norm[i] = make([]float32, 13)
		for j, v := range c {
			norm[i][j] = v - float32(mean[j]/float64(n))
		}
	}
	at := func(t int) []float32 { return norm[max(0, min(n-1, t))] }
	out := make([][]float32, n)
	for t := range out {
		f := make([]float32, 39)
		copy(f, norm[t])
		for j := 0; j < 13; j++ {
			f[13+j] = at(t + 2)[j] - at(t - 2)[j]
			f[26+j] = (at(t + 3)[j] - at(t - 1)[j]) - (at(t + 1)[j] - at(t - 3)[j])
		}
		out[t] = f
	}
	return out
}

func runTool(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}

// TestFeaturePackageMatchesSphinxFE checks that package feature's en-us features of goforward.raw agree
// with sphinx_fe's cepstra put through batch CMN and 1s_c_d_dd here (the path the scorer was first
// validated on).
func TestFeaturePackageMatchesSphinxFE(t *testing.T) {
	got := goforwardFeatures(t)
	want := features1sCDD(sphinxCepstra(t, goforwardRaw))
	if len(got) != len(want) {
		t.Fatalf("%d frames; sphinx_fe gives %d", len(got), len(want))
	}
	maxDiff := 0.0
	for i := range got {
		for j := range got[i] {
			maxDiff = math.Max(maxDiff, math.Abs(float64(got[i][j]-want[i][j])))
		}
	}
	t.Logf("%d frames, max |difference| %.2g", len(got), maxDiff)
	if maxDiff > 1e-3 {
		t.Errorf("max difference %g > 1e-3", maxDiff)
	}
}
