package feature

import "math"

// realFFT computes power spectra of real frames of n = 2^k samples with an n/2-point complex radix-2 FFT
// and the usual split step. All tables are built once; PowerSpectrum allocates nothing.
//
// Memory: O(n) float64s, fixed at construction.
type realFFT struct {
	n      int
	half   int
	rev    []int     // bit-reversal permutation of 0..half-1
	cosTw  []float64 // cos(2πk/half), k < half/2: twiddles of the complex FFT
	sinTw  []float64 // sin(2πk/half)
	cosSp  []float64 // cos(2πk/n), k ≤ half/2: twiddles of the split step
	sinSp  []float64 // sin(2πk/n)
	re, im []float64 // work arrays of len half
}

func newRealFFT(n int) *realFFT {
	half := n / 2
	f := &realFFT{n: n, half: half,
		rev: make([]int, half), cosTw: make([]float64, half/2+1), sinTw: make([]float64, half/2+1),
		cosSp: make([]float64, half/2+1), sinSp: make([]float64, half/2+1),
		re: make([]float64, half), im: make([]float64, half)}
	bits := 0
	for 1<<bits < half {
		bits++
	}
	for i := range half {
		r := 0
		for b := range bits {
			if i&(1<<b) != 0 {
				r |= 1 << (bits - 1 - b)
			}
		}
		f.rev[i] = r
	}
	for k := 0; k <= half/2; k++ {
		if half > 0 {
			a := 2 * math.Pi * float64(k) / float64(half)
			f.cosTw[k], f.sinTw[k] = math.Cos(a), math.Sin(a)
		}
		a := 2 * math.Pi * float64(k) / float64(n)
		f.cosSp[k], f.sinSp[k] = math.Cos(a), math.Sin(a)
	}
	return f
}

// PowerSpectrum writes |X[k]|², k = 0..n/2−1, of the unnormalised DFT X[k] = Σ x[j]·e^(−2πijk/n) of x
// (len n) into spec (len ≥ n/2). Bin n/2 is not computed: sphinxbase's mel filters never reach it.
func (f *realFFT) PowerSpectrum(x []float64, spec []float64) {
	half := f.half
	re, im := f.re[:half], f.im[:half]
	x = x[:2*half]
	if half == 1 {
		spec[0] = (x[0] + x[1]) * (x[0] + x[1])
		return
	}
	// Pack even samples into the real part and odd samples into the imaginary part, bit-reversed.
	for i, r := range f.rev {
		re[r] = x[2*i]
		im[r] = x[2*i+1]
	}
	// Iterative radix-2 decimation in time, forward sign e^(−iθ).
	for size := 2; size <= half; size <<= 1 {
		hs := size >> 1
		step := half / size
		for start := 0; start < half; start += size {
			k := 0
			for j := start; j < start+hs; j++ {
				wr, wi := f.cosTw[k], -f.sinTw[k] // k < half/2 here
				l := j + hs
				tr := re[l]*wr - im[l]*wi
				ti := re[l]*wi + im[l]*wr
				re[l], im[l] = re[j]-tr, im[j]-ti
				re[j], im[j] = re[j]+tr, im[j]+ti
				k += step
			}
		}
	}
	// Split: X[k] = E[k] + e^(−2πik/n)·O[k], with E[k] = (Z[k]+conj Z[h−k])/2, O[k] = (Z[k]−conj Z[h−k])/(2i).
	spec[0] = (re[0] + im[0]) * (re[0] + im[0])
	for k := 1; k < half; k++ {
		zr, zi := re[k], im[k]
		cr, ci := re[half-k], -im[half-k]
		er, ei := 0.5*(zr+cr), 0.5*(zi+ci)
		// (a+ib)/(2i) = (b − ia)/2
		dr, di := zr-cr, zi-ci
		or, oi := 0.5*di, -0.5*dr
		var wr, wi float64
		if k <= half/2 {
			wr, wi = f.cosSp[k], -f.sinSp[k]
		} else { // angle 2πk/n = π/2 + 2π(k−h/2)/n: cos = −sin(·), sin = cos(·)
			wr, wi = -f.sinSp[k-half/2], -f.cosSp[k-half/2]
		}
		xr := er + or*wr - oi*wi
		xi := ei + or*wi + oi*wr
		spec[k] = xr*xr + xi*xi
	}
}
