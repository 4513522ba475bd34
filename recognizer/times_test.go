package recognizer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hark/audio"
	"hark/internal/testenv"
	"hark/lexicon"
	"hark/transcript"
)

// The word-time test decodes pocketsphinx-testdata's recordings with hark and with pocketsphinx_continuous
// -time yes, both with the en-us acoustic model and the same small LM and dictionary (a bigram LM of the
// recordings' transcriptions, written here, and their cmudict entries: the graph builds in a second and the
// two recognisers mostly agree on the words), and compares the times of the words both recognise.

// timesFile is one recording with its transcription.
type timesFile struct {
	path, text string
}

func timesFiles(t *testing.T) []timesFile {
	t.Helper()
	files := []timesFile{{filepath.Join(testenv.TestData, "goforward.raw"), "go forward ten meters"}}
	for _, list := range []struct{ dir, trans string }{
		{"librivox", "transcription"},
		{"cards", "cards.transcription"},
	} {
		b, err := os.ReadFile(testenv.RequireFile(t, filepath.Join(testenv.TestData, list.dir, list.trans)))
		if err != nil {
			t.Fatal(err)
		}
		// "<s> words </s> (fileid)"
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) < 3 || f[0] != "<s>" {
				continue
			}
			id := strings.Trim(f[len(f)-1], "()")
			var words []string
			for _, w := range f[1 : len(f)-1] {
				if w != "</s>" {
					words = append(words, w)
				}
			}
			files = append(files, timesFile{filepath.Join(testenv.TestData, list.dir, id+".wav"), strings.Join(words, " ")})
		}
	}
	return files
}

