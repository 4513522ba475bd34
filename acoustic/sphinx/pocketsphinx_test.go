package sphinx_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"hark/acoustic/sphinx"
	"hark/feature"
	"hark/internal/testenv"
)

// pocketsphinxSenoneScores runs pocketsphinx_batch on goforward.raw with -compallsen yes -senlogdir (a
// small JSGF search, so that every frame is scored once) and returns its per-frame senone scores: negated,
// in senone-score units, minus the frame's best (so the best is 0). The format is acmod.c's
// acmod_write_scores: an s3 header, then per frame int16 n_active and n_active int16 scores.
func pocketsphinxSenoneScores(t *testing.T, nSen int) [][]int16 {
	t.Helper()
	ps := testenv.RequireTool(t, "pocketsphinx_batch")
	gram := testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.gram"))
	testenv.RequireFile(t, goforwardRaw)
	dir := t.TempDir()
	ctl := filepath.Join(dir, "ctl")
	if err := os.WriteFile(ctl, []byte("goforward\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return runSenLog(t, ps, dir, nSen, "-adcin", "yes", "-cepdir", testenv.TestData, "-cepext", ".raw", "-ctl", ctl,
		"-jsgf", gram, "-dict", filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"))
}

// runSenLog runs pocketsphinx_batch with -compallsen yes -senlogdir dir and the given arguments and parses
// the senone log of its first utterance.
func runSenLog(t *testing.T, ps, dir string, nSen int, args ...string) [][]int16 {
	t.Helper()
	frames := runSenLogFrames(t, ps, dir, nSen, true, args...)
	out := make([][]int16, len(frames))
	for i, f := range frames {
		if f.active != nil {
			t.Fatalf("senone log frame %d: %d active senones; want all %d", i, len(f.active), nSen)
		}
		out[i] = f.scores
	}
	return out
}

// senFrame is one frame of a senone log: the active senones (nil when all are) and their scores.
type senFrame struct {
	active []int32
	scores []int16
}

// runSenLogFrames runs pocketsphinx_batch with -senlogdir dir (and -compallsen as given) and parses the
// log of its first utterance (acmod.c acmod_write_scores: per frame int16 n_active; when not all senones
// are active, n_active uint8 deltas to the active senone ids; then n_active int16 scores).
func runSenLogFrames(t *testing.T, ps, dir string, nSen int, compall bool, args ...string) []senFrame {
	t.Helper()
	yn := "no"
	if compall {
		yn = "yes"
	}
	args = append(args, "-compallsen", yn, "-senlogdir", dir, "-hyp", filepath.Join(dir, "hyp"), "-logfn", filepath.Join(dir, "log"))
	if out, err := exec.Command(ps, args...).CombinedOutput(); err != nil {
		t.Fatalf("pocketsphinx_batch: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "000000000.sen"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("endhdr\n"))
	if i < 0 || len(b) < i+11 || binary.LittleEndian.Uint32(b[i+7:]) != 0x11223344 {
		t.Fatal("senone log: bad header")
	}
	b = b[i+11:]
	var frames []senFrame
	for len(b) >= 2 {
		n := int(int16(binary.LittleEndian.Uint16(b)))
		b = b[2:]
		var f senFrame
		if n != nSen {
			if n < 0 || len(b) < n {
				t.Fatalf("senone log frame %d: truncated", len(frames))
			}
			sen := int32(0)
			for k := 0; k < n; k++ {
				sen += int32(b[k])
				f.active = append(f.active, sen)
			}
			b = b[n:]
		}
		if len(b) < 2*n {
			t.Fatalf("senone log frame %d: truncated", len(frames))
		}
		f.scores = make([]int16, n)
		for k := range f.scores {
			f.scores[k] = int16(binary.LittleEndian.Uint16(b[2*k:]))
		}
		b = b[2*n:]
		frames = append(frames, f)
	}
	return frames
}

// TestScoresMatchPocketsphinx compares every senone score of every frame of goforward.raw with the scores
// pocketsphinx_batch logs (-compallsen yes -senlogdir) for the en-us model. Features come from package
// feature; after subtracting the frame's best score, as ptm_mgau_senone_eval does, the integer scores must
// be identical.
func TestScoresMatchPocketsphinx(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	want := pocketsphinxSenoneScores(t, m.Mdef.NSen)
	feats := goforwardFeatures(t)
	compareSenoneScores(t, m, feats, want, true, "")
}

// TestSemiContinuousScoresMatchPocketsphinx compares every senone score of a tidigits utterance under the
// semi-continuous tidigits model (s2_4x features, 4-bit clustered sendump) with pocketsphinx_batch's, which
// uses s2_semi_mgau.c (the same top-N algorithm with one codebook, and no subtraction of the best senone).
func TestSemiContinuousScoresMatchPocketsphinx(t *testing.T) {
	dir := filepath.Join(testenv.TestData, "tidigits", "hmm")
	m := mustLoad(t, dir)
	ps := testenv.RequireTool(t, "pocketsphinx_batch")
	lm := testenv.RequireFile(t, filepath.Join(testenv.TestData, "tidigits", "lm", "tidigits.lm.bin"))
	tmp := t.TempDir()
	ctl := filepath.Join(tmp, "ctl")
	if err := os.WriteFile(ctl, []byte("man.ah.111a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := runSenLog(t, ps, tmp, m.Mdef.NSen, "-hmm", dir, "-cepdir", filepath.Join(testenv.TestData, "tidigits"),
		"-cepext", ".mfc", "-ctl", ctl, "-lm", lm, "-fwdflat", "no", "-bestpath", "no", "-pl_window", "0", "-dict", filepath.Join(testenv.TestData, "tidigits", "lm", "tidigits.dic"))
	cfg, err := feature.ReadParams(filepath.Join(dir, "feat.params"))
	if err != nil {
		t.Fatal(err)
	}
	feats, err := feature.FromCepstra(cfg, readMFC(t, filepath.Join(testenv.TestData, "tidigits", "man.ah.111a.mfc")))
	if err != nil {
		t.Fatal(err)
	}
	compareSenoneScores(t, m, feats, want, false, " (s2_semi_mgau)")
}

// TestContinuousScoresMatchPocketsphinx compares every senone score of goforward.raw under the continuous
// an4 CI model with pocketsphinx_batch's, which uses ms_mgau.c (ms_gauden.c top-N densities, ms_senone.c
// scores); after subtracting the frame's best, as ms_cont_mgau_frame_eval does, they must be identical.
func TestContinuousScoresMatchPocketsphinx(t *testing.T) {
	dir := filepath.Join(testenv.TestData, "an4_ci_cont")
	m := mustLoad(t, dir)
	ps := testenv.RequireTool(t, "pocketsphinx_batch")
	tmp := t.TempDir()
	ctl := filepath.Join(tmp, "ctl")
	if err := os.WriteFile(ctl, []byte("goforward\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := runSenLog(t, ps, tmp, m.Mdef.NSen, "-hmm", dir, "-adcin", "yes", "-cepdir", testenv.TestData, "-cepext", ".raw",
		"-ctl", ctl, "-jsgf", filepath.Join(testenv.TestData, "goforward.gram"),
		"-dict", filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"))
	feats := modelFeatures(t, dir, goforwardRaw)
	compareSenoneScores(t, m, feats, want, true, " (ms_mgau)")
}

// TestActiveSenonesMatchPocketsphinx replays the active senone lists a real search asked for
// (pocketsphinx_batch with its default -compallsen no, JSGF search) through SetActiveSenones: the
// codebooks evaluated and the normaliser then depend on the active set, and the scores of the active
// senones, less the best of them, must equal pocketsphinx's.
func TestActiveSenonesMatchPocketsphinx(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	ps := testenv.RequireTool(t, "pocketsphinx_batch")
	tmp := t.TempDir()
	ctl := filepath.Join(tmp, "ctl")
	if err := os.WriteFile(ctl, []byte("goforward\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := runSenLogFrames(t, ps, tmp, m.Mdef.NSen, false, "-adcin", "yes", "-cepdir", testenv.TestData, "-cepext", ".raw",
		"-ctl", ctl, "-jsgf", filepath.Join(testenv.TestData, "goforward.gram"),
		"-dict", filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"))
	feats := goforwardFeatures(t)
	s := scorerOn(t, m, feats, len(want))
	mismatches, total, partial := 0, 0, 0
	var idx []int32
	for fr, w := range want {
		if w.active == nil {
			w.active = make([]int32, m.Mdef.NSen)
			for k := range w.active {
				w.active[k] = int32(k)
			}
		} else {
			partial++
		}
		idx = idx[:0]
		for _, sen := range w.active {
			idx = append(idx, sen+1)
		}
		s.SetActiveSenones(fr, idx)
		best := int32(math.MaxInt32)
		got := make([]int32, len(w.active))
		for k, sen := range w.active {
			got[k] = s.Score(fr, int(sen))
			best = min(best, got[k])
		}
		for k := range got {
			total++
			if d := got[k] - best; d != int32(w.scores[k]) {
				mismatches++
				if mismatches <= 5 {
					t.Errorf("frame %d senone %d: score %d, pocketsphinx %d", fr, w.active[k], d, w.scores[k])
				}
			}
		}
	}
	if partial == 0 {
		t.Fatal("pocketsphinx logged no partial active lists; the test exercises nothing")
	}
	t.Logf("%d frames (%d with partial active lists), %d active senone scores compared: %d differ", len(want), partial, total, mismatches)
}

// compareSenoneScores scores every senone of every frame of feats and compares them with pocketsphinx's
// logged scores want (frame × senone). With relToBest the frame's best score is subtracted first, as
// ptm_mgau_senone_eval and ms_mgau do; s2_semi_mgau logs the scores as they are. The first 5 differences
// fail the test; the totals are logged with label.
func compareSenoneScores(t *testing.T, m *sphinx.Model, feats [][]float32, want [][]int16, relToBest bool, label string) {
	t.Helper()
	s := scorerOn(t, m, feats, len(want))
	got := make([]int32, m.Mdef.NSen)
	mismatches, frameMismatch, maxDiff := 0, 0, int32(0)
	for fr := range feats {
		best := int32(0)
		if relToBest {
			best = math.MaxInt32
		}
		for sen := range got {
			got[sen] = s.Score(fr, sen)
			if relToBest {
				best = min(best, got[sen])
			}
		}
		bad := 0
		for sen := range got {
			if d := got[sen] - best - int32(want[fr][sen]); d != 0 {
				bad++
				maxDiff = max(maxDiff, max(d, -d))
				if mismatches+bad <= 5 {
					t.Errorf("frame %d senone %d: score %d, pocketsphinx %d", fr, sen, got[sen]-best, want[fr][sen])
				}
			}
		}
		if bad > 0 {
			frameMismatch++
		}
		mismatches += bad
	}
	t.Logf("%d frames × %d senones compared with pocketsphinx%s: %d scores differ (in %d frames), max difference %d units",
		len(feats), m.Mdef.NSen, label, mismatches, frameMismatch, maxDiff)
}

// scorerOn checks that pocketsphinx logged as many frames (nWant) as feats holds and returns a scorer
// that has accepted feats.
func scorerOn(t *testing.T, m *sphinx.Model, feats [][]float32, nWant int) *sphinx.Scorer {
	t.Helper()
	if nWant != len(feats) {
		t.Fatalf("pocketsphinx scored %d frames, package feature gives %d", nWant, len(feats))
	}
	s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptFrames(feats); err != nil {
		t.Fatal(err)
	}
	return s
}
