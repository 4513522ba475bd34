package feature

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPowerSpectrumMatchesDFT compares the FFT with a direct O(n²) DFT for every size up to 1024.
func TestPowerSpectrumMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 2; n <= 1024; n *= 2 {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64() * 1000
		}
		got := make([]float64, n/2)
		newRealFFT(n).PowerSpectrum(x, got)
		for k := range n / 2 {
			var re, im float64
			for j, v := range x {
				a := 2 * math.Pi * float64(j*k%n) / float64(n)
				re += v * math.Cos(a)
				im -= v * math.Sin(a)
			}
			want := re*re + im*im
			if math.Abs(got[k]-want) > 1e-9*math.Max(1, want)+1e-6 {
				t.Fatalf("n=%d: |X[%d]|² = %g; DFT gives %g", n, k, got[k], want)
			}
		}
	}
}

// TestMT19937 checks the generator against the reference output of init_genrand(5489) (mt19937ar.c).
func TestMT19937(t *testing.T) {
	r := newMT19937(5489)
	want := []uint32{3499211612, 581869302, 3890346734, 3586334585, 545404204}
	for i, w := range want {
		if got := r.uint32(); got != w {
			t.Fatalf("output %d = %d; want %d", i, got, w)
		}
	}
	for range 9994 {
		r.uint32()
	}
	if got := r.uint32(); got != 4123659995 {
		t.Fatalf("10000th output = %d; want 4123659995", got)
	}
}
