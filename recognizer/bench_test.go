//go:build unix

package recognizer

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"hark/acoustic/sphinx"
	"hark/audio"
	"hark/decoder"
	"hark/feature"
	"hark/internal/testenv"
	"hark/lattice"
)

// benchFiles are the dev-set recordings of BenchmarkFrameCost (25.8 s of read speech, 2,583 frames, three
// speakers).
var benchFiles = []string{"LJ001-0001", "LJ001-0007", "arctic_aew_a0003", "cathy_arctic_a0012",
	"cathy_arctic_a0099", "cathy_arctic_a0148", "cathy_arctic_a0181", "cathy_arctic_a0241"}

// cpuNanos returns the CPU time (user + system) of the process: on the shared cores of the project's
// machines, wall time measures the neighbours.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// recorder passes the scorer's log-likelihoods to the decoder and records, per frame, the senones the
// search asked for and their values, so that scoring and search can then be timed apart.
type recorder struct {
	sc    *sphinx.Scorer
	n     int
	req   [][]int32 // per frame: indices in the order first asked for
	seen  []int     // per index: last frame+1 it was recorded in
	table []float32 // frames × n, row-major, value of index i at column i-1
}

func (r *recorder) NumFramesReady() int { return r.sc.NumFramesReady() }
func (r *recorder) NumIndices() int     { return r.n }
func (r *recorder) LogLikelihood(frame int, index int32) float32 {
	v := r.sc.LogLikelihood(frame, index)
	for len(r.req) <= frame {
		r.req = append(r.req, nil)
	}
	if r.seen[index] != frame+1 {
		r.seen[index] = frame + 1
		r.req[frame] = append(r.req[frame], index)
		r.table[frame*r.n+int(index)-1] = v
	}
	return v
}

// benchUtt is one recording prepared for BenchmarkFrameCost.
type benchUtt struct {
	pcm    []int16
	feats  [][]float32
	req    [][]int32
	matrix *decoder.Matrix
}

