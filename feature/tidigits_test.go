package feature_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// TestTidigitsMatchesPocketsphinx decodes three recordings in one pocketsphinx_batch run with the tidigits
// model of pocketsphinx-testdata, whose feat.params asks for -dither yes, -remove_dc yes, -round_filters no,
// a 400-sample window and s2_4x features, and compares the cepstra it logs (-mfclogdir) and its batch CMN
// with ours. pocketsphinx seeds its dither generator once per process and resets the noise statistics at
// each ps_start_stream, so ours runs one FrontEnd with StartStream before each recording.
func TestTidigitsMatchesPocketsphinx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pocketsphinx_batch")
	}
	t.Parallel()
	tool := testenv.RequireTool(t, "pocketsphinx_batch")
	td := testenv.RequireFile(t, testenv.TestData)
	hmm := filepath.Join(td, "tidigits", "hmm")
	cfg, err := feature.ReadParams(testenv.RequireFile(t, filepath.Join(hmm, "feat.params")))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Dither {
		t.Fatal("tidigits feat.params no longer asks for dither")
	}
	files := []string{filepath.Join(td, "tidigits", "dhd.2934z.raw"), filepath.Join(td, "goforward.raw"),
		filepath.Join(td, "numbers.raw")}
	dir := t.TempDir()
	var ctl []string
	for i, f := range files {
		base := fmt.Sprintf("u%d", i)
		if err := os.Symlink(f, filepath.Join(dir, base+".raw")); err != nil {
			t.Fatal(err)
		}
		ctl = append(ctl, base)
	}
	ctlPath := filepath.Join(dir, "ctl")
	if err := os.WriteFile(ctlPath, []byte(strings.Join(ctl, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logDir := filepath.Join(dir, "log")
	out, err := exec.Command(tool, "-adcin", "yes", "-cepdir", dir, "-cepext", ".raw", "-ctl", ctlPath, "-hmm", hmm,
		"-lm", filepath.Join(td, "tidigits", "lm", "tidigits.lm.bin"),
		"-dict", filepath.Join(td, "tidigits", "lm", "tidigits.dic"),
		"-mfclogdir", logDir, "-hyp", filepath.Join(dir, "hyp")).CombinedOutput()
	if err != nil {
		t.Fatalf("pocketsphinx_batch: %v\n%s", err, out)
	}
	var means [][]float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := cmnRE.FindStringSubmatch(sc.Text()); m != nil {
			var v []float64
			for _, s := range strings.Fields(m[1]) {
				x, err := strconv.ParseFloat(s, 64)
				if err != nil {
					t.Fatal(err)
				}
				v = append(v, x)
			}
			means = append(means, v)
		}
	}
	if len(means) != len(files) {
		t.Fatalf("pocketsphinx_batch logged %d CMN lines for %d recordings", len(means), len(files))
	}
	e, err := feature.NewExtractor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fe, err := feature.NewFrontEnd(cfg) // same seed, same sequence of utterances: same dither
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		want, err := feature.ReadMFCFile(filepath.Join(logDir, fmt.Sprintf("%09d.mfc", i)), 13)
		if err != nil {
			t.Fatal(err)
		}
		pcm := readPCM(t, f)
		fe.StartStream()
		got := frontEndUtterance(fe, pcm)
		if len(got) != len(want) {
			t.Fatalf("%s: %d frames; pocketsphinx_batch logged %d", f, len(got), len(want))
		}
		if d, fr, c := maxAbsDiff(got, want); d != 0 {
			t.Errorf("%s: frame %d c%d = %g; pocketsphinx_batch %g", f, fr, c, got[fr][c], want[fr][c])
		}
		e.StartStream()
		feats, _, err := e.Utterance(pcm)
		if err != nil {
			t.Fatal(err)
		}
		if len(feats) != len(want) || len(feats[0]) != 51 {
			t.Fatalf("%s: %d vectors of %d", f, len(feats), len(feats[0]))
		}
		checkMean(t, filepath.Base(f), e.CMN().Mean, means[i])
	}
}

// frontEndUtterance runs fe over one whole utterance and returns its cepstra.
func frontEndUtterance(fe *feature.FrontEnd, pcm []int16) [][]float32 {
	d := fe.Dim()
	dst := make([]float32, 64*d)
	var out [][]float32
	collect := func(nf int) {
		for i := range nf {
			out = append(out, append([]float32(nil), dst[i*d:(i+1)*d]...))
		}
	}
	for len(pcm) > 0 {
		ns, nf := fe.Process(pcm, dst, nil)
		pcm = pcm[ns:]
		collect(nf)
	}
	fe.End()
	for {
		_, nf := fe.Process(nil, dst, nil)
		if nf == 0 {
			return out
		}
		collect(nf)
	}
}
