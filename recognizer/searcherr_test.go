//go:build unix

package recognizer

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"hark/audio"
	"hark/decoder"
	"hark/internal/testenv"
	"hark/internal/wer"
	"hark/lattice"
)

// searchWidth is one search configuration of BenchmarkSearchErrors: decoding beam, max-active and lattice
// beam (Config.Decoder.Beam, .MaxActive, .LatticeBeam and Config.LatticeBeam).
type searchWidth struct {
	beam        float32
	maxActive   int
	latticeBeam float32
}

func (w searchWidth) String() string {
	return fmt.Sprintf("%g/%d/%g", w.beam, w.maxActive, w.latticeBeam)
}

// parseSearchWidths parses "BEAM/MAX-ACTIVE/LATTICE-BEAM,...".
func parseSearchWidths(s string) ([]searchWidth, error) {
	var ws []searchWidth
	for _, f := range strings.Split(s, ",") {
		p := strings.Split(strings.TrimSpace(f), "/")
		if len(p) != 3 {
			return nil, fmt.Errorf("search width %q: want BEAM/MAX-ACTIVE/LATTICE-BEAM", f)
		}
		b, err1 := strconv.ParseFloat(p[0], 32)
		m, err2 := strconv.Atoi(p[1])
		l, err3 := strconv.ParseFloat(p[2], 32)
		if err1 != nil || err2 != nil || err3 != nil || !(b > 0) || m <= 0 || !(l > 0) {
			return nil, fmt.Errorf("search width %q: want positive BEAM/MAX-ACTIVE/LATTICE-BEAM", f)
		}
		ws = append(ws, searchWidth{float32(b), m, float32(l)})
	}
	return ws, nil
}