// BenchmarkFrameCost decodes dev-set recordings with the default en-us model (graph from the cache, built
// on first use) and reports the CPU cost per 10 ms frame of each stage, timed apart: features (MFCC, CMN,
// Δ, ΔΔ: Extractor.Utterance), acoustic scoring (the Scorer computing exactly the senone scores the search
// asks for, replayed in the search's order), search (the decoder over those scores held in a matrix), and
// lattice (raw lattice, word lattice, determinization, full-LM rescoring, best path, confidences); and
// RTF, the CPU seconds of all four per second of audio.
//
//	bench/frame-cost.sh   (go test -run '^$' -bench FrameCost -benchtime 3x ./recognizer)
func BenchmarkFrameCost(b *testing.B) {
	testenv.RequireFile(b, filepath.Join(testenv.ModelDir, "mdef"))
	dev := filepath.Join("..", testenv.DevSet, "wav")
	testenv.RequireFile(b, filepath.Join(dev, benchFiles[0]+".wav"))
	if _, err := os.Stat(filepath.Join(testenv.ModelRoot, "en-us.lm.bin")); err != nil {
		b.Skip("en-us LM not installed")
	}
	m, ext, sc := loadStages(b)
	dec, err := decoder.New(m.Graph.HCLG, m.Config.Decoder)
	if err != nil {
		b.Fatal(err)
	}
	lat := lattice.New()
	nSen := sc.NumIndices()
	var utts []benchUtt
	frames := 0
	for _, name := range benchFiles {
		st, err := audio.OpenFile(filepath.Join(dev, name+".wav"), audio.Options{SampleRateHz: int(m.Feat.SampleRate)})
		if err != nil {
			b.Fatal(err)
		}
		var pcm []int16
		buf := make([]float32, 1<<14)
		for {
			n, err := st.Read(buf)
			pcm = ToInt16(pcm, buf[:n])
			if err != nil {
				break
			}
		}
		st.Close()
		ext.StartStream()
		feats, _, err := ext.Utterance(pcm)
		if err != nil {
			b.Fatal(err)
		}
		// Record what the search asks the scorer for.
		rec := &recorder{sc: sc, n: nSen, seen: make([]int, nSen+1), table: make([]float32, len(feats)*nSen)}
		sc.Reset()
		if err := sc.AcceptFrames(feats); err != nil {
			b.Fatal(err)
		}
		if err := dec.InitDecoding(); err != nil {
			b.Fatal(err)
		}
		if err := dec.AdvanceDecoding(rec, -1); err != nil {
			b.Fatal(err)
		}
		if err := dec.FinalizeDecoding(); err != nil {
			b.Fatal(err)
		}
		want, err := dec.BestPath(true)
		if err != nil {
			b.Fatal(err)
		}
		mat, err := decoder.NewMatrix(rec.table, nSen)
		if err != nil {
			b.Fatal(err)
		}
		// The search over the recorded scores must be the same search.
		if err := dec.Decode(mat); err != nil {
			b.Fatal(err)
		}
		got, err := dec.BestPath(true)
		if err != nil {
			b.Fatal(err)
		}
		if !slices.Equal(got.Words(), want.Words()) || got.Weight != want.Weight {
			b.Fatalf("%s: search over the recorded scores differs from the search over the scorer", name)
		}
		utts = append(utts, benchUtt{pcm: pcm, feats: feats, req: rec.req, matrix: mat})
		frames += len(feats)
	}
	audioSec := float64(frames) * m.FrameShift()
	var tFeat, tScore, tSearch, tLat int64
	var sink float32
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range utts {
			u := &utts[i]
			t0 := cpuNanos()
			ext.StartStream()
			if _, _, err := ext.Utterance(u.pcm); err != nil {
				b.Fatal(err)
			}
			t1 := cpuNanos()
			sc.Reset()
			if err := sc.AcceptFrames(u.feats); err != nil {
				b.Fatal(err)
			}
			for f, idx := range u.req {
				for _, ix := range idx {
					sink += sc.LogLikelihood(f, ix)
				}
			}
			t2 := cpuNanos()
			if err := dec.InitDecoding(); err != nil {
				b.Fatal(err)
			}
			if err := dec.AdvanceDecoding(u.matrix, -1); err != nil {
				b.Fatal(err)
			}
			if err := dec.FinalizeDecoding(); err != nil {
				b.Fatal(err)
			}
			t3 := cpuNanos()
			if err := dec.RawLattice(lat, true); err != nil {
				b.Fatal(err)
			}
			if _, err := bestWords(lat, m.Config.LatticeBeam, m.IsSilence, m.rs); err != nil {
				b.Fatal(err)
			}
			t4 := cpuNanos()
			tFeat += t1 - t0
			tScore += t2 - t1
			tSearch += t3 - t2
			tLat += t4 - t3
		}
	}
	_ = sink
	n := float64(b.N) * float64(frames)
	ms := func(t int64) float64 { return float64(t) / 1e6 / n }
	b.ReportMetric(ms(tFeat), "feat-ms/frame")
	b.ReportMetric(ms(tScore), "score-ms/frame")
	b.ReportMetric(ms(tSearch), "search-ms/frame")
	b.ReportMetric(ms(tLat), "lattice-ms/frame")
	b.ReportMetric(float64(tFeat+tScore+tSearch+tLat)/1e9/(float64(b.N)*audioSec), "RTF")
}

// loadStages loads the default model and returns it with a front end and a scorer of its own, for the
// benchmarks that time the stages separately.
func loadStages(b *testing.B) (*Model, *feature.Extractor, *sphinx.Scorer) {
	b.Helper()
	m, err := Load(DefaultConfig(testenv.ModelRoot), nil)
	if err != nil {
		b.Fatal(err)
	}
	ext, err := feature.NewExtractor(m.Feat)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := sphinx.NewScorer(m.AM, sphinx.DefaultScorerConfig())
	if err != nil {
		b.Fatal(err)
	}
	return m, ext, sc
}
