package feature_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// TestFeaturesMatchLibsphinxbase computes the en-us feature vectors of every recording of
// pocketsphinx-testdata and the dev set with Debian's libsphinxbase.so.3 itself (testdata/reference/featref.c,
// compiled here) and with Feat: batch CMN over whole utterances as pocketsphinx_batch, and live CMN from
// -cmninit one frame per call. Both start from the same cepstra (ours, which equal sphinx_fe's), so this
// isolates CMN, deltas and subvectors; they must agree bit for bit. (The en-us feat.params and the
// sphinx_fe arguments give the same front end, so the cepstra are shared with TestCepstraMatchSphinxFE.)
func TestFeaturesMatchLibsphinxbase(t *testing.T) {
	t.Parallel()
	gcc := testenv.RequireTool(t, "gcc")
	libs, _ := filepath.Glob("/usr/lib/*/libsphinxbase.so.3")
	if len(libs) == 0 {
		libs = []string{"/usr/lib/x86_64-linux-gnu/libsphinxbase.so.3"}
	}
	lib := testenv.RequireFile(t, libs[0])
	cfg := enUSConfig(t)
	recs := recordings(t)
	dir := t.TempDir()
	featref := filepath.Join(dir, "featref")
	src, err := filepath.Abs(filepath.Join("testdata", "reference", "featref.c"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O1", "-o", featref, src, lib, "-lm").CombinedOutput(); err != nil {
		t.Fatalf("gcc featref.c: %v\n%s", err, out)
	}
	ceps := allCepstra(t, recs)
	var list strings.Builder
	for i, c := range ceps {
		var flat []float32
		for _, f := range c {
			flat = append(flat, f...)
		}
		b, err := feature.EncodeMFC(flat)
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, fmt.Sprintf("c%03d.mfc", i))
		if err := os.WriteFile(in, b, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&list, "%s %s\n", in, filepath.Join(dir, fmt.Sprintf("f%03d.feat", i)))
	}
	listPath := filepath.Join(dir, "list")
	if err := os.WriteFile(listPath, []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	init := make([]string, len(cfg.CMNInit))
	for i, v := range cfg.CMNInit {
		init[i] = fmt.Sprint(v)
	}
	for _, mode := range []struct {
		name, cmn, block, init string
	}{
		{"batch", "1", "0", "-"},
		{"live", "2", "1", strings.Join(init, ",")},
	} {
		out, err := exec.Command(featref, "-list", "1s_c_d_dd", mode.cmn, "0", mode.block, mode.init, cfg.SVSpec,
			listPath).CombinedOutput()
		if err != nil {
			t.Fatalf("featref %s: %v\n%s", mode.name, err, out)
		}
		frames := 0
		for i, r := range recs {
			want := readFramesAt(t, filepath.Join(dir, fmt.Sprintf("f%03d.feat", i)), 39)
			live := cfg
			if mode.name == "live" {
				live.CMN = "live"
			}
			f, err := feature.NewFeat(live)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]float32
			if mode.name == "batch" {
				got = f.Utterance(cloneFrames(ceps[i]))
			} else {
				got = online(t, f, ceps[i])
			}
			compareFrames(t, mode.name+" "+r.path, got, want)
			frames += len(got)
		}
		t.Logf("%s CMN: %d recordings, %d feature vectors identical to libsphinxbase's", mode.name, len(recs), frames)
	}
}

func readFramesAt(t *testing.T, path string, dim int) [][]float32 {
	t.Helper()
	f, err := feature.ReadMFCFile(path, dim)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
