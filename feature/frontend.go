package feature

import (
	"fmt"
	"math"
)

// logFloor is LOG_FLOOR of fe_sigproc.c, added to the mel power before the log.
const logFloor = 1e-4

// FrontEnd is sphinxbase's signal-processing front end (fe_t): 16-bit PCM in, NumCep cepstra per frame out,
// online. Per frame it applies dither (if asked), pre-emphasis with the prior sample carried across frames,
// optional DC removal, the Hamming window, a real FFT, the power spectrum, the mel filterbank, noise
// removal and the VAD decision (fe_track_snr), the log with floor, the DCT, the lifter and the VAD hangover
// that drops silence (fe_vad_hangover). The arithmetic follows Debian's float build (float64 signal, float32
// filter and DCT coefficients and output) so that its output matches sphinx_fe.
//
// Lifecycle: NewFrontEnd, then per utterance StartUtterance (implied for the first), Process as audio
// arrives, End, and Process(nil, …) until it returns no frames. StartStream also resets the noise
// statistics, which otherwise carry from one utterance to the next, as in sphinxbase.
//
// Memory: O(frame size + NFFT + (VADPrespeech+3)·NumCep), fixed at construction; Process allocates nothing.
// A FrontEnd is not safe for concurrent use.
type FrontEnd struct {
	cfg         Config
	ncep        int
	frameSize   int
	frameShift  int
	alpha       float64
	window      []float64 // first half of the symmetric Hamming window
	fft         *realFFT
	filtStart   []int // first FFT bin of each mel filter
	filtWidth   []int
	filtCoeffs  [][]float32
	melCos      [][]float32 // DCT basis, ncep × nfilt
	sqrtInvN    float32
	sqrtInv2N   float32
	lifter      []float32 // nil when -lifter 0
	noise       *noiseStats
	rng         *mt19937 // nil unless dither
	frame, spec []float64
	mfspec      []float64
	cep         []float32
	samples     []int16 // pending samples of the next frame, len frameSize
	raw         []int16 // the same samples before dither (only with dither)
	ndithered   int     // samples[:ndithered] are dithered
	nsamples    int
	prior       int16
	frameIndex  int // index of the next analysis frame in the utterance
	ended       bool
	inSpeech    bool
	preFrames   int
	postFrames  int
	prespeech   cepRing // frames held back before the speech onset
	out         cepRing // frames ready for the caller
}

// cepRing is a fixed-capacity FIFO of cepstral frames with their frame indices.
type cepRing struct {
	data       []float32
	pos        []int
	dim        int
	read, size int
}

func newCepRing(capacity, dim int) cepRing {
	return cepRing{data: make([]float32, capacity*dim), pos: make([]int, capacity), dim: dim}
}

func (r *cepRing) capacity() int { return len(r.pos) }

// push appends a frame, overwriting the oldest one when full.
func (r *cepRing) push(c []float32, pos int) {
	n := r.capacity()
	w := (r.read + r.size) % n
	copy(r.data[w*r.dim:(w+1)*r.dim], c)
	r.pos[w] = pos
	if r.size < n {
		r.size++
	} else {
		r.read = (r.read + 1) % n
	}
}

// pop removes the oldest frame into dst and returns its index.
func (r *cepRing) pop(dst []float32) int {
	copy(dst, r.data[r.read*r.dim:(r.read+1)*r.dim])
	p := r.pos[r.read]
	r.read = (r.read + 1) % r.capacity()
	r.size--
	return p
}

func (r *cepRing) reset() { r.read, r.size = 0, 0 }

// NewFrontEnd builds a front end for cfg. Only the front-end options are validated (the feature options,
// such as -ceplen, do not matter here).
func NewFrontEnd(cfg Config) (*FrontEnd, error) {
	if err := cfg.validateFrontEnd(); err != nil {
		return nil, err
	}
	f := &FrontEnd{
		cfg:        cfg,
		ncep:       cfg.NumCep,
		frameSize:  cfg.FrameSize(),
		frameShift: cfg.FrameShift(),
		alpha:      float64(cfg.Alpha),
		fft:        newRealFFT(cfg.NFFT),
		frame:      make([]float64, cfg.NFFT),
		spec:       make([]float64, cfg.NFFT/2),
		mfspec:     make([]float64, cfg.NFilt),
		cep:        make([]float32, cfg.NumCep),
	}
	f.samples = make([]int16, f.frameSize)
	f.window = make([]float64, f.frameSize/2)
	for i := range f.window {
		f.window[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/(float64(f.frameSize)-1.0))
	}
	if err := f.buildMelFilters(); err != nil {
		return nil, err
	}
	f.buildDCT()
	if cfg.RemoveNoise || cfg.RemoveSilence {
		f.noise = newNoiseStats(cfg.NFilt)
	}
	if cfg.Dither {
		f.rng = newMT19937(uint32(cfg.Seed))
		f.raw = make([]int16, f.frameSize)
	}
	f.prespeech = newCepRing(cfg.VADPrespeech+1, cfg.NumCep)
	f.out = newCepRing(cfg.VADPrespeech+3, cfg.NumCep)
	return f, nil
}

