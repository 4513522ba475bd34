//go:build unix

package decoder

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"hark/wfst"
)

// BenchmarkAdvanceDecoding measures the search per frame on a synthetic HCLG-sized graph (100k states,
// 300k arcs, 5000 acoustic indices, 10% epsilon arcs) over a random log-likelihood matrix with a GMM-like
// dynamic range, with Kaldi's
// defaults except max-active 7000 (the usual recipe value). Run:
//
//	go test -run '^$' -bench AdvanceDecoding -benchtime 3x ./decoder/
func BenchmarkAdvanceDecoding(b *testing.B) {
	rng := rand.New(rand.NewPCG(42, 42))
	g := wfst.NewConst(randomGraph(rng, 100_000, 3, 5000, 20_000, 0.1, 0.1))
	const frames = 300
	// GMM-like dynamic range: log-likelihoods spread over ~200 nats per frame, a few senones near the top.
	data := make([]float32, frames*5000)
	for i := range data {
		data[i] = float32(-60 - 150*rng.Float64())
		if rng.IntN(50) == 0 {
			data[i] = float32(-60 - 20*rng.Float64())
		}
	}
	m, err := NewMatrix(data, 5000)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		maxActive int
	}{{"max-active=7000", 7000}, {"max-active=2000", 2000}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.MaxActive = tc.maxActive
			d := mustNew(b, g, cfg)
			if err := d.Decode(m); err != nil { // warm-up
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if err := d.InitDecoding(); err != nil {
					b.Fatal(err)
				}
				if err := d.AdvanceDecoding(m, -1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
			// CPU time of the process (user + system; the benchmark is single-threaded apart from the GC),
			// which stays meaningful when other processes share the cores.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*frames), "cpu-ns/frame")
			b.ReportMetric(float64(d.NumTokens()), "live-tokens")
			st := d.Stats()
			b.ReportMetric(float64(st.TokensExpanded)/float64(st.Frames), "expanded/frame")
			b.ReportMetric(float64(st.TokensCreated)/float64(st.Frames), "created/frame")
		})
	}
}

// cpuTime returns the process's user + system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
