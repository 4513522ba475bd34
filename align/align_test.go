package align_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hark/acoustic/sphinx"
	"hark/align"
	"hark/feature"
	"hark/internal/testenv"
	"hark/lexicon"
)

var goforwardRaw = filepath.Join(testenv.TestData, "goforward.raw")

var (
	modelOnce sync.Once
	model     *sphinx.Model
	modelErr  error
)

func enUS(t testing.TB) *sphinx.Model {
	t.Helper()
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	modelOnce.Do(func() { model, modelErr = sphinx.Load(testenv.ModelDir, sphinx.DefaultLoadConfig()) })
	if modelErr != nil {
		t.Fatal(modelErr)
	}
	return model
}

// features computes the en-us model's features of a raw 16 kHz file.
func features(t testing.TB, raw string) [][]float32 {
	t.Helper()
	cfg, err := feature.ReadParams(filepath.Join(testenv.ModelDir, "feat.params"))
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

// cmudict reads the entries of Debian's cmudict for the given words and their alternates (the whole file
// takes seconds under -race).
func cmudict(t testing.TB, m *sphinx.Model, words []string) *lexicon.Dict {
	t.Helper()
	b, err := os.ReadFile(testenv.RequireFile(t, filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, w := range words {
		want[w] = true
	}
	var out bytes.Buffer
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && want[lexicon.BaseWord(f[0])] {
			out.WriteString(l + "\n")
		}
	}
	d, err := lexicon.ReadDict(&out, "cmudict-en-us.dict (excerpt)", nil, "", lexicon.DefaultDictConfig(m.Mdef.CIPhones))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// psTimes runs pocketsphinx_continuous -time yes on a file and returns its words (variants stripped,
// fillers left out) with their first and last frames.
func psTimes(t *testing.T, file string) (words []string, frames [][2]int32) {
	t.Helper()
	ps := testenv.RequireTool(t, "pocketsphinx_continuous")
	out, err := exec.Command(ps, "-infile", file, "-time", "yes", "-logfn", "/dev/null").Output()
	if err != nil {
		t.Fatalf("pocketsphinx_continuous: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || strings.HasPrefix(f[0], "<") || strings.HasPrefix(f[0], "[") {
			continue
		}
		st, err1 := strconv.ParseFloat(f[1], 64)
		en, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		words = append(words, lexicon.BaseWord(f[0]))
		frames = append(frames, [2]int32{int32(math.Round(st * 100)), int32(math.Round(en * 100))})
	}
	return words, frames
}

// TestAlignGoForward aligns "go forward ten meters" to goforward.raw and compares every word's first and
// last frame with pocketsphinx_continuous -time yes: within 2 frames (20 ms), with either codebook policy.
// (pocketsphinx prints a word's last frame; Span.End is one past it.)
func TestAlignGoForward(t *testing.T) {
	m := enUS(t)
	words := []string{"go", "forward", "ten", "meters"}
	psWords, psFrames := psTimes(t, goforwardRaw)
	if strings.Join(psWords, " ") != strings.Join(words, " ") {
		t.Fatalf("pocketsphinx recognised %q; want %q", psWords, words)
	}
	lex, err := align.NewLexicon(cmudict(t, m, words), words)
	if err != nil {
		t.Fatal(err)
	}
	feats := features(t, goforwardRaw)
	sc, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, all := range []bool{false, true} {
		cfg := align.DefaultConfig()
		cfg.CompAllSen = all
		a, err := align.New(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		spans, err := a.Align(sc, feats, lex, []int32{0, 1, 2, 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range words {
			s := spans[i]
			ds, de := s.Start-psFrames[i][0], s.End-1-psFrames[i][1]
			t.Logf("compallsen=%v %-8s frames %d–%d, pocketsphinx %d–%d (Δ %+d / %+d)", all, w, s.Start, s.End-1,
				psFrames[i][0], psFrames[i][1], ds, de)
			if ds < -2 || ds > 2 || de < -2 || de > 2 {
				t.Errorf("compallsen=%v %s: frames [%d, %d), pocketsphinx %v: more than 20 ms apart", all, w, s.Start, s.End, psFrames[i])
			}
		}
	}
}

// TestAlignAllocs checks that a second Align of the same utterance allocates nothing (the arenas have
// grown), which covers the per-frame loop.
func TestAlignAllocs(t *testing.T) {
	m := enUS(t)
	words := []string{"go", "forward", "ten", "meters"}
	lex, err := align.NewLexicon(cmudict(t, m, words), words)
	if err != nil {
		t.Fatal(err)
	}
	feats := features(t, goforwardRaw)
	sc, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	a, err := align.New(m, align.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	labels := []int32{0, 1, 2, 3}
	dst := make([]align.Span, 0, 4)
	if _, err := a.Align(sc, feats, lex, labels, dst); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(2, func() {
		if _, err := a.Align(sc, feats, lex, labels, dst[:0]); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Align allocates %v times per call after warm-up; want 0", n)
	}
}

// TestAlignErrors checks the failures that make the caller keep the decoder's times.
func TestAlignErrors(t *testing.T) {
	m := enUS(t)
	words := []string{"go", "forward", "ten", "meters", "xyzzy-not-a-word"}
	lex, err := align.NewLexicon(cmudict(t, m, words[:4]), words)
	if err != nil {
		t.Fatal(err)
	}
	feats := features(t, goforwardRaw)
	sc, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	a, err := align.New(m, align.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		feats  [][]float32
		labels []int32
		want   error
	}{
		{"unknown word", feats, []int32{0, 4}, align.ErrNoPron},
		{"label out of range", feats, []int32{0, 9}, align.ErrNoPron},
		{"too few frames", feats[:5], []int32{0, 1, 2, 3}, align.ErrNoPath},
		{"no frames", nil, []int32{0}, align.ErrNoPath},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := []align.Span{{1, 2}}
			got, err := a.Align(sc, c.feats, lex, c.labels, dst)
			if !errors.Is(err, c.want) || !errors.Is(err, align.ErrAlign) {
				t.Errorf("Align = %v; want %v (wrapping ErrAlign)", err, c.want)
			}
			if len(got) != 1 || got[0] != dst[0] {
				t.Errorf("Align changed dst to %v on error", got)
			}
		})
	}
	if spans, err := a.Align(sc, feats, lex, nil, nil); err != nil || len(spans) != 0 {
		t.Errorf("Align(no words) = %v, %v; want no spans", spans, err)
	}
}

// TestLexicon checks that a label gets every pronunciation of its base word, in dictionary order.
func TestLexicon(t *testing.T) {
	phones := []string{"AH", "D", "EH", "IY", "R", "SIL"}
	d, err := lexicon.ReadDict(strings.NewReader("read R IY D\nread(2) R EH D\na AH\n"), "test.dict", io.Reader(nil), "",
		lexicon.DefaultDictConfig(phones))
	if err != nil {
		t.Fatal(err)
	}
	lex, err := align.NewLexicon(d, []string{"", "read", "a", "read(2)", "missing", "<sil>"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		label int32
		want  []string
	}{
		{0, nil},
		{1, []string{"R IY D", "R EH D"}},
		{2, []string{"AH"}},
		{3, []string{"R IY D", "R EH D"}},
		{4, nil},
		{5, []string{"SIL"}},
		{6, nil},
		{-1, nil},
	} {
		var got []string
		for i := range lex.NumProns(c.label) {
			var s []string
			for _, p := range lex.Pron(c.label, i) {
				s = append(s, phones[p])
			}
			got = append(got, strings.Join(s, " "))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("label %d: prons %q; want %q", c.label, got, c.want)
		}
	}
	if lex.NumWords() != 6 {
		t.Errorf("NumWords = %d; want 6", lex.NumWords())
	}
}

// BenchmarkAlign aligns goforward.raw (212 frames, 4 words); frames/s is the alignment's speed.
func BenchmarkAlign(b *testing.B) {
	m := enUS(b)
	words := []string{"go", "forward", "ten", "meters"}
	lex, err := align.NewLexicon(cmudict(b, m, words), words)
	if err != nil {
		b.Fatal(err)
	}
	feats := features(b, goforwardRaw)
	sc, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		b.Fatal(err)
	}
	for _, all := range []bool{false, true} {
		b.Run("compallsen="+strconv.FormatBool(all), func(b *testing.B) {
			cfg := align.DefaultConfig()
			cfg.CompAllSen = all
			a, err := align.New(m, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var dst []align.Span
			for b.Loop() {
				if dst, err = a.Align(sc, feats, lex, []int32{0, 1, 2, 3}, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(feats))/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
