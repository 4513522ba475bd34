package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDot checks the dispatching dot product (AVX2 where available) against a float64 reference for
// every length up to 300, at unaligned offsets.
func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	buf := make([]float32, 700)
	for i := range buf {
		buf[i] = rng.Float32()*2 - 1
	}
	t.Logf("AVX2+FMA: %v", hasAVX2FMA)
	for n := 0; n <= 300; n++ {
		for _, off := range []int{0, 1, 3} {
			a, x := buf[off:off+n], buf[350+off:]
			var want, mag float64
			for i := range a {
				want += float64(a[i]) * float64(x[i])
				mag += math.Abs(float64(a[i]) * float64(x[i]))
			}
			for name, got := range map[string]float32{"dot": dot(a, x), "dotGeneric": dotGeneric(a, x)} {
				if d := math.Abs(float64(got) - want); d > 1e-6*mag+1e-30 {
					t.Fatalf("%s(n=%d, off=%d) = %g; want %g (|Σ|ab|| %g)", name, n, off, got, want, mag)
				}
			}
		}
	}
}

func BenchmarkDot278(b *testing.B) {
	a, x := make([]float32, 278), make([]float32, 300)
	var s float32
	for b.Loop() {
		s += dot(a, x)
	}
	_ = s
}

func BenchmarkDotGeneric278(b *testing.B) {
	a, x := make([]float32, 278), make([]float32, 300)
	var s float32
	for b.Loop() {
		s += dotGeneric(a, x)
	}
	_ = s
}
