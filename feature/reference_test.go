package feature_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// enUSArgs are the en-us feat.params values that sphinx_fe needs on its command line (it does not read
// feat.params; references.md §2.4).
var enUSArgs = []string{"-lowerf", "130", "-upperf", "6800", "-nfilt", "25", "-transform", "dct", "-lifter", "22"}

// configFromArgs applies sphinx_fe-style "-name value" arguments over DefaultConfig.
func configFromArgs(t testing.TB, args []string) feature.Config {
	t.Helper()
	cfg := feature.DefaultConfig()
	for i := 0; i+1 < len(args); i += 2 {
		if err := cfg.Set(args[i], args[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	cfg.CepLen = cfg.NumCep // sphinx_fe has no -ceplen
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// recording is one input of the comparison: a set name (for the report) and a path.
type recording struct{ set, path string }

// recordings lists every recording of pocketsphinx-testdata and of the dev set.
func recordings(t *testing.T) []recording {
	t.Helper()
	td := testenv.RequireFile(t, testenv.TestData)
	var out []recording
	add := func(set, pattern string) {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		sort.Strings(m)
		for _, p := range m {
			out = append(out, recording{set, p})
		}
	}
	add("librivox", filepath.Join(td, "librivox", "*.wav"))
	add("cards", filepath.Join(td, "cards", "*.wav"))
	add("raw", filepath.Join(td, "goforward.raw"))
	add("raw", filepath.Join(td, "numbers.raw"))
	add("raw", filepath.Join(td, "something.raw"))
	add("tidigits", filepath.Join(td, "tidigits", "*.raw"))
	dev := testenv.RequireFile(t, filepath.Join("..", testenv.DevSet, "wav"))
	add("dev", filepath.Join(dev, "*.wav"))
	return out
}

// runSphinxFE converts every recording with one sphinx_fe run per input type (-c control file) and returns
// the output path of each recording.
func runSphinxFE(t *testing.T, recs []recording, args []string) []string {
	t.Helper()
	tool := testenv.RequireTool(t, "sphinx_fe")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	for _, d := range []string{in, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outs := make([]string, len(recs))
	ctl := map[string][]string{}
	for i, r := range recs {
		ext := strings.TrimPrefix(filepath.Ext(r.path), ".")
		base := fmt.Sprintf("r%03d", i)
		abs, err := filepath.Abs(r.path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(in, base+"."+ext)); err != nil {
			t.Fatal(err)
		}
		ctl[ext] = append(ctl[ext], base)
		outs[i] = filepath.Join(out, base+".mfc")
	}
	for ext, bases := range ctl {
		ctlPath := filepath.Join(dir, ext+".ctl")
		if err := os.WriteFile(ctlPath, []byte(strings.Join(bases, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		typ := map[string]string{"wav": "-mswav", "raw": "-raw"}[ext]
		cmdArgs := append([]string{"-c", ctlPath, "-di", in, "-ei", ext, "-do", out, "-eo", "mfc", typ, "yes"}, args...)
		cmd := exec.Command(tool, cmdArgs...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sphinx_fe %s: %v\n%s", strings.Join(cmdArgs, " "), err, b)
		}
	}
	return outs
}

var cepstraCache struct {
	once sync.Once
	ceps [][][]float32
	err  error
}

// allCepstra returns Cepstra with the en-us parameters of every recording in recs (always the list of
// recordings()), computed once for the package's tests, on all cores.
func allCepstra(t *testing.T, recs []recording) [][][]float32 {
	t.Helper()
	c := &cepstraCache
	c.once.Do(func() { computeCepstra(recs) })
	if c.err != nil {
		t.Fatal(c.err)
	}
	if len(c.ceps) != len(recs) {
		t.Fatalf("cepstra cache holds %d recordings, not %d", len(c.ceps), len(recs))
	}
	return c.ceps
}

// computeCepstra fills cepstraCache; it may run on any goroutine.
func computeCepstra(recs []recording) {
	c := &cepstraCache
	cfg := feature.DefaultConfig()
	for i := 0; i+1 < len(enUSArgs); i += 2 {
		if err := cfg.Set(enUSArgs[i], enUSArgs[i+1]); err != nil {
			c.err = err
			return
		}
	}
	c.ceps = make([][][]float32, len(recs))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				pcm, err := loadPCM(recs[i].path)
				if err == nil {
					c.ceps[i], err = feature.Cepstra(cfg, pcm)
				}
				errs[i] = err
			}
		})
	}
	for i := range recs {
		next <- i
	}
	close(next)
	wg.Wait()
	c.err = errors.Join(errs...)
}

// maxAbsDiff returns the largest |got−want| over all coefficients (frame counts must agree).
func maxAbsDiff(got, want [][]float32) (d float64, frame, coef int) {
	frame, coef = -1, -1
	for i := range got {
		for j := range got[i] {
			if x := math.Abs(float64(got[i][j] - want[i][j])); x > d || math.IsNaN(x) {
				d, frame, coef = x, i, j
			}
		}
	}
	return d, frame, coef
}

// TestCepstraMatchSphinxFE compares Cepstra with Debian's sphinx_fe on every recording of
// pocketsphinx-testdata and the dev set, with the en-us parameters and sphinx_fe's defaults otherwise
// (-remove_noise yes, -remove_silence yes, -dither no): same frame count, |difference| ≤ 1e-3.
func TestCepstraMatchSphinxFE(t *testing.T) {
	t.Parallel()
	recs := recordings(t)
	go cepstraCache.once.Do(func() { computeCepstra(recs) }) // ours on all cores while sphinx_fe runs
	outs := runSphinxFE(t, recs, enUSArgs)
	results := allCepstra(t, recs)
	worst := map[string]float64{}
	frames := map[string]int{}
	for i, r := range recs {
		want, err := feature.ReadMFCFile(outs[i], 13)
		if err != nil {
			t.Fatal(err)
		}
		got := results[i]
		if len(got) != len(want) {
			t.Errorf("%s: %d frames; sphinx_fe wrote %d", r.path, len(got), len(want))
			continue
		}
		d, fr, c := maxAbsDiff(got, want)
		if d > 1e-3 || math.IsNaN(d) {
			t.Errorf("%s: frame %d c%d = %g; sphinx_fe %g (|diff| %g > 1e-3)", r.path, fr, c, got[fr][c], want[fr][c], d)
		}
		worst[r.set] = max(worst[r.set], d)
		frames[r.set] += len(got)
	}
	sets := make([]string, 0, len(worst))
	for s := range worst {
		sets = append(sets, s)
	}
	sort.Strings(sets)
	for _, s := range sets {
		t.Logf("%-8s %6d frames, max |ours − sphinx_fe| = %.3g", s, frames[s], worst[s])
	}
}

// TestCepstraVariantsMatchSphinxFE covers the other code paths (legacy and htk transforms, no rounding of
// filters, DC removal, no VAD, other window and FFT sizes) on a few recordings.
func TestCepstraVariantsMatchSphinxFE(t *testing.T) {
	t.Parallel()
	td := testenv.RequireFile(t, testenv.TestData)
	recs := []recording{
		{"raw", filepath.Join(td, "goforward.raw")},
		{"tidigits", filepath.Join(td, "tidigits", "dhd.2934z.raw")},
		{"cards", filepath.Join(td, "cards", "001.wav")},
	}
	variants := []struct {
		name string
		args []string
	}{
		{"an4-legacy", []string{"-nfilt", "40", "-lowerf", "133.3334", "-upperf", "6855.4976"}},
		{"tidigits", []string{"-lowerf", "1", "-upperf", "4000", "-nfilt", "20", "-transform", "dct",
			"-round_filters", "no", "-remove_dc", "yes", "-wlen", "0.025"}},
		{"htk-novad", []string{"-transform", "htk", "-lifter", "22", "-remove_noise", "no", "-remove_silence", "no"}},
		{"en-us-noise-only", append([]string{"-remove_silence", "no"}, enUSArgs...)},
		{"en-us-silence-only", append([]string{"-remove_noise", "no"}, enUSArgs...)},
		{"no-preemph-no-unit-area", []string{"-alpha", "0", "-unit_area", "no", "-nfilt", "30", "-lifter", "15"}},
		{"doublebw-nfft1024", []string{"-doublebw", "yes", "-lowerf", "300", "-upperf", "6000", "-nfft", "1024",
			"-wlen", "0.05", "-frate", "80", "-ncep", "20"}},
		{"vad-params", append([]string{"-vad_threshold", "3.5", "-vad_prespeech", "5", "-vad_postspeech", "20",
			"-vad_startspeech", "3"}, enUSArgs...)},
		{"8kHz", []string{"-samprate", "8000", "-nfft", "256", "-lowerf", "200", "-upperf", "3500", "-nfilt", "31"}},
		{"11025Hz-rounded-shift", []string{"-samprate", "11025", "-frate", "100", "-wlen", "0.03", "-upperf", "5000",
			"-transform", "dct", "-lifter", "21", "-ncep", "15"}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			recs := recs
			if v.args[0] == "-samprate" { // sphinx_fe checks a WAV's rate against -samprate: raw input only
				recs = recs[:2]
			}
			outs := runSphinxFE(t, recs, v.args)
			cfg := configFromArgs(t, v.args)
			for i, r := range recs {
				want, err := feature.ReadMFCFile(outs[i], cfg.NumCep)
				if err != nil {
					t.Fatal(err)
				}
				got, err := feature.Cepstra(cfg, readPCM(t, r.path))
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Errorf("%s: %d frames; sphinx_fe wrote %d", r.path, len(got), len(want))
					continue
				}
				d, fr, c := maxAbsDiff(got, want)
				if d > 1e-3 || math.IsNaN(d) {
					t.Errorf("%s: frame %d c%d = %g; sphinx_fe %g", r.path, fr, c, got[fr][c], want[fr][c])
				}
				t.Logf("%s: %d frames, max |diff| %.3g", filepath.Base(r.path), len(got), d)
			}
		})
	}
}

// TestShortInputsMatchSphinxFE covers the edges of the frame and VAD logic: inputs shorter than a frame,
// the final partial frame, and utterances that end before or right when the VAD's 10-frame start
// condition is met (sphinx_fe then writes only the final frame).
func TestShortInputsMatchSphinxFE(t *testing.T) {
	pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw")))
	dir := t.TempDir()
	var recs []recording
	lengths := []int{0, 1, 100, 409, 410, 411, 570, 1000, 1800, 1900, 2048, 2200, 4096, 5000}
	for _, n := range lengths {
		p := filepath.Join(dir, fmt.Sprintf("short%05d.raw", n))
		b := make([]byte, 2*n)
		for i, v := range pcm[:n] {
			b[2*i], b[2*i+1] = byte(v), byte(uint16(v)>>8)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, recording{"short", p})
	}
	for _, vad := range []string{"yes", "no"} {
		args := append([]string{"-remove_silence", vad}, enUSArgs...)
		outs := runSphinxFE(t, recs, args)
		cfg := configFromArgs(t, args)
		for i, r := range recs {
			want, err := feature.ReadMFCFile(outs[i], 13)
			if err != nil {
				t.Fatal(err)
			}
			got, err := feature.Cepstra(cfg, pcm[:lengths[i]])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("remove_silence %s, %d samples: %d frames; sphinx_fe wrote %d", vad, lengths[i], len(got), len(want))
				continue
			}
			if d, fr, c := maxAbsDiff(got, want); d > 1e-3 {
				t.Errorf("%s: frame %d c%d = %g; sphinx_fe %g", r.path, fr, c, got[fr][c], want[fr][c])
			}
		}
	}
}

// TestDitherMatchesSphinxFE checks -dither against sphinx_fe given the whole file in one block (as
// pocketsphinx_batch -adcin gives it), where sphinxbase draws one random number per sample in order, plus
// fresh ones for the final partial frame. sphinx_fe seeds its generator once per process, so each run
// converts one file.
func TestDitherMatchesSphinxFE(t *testing.T) {
	td := testenv.RequireFile(t, testenv.TestData)
	for _, r := range []recording{
		{"raw", filepath.Join(td, "goforward.raw")},
		{"cards", filepath.Join(td, "cards", "002.wav")},
	} {
		for _, seed := range []string{"-1", "7"} {
			args := append([]string{"-dither", "yes", "-seed", seed, "-blocksize", "100000000"}, enUSArgs...)
			outs := runSphinxFE(t, []recording{r}, args)
			want, err := feature.ReadMFCFile(outs[0], 13)
			if err != nil {
				t.Fatal(err)
			}
			got, err := feature.Cepstra(configFromArgs(t, args), readPCM(t, r.path))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s seed %s: %d frames; sphinx_fe wrote %d", r.path, seed, len(got), len(want))
			}
			if d, fr, c := maxAbsDiff(got, want); d != 0 {
				t.Errorf("%s seed %s: frame %d c%d = %g; sphinx_fe %g", r.path, seed, fr, c, got[fr][c], want[fr][c])
			}
		}
	}
}
