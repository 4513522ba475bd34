package audio

// The resampler's inner product runs on AVX2 with FMA when the processor and OS support them (eight
// float32 lanes, four accumulators); otherwise on the portable dotGeneric. The two differ only in
// rounding (fused multiply-add and summation order), far below the 80 dB design ripple.

//go:noescape
func dotAVX2(a, x *float32, n int) float32

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether AVX2 and FMA instructions can be used: CPUID says so and the OS saves the
// YMM registers (XCR0 bits 1 and 2).
var hasAVX2FMA = func() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&fma == 0 || ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}()

// dot returns the inner product of a and x[:len(a)] (len(x) ≥ len(a)).
func dot(a, x []float32) float32 {
	if hasAVX2FMA && len(a) > 0 {
		_ = x[len(a)-1]
		return dotAVX2(&a[0], &x[0], len(a))
	}
	return dotGeneric(a, x)
}
