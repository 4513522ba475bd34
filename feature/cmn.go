package feature

import "math"

// Live-CMN window constants of sphinxbase cmn.h: once more than cmnWinHWM frames are accumulated the sums
// are rescaled to cmnWin frames, so older frames decay exponentially.
const (
	cmnWinHWM = 800
	cmnWin    = 500
)

// CMN is sphinxbase's cepstral mean normalisation state (cmn_t): the current mean, and for live CMN the
// running sum and frame count. Arithmetic is float32 like the C code's. Memory: 3·dim float32s.
type CMN struct {
	Mean   []float32 // mean subtracted from each frame
	sum    []float32
	nframe int32
	varBuf []float32
}

// NewCMN returns a CMN state for dim cepstra, with Mean set to init (acmod_init_feat's -cmninit: only the
// mean is set; the sum and frame count stay zero).
func NewCMN(dim int, init []float32) *CMN {
	c := &CMN{Mean: make([]float32, dim), sum: make([]float32, dim), varBuf: make([]float32, dim)}
	copy(c.Mean, init)
	return c
}

// Reset sets the mean to init and clears the live sums.
func (c *CMN) Reset(init []float32) {
	clear(c.Mean)
	copy(c.Mean, init)
	clear(c.sum)
	c.nframe = 0
}

// Batch is sphinxbase cmn(): it computes the mean over the frames whose c0 ≥ 0, stores it in Mean, and
// subtracts it from every frame in place; with varNorm it also scales each dimension to unit variance
// (over all frames). When no frame has c0 ≥ 0 the C code divides by zero; here frames are left as they are.
func (c *CMN) Batch(frames [][]float32, varNorm bool) {
	if len(frames) == 0 {
		return
	}
	mean := c.Mean
	clear(mean)
	npos := 0
	for _, f := range frames {
		if f[0] < 0 {
			continue
		}
		for i := range mean {
			mean[i] += f[i]
		}
		npos++
	}
	if npos == 0 {
		return
	}
	for i := range mean {
		mean[i] /= float32(npos)
	}
	if !varNorm {
		for _, f := range frames {
			for i := range mean {
				f[i] -= mean[i]
			}
		}
		return
	}
	v := c.varBuf
	clear(v)
	for _, f := range frames {
		for i := range mean {
			t := f[i] - mean[i]
			v[i] += t * t
		}
	}
	for i := range v {
		v[i] = float32(math.Sqrt(float64(len(frames)) / float64(v[i])))
	}
	for _, f := range frames {
		for i := range mean {
			f[i] = (f[i] - mean[i]) * v[i]
		}
	}
}

// Live is sphinxbase cmn_live() on a block of frames: each frame with c0 ≥ 0 is added to the running sum
// and has the current mean subtracted (frames with c0 < 0 are left untouched, as in the C code); then, if
// more than 800 frames are accumulated, the mean is updated and the window shrunk to 500 frames
// (cmn_live_shiftwin). The online Extractor calls it with one frame at a time.
func (c *CMN) Live(frames [][]float32) {
	for _, f := range frames {
		c.liveFrame(f)
	}
	if c.nframe > cmnWinHWM {
		c.shiftWindow()
	}
}

func (c *CMN) liveFrame(f []float32) {
	if f[0] < 0 {
		return
	}
	for i := range c.Mean {
		c.sum[i] += f[i]
		f[i] -= c.Mean[i]
	}
	c.nframe++
}

func (c *CMN) shiftWindow() {
	n := float32(c.nframe)
	sf := 1.0 / n
	for i := range c.Mean {
		c.Mean[i] = c.sum[i] / n
	}
	if c.nframe >= cmnWinHWM {
		sf = cmnWin * sf
		for i := range c.sum {
			c.sum[i] *= sf
		}
		c.nframe = cmnWin
	}
}

// Update is cmn_live_update, run at the end of each utterance in live mode: the mean becomes sum/frames,
// and the window shrinks to 500 frames when it holds more than 800.
func (c *CMN) Update() {
	if c.nframe <= 0 {
		return
	}
	n := float32(c.nframe)
	sf := 1.0 / n
	for i := range c.Mean {
		c.Mean[i] = c.sum[i] / n
	}
	if c.nframe > cmnWinHWM {
		sf = cmnWin * sf
		for i := range c.sum {
			c.sum[i] *= sf
		}
		c.nframe = cmnWin
	}
}

// Frames returns the number of frames in the live sums.
func (c *CMN) Frames() int { return int(c.nframe) }
