package sphinx_test

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
)

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

// featuresS2_4x builds sphinxbase's s2_4x feature (feat.c feat_s2_4x_cep2feat) after batch CMN, streams
// back to back: c1..c12 (12); short and long deltas of c1..c12, c[t+2]−c[t−2] and c[t+4]−c[t−4] (24);
// c0, its delta and double delta (3); double deltas of c1..c12 (12).
func featuresS2_4x(cep [][]float32) [][]float32 {
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
	dd := func(t, j int) float32 { return (at(t + 3)[j] - at(t - 1)[j]) - (at(t + 1)[j] - at(t - 3)[j]) }
	out := make([][]float32, n)
	for t := range out {
		f := make([]float32, 0, 51)
		f = append(f, norm[t][1:13]...)
		for j := 1; j < 13; j++ {
			f = append(f, at(t + 2)[j]-at(t - 2)[j])
		}
		for j := 1; j < 13; j++ {
			f = append(f, at(t + 4)[j]-at(t - 4)[j])
		}
		f = append(f, norm[t][0], at(t + 2)[0]-at(t - 2)[0], dd(t, 0))
		for j := 1; j < 13; j++ {
			f = append(f, dd(t, j))
		}
		out[t] = f
	}
	return out
}
