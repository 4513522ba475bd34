package feature_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

func enUSConfig(t testing.TB) feature.Config {
	t.Helper()
	cfg, err := feature.ReadParams(testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "feat.params")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// checkMean compares a CMN mean with the values pocketsphinx logs with "%5.2f".
func checkMean(t *testing.T, name string, got []float32, logged []float64) {
	t.Helper()
	if len(logged) != len(got) && len(logged) > len(got) {
		t.Fatalf("%s: %d logged values for %d coefficients", name, len(logged), len(got))
	}
	for i, w := range logged {
		if math.Abs(float64(got[i])-w) > 0.005+1e-6 {
			t.Errorf("%s: CMN mean c%d = %.4f; pocketsphinx logged %.2f", name, i, got[i], w)
		}
	}
}

// TestBatchCMNMatchesReferences checks the batch CMN mean against the figures of references.md §2.4, which
// pocketsphinx_batch logged for the en-us model.
func TestBatchCMNMatchesReferences(t *testing.T) {
	cfg := enUSConfig(t)
	for _, tc := range []struct {
		file   string
		logged []float64
	}{
		{"goforward.raw", []float64{41.00, -5.29, -0.12, 5.09, 2.48, -4.07, -1.37, -1.78, -5.08, -2.05, -6.45, -1.42, 1.17}},
		{"librivox/sense_and_sensibility_01_austen_64kb-0870.wav", []float64{53.37, 7.17, -8.63, 23.77}},
	} {
		pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, tc.file)))
		e, err := feature.NewExtractor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		feats, _, err := e.Utterance(pcm)
		if err != nil {
			t.Fatal(err)
		}
		if len(feats) == 0 || len(feats[0]) != 39 {
			t.Fatalf("%s: %d frames", tc.file, len(feats))
		}
		checkMean(t, tc.file, e.CMN().Mean, tc.logged)
		// Live CMN from -cmninit: at the end of the utterance the mean is updated to the same batch mean
		// (fewer than 800 frames), which pocketsphinx_continuous logs as "Update to".
		live := cfg
		live.CMN = "live"
		el, err := feature.NewExtractor(live)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := el.Utterance(pcm); err != nil {
			t.Fatal(err)
		}
		checkMean(t, tc.file+" (live update)", el.CMN().Mean, tc.logged)
	}
}

var (
	decodingRE = regexp.MustCompile(`Decoding '([^']+)'`)
	cmnRE      = regexp.MustCompile(`CMN: (.*)$`)
)