func TestParseSearchWidths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []searchWidth
		ok   bool
	}{
		{"13/7000/6", []searchWidth{{13, 7000, 6}}, true},
		{"13/7000/6, 20/50000/10", []searchWidth{{13, 7000, 6}, {20, 50000, 10}}, true},
		{"13/7000", nil, false},
		{"13/x/6", nil, false},
		{"0/7000/6", nil, false},
		{"13/7000/-1", nil, false},
	} {
		got, err := parseSearchWidths(tc.in)
		if (err == nil) != tc.ok || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("parseSearchWidths(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// uttResult is what one search width gives one utterance.
type uttResult struct {
	searchCost  float32 // the decoder's best path: acoustic + graph cost (scaled units), with final costs
	rescoreCost float32 // the best path after full-LM rescoring of the lattice: acoustic + rescored graph cost
	words       []string
}

// searchErrUtt is one dev recording's features.
type searchErrUtt struct {
	id    string
	feats [][]float32
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// BenchmarkSearchErrors measures search errors of several search widths against a much wider reference
// search on the first N dev recordings: an utterance has a search error when the decoder's best path
// (acoustic + graph cost with final costs, the search's own objective) costs more than the reference's
// by more than 0.01; a rescoring error when the best path after full-LM rescoring of the pruned lattice
// costs more than the reference's rescored best path (the reference's lattice beam bounds what that can
// find). The decoder's best path does not depend on the lattice beam (pruning during decoding keeps every
// path within it of some frontier token, and so the eventual best path); the rescored one does. Per width it
// prints CPU seconds (user+sys, getrusage) of acoustic scoring + search + lattice work (features are
// computed once, timed apart and added to RTF), RTF, the error counts, the mean cost gap (over all
// utterances), and WER against refs.txt (internal/wer, which follows ../shared/eval/wer.py). With
// HARK_SEARCHERR_HYPS set to a directory it writes each width's hypotheses there ("id<TAB>words" lines,
// for ../shared/eval/wer.py). HARK_SEARCHERR_IDS=id,... keeps only those of the first N recordings; the ids
// of the utterances with a search error are printed under each width's row.
//
//	bench/search-errors.sh [N [WIDTHS [REFERENCE]]]
//	(HARK_SEARCHERR_N=40 HARK_SEARCHERR_WIDTHS=13/7000/6,... HARK_SEARCHERR_REF=20/50000/8 \
//	 go test -run '^$' -bench SearchErrors -benchtime 1x -timeout 0 ./recognizer)
func BenchmarkSearchErrors(b *testing.B) {
	testenv.RequireFile(b, filepath.Join(testenv.ModelDir, "mdef"))
	dev := filepath.Join("..", testenv.DevSet)
	testenv.RequireFile(b, filepath.Join(dev, "refs.txt"))
	if _, err := os.Stat(filepath.Join(testenv.ModelRoot, "en-us.lm.bin")); err != nil {
		b.Skip("en-us LM not installed")
	}
	n, err := strconv.Atoi(envOr("HARK_SEARCHERR_N", "40"))
	if err != nil || n <= 0 {
		b.Fatalf("HARK_SEARCHERR_N: want a positive count")
	}
	widths, err := parseSearchWidths(envOr("HARK_SEARCHERR_WIDTHS", "13/7000/6"))
	if err != nil {
		b.Fatal(err)
	}
	refs, err := parseSearchWidths(envOr("HARK_SEARCHERR_REF", "20/50000/8"))
	if err != nil || len(refs) != 1 {
		b.Fatalf("HARK_SEARCHERR_REF: want one width (%v)", err)
	}
	ref := refs[0]
	hypDir := os.Getenv("HARK_SEARCHERR_HYPS")

	refText := map[string]string{}
	data, err := os.ReadFile(filepath.Join(dev, "refs.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if id, text, ok := strings.Cut(line, " "); ok {
			refText[id] = text
		}
	}

	m, ext, sc := loadStages(b)
	wavs, _ := filepath.Glob(filepath.Join(dev, "wav", "*.wav"))
	sort.Strings(wavs)
	wavs = wavs[:min(n, len(wavs))]
	if ids := os.Getenv("HARK_SEARCHERR_IDS"); ids != "" {
		keep := map[string]bool{}
		for _, id := range strings.Split(ids, ",") {
			keep[strings.TrimSpace(id)] = true
		}
		wavs = slices.DeleteFunc(wavs, func(w string) bool { return !keep[strings.TrimSuffix(filepath.Base(w), ".wav")] })
		if len(wavs) == 0 {
			b.Fatalf("HARK_SEARCHERR_IDS %q: no such recordings among the first %d", ids, n)
		}
	}
	var utts []searchErrUtt
	frames := 0
	var featNanos int64
	for _, w := range wavs {
		pcm, err := readPCM16(w, int(m.Feat.SampleRate))
		if err != nil {
			b.Fatal(err)
		}
		t0 := cpuNanos()
		ext.StartStream()
		feats, _, err := ext.Utterance(pcm)
		featNanos += cpuNanos() - t0
		if err != nil {
			b.Fatal(err)
		}
		utts = append(utts, searchErrUtt{id: strings.TrimSuffix(filepath.Base(w), ".wav"), feats: feats})
		frames += len(feats)
	}
	audioSec := float64(frames) * m.FrameShift()
	lat := lattice.New()

	// run decodes every utterance at w and returns the results and the CPU nanoseconds of scoring +
	// search and of the lattice work.
	run := func(w searchWidth) ([]uttResult, int64, int64) {
		dc := m.Config.Decoder
		dc.Beam, dc.MaxActive, dc.LatticeBeam = w.beam, w.maxActive, w.latticeBeam
		dc.MinActive = min(dc.MinActive, dc.MaxActive)
		dec, err := decoder.New(m.Graph.HCLG, dc)
		if err != nil {
			b.Fatal(err)
		}
		rs := *m.rs
		rs.det.Beam = w.latticeBeam
		out := make([]uttResult, len(utts))
		var tSearch, tLat int64
		for i, u := range utts {
			t0 := cpuNanos()
			sc.Reset()
			if err := sc.AcceptFrames(u.feats); err != nil {
				b.Fatal(err)
			}
			if err := dec.Decode(sc); err != nil {
				b.Fatal(err)
			}
			t1 := cpuNanos()
			if err := dec.RawLattice(lat, true); err != nil {
				b.Fatal(err)
			}
			t2 := cpuNanos()
			bp, err := lat.BestPath() // not part of the pipeline: untimed
			if err != nil {
				b.Fatalf("%s: %v", u.id, err)
			}
			t3 := cpuNanos()
			best, err := bestWords(lat, w.latticeBeam, m.IsSilence, &rs)
			if err != nil {
				b.Fatalf("%s: %v", u.id, err)
			}
			t4 := cpuNanos()
			tSearch += t1 - t0
			tLat += (t2 - t1) + (t4 - t3)
			r := uttResult{searchCost: bp.Weight.Total(), rescoreCost: best.Weight.Total()}
			for _, s := range best.Words {
				if !m.IsFillerWord(s.Word) {
					r.words = append(r.words, baseWord(m.Word(s.Word)))
				}
			}
			out[i] = r
		}
		return out, tSearch, tLat
	}

	const tol = 0.01
	for b.Loop() {
		loadavg := func() string {
			d, _ := os.ReadFile("/proc/loadavg")
			f := strings.Fields(string(d))
			return strings.Join(f[:min(3, len(f))], " ")
		}
		fmt.Printf("search errors on %d dev recordings (%.1f s of audio); features %.2f CPU s (added to RTF); tolerance %g\n",
			len(utts), audioSec, float64(featNanos)/1e9, tol)
		fmt.Printf("%-14s %8s %8s %6s %6s %8s %8s %8s %8s %7s %6s  %s\n", "beam/ma/lb", "searchCPU", "latCPU", "RTF",
			"serr%", "sgapMean", "sgapMax", "rerr%", "rgapMean", "better", "WER%", "loadavg")
		refRes, rs, rl := run(ref)
		report := func(w searchWidth, res []uttResult, tSearch, tLat int64) {
			var serr, rerr, better int
			var sgap, sgapMax, rgap float64
			var counts wer.Counts
			var errIDs []string
			var hyps strings.Builder
			for i, r := range res {
				d := float64(r.searchCost - refRes[i].searchCost)
				if d > tol {
					serr++
					errIDs = append(errIDs, fmt.Sprintf("%s(%+.3f)", utts[i].id, d))
				}
				if d < -tol {
					better++
				}
				sgap += max(d, 0)
				sgapMax = max(sgapMax, d)
				rd := float64(r.rescoreCost - refRes[i].rescoreCost)
				if rd > tol {
					rerr++
				}
				rgap += max(rd, 0)
				hyp := strings.Join(r.words, " ")
				counts = counts.Add(wer.Align(wer.Normalize(refText[utts[i].id]), wer.Normalize(hyp)))
				fmt.Fprintf(&hyps, "%s\t%s\n", utts[i].id, hyp)
			}
			k := float64(len(res))
			fmt.Printf("%-14s %8.2f %8.2f %6.3f %6.1f %8.3f %8.3f %8.1f %8.3f %7d %6.2f  %s\n", w,
				float64(tSearch)/1e9, float64(tLat)/1e9, float64(featNanos+tSearch+tLat)/1e9/audioSec,
				100*float64(serr)/k, sgap/k, sgapMax, 100*float64(rerr)/k, rgap/k, better, counts.Rate(), loadavg())
			if len(errIDs) > 0 {
				fmt.Printf("    search errors: %s\n", strings.Join(errIDs, " "))
			}
			if hypDir != "" {
				name := filepath.Join(hypDir, strings.ReplaceAll(w.String(), "/", "_")+".hyp")
				if err := os.WriteFile(name, []byte(hyps.String()), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		fmt.Print("reference: ")
		report(ref, refRes, rs, rl)
		for _, w := range widths {
			res, ts, tl := run(w)
			report(w, res, ts, tl)
		}
	}
}

// readPCM16 reads a whole audio file as 16-bit PCM at rate Hz.
func readPCM16(path string, rate int) ([]int16, error) {
	st, err := audio.OpenFile(path, audio.Options{SampleRateHz: rate})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer st.Close()
	var pcm []int16
	buf := make([]float32, 1<<14)
	for {
		k, err := st.Read(buf)
		pcm = ToInt16(pcm, buf[:k])
		if err == io.EOF {
			return pcm, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
}
