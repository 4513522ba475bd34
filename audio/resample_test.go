package audio_test

import (
	"fmt"
	"math"
	"math/cmplx"
	"path/filepath"
	"testing"

	"hark/audio"
)

// fft is an in-place iterative radix-2 FFT (len(x) a power of two); inverse uses the +i convention and
// divides by len(x).
func fft(x []complex128, inverse bool) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, sign*2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*wk
				x[start+k], x[start+k+size/2] = a+b, a-b
				wk *= w
			}
		}
	}
	if inverse {
		for i := range x {
			x[i] /= complex(float64(n), 0)
		}
	}
}

// lowPass removes every frequency component of x (at rateHz) above cutoffHz with an ideal (FFT-domain)
// filter, so that two signals can be compared in a band.
func lowPass(x []float32, rateHz, cutoffHz float64) []float32 {
	n := 1
	for n < 2*len(x) {
		n <<= 1
	}
	c := make([]complex128, n)
	for i, v := range x {
		c[i] = complex(float64(v), 0)
	}
	fft(c, false)
	for k := range c {
		f := float64(min(k, n-k)) * rateHz / float64(n)
		if f > cutoffHz {
			c[k] = 0
		}
	}
	fft(c, true)
	out := make([]float32, len(x))
	for i := range out {
		out[i] = float32(real(c[i]))
	}
	return out
}

// TestResampleAgainstSox resamples a sine sweep and real speech at 8, 22.05, 44.1 and 48 kHz to 16 kHz and
// compares with sox's "rate -v 16k" in the passband (below 0.9 × the lower Nyquist frequency), after
// aligning the two for delay. Both outputs are zero-delay, so the lag found must be 0.
func TestResampleAgainstSox(t *testing.T) {
	dev := devFiles(t)
	dir := t.TempDir()
	const out = 16000
	for _, rate := range []int{8000, 22050, 44100, 48000} {
		rate := rate
		inputs := []struct {
			name string
			make []string
		}{
			{"sweep", []string{"-n", "-r", fmt.Sprint(rate), "-b", "32", "-e", "floating-point", "SWEEP",
				"synth", "4", "sine", fmt.Sprintf("20-%d", rate/2), "vol", "0.5"}},
			{"speech", []string{dev[3], dev[90], "-r", fmt.Sprint(rate), "-b", "32", "-e", "floating-point", "SWEEP",
				"rate", "-v"}},
		}
		for _, in := range inputs {
			in := in
			t.Run(fmt.Sprintf("%s-%d", in.name, rate), func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(dir, fmt.Sprintf("%s-%d.wav", in.name, rate))
				args := append([]string{}, in.make...)
				for i, a := range args {
					if a == "SWEEP" {
						args[i] = path
					}
				}
				runSox(t, args...)
				ref := soxFloat(t, nil, []string{path}, "rate", "-v", "16k")
				s, err := audio.OpenFile(path, audio.Options{SampleRateHz: out})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				got := readStream(t, s)
				band := 0.9 * float64(min(rate, out)) / 2
				refLP, gotLP := lowPass(ref, out, band), lowPass(got, out, band)
				lag, snr := bestLag(refLP, gotLP, 4, 400)
				full := snrDB(ref, got, 0, 400)
				t.Logf("%s %d Hz → 16 kHz: SNR against sox rate -v %.1f dB below %.0f Hz (full band %.1f dB; lag %d; %d vs %d samples)",
					in.name, rate, snr, band, full, lag, len(got), len(ref))
				if lag != 0 {
					t.Errorf("best alignment at lag %d; want 0 (zero-delay resampler)", lag)
				}
				if snr < 60 {
					t.Errorf("SNR %.1f dB; want ≥ 60 dB", snr)
				}
				if d := len(got) - len(ref); d < -1 || d > 1 {
					t.Errorf("%d output samples; sox gives %d", len(got), len(ref))
				}
			})
		}
	}
}

// TestResamplerStreamingInvariance checks that the output does not depend on how the input is split.
func TestResamplerStreamingInvariance(t *testing.T) {
	in := make([]float32, 10000)
	for i := range in {
		in[i] = float32(math.Sin(float64(i)*0.05) + 0.3*math.Sin(float64(i)*1.3))
	}
	for _, rates := range [][2]int{{44100, 16000}, {8000, 16000}, {48000, 16000}, {16000, 44100}, {44056, 16000}} {
		var outs [][]float32
		for _, block := range []int{1, 7, 160, 4096} {
			r, err := audio.NewResampler(rates[0], rates[1], audio.ResampleConfig{}, block)
			if err != nil {
				t.Fatal(err)
			}
			var got []float32
			buf := make([]float32, 333)
			for off := 0; off < len(in); {
				off += r.Push(in[off:min(off+block, len(in))])
				for n := r.Pull(buf); n > 0; n = r.Pull(buf) {
					got = append(got, buf[:n]...)
				}
			}
			r.Flush()
			for n := r.Pull(buf); n > 0; n = r.Pull(buf) {
				got = append(got, buf[:n]...)
			}
			if !r.Done() {
				t.Errorf("%v block %d: not Done after draining", rates, block)
			}
			l, m := r.Ratio()
			if want := (int64(len(in))*l + m - 1) / m; int64(len(got)) != want {
				t.Errorf("%v block %d: %d outputs; want %d", rates, block, len(got), want)
			}
			outs = append(outs, got)
		}
		for i := 1; i < len(outs); i++ {
			if j := firstDiff(outs[0], outs[i], 0); j >= 0 {
				t.Errorf("%v: output of block size #%d differs at %d", rates, i, j)
			}
		}
	}
}

// TestResamplerDCAndTone checks unit gain: a constant stays constant and a passband tone keeps its amplitude.
func TestResamplerDCAndTone(t *testing.T) {
	for _, rates := range [][2]int{{44100, 16000}, {8000, 16000}, {22050, 16000}, {44056, 16000}} {
		r, err := audio.NewResampler(rates[0], rates[1], audio.ResampleConfig{}, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		n := rates[0] // one second
		in := make([]float32, n)
		for i := range in {
			in[i] = 0.5
		}
		r.Push(in)
		out := make([]float32, 2*rates[1])
		got := r.Pull(out)
		for i := r.Taps(); i < got-r.Taps(); i++ {
			if math.Abs(float64(out[i])-0.5) > 1e-4 {
				t.Fatalf("%v: DC output[%d] = %g; want 0.5", rates, i, out[i])
			}
		}
	}
}
