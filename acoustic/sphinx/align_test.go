package sphinx_test

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hark/acoustic/sphinx"
	"hark/internal/testenv"
	"hark/lexicon"
)

// aligner is a forced aligner for tests: Viterbi over the concatenated triphone HMMs of a word sequence,
// with optional SIL at the ends and between words, word-position-dependent triphones chosen as
// pocketsphinx's dict2pid does (PhoneIDNearest, with SIL as the context next to silence and at the ends of
// the utterance), and the model's transition probabilities.
type aligner struct {
	m     *sphinx.Model
	insts []alignInst
}

// alignInst is one HMM (phone instance) of the alignment graph.
type alignInst struct {
	pid   int
	word  int   // index in the transcript, -1 for silence
	preds []int // instances whose exit leads into this one's first state
	start bool  // may begin the utterance
	final bool  // may end it
}

func (a *aligner) add(pid, word int) int {
	a.insts = append(a.insts, alignInst{pid: pid, word: word})
	return len(a.insts) - 1
}

func (a *aligner) link(from, to int) { a.insts[to].preds = append(a.insts[to].preds, from) }

// build makes the graph for words, each given as its list of pronunciations (CI phone ids).
func (a *aligner) build(words [][][]int) {
	md := a.m.Mdef
	sil := md.Sil
	type pronNodes struct {
		first, last int
		entry, exit map[int][]int // by left context phone / by right context phone
	}
	prons := make([][]pronNodes, len(words))
	for i, alts := range words {
		// Possible contexts: the neighbouring words' edge phones, or SIL.
		lcs := map[int]bool{sil: true}
		rcs := map[int]bool{sil: true}
		if i > 0 {
			for _, p := range words[i-1] {
				lcs[p[len(p)-1]] = true
			}
		}
		if i+1 < len(words) {
			for _, p := range words[i+1] {
				rcs[p[0]] = true
			}
		}
		for _, ph := range alts {
			pn := pronNodes{first: ph[0], last: ph[len(ph)-1], entry: map[int][]int{}, exit: map[int][]int{}}
			n := len(ph)
			if n == 1 {
				for lc := range lcs {
					for rc := range rcs {
						x := a.add(md.PhoneIDNearest(ph[0], lc, rc, sphinx.PosSingle), i)
						pn.entry[lc] = append(pn.entry[lc], x)
						pn.exit[rc] = append(pn.exit[rc], x)
					}
				}
				prons[i] = append(prons[i], pn)
				continue
			}
			var firsts []int
			for lc := range lcs {
				x := a.add(md.PhoneIDNearest(ph[0], lc, ph[1], sphinx.PosBegin), i)
				pn.entry[lc] = append(pn.entry[lc], x)
				firsts = append(firsts, x)
			}
			prev := firsts
			for k := 1; k < n-1; k++ {
				x := a.add(md.PhoneIDNearest(ph[k], ph[k-1], ph[k+1], sphinx.PosInternal), i)
				for _, p := range prev {
					a.link(p, x)
				}
				prev = []int{x}
			}
			for rc := range rcs {
				x := a.add(md.PhoneIDNearest(ph[n-1], ph[n-2], rc, sphinx.PosEnd), i)
				pn.exit[rc] = append(pn.exit[rc], x)
				for _, p := range prev {
					a.link(p, x)
				}
			}
			prons[i] = append(prons[i], pn)
		}
	}
	// Leading silence, then the first word entered with SIL as its left context.
	lead := a.add(sil, -1)
	a.insts[lead].start = true
	for _, pn := range prons[0] {
		for _, x := range pn.entry[sil] {
			a.insts[x].start = true
			a.link(lead, x)
		}
	}
	for i := 0; i+1 < len(words); i++ {
		silX := a.add(sil, -1)
		for _, pa := range prons[i] {
			for _, x := range pa.exit[sil] {
				a.link(x, silX)
			}
			for _, pb := range prons[i+1] {
				for _, x := range pa.exit[pb.first] { // directly, each in the other's context
					for _, y := range pb.entry[pa.last] {
						a.link(x, y)
					}
				}
			}
		}
		for _, pb := range prons[i+1] {
			for _, y := range pb.entry[sil] {
				a.link(silX, y)
			}
		}
	}
	trail := a.add(sil, -1)
	a.insts[trail].final = true
	for _, pn := range prons[len(words)-1] {
		for _, x := range pn.exit[sil] {
			a.insts[x].final = true
			a.link(x, trail)
		}
	}
}

