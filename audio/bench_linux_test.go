package audio_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime"
	"syscall"
	"testing"
	"time"

	"hark/audio"
)

// BenchmarkDecodeResampleWAV44kStereo decodes 16-bit 44.1 kHz stereo WAV from memory, downmixes it and
// resamples it to 16 kHz; x-realtime is seconds of audio per second of CPU (one goroutine).
func BenchmarkDecodeResampleWAV44kStereo(b *testing.B) {
	const seconds = 30
	pcm := synthPCM(44100, 2, seconds)
	in := append(wavHeader(44100, 2, uint32(len(pcm))), pcm...)
	dst := make([]float32, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU(b)
	start := time.Now()
	for b.Loop() {
		s, err := audio.Open(bytes.NewReader(in), "", audio.Options{SampleRateHz: 16000})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := s.Read(dst)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*seconds/time.Since(start).Seconds(), "x-realtime-wall")
	b.ReportMetric(float64(b.N)*seconds/(threadCPU(b)-cpu0).Seconds(), "x-realtime")
}

// threadCPU returns the CPU time of the calling OS thread (lock it first): a measure of one core's work
// that the load of other processes on the machine does not inflate.
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkResampler44kTo16k measures the resampler alone on mono input.
func BenchmarkResampler44kTo16k(b *testing.B) {
	in := make([]float32, 44100)
	for i := range in {
		in[i] = float32(math.Sin(float64(i) * 0.01))
	}
	r, err := audio.NewResampler(44100, 16000, audio.ResampleConfig{}, 4096)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float32, 4096)
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU(b)
	start := time.Now()
	for b.Loop() {
		for off := 0; off < len(in); off += 4096 {
			r.Push(in[off:min(off+4096, len(in))])
			for r.Pull(out) > 0 {
			}
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "x-realtime-wall")
	b.ReportMetric(float64(b.N)/(threadCPU(b)-cpu0).Seconds(), "x-realtime")
}

// BenchmarkNewResampler measures building the filter table for 44.1 → 16 kHz.
func BenchmarkNewResampler(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := audio.NewResampler(44100, 16000, audio.ResampleConfig{}, 4096); err != nil {
			b.Fatal(err)
		}
	}
}
