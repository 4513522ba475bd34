package audio

import (
	"fmt"
	"math"
	"sync"
)

// ResampleConfig sets the quality of a Resampler. The zero value selects the defaults.
type ResampleConfig struct {
	// Bandwidth is the passband edge as a fraction of the lower of the two Nyquist frequencies
	// (min(in, out)/2). The response is flat to within the stopband ripple below it and reaches the full
	// stopband attenuation at that Nyquist frequency, so nothing aliases. Default 0.9 (7.2 kHz at 16 kHz,
	// above the 6.855 kHz upper edge of Sphinx's 16 kHz filter bank). Valid range [0.5, 0.99].
	Bandwidth float64
	// StopbandAttenuationDB is the attenuation of the stopband, and so the passband ripple
	// (20 log10 of ripple = -StopbandAttenuationDB). Default 80. Valid range [40, 180].
	StopbandAttenuationDB float64
}

// DefaultResampleConfig returns the defaults: Bandwidth 0.9, StopbandAttenuationDB 80.
func DefaultResampleConfig() ResampleConfig {
	return ResampleConfig{Bandwidth: 0.9, StopbandAttenuationDB: 80}
}

func (c ResampleConfig) withDefaults() ResampleConfig {
	d := DefaultResampleConfig()
	if c.Bandwidth == 0 {
		c.Bandwidth = d.Bandwidth
	}
	if c.StopbandAttenuationDB == 0 {
		c.StopbandAttenuationDB = d.StopbandAttenuationDB
	}
	return c
}

// Validate reports whether c (after defaults) is in range.
func (c ResampleConfig) Validate() error {
	c = c.withDefaults()
	if !(c.Bandwidth >= 0.5 && c.Bandwidth <= 0.99) {
		return fmt.Errorf("audio: resample bandwidth %g outside [0.5, 0.99]", c.Bandwidth)
	}
	if !(c.StopbandAttenuationDB >= 40 && c.StopbandAttenuationDB <= 180) {
		return fmt.Errorf("audio: resample stopband attenuation %g dB outside [40, 180]", c.StopbandAttenuationDB)
	}
	return nil
}

// maxExactPhases is the largest up-sampling factor L (output rate / gcd of the rates) for which a
// Resampler stores one filter per phase; above it, it stores maxExactPhases+1 phases and interpolates
// linearly between neighbours (error far below the stopband ripple).
const maxExactPhases = 1024

// Resampler converts mono float32 samples from one rate to another with a windowed-sinc (Kaiser window)
// low-pass filter evaluated in polyphase form: output sample n is at input time n·in/out exactly (zero
// delay: the filter's group delay is compensated by starting on K/2-1 zeros and flushing K/2 zeros at the
// end), and is the dot product of K input samples with one of L precomputed phases of the filter, where
// out/in = L/M in lowest terms and K ≈ (A-8)/(2.285·2π·Δf/in) for stopband attenuation A dB and
// transition width Δf = (1-Bandwidth)·min(in,out)/2.
//
// Memory: the filter table (min(L, 1025) × K float32: 176 KiB for 44.1 → 16 kHz at the defaults, at most
// about 10 MiB for pathological rate pairs near MaxSampleRateHz), read-only and shared through a cache of
// at most 16 tables by every Resampler with the same rates and config, and an input buffer of 2K + block
// samples; both are fixed at construction, and Push and Pull allocate nothing.
// A Resampler is not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	l, m            int64 // out/in = l/m in lowest terms
	mq, mr          int   // m = mq*l + mr
	k               int   // taps per phase (even)
	phases          int   // rows in coef: l when exact, maxExactPhases+1 when interpolating
	exact           bool
	coef            []float32 // phases × k, row p = filter phase p/phases (or p/l)
	buf             []float32 // input history and new input
	n               int       // valid samples in buf
	i               int       // buf index of the input sample at or before the next output's time
	ph              int64     // phase of the next output, in [0, l): its time is i + ph/l
	inTotal         int64
	outTotal        int64
	outLimit        int64 // after Flush: outputs the input yields, ceil(inTotal·l/m)
	flushed         bool
	block           int
}