// Config returns the configuration the front end was built with.
func (f *FrontEnd) Config() Config { return f.cfg }

// Dim returns the number of cepstra per frame (NumCep).
func (f *FrontEnd) Dim() int { return f.ncep }

// FrameShift returns the frame shift in samples.
func (f *FrontEnd) FrameShift() int { return f.frameShift }

// FrameSize returns the analysis window in samples.
func (f *FrontEnd) FrameSize() int { return f.frameSize }

// melScale and melInverse are fe_mel and fe_melinv (no VTLN warping), in the C code's precision.
func melScale(x float32) float32 { return float32(2595.0 * math.Log10(1.0+float64(x)/700.0)) }
func melInverse(x float32) float32 {
	return float32(700.0 * (math.Pow(10.0, float64(x)/2595.0) - 1.0))
}

// buildMelFilters is fe_build_melfilters in float32, as the C code computes it.
func (f *FrontEnd) buildMelFilters() error {
	cfg := &f.cfg
	nfilt := cfg.NFilt
	melmin := melScale(cfg.LowerF)
	melmax := melScale(cfg.UpperF)
	melbw := (melmax - melmin) / float32(nfilt+1)
	if cfg.DoubleBW {
		melmin -= melbw
		melmax += melbw
		if melInverse(melmin) < 0 || melInverse(melmax) > cfg.SampleRate/2 {
			return fmt.Errorf("%w: double-bandwidth filters reach outside 0..samprate/2", ErrConfig)
		}
	}
	fftfreq := cfg.SampleRate / float32(cfg.NFFT)
	f.filtStart = make([]int, nfilt)
	f.filtWidth = make([]int, nfilt)
	f.filtCoeffs = make([][]float32, nfilt)
	for i := range nfilt {
		var freqs [3]float32
		for j := range 3 {
			k := i + j
			if cfg.DoubleBW {
				k = i + 2*j
			}
			freqs[j] = melInverse(float32(float32(k)*melbw) + melmin)
			if cfg.RoundFilters {
				freqs[j] = float32(int(float64(freqs[j]/fftfreq)+0.5)) * fftfreq
			}
		}
		start := -1
		width := 0
		for j := 0; j <= cfg.NFFT/2; j++ {
			hz := float32(j) * fftfreq
			if hz < freqs[0] {
				continue
			}
			if hz > freqs[2] || j == cfg.NFFT/2 {
				width = j - start
				break
			}
			if start == -1 {
				start = j
			}
		}
		if start < 0 || width <= 0 {
			return fmt.Errorf("%w: mel filter %d (%g..%g Hz) covers no FFT bin", ErrConfig, i, freqs[0], freqs[2])
		}
		f.filtStart[i], f.filtWidth[i] = start, width
		coeffs := make([]float32, width)
		for j := range width {
			hz := float32(start+j) * fftfreq
			lo := (hz - freqs[0]) / (freqs[1] - freqs[0])
			hi := (freqs[2] - hz) / (freqs[2] - freqs[1])
			if cfg.UnitArea {
				lo *= 2 / (freqs[2] - freqs[0])
				hi *= 2 / (freqs[2] - freqs[0])
			}
			if lo < hi {
				coeffs[j] = lo
			} else {
				coeffs[j] = hi
			}
		}
		f.filtCoeffs[i] = coeffs
	}
	return nil
}

// buildDCT is fe_compute_melcosine.
func (f *FrontEnd) buildDCT() {
	nfilt := f.cfg.NFilt
	freqstep := math.Pi / float64(nfilt)
	f.melCos = make([][]float32, f.ncep)
	for i := range f.ncep {
		row := make([]float32, nfilt)
		for j := range nfilt {
			row[j] = float32(math.Cos(freqstep * float64(i) * (float64(j) + 0.5)))
		}
		f.melCos[i] = row
	}
	f.sqrtInvN = float32(math.Sqrt(1.0 / float64(nfilt)))
	f.sqrtInv2N = float32(math.Sqrt(2.0 / float64(nfilt)))
	if L := f.cfg.Lifter; L > 0 {
		f.lifter = make([]float32, f.ncep)
		for i := range f.lifter {
			f.lifter[i] = float32(1 + float64(L/2)*math.Sin(float64(i)*math.Pi/float64(L)))
		}
	}
}

