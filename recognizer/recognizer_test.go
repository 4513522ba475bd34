package recognizer

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"hark/audio"
	"hark/feature"
	"hark/internal/testenv"
	"hark/transcript"
)

var (
	turtleOnce  sync.Once
	turtleModel *Model
	turtleErr   error
	graphDir    string
)

// turtle loads the en-us acoustic model with pocketsphinx-testdata's small turtle LM and dictionary, so its
// graph builds in seconds (shared by the tests of this package).
func turtle(t *testing.T) *Model {
	t.Helper()
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	turtleOnce.Do(func() {
		var err error
		if graphDir, err = os.MkdirTemp("", "hark-recognizer-test"); err != nil {
			turtleErr = err
			return
		}
		cfg := DefaultConfig(testenv.ModelRoot)
		cfg.LM = filepath.Join(testenv.TestData, "turtle.lm.bin")
		cfg.Dict = filepath.Join(testenv.TestData, "turtle.dic")
		cfg.Prune = 0
		cfg.GraphCache = graphDir
		turtleModel, turtleErr = Load(cfg, nil)
	})
	if turtleErr != nil {
		t.Fatal(turtleErr)
	}
	return turtleModel
}

func TestMain(m *testing.M) {
	code := m.Run()
	if graphDir != "" {
		os.RemoveAll(graphDir)
	}
	os.Exit(code)
}

func readRaw(t *testing.T, path string) []int16 {
	t.Helper()
	st, err := audio.OpenFile(testenv.RequireFile(t, path), audio.Options{SampleRateHz: 16000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var pcm []int16
	buf := make([]int16, 4096)
	for {
		n, err := st.ReadInt16(buf)
		pcm = append(pcm, buf[:n]...)
		if err != nil {
			break
		}
	}
	return pcm
}

func text(words []transcript.Word) string {
	var s []string
	for _, w := range words {
		s = append(s, w.Word)
	}
	return strings.Join(s, " ")
}

func TestDecodeGoForward(t *testing.T) {
	m := turtle(t)
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pcm := readRaw(t, filepath.Join(testenv.TestData, "goforward.raw"))
	words, err := s.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := text(words), "go forward ten meters"; got != want {
		t.Fatalf("DecodeUtterance(goforward.raw) = %q; want %q", got, want)
	}
	// Word times: ordered, inside the audio, non-empty. (Matching pocketsphinx_continuous -time yes within
	// 50 ms needs phone-level boundaries: the graph puts a word's label one phone early, see
	// docs/architecture.md "Word times"; that is issue 6's work.)
	prevEnd := 0.0
	for _, w := range words {
		if w.Start < prevEnd-1e-9 || w.End <= w.Start || w.End > float64(len(pcm))/16000+0.01 {
			t.Errorf("%s spans [%.3f, %.3f] after previous end %.3f", w.Word, w.Start, w.End, prevEnd)
		}
		prevEnd = w.End
		if w.Confidence <= 0 || w.Confidence > 1 {
			t.Errorf("%s confidence %v out of (0, 1]", w.Word, w.Confidence)
		}
	}
	// The same session decodes again identically, words, times and confidences, even after other audio.
	if _, err := s.DecodeUtterance(pcm[len(pcm)/2:]); err != nil {
		t.Fatal(err)
	}
	again, err := s.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(words) {
		t.Fatalf("second decode = %q; want %q", text(again), text(words))
	}
	for i := range words {
		if again[i] != words[i] {
			t.Errorf("second decode word %d = %+v; first %+v", i, again[i], words[i])
		}
	}
}

func TestStreamingMatchesChunking(t *testing.T) {
	m := turtle(t)
	pcm := readRaw(t, filepath.Join(testenv.TestData, "goforward.raw"))
	var results []string
	for _, chunk := range []int{160, 1601, len(pcm)} {
		s, err := m.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartStream(); err != nil {
			t.Fatal(err)
		}
		var all []transcript.Word
		for off := 0; off < len(pcm); off += chunk {
			if err := s.AcceptPCM(pcm[off:min(off+chunk, len(pcm))]); err != nil {
				t.Fatal(err)
			}
			_ = s.Partial()
			if s.Endpoint() {
				w, err := s.EndUtterance()
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, w...)
			}
		}
		w, err := s.FinishStream()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, w...)
		results = append(results, text(all))
	}
	for i, r := range results {
		if r != "go forward ten meters" {
			t.Errorf("streaming result %d = %q; want %q", i, r, "go forward ten meters")
		}
	}
}

// TestTIDigits decodes the tidigits feature files of pocketsphinx-testdata with the tidigits model, LM and
// dictionary: each must give the digits its name spells (between "man.ah." and the take letter; o = oh,
// z = zero), as pocketsphinx's test-tidigits-simple.match does.
func TestTIDigits(t *testing.T) {
	dir := filepath.Join(testenv.TestData, "tidigits")
	testenv.RequireFile(t, filepath.Join(dir, "hmm", "mdef"))
	cfg := DefaultConfig(testenv.ModelRoot)
	cfg.AcousticModel = filepath.Join(dir, "hmm")
	cfg.LM = filepath.Join(dir, "lm", "tidigits.lm.bin")
	cfg.Dict = filepath.Join(dir, "lm", "tidigits.dic")
	cfg.Prune = 0
	cfg.GraphCache = t.TempDir()
	m, err := Load(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "man.ah.*.mfc"))
	if len(files) != 16 {
		t.Fatalf("found %d man.ah.*.mfc files; want 16", len(files))
	}
	name := regexp.MustCompile(`^man\.ah\.([0-9oz]+)[a-z]\.mfc$`)
	digit := map[byte]string{'o': "oh", 'z': "zero", '0': "zero", '1': "one", '2': "two", '3': "three", '4': "four",
		'5': "five", '6': "six", '7': "seven", '8': "eight", '9': "nine"}
	bad := 0
	for _, f := range files {
		mm := name.FindStringSubmatch(filepath.Base(f))
		if mm == nil {
			t.Fatalf("unexpected file name %s", f)
		}
		var want []string
		for i := 0; i < len(mm[1]); i++ {
			want = append(want, digit[mm[1][i]])
		}
		ceps, err := feature.ReadMFCFile(f, m.Feat.NumCep)
		if err != nil {
			t.Fatal(err)
		}
		feats, err := feature.FromCepstra(m.Feat, ceps)
		if err != nil {
			t.Fatal(err)
		}
		words, err := s.DecodeFeatures(feats)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(words); got != strings.Join(want, " ") {
			bad++
			t.Errorf("%s: got %q; want %q", filepath.Base(f), got, strings.Join(want, " "))
		}
	}
	t.Logf("%d of %d tidigits files correct", len(files)-bad, len(files))
}
