package feature

import "math"

// Constants of sphinxbase fe_noise.c.
const (
	smoothWindow          = 4
	lambdaPower           = 0.7
	lambdaA               = 0.995
	lambdaB               = 0.5
	lambdaT               = 0.85
	muT                   = 0.2
	maxGain               = 20.0
	slowPeakForgetFactor  = 0.9995
	slowPeakLearnFactor   = 0.9
	speechVolumeRangeLogE = 8.0
)

// noiseStats is fe_noise.c's noise_stats_t: the state of spectral-subtraction noise removal and of the
// energy-based voice activity decision, carried across frames and utterances of a stream (reset by
// FrontEnd.StartStream). Memory: 6·nfilt float64s.
type noiseStats struct {
	power, noise, floor, peak []float64
	signal, gain              []float64 // per-frame scratch
	undefined                 bool
	slowPeakSum               float64
}

// The complements are computed in float64 at run time, as the C code does (1 − 0.7 in float64 is not the
// float64 nearest 0.3, which Go's exact constant arithmetic would give).
var (
	lambdaPowerF, lambdaAF, lambdaBF = float64(lambdaPower), float64(lambdaA), float64(lambdaB)
	compLambdaPower                  = 1 - lambdaPowerF
	compLambdaA                      = 1 - lambdaAF
	compLambdaB                      = 1 - lambdaBF
)

func newNoiseStats(nfilt int) *noiseStats {
	return &noiseStats{
		power: make([]float64, nfilt), noise: make([]float64, nfilt),
		floor: make([]float64, nfilt), peak: make([]float64, nfilt),
		signal: make([]float64, nfilt), gain: make([]float64, nfilt),
		undefined: true,
	}
}

func lowerEnvelope(buf, floor []float64) {
	for i, b := range buf {
		if b >= floor[i] {
			floor[i] = lambdaAF*floor[i] + compLambdaA*b
		} else {
			floor[i] = lambdaBF*floor[i] + compLambdaB*b
		}
	}
}

// trackSNR is fe_track_snr: it updates the noise estimate from the mel power spectrum mfspec, removes noise
// from mfspec in place when removeNoise is set, and returns whether the frame is speech (always true unless
// removeSilence is set).
func (ns *noiseStats) trackSNR(mfspec []float64, removeNoise, removeSilence bool, vadThreshold float32) bool {
	n := len(mfspec)
	if ns.undefined {
		ns.slowPeakSum = 0
		for i, m := range mfspec {
			ns.power[i] = m
			ns.noise[i] = m / maxGain
			ns.floor[i] = m / maxGain
			ns.peak[i] = 0
		}
		ns.undefined = false
	}
	for i, m := range mfspec {
		ns.power[i] = lambdaPowerF*ns.power[i] + compLambdaPower*m
	}
	lowerEnvelope(ns.power, ns.noise)

	signal := ns.signal[:n]
	lrt := 0.0
	for i := range n {
		signal[i] = ns.power[i] - ns.noise[i]
		if signal[i] < 1.0 {
			signal[i] = 1.0
		}
		snr := math.Log(ns.power[i] / ns.noise[i])
		if snr > lrt {
			lrt = snr
		}
	}
	// fe_is_frame_quiet
	sum := 0.0
	for _, s := range signal {
		sum += s
	}
	sum = math.Log(sum)
	smooth := slowPeakForgetFactor
	if sum > ns.slowPeakSum {
		smooth = slowPeakLearnFactor
	}
	ns.slowPeakSum = ns.slowPeakSum*smooth + sum*(1-smooth)
	quiet := ns.slowPeakSum-speechVolumeRangeLogE > sum

	speech := !(removeSilence && (lrt < float64(vadThreshold) || quiet))

	lowerEnvelope(signal, ns.floor)
	// fe_temp_masking
	for i := range n {
		cur := signal[i]
		ns.peak[i] *= lambdaT
		if signal[i] < lambdaT*ns.peak[i] {
			signal[i] = ns.peak[i] * muT
		}
		if cur > ns.peak[i] {
			ns.peak[i] = cur
		}
	}
	if !removeNoise {
		return speech
	}
	for i := range n {
		if signal[i] < ns.floor[i] {
			signal[i] = ns.floor[i]
		}
	}
	gain := ns.gain[:n]
	for i := range n {
		if signal[i] < maxGain*ns.power[i] {
			gain[i] = signal[i] / ns.power[i]
		} else {
			gain[i] = maxGain
		}
		if gain[i] < 1.0/maxGain {
			gain[i] = 1.0 / maxGain
		}
	}
	// fe_weight_smooth
	for i := range n {
		l1 := max(i-smoothWindow, 0)
		l2 := min(i+smoothWindow, n-1)
		coef := 0.0
		for j := l1; j <= l2; j++ {
			coef += gain[j]
		}
		mfspec[i] = mfspec[i] * (coef / float64(l2-l1+1))
	}
	return speech
}