// StartStream starts a new audio stream: StartUtterance, and the noise statistics are reset
// (fe_start_stream + fe_start_utt).
func (f *FrontEnd) StartStream() {
	if f.noise != nil {
		f.noise.undefined = true
	}
	f.StartUtterance()
}

// StartUtterance discards pending samples and frames and resets the pre-emphasis prior and the VAD state
// (fe_start_utt). Noise statistics carry over.
func (f *FrontEnd) StartUtterance() {
	f.nsamples = 0
	f.ndithered = 0
	f.prior = 0
	f.frameIndex = 0
	f.ended = false
	f.inSpeech = false
	f.preFrames, f.postFrames = 0, 0
	f.prespeech.reset()
	f.out.reset()
}

// InSpeech reports the VAD state after the last analysed frame (fe_get_vad_state).
func (f *FrontEnd) InSpeech() bool { return f.inSpeech }

// Process consumes samples from pcm and writes cepstral frames of Dim() float32s each, row-major, into dst
// until dst has no room for another frame or pcm is used up. It returns the number of samples consumed and
// frames written; call again with pcm[nSamples:] when dst filled up. If pos is not nil (len ≥ len(dst)/Dim()),
// pos[i] receives the index of the analysis frame that output frame i came from, counted from the start of
// the utterance in frame shifts: with -remove_silence, dropped frames leave gaps. Frames never alias
// internal storage. Process allocates nothing.
func (f *FrontEnd) Process(pcm []int16, dst []float32, pos []int) (nSamples, nFrames int) {
	for (nFrames+1)*f.ncep <= len(dst) {
		if f.out.size > 0 {
			p := f.out.pop(dst[nFrames*f.ncep : (nFrames+1)*f.ncep])
			if pos != nil {
				pos[nFrames] = p
			}
			nFrames++
			continue
		}
		if f.ended || nSamples == len(pcm) {
			break
		}
		n := copy(f.samples[f.nsamples:], pcm[nSamples:])
		if f.rng != nil {
			copy(f.raw[f.nsamples:], pcm[nSamples:nSamples+n])
		}
		f.nsamples += n
		nSamples += n
		if f.nsamples < f.frameSize {
			break
		}
		if f.rng != nil { // dither the samples new to this frame, in order
			f.dither(f.samples[f.ndithered:f.frameSize])
			f.ndithered = f.frameSize - f.frameShift
		}
		f.analyse(f.frameSize, false)
		copy(f.samples, f.samples[f.frameShift:])
		if f.rng != nil {
			copy(f.raw, f.raw[f.frameShift:])
		}
		f.nsamples -= f.frameShift
	}
	return nSamples, nFrames
}

// End marks the end of the utterance: the pending samples (the overlap of the last frame plus any samples
// after it) are analysed as one final zero-padded frame, as fe_end_utt does. Further calls to Process take
// no samples and return the frames still queued; StartUtterance begins the next utterance.
func (f *FrontEnd) End() {
	if f.ended {
		return
	}
	f.ended = true
	if f.nsamples > 0 {
		if f.rng != nil { // fe_end_utt re-reads the undithered overflow samples and dithers them afresh
			copy(f.samples, f.raw[:f.nsamples])
			f.dither(f.samples[:f.nsamples])
		}
		f.analyse(f.nsamples, true)
		f.nsamples, f.ndithered = 0, 0
	}
}

// Pending reports whether frames are queued for output.
func (f *FrontEnd) Pending() bool { return f.out.size > 0 }

// dither adds 1 to each sample with probability 1/4 (fe_read_frame: !(s3_rand_int31()%4)), wrapping at
// int16 overflow as the C code does, drawing from the same Mersenne Twister seeded with -seed. Samples are
// dithered once, in order, when they first enter a full frame, and the final partial frame is dithered
// afresh (fe_end_utt). That is
// exactly what sphinxbase does when it gets the whole utterance in one call (pocketsphinx_batch -adcin,
// sphinx_fe with a -blocksize larger than the file). With smaller blocks sphinxbase re-dithers the overlap
// whenever it rebuilds a frame from its block buffer, so which random number meets which sample depends on
// the caller's block size there.
func (f *FrontEnd) dither(s []int16) {
	for i := range s {
		if (f.rng.uint32()>>1)%4 == 0 {
			s[i]++
		}
	}
}

