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

// features computes the en-us model's features of a 16 kHz recording (raw, or a WAV file whose 44-byte
// header is skipped, as pocketsphinx_continuous -infile does) with its CMN in mode cmn: "batch" (the
// recording's own mean, as feat.params says) or "live" (feat.params' -cmninit, as pocketsphinx_continuous
// feeding a file in blocks).
func features(t testing.TB, file, cmn string) [][]float32 {
	t.Helper()
	cfg, err := feature.ReadParams(filepath.Join(testenv.ModelDir, "feat.params"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.CMN = cmn
	b, err := os.ReadFile(testenv.RequireFile(t, file))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(file, ".wav") {
		b = b[44:]
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

// fixture is the set-up most tests share: the en-us model, a transcript (label i is words[i]) with the
// cmudict entries of its words, a recording's features and a scorer.
type fixture struct {
	m      *sphinx.Model
	words  []string
	labels []int32
	lex    *align.Lexicon
	feats  [][]float32
	sc     *sphinx.Scorer
}

func newFixture(t testing.TB, file, cmn string, words []string) fixture {
	t.Helper()
	f := fixture{m: enUS(t), words: words}
	var err error
	if f.lex, err = align.NewLexicon(cmudict(t, f.m, words), words); err != nil {
		t.Fatal(err)
	}
	for i := range words {
		f.labels = append(f.labels, int32(i))
	}
	f.feats = features(t, file, cmn)
	if f.sc, err = sphinx.NewScorer(f.m, sphinx.DefaultScorerConfig()); err != nil {
		t.Fatal(err)
	}
	return f
}

// goForward is the fixture of "go forward ten meters" and goforward.raw.
func goForward(t testing.TB) fixture {
	return newFixture(t, goforwardRaw, "batch", []string{"go", "forward", "ten", "meters"})
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

// TestAlignPocketsphinx aligns the words pocketsphinx_continuous -time yes recognises (its own LM and
// dictionary) in a few testdata recordings and compares every word's first and last frame with its: within
// one frame (10 ms), with either codebook policy on goforward.raw. The features use live CMN from
// feat.params' -cmninit, as pocketsphinx_continuous's do. The recordings cover a single-phone word ("a":
// SIL as its right context), a pause inside the utterance (<sil> at -silprob's penalty, noise fillers at
// -fillprob's) and a word right at the start (<s> first). (pocketsphinx prints a word's last frame;
// Span.End is one past it.)
func TestAlignPocketsphinx(t *testing.T) {
	for _, c := range []struct {
		name       string
		file       string
		compAllSen []bool
	}{
		{"goforward", goforwardRaw, []bool{false, true}},
		{"single-phone word", filepath.Join(testenv.TestData, "librivox", "sense_and_sensibility_01_austen_64kb-0920.wav"), []bool{false}},
		{"pause", filepath.Join(testenv.TestData, "cards", "004.wav"), []bool{false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			psWords, psFrames := psTimes(t, c.file)
			if len(psWords) == 0 {
				t.Fatalf("pocketsphinx recognised nothing in %s", c.file)
			}
			f := newFixture(t, c.file, "live", psWords)
			for _, all := range c.compAllSen {
				cfg := align.DefaultConfig()
				cfg.CompAllSen = all
				a, err := align.New(f.m, cfg)
				if err != nil {
					t.Fatal(err)
				}
				spans, err := a.Align(f.sc, f.feats, f.lex, f.labels, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i, w := range f.words {
					s := spans[i]
					ds, de := s.Start-psFrames[i][0], s.End-1-psFrames[i][1]
					t.Logf("compallsen=%v %-12s frames %d–%d, pocketsphinx %d–%d (Δ %+d / %+d)", all, w, s.Start, s.End-1,
						psFrames[i][0], psFrames[i][1], ds, de)
					if ds < -1 || ds > 1 || de < -1 || de > 1 {
						t.Errorf("compallsen=%v %s: frames [%d, %d), pocketsphinx %v: more than 10 ms apart", all, w, s.Start, s.End, psFrames[i])
					}
				}
			}
		})
	}
}

// TestAlignAllocs checks that a second Align of the same utterance allocates nothing (the arenas have
// grown), which covers the per-frame loop.
func TestAlignAllocs(t *testing.T) {
	f := goForward(t)
	a, err := align.New(f.m, align.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]align.Span, 0, len(f.labels))
	if _, err := a.Align(f.sc, f.feats, f.lex, f.labels, dst); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(2, func() {
		if _, err := a.Align(f.sc, f.feats, f.lex, f.labels, dst[:0]); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Align allocates %v times per call after warm-up; want 0", n)
	}
}

// TestAlignErrors checks the failures that make the caller keep the decoder's times.
func TestAlignErrors(t *testing.T) {
	f := newFixture(t, goforwardRaw, "batch", []string{"go", "forward", "ten", "meters", "xyzzy-not-a-word"})
	a, err := align.New(f.m, align.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		feats  [][]float32
		labels []int32
		want   error
	}{
		{"unknown word", f.feats, []int32{0, 4}, align.ErrNoPron},
		{"label out of range", f.feats, []int32{0, 9}, align.ErrNoPron},
		{"too few frames", f.feats[:5], []int32{0, 1, 2, 3}, align.ErrNoPath},
		{"no frames", nil, []int32{0}, align.ErrNoPath},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := []align.Span{{1, 2}}
			got, err := a.Align(f.sc, c.feats, f.lex, c.labels, dst)
			if !errors.Is(err, c.want) || !errors.Is(err, align.ErrAlign) {
				t.Errorf("Align = %v; want %v (wrapping ErrAlign)", err, c.want)
			}
			if len(got) != 1 || got[0] != dst[0] {
				t.Errorf("Align changed dst to %v on error", got)
			}
		})
	}
	if spans, err := a.Align(f.sc, f.feats, f.lex, nil, nil); err != nil || len(spans) != 0 {
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
	f := goForward(b)
	for _, all := range []bool{false, true} {
		b.Run("compallsen="+strconv.FormatBool(all), func(b *testing.B) {
			cfg := align.DefaultConfig()
			cfg.CompAllSen = all
			a, err := align.New(f.m, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var dst []align.Span
			for b.Loop() {
				if dst, err = a.Align(f.sc, f.feats, f.lex, f.labels, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(f.feats))/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