// TestBatchCMNMatchesPocketsphinx runs pocketsphinx_batch -adcin on the recordings of pocketsphinx-testdata
// (small LM: only the front end matters here) with the en-us model, and compares the cepstra it decodes
// from (-mfclogdir) with Cepstra and each "CMN:" line it logs with our batch mean.
func TestBatchCMNMatchesPocketsphinx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pocketsphinx_batch")
	}
	t.Parallel()
	tool := testenv.RequireTool(t, "pocketsphinx_batch")
	td := testenv.RequireFile(t, testenv.TestData)
	cfg := enUSConfig(t)
	dir := t.TempDir()
	var files []string
	for _, g := range []string{"librivox/*.wav", "cards/*.wav", "*.raw"} {
		m, err := filepath.Glob(filepath.Join(td, g))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	byExt := map[string][]string{}
	for i, f := range files {
		ext := filepath.Ext(f)
		base := fmt.Sprintf("u%02d", i)
		if err := os.Symlink(f, filepath.Join(dir, base+ext)); err != nil {
			t.Fatal(err)
		}
		byExt[ext] = append(byExt[ext], base)
	}
	means := map[string][]float64{}
	logged := map[string]string{} // base → the cepstra pocketsphinx_batch logged (-mfclogdir)
	for ext, bases := range byExt {
		logDir := filepath.Join(dir, "log"+strings.TrimPrefix(ext, "."))
		for k, b := range bases {
			logged[b] = filepath.Join(logDir, fmt.Sprintf("%09d.mfc", k)) // utterance ids count from 0
		}
		ctl := filepath.Join(dir, strings.TrimPrefix(ext, ".")+".ctl")
		if err := os.WriteFile(ctl, []byte(strings.Join(bases, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		hdr := "0"
		if ext == ".wav" {
			hdr = "44"
		}
		cmd := exec.Command(tool, "-adcin", "yes", "-adchdr", hdr, "-cepdir", dir, "-cepext", ext, "-ctl", ctl,
			"-hmm", testenv.ModelDir, "-lm", filepath.Join(td, "turtle.lm.bin"), "-dict", filepath.Join(td, "turtle.dic"),
			"-hyp", filepath.Join(dir, "hyp"+ext), "-fwdflat", "no", "-bestpath", "no", "-maxhmmpf", "100",
			"-mfclogdir", logDir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pocketsphinx_batch: %v\n%s", err, out)
		}
		utt := ""
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if m := decodingRE.FindStringSubmatch(sc.Text()); m != nil {
				utt = m[1]
			}
			if m := cmnRE.FindStringSubmatch(sc.Text()); m != nil && utt != "" {
				var v []float64
				for _, s := range strings.Fields(m[1]) {
					x, err := strconv.ParseFloat(s, 64)
					if err != nil {
						t.Fatalf("CMN line %q: %v", sc.Text(), err)
					}
					v = append(v, x)
				}
				means[utt] = v
				utt = ""
			}
		}
	}
	for i, f := range files {
		base := fmt.Sprintf("u%02d", i)
		mean, ok := means[base]
		if !ok {
			t.Errorf("%s: pocketsphinx_batch logged no CMN", f)
			continue
		}
		pcm := readPCM(t, f)
		e, err := feature.NewExtractor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.Utterance(pcm); err != nil {
			t.Fatal(err)
		}
		checkMean(t, filepath.Base(f), e.CMN().Mean, mean)
		// The cepstra pocketsphinx decoded from (noise removal and VAD applied, as in sphinx_fe).
		want, err := feature.ReadMFCFile(logged[base], 13)
		if err != nil {
			t.Fatal(err)
		}
		got, err := feature.Cepstra(cfg, pcm)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d frames; pocketsphinx_batch logged %d", f, len(got), len(want))
		} else if d, fr, c := maxAbsDiff(got, want); d != 0 {
			t.Errorf("%s: cepstrum %d c%d = %g; pocketsphinx_batch logged %g", f, fr, c, got[fr][c], want[fr][c])
		}
	}
	t.Logf("%d recordings: cepstra identical to pocketsphinx_batch's -mfclogdir, batch CMN means equal to its log",
		len(files))
}

// TestDynamicFeatures checks Utterance (no CMN) against the feat.c formulas written out directly on
// sphinx_fe-identical cepstra, for every feature type, with first/last frame replication at the edges.
func TestDynamicFeatures(t *testing.T) {
	pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw")))
	base := configFromArgs(t, enUSArgs)
	base.CMN = "none"
	ceps, err := feature.Cepstra(base, pcm)
	if err != nil {
		t.Fatal(err)
	}
	n := len(ceps)
	c := func(t, i int) float32 { return ceps[max(0, min(n-1, t))][i] }
	d := func(t, i, w int) float32 { return c(t+w, i) - c(t-w, i) }
	dd := func(t, i int) float32 { return (c(t+3, i) - c(t-1, i)) - (c(t+1, i) - c(t-3, i)) }
	want := map[string]func(t int) []float32{
		"1s_c_d_dd": func(t int) (v []float32) {
			for i := range 13 {
				v = append(v, c(t, i))
			}
			for i := range 13 {
				v = append(v, d(t, i, 2))
			}
			for i := range 13 {
				v = append(v, dd(t, i))
			}
			return v
		},
		"1s_c_d": func(t int) (v []float32) {
			for i := range 13 {
				v = append(v, c(t, i))
			}
			for i := range 13 {
				v = append(v, d(t, i, 2))
			}
			return v
		},
		"1s_c": func(t int) (v []float32) { return append(v, ceps[t]...) },
		"1s_c_d_ld_dd": func(t int) (v []float32) {
			for i := range 13 {
				v = append(v, c(t, i))
			}
			for i := range 13 {
				v = append(v, d(t, i, 2))
			}
			for i := range 13 {
				v = append(v, d(t, i, 4))
			}
			for i := range 13 {
				v = append(v, dd(t, i))
			}
			return v
		},
		"s2_4x": func(t int) (v []float32) {
			for i := 1; i < 13; i++ {
				v = append(v, c(t, i))
			}
			for i := 1; i < 13; i++ {
				v = append(v, d(t, i, 2))
			}
			for i := 1; i < 13; i++ {
				v = append(v, d(t, i, 4))
			}
			v = append(v, c(t, 0), d(t, 0, 2), dd(t, 0))
			for i := 1; i < 13; i++ {
				v = append(v, dd(t, i))
			}
			return v
		},
		"s3_1x39": func(t int) (v []float32) {
			for i := 1; i < 13; i++ {
				v = append(v, c(t, i))
			}
			for i := 1; i < 13; i++ {
				v = append(v, d(t, i, 2))
			}
			v = append(v, c(t, 0), d(t, 0, 2), dd(t, 0))
			for i := 1; i < 13; i++ {
				v = append(v, dd(t, i))
			}
			return v
		},
		"1s_3c": func(t int) (v []float32) {
			for k := -3; k <= 3; k++ {
				for i := range 13 {
					v = append(v, c(t+k, i))
				}
			}
			return v
		},
	}
	for name, f := range want {
		t.Run(name, func(t *testing.T) {
			cfg := base
			cfg.Feat = name
			got, err := feature.Compute(cfg, pcm)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("Compute(%s) gave %d frames; want %d", name, len(got), n)
			}
			for fr := range n {
				w := f(fr)
				if len(got[fr]) != len(w) {
					t.Fatalf("Compute(%s) dim %d; want %d", name, len(got[fr]), len(w))
				}
				for i := range w {
					if got[fr][i] != w[i] {
						t.Fatalf("Compute(%s)[%d][%d] = %g; want %g", name, fr, i, got[fr][i], w[i])
					}
				}
			}
		})
	}
}