// analyse computes the cepstrum of f.samples[:n] (n < frameSize only for the final frame) and runs the
// VAD hangover, queueing output frames. This is fe_read_frame/fe_shift_frame + fe_write_frame.
func (f *FrontEnd) analyse(n int, final bool) {
	frame := f.frame
	s := f.samples[:n]
	// Pre-emphasis (fe_pre_emphasis); the prior of the next frame is the sample before its start.
	if f.cfg.Alpha != 0 {
		a := float64(float32(f.alpha))
		frame[0] = float64(s[0]) - float64(f.prior)*a
		for i := 1; i < n; i++ {
			frame[i] = float64(s[i]) - float64(s[i-1])*a
		}
		if n >= f.frameShift {
			f.prior = s[f.frameShift-1]
		} else {
			f.prior = s[n-1]
		}
	} else {
		for i, v := range s {
			frame[i] = float64(v)
		}
	}
	clear(frame[n:])
	size := f.frameSize
	if f.cfg.RemoveDC {
		mean := 0.0
		for _, v := range frame[:size] {
			mean += v
		}
		mean /= float64(size)
		for i := range frame[:size] {
			frame[i] -= mean
		}
	}
	for i, w := range f.window {
		frame[i] *= w
		frame[size-1-i] *= w
	}
	f.fft.PowerSpectrum(frame, f.spec)
	// Mel filterbank (fe_mel_spec).
	for i, coeffs := range f.filtCoeffs {
		sp := f.spec[f.filtStart[i] : f.filtStart[i]+len(coeffs)]
		acc := 0.0
		for j, c := range coeffs {
			acc += sp[j] * float64(c)
		}
		f.mfspec[i] = acc
	}
	speech := true
	if f.noise != nil {
		speech = f.noise.trackSNR(f.mfspec, f.cfg.RemoveNoise, f.cfg.RemoveSilence, f.cfg.VADThreshold)
	}
	f.melCep()
	idx := f.frameIndex
	f.frameIndex++
	f.hangover(speech, idx, final)
}

// melCep is fe_mel_cep + fe_lifter: log with floor, DCT, lifter, into f.cep.
func (f *FrontEnd) melCep() {
	ls := f.mfspec
	for i, m := range ls {
		ls[i] = math.Log(m + logFloor)
	}
	cep := f.cep
	switch f.cfg.Transform {
	case "legacy": // fe_spec2cep
		acc := float32(ls[0] / 2)
		for _, v := range ls[1:] {
			acc = float32(float64(acc) + v)
		}
		cep[0] = float32(float64(acc) / float64(len(ls)))
		for i := 1; i < f.ncep; i++ {
			row := f.melCos[i]
			acc := float32(0)
			for j, v := range ls {
				beta := 2.0
				if j == 0 {
					beta = 1.0
				}
				acc = float32(float64(acc) + v*float64(row[j])*beta)
			}
			cep[i] = float32(float64(acc) / (float64(len(ls)) * 2))
		}
	default: // fe_dct2, htk or not
		acc := float32(ls[0])
		for _, v := range ls[1:] {
			acc = float32(float64(acc) + v)
		}
		if f.cfg.Transform == "htk" {
			cep[0] = acc * f.sqrtInv2N
		} else {
			cep[0] = acc * f.sqrtInvN
		}
		for i := 1; i < f.ncep; i++ {
			row := f.melCos[i]
			acc := float32(0)
			for j, v := range ls {
				acc = float32(float64(acc) + v*float64(row[j]))
			}
			cep[i] = acc * f.sqrtInv2N
		}
	}
	if f.lifter != nil {
		for i, w := range f.lifter {
			cep[i] *= w
		}
	}
}

// hangover is fe_vad_hangover followed by the output logic of fe_process_frames (fe_check_prespeech) or,
// for the final frame, of fe_end_utt.
func (f *FrontEnd) hangover(speech bool, idx int, final bool) {
	if !f.inSpeech {
		f.prespeech.push(f.cep, idx)
	}
	if speech {
		f.postFrames = 0
		if !f.inSpeech {
			f.preFrames++
			if f.preFrames >= f.cfg.VADStartspeech {
				f.preFrames = 0
				f.inSpeech = true
			}
		}
	} else {
		f.preFrames = 0
		if f.inSpeech {
			f.postFrames++
			if f.postFrames >= f.cfg.VADPostspeech {
				f.postFrames = 0
				f.inSpeech = false
				f.prespeech.reset()
			}
		}
	}
	if !f.inSpeech {
		return
	}
	if final {
		// fe_end_utt returns just this frame, even when it was the one that started speech.
		f.out.push(f.cep, idx)
		return
	}
	if f.prespeech.size > 0 {
		for f.prespeech.size > 0 {
			p := f.prespeech.pop(f.cep)
			f.out.push(f.cep, p)
		}
		return
	}
	f.out.push(f.cep, idx)
}
