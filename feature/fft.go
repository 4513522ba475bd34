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
	cosSp  []float64 // cos(2πk/n), k ≤ half/2: twiddles of the split step
	sinSp  []float64 // sin(2πk/n)
	re, im []float64 // work arrays of len half
	// stageTw holds, for each stage of size 4, 8, ..., half, the twiddles e^(−2πij/size), j < size/2:
	// the real parts, then the imaginary parts.
	stageTw []float64
}

func newRealFFT(n int) *realFFT {
	half := n / 2
	f := &realFFT{n: n, half: half,
		rev: make([]int, half), cosSp: make([]float64, half/2+1), sinSp: make([]float64, half/2+1),
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
		a := 2 * math.Pi * float64(k) / float64(n)
		f.cosSp[k], f.sinSp[k] = math.Cos(a), math.Sin(a)
	}
	for size := 4; size <= half; size <<= 1 {
		hs := size / 2
		for j := range hs {
			f.stageTw = append(f.stageTw, math.Cos(2*math.Pi*float64(j)/float64(size)))
		}
		for j := range hs {
			f.stageTw = append(f.stageTw, -math.Sin(2*math.Pi*float64(j)/float64(size)))
		}
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
	// Iterative radix-2 decimation in time, forward sign e^(−iθ). The first two stages (twiddles 1 and −i)
	// are fused into one pass of radix-4 butterflies without multiplications.
	if half >= 4 {
		for j := 0; j+3 < half; j += 4 {
			r := re[j : j+4 : j+4]
			m := im[j : j+4 : j+4]
			ar, ai := r[0]+r[1], m[0]+m[1]
			br, bi := r[0]-r[1], m[0]-m[1]
			cr, ci := r[2]+r[3], m[2]+m[3]
			dr, di := r[2]-r[3], m[2]-m[3]
			r[0], m[0] = ar+cr, ai+ci
			r[2], m[2] = ar-cr, ai-ci
			r[1], m[1] = br+di, bi-dr // b + (−i)·d
			r[3], m[3] = br-di, bi+dr // b − (−i)·d
		}
	} else {
		for j := 0; j+1 < half; j += 2 {
			ar, ai, br, bi := re[j], im[j], re[j+1], im[j+1]
			re[j], im[j], re[j+1], im[j+1] = ar+br, ai+bi, ar-br, ai-bi
		}
	}
	tw := f.stageTw
	for size := 4; size <= half; size <<= 1 {
		hs := size >> 1
		wr, wi := tw[:hs], tw[hs:2*hs]
		tw = tw[2*hs:]
		if size == 4 {
			continue // done in the fused pass
		}
		for start := 0; start < half; start += size {
			ar, ai := re[start:start+hs], im[start:start+hs]
			br, bi := re[start+hs:start+size], im[start+hs:start+size]
			br, bi = br[:len(ar)], bi[:len(ar)]
			ai = ai[:len(ar)]
			for j := range ar {
				c, s := wr[j], wi[j]
				tr := br[j]*c - bi[j]*s
				ti := br[j]*s + bi[j]*c
				xr, xi := ar[j], ai[j]
				br[j], bi[j] = xr-tr, xi-ti
				ar[j], ai[j] = xr+tr, xi+ti
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