// runOnline feeds pcm to an Extractor in chunks of chunk samples with room for dstFrames vectors per
// call, then ends the utterance and drains it.
func runOnline(t testing.TB, e *feature.Extractor, pcm []int16, chunk, dstFrames int) ([][]float32, []int) {
	t.Helper()
	d := e.Dim()
	dst := make([]float32, dstFrames*d)
	pos := make([]int, dstFrames)
	var out [][]float32
	var outPos []int
	collect := func(nf int) {
		for i := range nf {
			out = append(out, append([]float32(nil), dst[i*d:(i+1)*d]...))
			outPos = append(outPos, pos[i])
		}
	}
	for len(pcm) > 0 {
		c := pcm[:min(chunk, len(pcm))]
		for len(c) > 0 {
			ns, nf := e.Process(c, dst, pos)
			collect(nf)
			c = c[ns:]
			pcm = pcm[ns:]
		}
	}
	e.End()
	for {
		_, nf := e.Process(nil, dst, pos)
		if nf == 0 {
			break
		}
		collect(nf)
	}
	return out, outPos
}

// TestOnlineMatchesUtterance checks that the online path gives the whole-utterance result, whatever the
// chunking of the input and the room in dst, for live CMN (shorter than 800 frames) and no CMN.
func TestOnlineMatchesUtterance(t *testing.T) {
	pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw")))
	for _, cmn := range []string{"live", "none"} {
		cfg := enUSConfig(t)
		cfg.CMN = cmn
		ref, err := feature.NewExtractor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, wantPos, err := ref.Utterance(pcm)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ chunk, dst int }{{1, 1}, {7, 3}, {160, 1}, {1000, 50}, {len(pcm), 1000}} {
			e, err := feature.NewExtractor(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, gotPos := runOnline(t, e, pcm, tc.chunk, tc.dst)
			if len(got) != len(want) {
				t.Fatalf("cmn %s chunk %d dst %d: %d frames; want %d", cmn, tc.chunk, tc.dst, len(got), len(want))
			}
			for i := range got {
				if gotPos[i] != wantPos[i] {
					t.Fatalf("cmn %s chunk %d: frame %d index %d; want %d", cmn, tc.chunk, i, gotPos[i], wantPos[i])
				}
				for j := range got[i] {
					if got[i][j] != want[i][j] {
						t.Fatalf("cmn %s chunk %d dst %d: [%d][%d] = %g; want %g", cmn, tc.chunk, tc.dst, i, j, got[i][j], want[i][j])
					}
				}
			}
			if cmn == "live" {
				for i := range e.CMN().Mean {
					if e.CMN().Mean[i] != ref.CMN().Mean[i] {
						t.Fatalf("live mean after utterance c%d = %g; want %g", i, e.CMN().Mean[i], ref.CMN().Mean[i])
					}
				}
			}
		}
	}
}

