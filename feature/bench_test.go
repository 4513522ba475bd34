package feature_test

import (
	"path/filepath"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

func benchAudio(b *testing.B) []int16 {
	return readPCM(b, testenv.RequireFile(b, filepath.Join(testenv.TestData, "librivox",
		"sense_and_sensibility_01_austen_64kb-0870.wav")))
}

// BenchmarkExtractorOnline measures MFCC + live CMN + Δ + ΔΔ (en-us configuration, noise removal and VAD
// on) through the online path on one goroutine (one core): x-realtime is seconds of audio per second of the
// thread's CPU time, which does not depend on what else the machine runs; x-realtime-wall is per second of
// wall time, the same figure on an idle machine.
func BenchmarkExtractorOnline(b *testing.B) {
	pcm := benchAudio(b)
	cfg := enUSConfig(b)
	e, err := feature.NewExtractor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, 256*e.Dim())
	b.ReportAllocs()
	b.ResetTimer()
	cpu := measureCPU(b, func() {
		for b.Loop() {
			e.StartUtterance()
			rest := pcm
			for len(rest) > 0 {
				ns, _ := e.Process(rest, dst, nil)
				rest = rest[ns:]
			}
			e.End()
			for {
				if _, nf := e.Process(nil, dst, nil); nf == 0 {
					break
				}
			}
		}
	})
	audio := float64(len(pcm)) / float64(cfg.SampleRate)
	b.ReportMetric(audio*float64(b.N)/cpu.Seconds(), "x-realtime")
	b.ReportMetric(audio*float64(b.N)/b.Elapsed().Seconds(), "x-realtime-wall")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/(audio*100), "cpu-ns/frame")
}

// BenchmarkCompute measures the whole-utterance path with batch CMN (pocketsphinx_batch's features).
func BenchmarkCompute(b *testing.B) {
	pcm := benchAudio(b)
	cfg := enUSConfig(b)
	b.ReportAllocs()
	cpu := measureCPU(b, func() {
		for b.Loop() {
			if _, err := feature.Compute(cfg, pcm); err != nil {
				b.Fatal(err)
			}
		}
	})
	audio := float64(len(pcm)) / float64(cfg.SampleRate)
	b.ReportMetric(audio*float64(b.N)/cpu.Seconds(), "x-realtime")
	b.ReportMetric(audio*float64(b.N)/b.Elapsed().Seconds(), "x-realtime-wall")
}

// BenchmarkFrontEndFrame measures one frame of the front end (FFT, filterbank, noise, DCT).
func BenchmarkFrontEndFrame(b *testing.B) {
	pcm := benchAudio(b)
	cfg := enUSConfig(b)
	fe, err := feature.NewFrontEnd(cfg)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, 64*13)
	off := 0
	b.ReportAllocs()
	for b.Loop() {
		if off+160 > len(pcm) {
			fe.StartUtterance()
			off = 0
		}
		ns, _ := fe.Process(pcm[off:off+160], dst, nil)
		off += ns
	}
}