// writeBigramLM writes an ARPA bigram LM of the sentences: add-one unigrams; seen bigrams with 0.8 of their
// relative frequency, the rest of the mass backed off to the unigrams.
func writeBigramLM(path string, sentences []string) ([]string, error) {
	uni := map[string]int{}
	bi := map[[2]string]int{}
	hist := map[string]int{}
	total := 0
	for _, s := range sentences {
		w := append(append([]string{"<s>"}, strings.Fields(s)...), "</s>")
		for i, x := range w {
			uni[x]++
			total++
			if i > 0 {
				bi[[2]string{w[i-1], x}]++
				hist[w[i-1]]++
			}
		}
	}
	vocab := make([]string, 0, len(uni))
	for w := range uni {
		vocab = append(vocab, w)
	}
	sort.Strings(vocab)
	pUni := func(w string) float64 { return float64(uni[w]+1) / float64(total+len(vocab)) }
	bigrams := make([][2]string, 0, len(bi))
	seenMass := map[string]float64{}
	for k := range bi {
		bigrams = append(bigrams, k)
		seenMass[k[0]] += pUni(k[1])
	}
	sort.Slice(bigrams, func(i, j int) bool {
		return bigrams[i][0] < bigrams[j][0] || bigrams[i][0] == bigrams[j][0] && bigrams[i][1] < bigrams[j][1]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\\data\\\nngram 1=%d\nngram 2=%d\n\n\\1-grams:\n", len(vocab), len(bigrams))
	for _, w := range vocab {
		p := math.Log10(pUni(w))
		if w == "<s>" {
			p = -99
		}
		if hist[w] > 0 {
			fmt.Fprintf(&b, "%.6f %s %.6f\n", p, w, math.Log10(0.2/(1-seenMass[w])))
		} else {
			fmt.Fprintf(&b, "%.6f %s\n", p, w)
		}
	}
	b.WriteString("\n\\2-grams:\n")
	for _, k := range bigrams {
		fmt.Fprintf(&b, "%.6f %s %s\n", math.Log10(0.8*float64(bi[k])/float64(hist[k[0]])), k[0], k[1])
	}
	b.WriteString("\n\\end\\\n")
	var words []string
	for _, w := range vocab {
		if w != "<s>" && w != "</s>" {
			words = append(words, w)
		}
	}
	return words, os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeDictExcerpt writes the cmudict entries of words and their alternates.
func writeDictExcerpt(path string, words []string) error {
	b, err := os.ReadFile(filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"))
	if err != nil {
		return err
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
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// timesSetup writes the test's LM and dictionary of files' transcriptions into dir and loads the en-us
// acoustic model with them.
func timesSetup(t *testing.T, files []timesFile, dir string) (m *Model, lmPath, dictPath string) {
	t.Helper()
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	testenv.RequireFile(t, filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"))
	var sentences []string
	for _, f := range files {
		sentences = append(sentences, f.text)
	}
	lmPath, dictPath = filepath.Join(dir, "test.arpa"), filepath.Join(dir, "test.dict")
	words, err := writeBigramLM(lmPath, sentences)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeDictExcerpt(dictPath, words); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(testenv.ModelRoot)
	cfg.LM, cfg.Dict, cfg.Prune = lmPath, dictPath, 0
	cfg.GraphCache = filepath.Join(dir, "graphs")
	if m, err = Load(cfg, nil); err != nil {
		t.Fatal(err)
	}
	return m, lmPath, dictPath
}

// psWord is a word of pocketsphinx_continuous -time yes: its base word and its first and last frames'
// times in seconds (pocketsphinx prints the start of the last frame as the end).
type psWord struct {
	word       string
	start, end float64
}

// psRun is one run of pocketsphinx_continuous -time yes on a file: its words (fillers and sentence markers
// left out) and the file's cepstral mean as its live CMN logged it at the end of the utterance ("Update to
// < … >": the mean of the frames with c0 ≥ 0, as batch CMN computes it; "" if not logged).
type psRun struct {
	words []psWord
	mean  string // comma-separated, as -cmninit takes it
}

// runPocketsphinx runs pocketsphinx_continuous -time yes on file with the acoustic model in hmm and the
// test's LM and dictionary. It fails if pocketsphinx split the file into more than one utterance: its times
// restart at each utterance.
func runPocketsphinx(ps, hmm, file, lmPath, dictPath string) (psRun, error) {
	cmd := exec.Command(ps, "-infile", file, "-time", "yes", "-hmm", hmm, "-lm", lmPath, "-dict", dictPath)
	var log bytes.Buffer
	cmd.Stderr = &log
	out, err := cmd.Output()
	if err != nil {
		return psRun{}, fmt.Errorf("pocketsphinx_continuous %s: %w", file, err)
	}
	var r psRun
	utts := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			continue
		}
		st, err1 := strconv.ParseFloat(f[1], 64)
		en, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if f[0] == "<s>" {
			utts++
		}
		if strings.HasPrefix(f[0], "<") || strings.HasPrefix(f[0], "[") {
			continue
		}
		r.words = append(r.words, psWord{lexicon.BaseWord(f[0]), st, en})
	}
	if utts > 1 {
		return psRun{}, fmt.Errorf("pocketsphinx_continuous split %s into %d utterances", file, utts)
	}
	for _, l := range strings.Split(log.String(), "\n") {
		if _, v, ok := strings.Cut(l, "Update to"); ok {
			v = strings.Trim(strings.TrimSpace(v), "<>")
			r.mean = strings.Join(strings.Fields(v), ",")
		}
	}
	return r, nil
}

// modelWithCMNInit makes dir an acoustic model directory for pocketsphinx: links to the en-us model's files
// and a copy of its feat.params with -cmninit set to mean (pocketsphinx reads feat.params over its command
// line, so -cmninit cannot be passed as an option).
func modelWithCMNInit(dir, mean string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(testenv.ModelDir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Name() == "feat.params" {
			continue
		}
		if err := os.Symlink(filepath.Join(testenv.ModelDir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(filepath.Join(testenv.ModelDir, "feat.params"))
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] != "-cmninit" {
			out.WriteString(l + "\n")
		}
	}
	fmt.Fprintf(&out, "-cmninit %s\n", mean)
	return os.WriteFile(filepath.Join(dir, "feat.params"), []byte(out.String()), 0o644)
}

// lcsPairs returns the index pairs of a longest common subsequence of a and b.
func lcsPairs(a, b []string) [][2]int {
	n, m := len(a), len(b)
	l := make([][]int, n+1)
	for i := range l {
		l[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out = append(out, [2]int{i, j})
			i++
			j++
		case l[i+1][j] >= l[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// timeDiffs collects |Δ| of word boundaries in seconds.
type timeDiffs struct {
	abs []float64
	sum float64
}

func (d *timeDiffs) add(x float64) {
	d.abs = append(d.abs, math.Abs(x))
	d.sum += x
}

func (d *timeDiffs) summary() string {
	if len(d.abs) == 0 {
		return "none"
	}
	s := append([]float64(nil), d.abs...)
	sort.Float64s(s)
	mean := 0.0
	for _, x := range s {
		mean += x
	}
	return fmt.Sprintf("%d boundaries: mean |Δ| %.1f ms, mean Δ %+.1f ms, median %.0f ms, 95th %.0f ms, max %.0f ms",
		len(s), 1000*mean/float64(len(s)), 1000*d.sum/float64(len(s)), 1000*s[len(s)/2], 1000*s[len(s)*95/100], 1000*s[len(s)-1])
}

func (d *timeDiffs) meanAbs() float64 {
	m := 0.0
	for _, x := range d.abs {
		m += x
	}
	return m / float64(max(1, len(d.abs)))
}

func (d *timeDiffs) over(limit float64) int {
	n := 0
	for _, x := range d.abs {
		if x > limit+1e-9 {
			n++
		}
	}
	return n
}

// TestWordTimes checks issue 6's acceptance point: word times within 50 ms of
// pocketsphinx_continuous -time yes on the testdata words both recognise. Each file is one utterance for
// pocketsphinx (checked), decoded from the start of the file. The times can only agree if both recognisers
// see the same features, and pocketsphinx_continuous feeds the audio in blocks, so its CMN is live: the
// model's -cmninit (feat.params) is subtracted from every frame of a file (its window moves only past 800
// frames), not the file's own mean. Two comparisons follow from that:
//
//   - live: hark decodes each file as a stream on a fresh session (live CMN from the same -cmninit), against
//     pocketsphinx_continuous as it comes;
//   - batch: hark decodes each file with DecodeUtterance (the utterance's own mean, as hark transcribe
//     does), against pocketsphinx_continuous given that mean as its -cmninit (the mean its live CMN logged
//     at the end of the first run, in a copy of the model's feat.params).
//
// Starts are compared as they are; ends compare hark's End (exclusive: the end of the last frame) with
// pocketsphinx's printed end + one frame (pocketsphinx prints the start of the last frame). Every boundary
// must be within 50 ms and the mean |Δ| at most 20 ms, in both comparisons; the decoder's own times
// (alignment off) are logged for comparison on goforward.raw. Measured on all 11 files (96 words, 192
// boundaries each, the same words in both): live, every boundary equal (mean |Δ| 0, max 0 ms); batch, mean
// |Δ| 0.2 ms, max 20 ms (the logged mean has two decimals). Before the aligner took pocketsphinx's pause
// penalties, single-phone contexts and <s>/</s>: live 2.1 ms and batch 2.1 ms mean, 3 and 4 boundaries
// 60–100 ms off. The decoder's times: mean |Δ| 85 ms (a phone early). Hark's batch times against
// pocketsphinx_continuous's stock (live CMN) output differ by up to 150 ms at pauses and utterance ends,
// because the features differ (on 0870 the file's mean c0 is 53.4, the -cmninit 41.0).
func TestWordTimes(t *testing.T) {
	ps := testenv.RequireTool(t, "pocketsphinx_continuous")
	files := timesFiles(t)
	m, lmPath, dictPath := timesSetup(t, files, t.TempDir())
	t.Run("pocketsphinx", func(t *testing.T) { testTimesPocketsphinx(t, m, ps, files, lmPath, dictPath) })
	t.Run("streaming", func(t *testing.T) { testTimesStreaming(t, m, files[0]) })
	t.Run("streaming cap", func(t *testing.T) { testTimesStreamingCap(t, m, files[0]) })
}

// testTimesStreamingCap checks the bound on kept features: an utterance that runs past the streaming cap
// (its caller ignored Endpoint) keeps the decoder's times, and feeding audio allocates nothing once the
// feature buffer has grown to the cap.
func testTimesStreamingCap(t *testing.T, m *Model, f timesFile) {
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pcm := readRaw(t, f.path)
	run := func(maxFrames int) []transcript.Word {
		t.Helper()
		if err := s.StartStream(); err != nil {
			t.Fatal(err)
		}
		if maxFrames > 0 {
			s.stream.maxFrames = maxFrames
		}
		for off := 0; off < len(pcm); off += 1600 {
			if err := s.AcceptPCM(pcm[off:min(off+1600, len(pcm))]); err != nil {
				t.Fatal(err)
			}
		}
		w, err := s.FinishStream()
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	full := run(0)
	st := s.AlignStats()
	if st.Aligned != 1 || st.Fallback != 0 {
		t.Errorf("whole utterance under the cap: stats %+v; want 1 realigned", st)
	}
	capped := run(100) // goforward.raw has 228 frames
	if st := s.AlignStats(); st.Aligned != 1 || st.Fallback != 1 {
		t.Errorf("utterance past the cap: stats %+v; want it to keep the decoder's times", st)
	}
	if text(capped) != text(full) {
		t.Fatalf("capped stream decoded %q; want %q", text(capped), text(full))
	}
	if capped[0].End == full[0].End && capped[1].Start == full[1].Start {
		t.Errorf("past the cap, times %+v equal the realigned %+v", capped[:2], full[:2])
	}
	// Steady state: the kept features' buffer has reached the utterance's size.
	if err := s.StartStream(); err != nil {
		t.Fatal(err)
	}
	chunk := pcm[:1600]
	if err := s.AcceptPCM(chunk); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(5, func() {
		if err := s.AcceptPCM(chunk); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("AcceptPCM allocates %v times per 100 ms chunk; want 0", n)
	}
	if _, err := s.FinishStream(); err != nil {
		t.Fatal(err)
	}
}

func testTimesPocketsphinx(t *testing.T, m *Model, ps string, files []timesFile, lmPath, dictPath string) {
	// pocketsphinx: as it comes (live CMN from the model's -cmninit), then with each file's mean as -cmninit.
	live := make([]psRun, len(files))
	batch := make([]psRun, len(files))
	errs := make([]error, len(files))
	parallel := func(run func(i int) error) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for i := range files {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = run(i)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	parallel(func(i int) (err error) {
		live[i], err = runPocketsphinx(ps, testenv.ModelDir, files[i].path, lmPath, dictPath)
		return err
	})
	dir := t.TempDir()
	parallel(func(i int) (err error) {
		if live[i].mean == "" {
			return fmt.Errorf("pocketsphinx_continuous logged no CMN update for %s", files[i].path)
		}
		hmm := filepath.Join(dir, strconv.Itoa(i))
		if err := modelWithCMNInit(hmm, live[i].mean); err != nil {
			return err
		}
		batch[i], err = runPocketsphinx(ps, hmm, files[i].path, lmPath, dictPath)
		return err
	})

	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var liveDiffs, batchDiffs, decoder timeDiffs
	for i, f := range files {
		pcm := readRaw(t, f.path)
		// Batch, and the decoder's own times for comparison on the first file only (decoding is slow under
		// -race).
		var dec []transcript.Word
		if i == 0 {
			s.SetWordAlignment(false)
			if dec, err = s.DecodeUtterance(pcm); err != nil {
				t.Fatal(err)
			}
			s.SetWordAlignment(true)
		}
		before := s.AlignStats()
		hw, err := s.DecodeUtterance(pcm)
		if err != nil {
			t.Fatal(err)
		}
		if st := s.AlignStats(); st.Aligned != before.Aligned+1 {
			t.Errorf("%s: not realigned (stats %+v)", filepath.Base(f.path), st)
		}
		compareTimes(t, "batch", f, batch[i].words, hw, dec, &batchDiffs, &decoder, m.FrameShift())

		// Live: a fresh session, so that its CMN starts from -cmninit as pocketsphinx_continuous's does.
		ls, err := m.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := ls.StartStream(); err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(pcm); off += 2048 { // pocketsphinx_continuous's block
			if err := ls.AcceptPCM(pcm[off:min(off+2048, len(pcm))]); err != nil {
				t.Fatal(err)
			}
		}
		lw, err := ls.FinishStream()
		if err != nil {
			t.Fatal(err)
		}
		if st := ls.AlignStats(); st.Aligned != 1 || st.Fallback != 0 {
			t.Errorf("%s: stream not realigned (stats %+v)", filepath.Base(f.path), st)
		}
		compareTimes(t, "live", f, live[i].words, lw, nil, &liveDiffs, nil, m.FrameShift())
	}
	t.Logf("live: %s", liveDiffs.summary())
	t.Logf("batch: %s", batchDiffs.summary())
	t.Logf("decoder (batch, first file): %s", decoder.summary())
	for _, c := range []struct {
		name string
		d    *timeDiffs
	}{{"live", &liveDiffs}, {"batch", &batchDiffs}} {
		if len(c.d.abs) < 2*40 {
			t.Errorf("%s: only %d words recognised by both; want at least 40", c.name, len(c.d.abs)/2)
		}
		if n := c.d.over(0.05); n > 0 {
			t.Errorf("%s: %d of %d word boundaries more than 50 ms from pocketsphinx's; want none", c.name, n, len(c.d.abs))
		}
		if mean := c.d.meanAbs(); mean > 0.02 {
			t.Errorf("%s: mean |Δ| %.1f ms; want at most 20 ms", c.name, 1000*mean)
		}
	}
}

// compareTimes logs hark's words hw and pocketsphinx's pw of file f side by side and adds the boundary
// differences of the words both recognise (a longest common subsequence) to diffs; dec, when not nil, are
// the decoder's own times of the same words, added to decDiffs.
func compareTimes(t *testing.T, mode string, f timesFile, pw []psWord, hw, dec []transcript.Word, diffs, decDiffs *timeDiffs, shift float64) {
	t.Helper()
	var a, b []string
	for _, w := range pw {
		a = append(a, w.word)
	}
	for _, w := range hw {
		b = append(b, w.Word)
	}
	t.Logf("%s %s: pocketsphinx %q, hark %q", mode, filepath.Base(f.path), strings.Join(a, " "), strings.Join(b, " "))
	for _, q := range lcsPairs(a, b) {
		p, h := pw[q[0]], hw[q[1]]
		ds, de := h.Start-p.start, h.End-(p.end+shift)
		diffs.add(ds)
		diffs.add(de)
		mark := ""
		if math.Abs(ds) > 0.05+1e-9 || math.Abs(de) > 0.05+1e-9 {
			mark = "  > 50 ms"
		}
		if dec != nil {
			d := dec[q[1]]
			decDiffs.add(d.Start - p.start)
			decDiffs.add(d.End - (p.end + shift))
			mark = fmt.Sprintf(" (decoder %+4.0f / %+4.0f ms)%s", 1000*(d.Start-p.start), 1000*(d.End-(p.end+shift)), mark)
		}
		t.Logf("  %-12s hark %.2f–%.2f  pocketsphinx %.2f–%.2f  Δ %+4.0f / %+4.0f ms%s",
			h.Word, h.Start, h.End, p.start, p.end+shift, 1000*ds, 1000*de, mark)
	}
}

// testTimesStreaming checks that streaming (live CMN, features kept per utterance) realigns too: the
// words of goforward.raw fed in 100 ms chunks are realigned, and their times are within 50 ms of the batch
// decode's.
func testTimesStreaming(t *testing.T, m *Model, f timesFile) {
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pcm := readRaw(t, f.path)
	batch, err := s.DecodeUtterance(pcm)
	if err != nil {
		t.Fatal(err)
	}
	before := s.AlignStats()
	if err := s.StartStream(); err != nil {
		t.Fatal(err)
	}
	var got []transcript.Word
	for off := 0; off < len(pcm); off += 1600 {
		if err := s.AcceptPCM(pcm[off:min(off+1600, len(pcm))]); err != nil {
			t.Fatal(err)
		}
		if s.Endpoint() {
			w, err := s.EndUtterance()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, w...)
		}
	}
	w, err := s.FinishStream()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, w...)
	after := s.AlignStats()
	if after.Aligned == before.Aligned || after.Fallback != before.Fallback {
		t.Errorf("streaming alignment stats went from %+v to %+v; want realigned utterances only", before, after)
	}
	if text(got) != text(batch) {
		t.Fatalf("streaming decoded %q, batch %q", text(got), text(batch))
	}
	for i := range got {
		t.Logf("%-8s stream %.2f–%.2f  batch %.2f–%.2f", got[i].Word, got[i].Start, got[i].End, batch[i].Start, batch[i].End)
		if math.Abs(got[i].Start-batch[i].Start) > 0.05 || math.Abs(got[i].End-batch[i].End) > 0.05 {
			t.Errorf("%s: stream %.2f–%.2f, batch %.2f–%.2f: more than 50 ms apart", got[i].Word, got[i].Start, got[i].End, batch[i].Start, batch[i].End)
		}
	}
}

// cpuSeconds returns the process's user + system CPU time.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkWordAlignment measures what realigning word times costs: it transcribes the dev set
// (testenv.DevSet, the first 40 recordings) with the default en-us model and graph (built into the cache if
// missing: minutes), once with the decoder's times and once realigned, checks that the words are identical,
// and reports the CPU seconds of the transcription without alignment (decode-cpu-s), the time spent in
// alignment (align-s, AlignStats.Time: wall clock, so a busy machine inflates it) and its ratio (align-%).
// Run:
//
//	go test ./recognizer -run XXX -bench WordAlignment -benchtime 1x
func BenchmarkWordAlignment(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("..", testenv.DevSet, "wav", "*.wav"))
	if len(files) == 0 {
		b.Skip("no dev set")
	}
	files = files[:min(40, len(files))]
	m, err := Load(DefaultConfig(testenv.ModelRoot), nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := m.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.AlignLexicon(); err != nil {
		b.Fatal(err)
	}
	transcribe := func(align bool) ([]string, float64) {
		s.SetWordAlignment(align)
		var out []string
		t0 := cpuSeconds(b)
		for _, f := range files {
			st, err := audio.OpenFile(f, audio.Options{SampleRateHz: 16000})
			if err != nil {
				b.Fatal(err)
			}
			tr, err := s.Transcribe(context.Background(), st, nil)
			st.Close()
			if err != nil {
				b.Fatal(err)
			}
			for _, seg := range tr.Segments {
				out = append(out, text(seg.Words))
			}
		}
		return out, cpuSeconds(b) - t0
	}
	var dec, al float64
	for b.Loop() {
		w0, c0 := transcribe(false)
		before := s.AlignStats()
		w1, c1 := transcribe(true)
		if strings.Join(w0, "\n") != strings.Join(w1, "\n") {
			b.Fatal("realignment changed the words")
		}
		st := s.AlignStats()
		b.Logf("%d files, %d segments: %d realigned, %d kept decoder times; CPU %.1f s without alignment, %.1f s with",
			len(files), len(w1), st.Aligned-before.Aligned, st.Fallback-before.Fallback, c0, c1)
		dec += c0
		al += (st.Time - before.Time).Seconds()
	}
	b.ReportMetric(dec/float64(b.N), "decode-cpu-s")
	b.ReportMetric(al/float64(b.N), "align-s")
	b.ReportMetric(100*al/dec, "align-%")
}