// NewResampler returns a resampler from inRateHz to outRateHz whose Push accepts up to block samples at
// a time without an intervening Pull (block ≥ 1).
func NewResampler(inRateHz, outRateHz int, cfg ResampleConfig, block int) (*Resampler, error) {
	if inRateHz <= 0 || outRateHz <= 0 || inRateHz > MaxSampleRateHz || outRateHz > MaxSampleRateHz {
		return nil, fmt.Errorf("audio: resample %d Hz to %d Hz: rates must be in 1..%d", inRateHz, outRateHz, MaxSampleRateHz)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if block < 1 {
		return nil, fmt.Errorf("audio: resampler block %d < 1", block)
	}
	cfg = cfg.withDefaults()
	g := gcd(inRateHz, outRateHz)
	r := &Resampler{inRate: inRateHz, outRate: outRateHz, l: int64(outRateHz / g), m: int64(inRateHz / g), block: block}
	r.mq, r.mr = int(r.m/r.l), int(r.m%r.l)

	t := filterFor(filterKey{l: r.l, m: r.m, inRate: inRateHz, outRate: outRateHz, bw: cfg.Bandwidth, atten: cfg.StopbandAttenuationDB})
	r.k, r.phases, r.exact, r.coef = t.k, t.phases, t.exact, t.coef
	k := r.k
	r.buf = make([]float32, 2*k+block)
	r.Reset()
	return r, nil
}

// filterKey identifies a filter table; tables are immutable and shared by every Resampler with the key.
type filterKey struct {
	l, m            int64
	inRate, outRate int
	bw, atten       float64
}

type filterTable struct {
	k, phases int
	exact     bool
	coef      []float32
}

// The filter cache keeps at most maxCachedFilters tables (a few hundred KiB each at the defaults), so
// that opening a stream at a common rate costs no filter design; it is emptied when full.
const maxCachedFilters = 16

var filterCache struct {
	sync.Mutex
	m map[filterKey]*filterTable
}

func filterFor(key filterKey) *filterTable {
	filterCache.Lock()
	t := filterCache.m[key]
	filterCache.Unlock()
	if t != nil {
		return t
	}
	t = designFilter(key)
	filterCache.Lock()
	if filterCache.m == nil || len(filterCache.m) >= maxCachedFilters {
		filterCache.m = make(map[filterKey]*filterTable)
	}
	filterCache.m[key] = t
	filterCache.Unlock()
	return t
}

// designFilter computes the polyphase table of a Kaiser-windowed sinc low-pass filter.
func designFilter(key filterKey) *filterTable {
	inRateHz, outRateHz := key.inRate, key.outRate
	r := &filterTable{}
	nyq := float64(min(inRateHz, outRateHz)) / 2
	fin := float64(inRateHz)
	cutoff := (1 + key.bw) / 2 * nyq / fin // cycles per input sample
	dw := 2 * math.Pi * (1 - key.bw) * nyq / fin
	a := key.atten
	k := int(math.Ceil((a-7.95)/(2.285*dw))) + 1
	k += k & 1
	k = max(k, 4)
	r.k = k
	beta := 0.1102 * (a - 8.7)
	if a < 50 {
		beta = 0.5842*math.Pow(a-21, 0.4) + 0.07886*(a-21)
	}
	r.exact = key.l <= maxExactPhases
	if r.exact {
		r.phases = int(key.l)
	} else {
		r.phases = maxExactPhases + 1
	}
	r.coef = make([]float32, r.phases*k)
	i0b := besselI0(beta)
	half := float64(k / 2)
	vals := make([]float64, k)
	for p := 0; p < r.phases; p++ {
		var frac float64
		if r.exact {
			frac = float64(p) / float64(key.l)
		} else {
			frac = float64(p) / maxExactPhases
		}
		row := r.coef[p*k : (p+1)*k]
		var sum float64
		clear(vals)
		for j := range row {
			tau := frac + half - 1 - float64(j) // time of output minus time of input tap j, in input samples
			if math.Abs(tau) >= half {
				continue
			}
			x := 2 * cutoff * tau
			s := 2 * cutoff
			if x != 0 {
				s = 2 * cutoff * math.Sin(math.Pi*x) / (math.Pi * x)
			}
			t := tau / half
			w := besselI0(beta*math.Sqrt(1-t*t)) / i0b
			vals[j] = s * w
			sum += vals[j]
		}
		for j := range row {
			row[j] = float32(vals[j] / sum) // unit gain at DC in every phase
		}
	}
	return r
}

// Reset returns r to its state after construction, keeping its tables and buffers.
func (r *Resampler) Reset() {
	h := r.k/2 - 1
	clear(r.buf[:h])
	r.n, r.i, r.ph = h, h, 0
	r.inTotal, r.outTotal, r.outLimit, r.flushed = 0, 0, 0, false
}

// Taps returns K, the number of input samples that each output sample weighs.
func (r *Resampler) Taps() int { return r.k }

// Ratio returns L and M: the resampler makes L output samples for every M input samples.
func (r *Resampler) Ratio() (l, m int64) { return r.l, r.m }

func (r *Resampler) compact() {
	lo := r.i - r.k/2 + 1 // first sample the next output needs
	if lo <= 0 {
		return
	}
	lo = min(lo, r.n)
	r.n = copy(r.buf, r.buf[lo:r.n])
	r.i -= lo
}

// Push appends input samples and returns how many it took: all of src when len(src) ≤ block and the
// pending output was pulled. It must not be called after Flush.
func (r *Resampler) Push(src []float32) int {
	if r.flushed {
		return 0
	}
	if len(r.buf)-r.n < len(src) {
		r.compact()
	}
	c := copy(r.buf[r.n:], src)
	r.n += c
	r.inTotal += int64(c)
	return c
}

// Flush marks the end of the input: the next Pulls return the last outputs, computed against zeros past
// the end, until Pending is 0 and Done reports true.
func (r *Resampler) Flush() {
	if r.flushed {
		return
	}
	r.flushed = true
	r.compact()
	z := r.k / 2
	clear(r.buf[r.n : r.n+z])
	r.n += z
	r.outLimit = (r.inTotal*r.l + r.m - 1) / r.m
}

// Done reports whether every output of a flushed input has been pulled.
func (r *Resampler) Done() bool { return r.flushed && r.outTotal >= r.outLimit }

// Pull writes the output samples that the input pushed so far determines, up to len(dst), and returns
// their number.
func (r *Resampler) Pull(dst []float32) int {
	k, h := r.k, r.k/2
	n := 0
	for n < len(dst) && r.i+h < r.n {
		if r.flushed && r.outTotal >= r.outLimit {
			break
		}
		x := r.buf[r.i-h+1 : r.i+h+1]
		if r.exact {
			p := int(r.ph) * k
			dst[n] = dot(r.coef[p:p+k], x)
		} else {
			pos := r.ph * maxExactPhases
			p := int(pos/r.l) * k
			f := float32(pos%r.l) / float32(r.l)
			a := dot(r.coef[p:p+k], x)
			b := dot(r.coef[p+k:p+2*k], x)
			dst[n] = a + f*(b-a)
		}
		n++
		r.outTotal++
		r.i += r.mq
		r.ph += int64(r.mr)
		if r.ph >= r.l {
			r.ph -= r.l
			r.i++
		}
	}
	return n
}

// dotGeneric returns the dot product of a and x (len(x) ≥ len(a)), with four partial sums.
func dotGeneric(a, x []float32) float32 {
	x = x[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa := a[i : i+8 : i+8]
		xx := x[i : i+8 : i+8]
		s0 += aa[0]*xx[0] + aa[4]*xx[4]
		s1 += aa[1]*xx[1] + aa[5]*xx[5]
		s2 += aa[2]*xx[2] + aa[6]*xx[6]
		s3 += aa[3]*xx[3] + aa[7]*xx[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func besselI0(x float64) float64 {
	// Power series; converges quickly for the β ≤ 20 used here.
	sum, term := 1.0, 1.0
	for k := 1; k < 200; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