// TestSilenceRemovalIndices checks that with the VAD on, frame indices skip the dropped frames and stay
// increasing, and that without it they are 0..n−1.
func TestSilenceRemovalIndices(t *testing.T) {
	pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw")))
	cfg := enUSConfig(t)
	e, err := feature.NewExtractor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, pos, err := e.Utterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	all := 1 + (len(pcm)-e.FrontEnd().FrameSize())/e.FrontEnd().FrameShift() + 1
	if len(pos) >= all {
		t.Fatalf("VAD kept %d of %d frames; want fewer", len(pos), all)
	}
	for i := 1; i < len(pos); i++ {
		if pos[i] <= pos[i-1] {
			t.Fatalf("frame indices not increasing at %d: %d, %d", i, pos[i-1], pos[i])
		}
	}
	cfg.RemoveSilence = false
	e, err = feature.NewExtractor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, pos, err = e.Utterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	if len(pos) != all {
		t.Fatalf("without VAD: %d frames; want %d", len(pos), all)
	}
	for i, p := range pos {
		if p != i {
			t.Fatalf("without VAD: frame %d has index %d", i, p)
		}
	}
}

// TestLiveCMNWindow checks the CMN_WIN/CMN_WIN_HWM logic: after more than 800 frames the sums are
// rescaled to 500 frames, and frames with c0 < 0 are neither counted nor normalised.
func TestLiveCMNWindow(t *testing.T) {
	c := feature.NewCMN(2, []float32{1, 2})
	frames := make([][]float32, 801)
	for i := range frames {
		frames[i] = []float32{3, 5}
	}
	neg := []float32{-1, 7}
	c.Live([][]float32{neg})
	if neg[0] != -1 || neg[1] != 7 || c.Frames() != 0 {
		t.Fatalf("frame with c0 < 0 changed to %v (frames %d)", neg, c.Frames())
	}
	c.Live(frames)
	if frames[0][0] != 2 || frames[0][1] != 3 {
		t.Fatalf("first frame normalised to %v; want [2 3]", frames[0])
	}
	if c.Frames() != 500 || c.Mean[0] != 3 || c.Mean[1] != 5 {
		t.Fatalf("after 801 frames: %d frames, mean %v; want 500, [3 5]", c.Frames(), c.Mean)
	}
	c.Update()
	if c.Mean[0] != 3 || c.Frames() != 500 {
		t.Fatalf("after update: mean %v frames %d", c.Mean, c.Frames())
	}
}

// TestLiveCMNAcrossUtterances checks that the online Extractor carries the live CMN mean from one
// utterance to the next exactly as whole-utterance live processing does (cmn_live_update at each end).
// The three utterances stay under 800 frames in all, where the window shift (per frame online, per block
// in sphinxbase) would make the two paths differ; TestFeatMatchesSphinxbase covers the shift.
func TestLiveCMNAcrossUtterances(t *testing.T) {
	cfg := enUSConfig(t)
	cfg.CMN = "live"
	a := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw")))
	b := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "cards", "001.wav")))
	ref, err := feature.NewExtractor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, err := feature.NewExtractor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k, pcm := range [][]int16{a, b, a} {
		want, _, err := ref.Utterance(pcm)
		if err != nil {
			t.Fatal(err)
		}
		e.StartUtterance()
		got, _ := runOnline(t, e, pcm, 1024, 16)
		if len(got) != len(want) {
			t.Fatalf("utterance %d: %d vectors; want %d", k, len(got), len(want))
		}
		for i := range got {
			for j := range got[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("utterance %d: [%d][%d] = %g; want %g", k, i, j, got[i][j], want[i][j])
				}
			}
		}
		for i, m := range ref.CMN().Mean {
			if e.CMN().Mean[i] != m {
				t.Fatalf("utterance %d: mean c%d = %g; want %g", k, i, e.CMN().Mean[i], m)
			}
		}
	}
	if e.CMN().Frames() == 0 || e.CMN().Mean[0] == cfg.CMNInit[0] {
		t.Errorf("live CMN did not move from -cmninit: %d frames, mean %v", e.CMN().Frames(), e.CMN().Mean)
	}
}