// align returns, for each frame, the instance it is aligned to, and the best path's log likelihood (nats).
func (a *aligner) align(s *sphinx.Scorer, nFrames int) ([]int, float64) {
	md, tm := a.m.Mdef, a.m.Tmat
	ns := tm.NState
	nStates := len(a.insts) * ns
	inf := math.Inf(-1)
	prev, cur := make([]float64, nStates), make([]float64, nStates)
	bp := make([][]int32, nFrames)
	emit := func(t, k, j int) float64 {
		return float64(s.LogLikelihood(t, int32(md.Senones(a.insts[k].pid)[j])+1))
	}
	logp := func(k, i, j int) float64 { return tm.LogProb(int(md.Phones[a.insts[k].pid].Tmat), i, j) }
	for x := range prev {
		prev[x] = inf
	}
	bp[0] = make([]int32, nStates)
	for k, in := range a.insts {
		if in.start {
			prev[k*ns] = emit(0, k, 0)
			bp[0][k*ns] = -1
		}
	}
	for t := 1; t < nFrames; t++ {
		bp[t] = make([]int32, nStates)
		for k, in := range a.insts {
			for j := 0; j < ns; j++ {
				best, arg := inf, int32(-1)
				for i := max(0, j-2); i <= j; i++ {
					if v := prev[k*ns+i] + logp(k, i, j); v > best {
						best, arg = v, int32(k*ns+i)
					}
				}
				if j == 0 {
					for _, p := range in.preds {
						for i := 0; i < ns; i++ {
							if v := prev[p*ns+i] + logp(p, i, ns); v > best {
								best, arg = v, int32(p*ns+i)
							}
						}
					}
				}
				if arg >= 0 && !math.IsInf(best, -1) {
					best += emit(t, k, j)
				}
				cur[k*ns+j], bp[t][k*ns+j] = best, arg
			}
		}
		prev, cur = cur, prev
	}
	best, arg := inf, -1
	for k, in := range a.insts {
		if !in.final {
			continue
		}
		for i := 0; i < ns; i++ {
			if v := prev[k*ns+i] + logp(k, i, ns); v > best {
				best, arg = v, k*ns+i
			}
		}
	}
	path := make([]int, nFrames)
	for t := nFrames - 1; t >= 0; t-- {
		path[t] = arg / ns
		arg = int(bp[t][arg])
	}
	return path, best
}

// wordTimes returns the first and last frame of every word along an alignment.
func (a *aligner) wordTimes(path []int, nWords int) [][2]int {
	out := make([][2]int, nWords)
	for i := range out {
		out[i] = [2]int{-1, -1}
	}
	for t, k := range path {
		if w := a.insts[k].word; w >= 0 {
			if out[w][0] < 0 {
				out[w][0] = t
			}
			out[w][1] = t
		}
	}
	return out
}

// pocketsphinxTimes runs pocketsphinx_continuous -time yes and returns the frames of each word it
// recognised (start, end), by word.
func pocketsphinxTimes(t *testing.T, raw string) (words []string, times [][2]int) {
	t.Helper()
	ps := testenv.RequireTool(t, "pocketsphinx_continuous")
	out, err := exec.Command(ps, "-infile", raw, "-time", "yes", "-logfn", "/dev/null").Output()
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
		words = append(words, f[0])
		times = append(times, [2]int{int(math.Round(st * 100)), int(math.Round(en * 100))})
	}
	return words, times
}

