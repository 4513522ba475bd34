package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"hark/audio"
	"hark/internal/testenv"
)

// moduleRoot returns the directory holding go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// devFiles returns the dev set's WAV files, sorted.
func devFiles(t testing.TB) []string {
	t.Helper()
	dir := testenv.RequireFile(t, filepath.Join(moduleRoot(t), testenv.DevSet, "wav"))
	files, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no WAV files in %s (%v)", dir, err)
	}
	sort.Strings(files)
	return files
}

// testDataFiles returns pocketsphinx-testdata's recordings: librivox/*.wav, cards/*.wav and the .raw files.
func testDataFiles(t testing.TB) (wavs, raws []string) {
	t.Helper()
	dir := testenv.RequireFile(t, testenv.TestData)
	for _, g := range []string{"librivox/*.wav", "cards/*.wav"} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		wavs = append(wavs, m...)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
	raws = append(raws, m...)
	m, _ = filepath.Glob(filepath.Join(dir, "*/*.raw"))
	raws = append(raws, m...)
	if len(wavs) == 0 || len(raws) == 0 {
		t.Fatalf("pocketsphinx-testdata recordings missing under %s", dir)
	}
	sort.Strings(wavs)
	sort.Strings(raws)
	return wavs, raws
}

// runSox runs sox with args and returns its standard output.
func runSox(t testing.TB, args ...string) []byte {
	t.Helper()
	sox := testenv.RequireTool(t, "sox")
	cmd := exec.Command(sox, append([]string{"-V1"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sox %q: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// run runs a tool (lame, flac) and fails the test on error.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	p := testenv.RequireTool(t, name)
	cmd := exec.Command(p, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

// soxFloat decodes files with sox (concatenated, so they must share rate and channels) to interleaved
// float32 samples. pre are sox's input options (for raw files), effects follow the output.
func soxFloat(t testing.TB, pre []string, files []string, effects ...string) []float32 {
	t.Helper()
	var args []string
	for _, f := range files {
		args = append(args, pre...)
		args = append(args, f)
	}
	args = append(args, "-D", "-t", "raw", "-e", "floating-point", "-b", "32", "-")
	args = append(args, effects...)
	return f32le(runSox(t, args...))
}

func f32le(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// decodeFile decodes a whole file with audio.NewReader, interleaved, at the source rate.
func decodeFile(t testing.TB, path string, raw *audio.RawFormat) ([]float32, audio.Format) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := audio.NewReader(f, path, raw)
	if err != nil {
		t.Fatalf("NewReader(%s): %v", path, err)
	}
	return readAll(t, d, path), d.Format()
}

func readAll(t testing.TB, d audio.Reader, name string) []float32 {
	t.Helper()
	ch := d.Format().Channels
	var out []float32
	buf := make([]float32, 1000*ch)
	for {
		n, err := d.ReadFrames(buf)
		out = append(out, buf[:n*ch]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("ReadFrames(%s) after %d samples: %v", name, len(out), err)
		}
	}
}

// readStream reads a Stream to its end.
func readStream(t testing.TB, s *audio.Stream) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, 777)
	for {
		n, err := s.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Stream.Read after %d samples: %v", len(out), err)
		}
	}
}

// firstDiff returns the index of the first sample where |a-b| > tol, or -1 (lengths must match too).
func firstDiff(a, b []float32, tol float64) int {
	for i := range min(len(a), len(b)) {
		if math.Abs(float64(a[i])-float64(b[i])) > tol {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// snrDB returns 10 log10(Σref² / Σ(ref-x)²) over the overlap of ref and x shifted by lag (x[i+lag] ~ ref[i]),
// ignoring edge samples at each end.
func snrDB(ref, x []float32, lag, edge int) float64 {
	return snrRange(ref, x, lag, edge, len(ref)-edge)
}

func snrRange(ref, x []float32, lag, from, to int) float64 {
	var sig, noise float64
	for i := from; i < to; i++ {
		j := i + lag
		if j < 0 || j >= len(x) {
			continue
		}
		r := float64(ref[i])
		d := r - float64(x[j])
		sig += r * r
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// bestLag returns the lag in [-maxLag, maxLag] that maximizes the cross-correlation of x with ref (computed
// with an FFT over at most the first 2^17 samples), and the SNR over the whole overlap at that lag.
func bestLag(ref, x []float32, maxLag, edge int) (int, float64) {
	n := 1
	m := min(len(ref), len(x), 1<<17)
	for n < 2*m {
		n <<= 1
	}
	a, b := make([]complex128, n), make([]complex128, n)
	for i := range m {
		a[i] = complex(float64(ref[i]), 0)
		b[i] = complex(float64(x[i]), 0)
	}
	fft(a, false)
	fft(b, false)
	for i := range a {
		a[i] = b[i] * complex(real(a[i]), -imag(a[i])) // X · conj(R): peak at the lag of x behind ref
	}
	fft(a, true)
	best, bestC := 0, math.Inf(-1)
	for lag := -maxLag; lag <= maxLag; lag++ {
		c := real(a[(lag+n)%n])
		if c > bestC {
			best, bestC = lag, c
		}
	}
	return best, snrDB(ref, x, best, edge)
}
