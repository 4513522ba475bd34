package feature

// agc is sphinxbase's automatic gain control state for c0 (agc.c agc_t), in float32 like the C code.
// Memory: a few words.
type agc struct {
	max         float32 // estimated max c0 subtracted by emax
	obsMax      float32 // max c0 observed in the current utterance
	obsFrame    bool    // whether a frame was observed since the last update
	obsUtt      int32
	obsMaxSum   float32
	noiseThresh float32
}

// newAGC is agc_init + agc_emax_set as feat_init does: the initial max is 5 with CMN, 10 without.
func newAGC(cmn bool, thresh float32) *agc {
	a := &agc{noiseThresh: thresh, max: 10}
	if cmn {
		a.max = 5
	}
	return a
}

// maxBatch is agc_max: subtract the utterance's max c0 from every c0.
func (a *agc) maxBatch(frames [][]float32) {
	if len(frames) == 0 {
		return
	}
	a.obsMax = frames[0][0]
	for _, f := range frames[1:] {
		if f[0] > a.obsMax {
			a.obsMax = f[0]
			a.obsFrame = true
		}
	}
	for _, f := range frames {
		f[0] -= a.obsMax
	}
}

// emaxFrame is agc_emax on one frame: track the max c0 and subtract the running estimate.
func (a *agc) emaxFrame(f []float32) {
	if f[0] > a.obsMax {
		a.obsMax = f[0]
		a.obsFrame = true
	}
	f[0] -= a.max
}

// emaxUpdate is agc_emax_update, at the end of an utterance.
func (a *agc) emaxUpdate() {
	if a.obsFrame {
		a.obsMaxSum += a.obsMax
		a.obsUtt++
		a.max = a.obsMaxSum / float32(a.obsUtt)
		if a.obsUtt == 16 {
			a.obsMaxSum /= 2
			a.obsUtt = 8
		}
	}
	a.obsFrame = false
	a.obsMax = -1000
}

// noiseBatch is agc_noise: subtract the mean c0 of the frames within noiseThresh of the minimum.
func (a *agc) noiseBatch(frames [][]float32) {
	if len(frames) == 0 {
		return
	}
	minE := frames[0][0]
	for _, f := range frames {
		if f[0] < minE {
			minE = f[0]
		}
	}
	var level float32
	n := 0
	minE += a.noiseThresh
	for _, f := range frames {
		if f[0] < minE {
			level += f[0]
			n++
		}
	}
	if n > 0 {
		level /= float32(n)
		for _, f := range frames {
			f[0] -= level
		}
	}
}