// TestForcedAlignment aligns "go forward ten meters" to goforward.raw with the scorer and compares the
// word boundaries with pocketsphinx_continuous -time yes (en-us model): with the en-us PTM model every
// start and end must be within 30 ms (3 frames); with the continuous CI model of pocketsphinx-testdata
// (an4: context-independent phones, one Gaussian per state), the boundaries between words within 50 ms
// (its utterance edges are logged only: a single Gaussian per state lets "go" absorb the breath noise of
// the leading silence).
func TestForcedAlignment(t *testing.T) {
	psWords, psTimes := pocketsphinxTimes(t, goforwardRaw)
	transcript := []string{"go", "forward", "ten", "meters"}
	if strings.Join(psWords, " ") != strings.Join(transcript, " ") {
		t.Fatalf("pocketsphinx recognised %q; want %q", psWords, transcript)
	}
	for _, c := range []struct {
		name, dir string
		feats     func(t testing.TB) [][]float32
		tolFrames int
		edges     bool // check the first word's start and the last word's end too
	}{
		{"en-us", testenv.ModelDir, goforwardFeatures, 3, true},
		{"an4_ci_cont", filepath.Join(testenv.TestData, "an4_ci_cont"), func(t testing.TB) [][]float32 {
			return modelFeatures(t, filepath.Join(testenv.TestData, "an4_ci_cont"), goforwardRaw)
		}, 5, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := mustLoad(t, c.dir)
			feats := c.feats(t)
			alignAndCompare(t, m, feats, transcript, psTimes, c.tolFrames, c.edges)
		})
	}
}

func alignAndCompare(t *testing.T, m *sphinx.Model, feats [][]float32, transcript []string, psTimes [][2]int, tol int, edges bool) {
	// Only the transcript's entries of cmudict (read whole, it takes seconds under -race); lexicon's own
	// tests read the whole dictionary.
	dict, err := lexicon.ReadDict(cmudictLines(t, transcript), "cmudict-en-us.dict (excerpt)", nil, "",
		lexicon.DictConfig{Phones: m.Mdef.CIPhones, SilPhone: "SIL", SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	var words [][][]int
	for _, w := range transcript {
		var alts [][]int
		for _, id := range dict.Alternates(w) {
			var p []int
			for _, ph := range dict.Pron(id) {
				p = append(p, int(ph))
			}
			alts = append(alts, p)
		}
		if len(alts) == 0 {
			t.Fatalf("%q has no pronunciation with this model's phones", w)
		}
		words = append(words, alts)
	}
	s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptFrames(feats); err != nil {
		t.Fatal(err)
	}
	a := &aligner{m: m}
	a.build(words)
	path, ll := a.align(s, len(feats))
	if math.IsInf(ll, -1) {
		t.Fatal("no alignment path")
	}
	got := a.wordTimes(path, len(transcript))
	for i, w := range transcript {
		ds, de := got[i][0]-psTimes[i][0], got[i][1]-psTimes[i][1]
		t.Logf("%-8s hark %.2f–%.2f s  pocketsphinx %.2f–%.2f s  (Δ %+d / %+d ms)", w,
			float64(got[i][0])/100, float64(got[i][1])/100, float64(psTimes[i][0])/100, float64(psTimes[i][1])/100, 10*ds, 10*de)
		if !edges && i == 0 {
			ds = 0
		}
		if !edges && i == len(transcript)-1 {
			de = 0
		}
		if ds < -tol || ds > tol || de < -tol || de > tol {
			t.Errorf("%s: frames %v, pocketsphinx %v: more than %d ms apart", w, got[i], psTimes[i], 10*tol)
		}
	}
	t.Logf("%d frames, %d HMMs, path log likelihood %.1f nats", len(feats), len(a.insts), ll)
}

// cmudictLines returns the lines of Debian's cmudict for the given words and their alternates.
func cmudictLines(t *testing.T, words []string) io.Reader {
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
	return &out
}
