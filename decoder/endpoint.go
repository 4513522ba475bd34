package decoder

import (
	"math"

	"hark/wfst"
)

// EndpointRule is one of Kaldi's OnlineEndpointRule: the rule fires when (the utterance contains
// non-silence, or MustContainNonsilence is false) and the trailing silence is ≥ MinTrailingSilence
// seconds and the final relative cost is ≤ MaxRelativeCost and the utterance is ≥ MinUtteranceLength
// seconds long.
type EndpointRule struct {
	MustContainNonsilence bool
	MinTrailingSilence    float32 // seconds
	MaxRelativeCost       float32 // cost units (see Decoder.FinalRelativeCost); +Inf = any
	MinUtteranceLength    float32 // seconds
}

// EndpointConfig is Kaldi's OnlineEndpointConfig with rules 1-5 and their defaults. Silence is decided
// by the caller's predicate on acoustic indices (Kaldi's --endpoint.silence-phones, mapped by the
// recognizer from the model's silence phones to their senones + 1).
type EndpointConfig struct {
	// Rule1: 5 s of silence, even if nothing was decoded.
	Rule1 EndpointRule
	// Rule2: 0.5 s of silence after speech, if the best path can end (relative cost ≤ 2).
	Rule2 EndpointRule
	// Rule3: 1 s of silence after speech, if relative cost ≤ 8.
	Rule3 EndpointRule
	// Rule4: 2 s of silence after speech, whatever the relative cost.
	Rule4 EndpointRule
	// Rule5: the utterance reached 20 s.
	Rule5 EndpointRule
	// FrameShiftSeconds is the duration of one decoder frame (0.01).
	FrameShiftSeconds float32
}

// DefaultEndpointConfig returns Kaldi's defaults.
func DefaultEndpointConfig() EndpointConfig {
	inf := float32(math.Inf(1))
	return EndpointConfig{
		Rule1:             EndpointRule{false, 5.0, inf, 0},
		Rule2:             EndpointRule{true, 0.5, 2.0, 0},
		Rule3:             EndpointRule{true, 1.0, 8.0, 0},
		Rule4:             EndpointRule{true, 2.0, inf, 0},
		Rule5:             EndpointRule{false, 0, inf, 20.0},
		FrameShiftSeconds: 0.01,
	}
}

func (r EndpointRule) activated(trailingSilence, relativeCost, utteranceLength float32) bool {
	containsNonsilence := utteranceLength > trailingSilence
	return (containsNonsilence || !r.MustContainNonsilence) && trailingSilence >= r.MinTrailingSilence &&
		relativeCost <= r.MaxRelativeCost && utteranceLength >= r.MinUtteranceLength
}

// Detected applies the five rules (Kaldi's EndpointDetected) to an utterance of numFrames frames whose
// best path ends with trailingSilenceFrames silence frames, with the given final relative cost.
func (c EndpointConfig) Detected(numFrames, trailingSilenceFrames int, finalRelativeCost float32) bool {
	utt := float32(numFrames) * c.FrameShiftSeconds
	sil := float32(trailingSilenceFrames) * c.FrameShiftSeconds
	for _, r := range [...]EndpointRule{c.Rule1, c.Rule2, c.Rule3, c.Rule4, c.Rule5} {
		if r.activated(sil, finalRelativeCost, utt) {
			return true
		}
	}
	return false
}

// EndpointDetected reports whether the utterance decoded so far has ended by cfg's rules, with silence
// recognized by isSilence (an acoustic index predicate; it must not retain or modify anything).
func (d *Decoder) EndpointDetected(cfg EndpointConfig, isSilence func(index wfst.Label) bool) bool {
	if !d.started {
		return false
	}
	return cfg.Detected(d.NumFramesDecoded(), d.TrailingSilenceFrames(isSilence), d.FinalRelativeCost())
}
