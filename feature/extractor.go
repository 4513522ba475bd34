package feature

import "fmt"

// Extractor turns 16-bit PCM into the feature vectors a Sphinx acoustic model scores: the FrontEnd's
// cepstra, cepstral mean normalisation, and the dynamic features of Config.Feat (for 1s_c_d_dd: 13 cepstra,
// 13 deltas, 13 double deltas), projected onto Config.SVSpec's subvectors when one is given.
//
// Process is online (feat_s2mfc2feat_live): CMN is live, starting from Config.CMNInit and carried from one
// utterance to the next (StartUtterance keeps it; ResetCMN restores CMNInit). As in sphinxbase, where any
// call that is not a whole utterance switches batch CMN to live for good, a "batch" Config gets live CMN
// here. Utterance computes a whole utterance at once with the Config's CMN, batch included, exactly as
// pocketsphinx_batch does (feat_s2mfc2feat_block_utt).
//
// At the start of an utterance the first cepstral frame is replicated window times, and at the end the
// last one, so an utterance of n frames yields n feature vectors.
//
// Memory of the online path: the FrontEnd's plus (2·window+1)·CepLen float32s; Process allocates nothing.
// Utterance holds the utterance's cepstra. An Extractor is not safe for concurrent use.
type Extractor struct {
	fe     *FrontEnd
	cfg    Config
	ft     featType
	sv     [][]int
	dim    int
	cmn    *CMN
	live   bool // CMN != none
	rows   [][]float32
	rowPos []int
	filled int
	cep    []float32
	cepPos [1]int
	raw    []float32 // feature before subvector projection
	tail   int       // replicated end frames still to emit, −1 before End
	done   bool      // the utterance is finished and the CMN updated
}

// NewExtractor builds an Extractor for cfg (validated first).
func NewExtractor(cfg Config) (*Extractor, error) {
	if err := cfg.validateFeat(); err != nil {
		return nil, err
	}
	fe, err := NewFrontEnd(cfg)
	if err != nil {
		return nil, err
	}
	ft, err := lookupFeat(cfg.Feat, cfg.CepLen)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	e := &Extractor{fe: fe, cfg: cfg, ft: ft, dim: ft.dim, cep: make([]float32, cfg.CepLen),
		raw: make([]float32, ft.dim), tail: -1}
	if cfg.SVSpec != "" {
		if e.sv, err = ParseSubvectors(cfg.SVSpec); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		e.dim = 0
		for _, s := range e.sv {
			e.dim += len(s)
		}
	}
	if cfg.cmnMode() != "none" {
		e.cmn = NewCMN(cfg.CepLen, cfg.CMNInit)
		e.live = true
	}
	w := 2*ft.window + 1
	e.rows = make([][]float32, w)
	for i := range e.rows {
		e.rows[i] = make([]float32, cfg.CepLen)
	}
	e.rowPos = make([]int, w)
	return e, nil
}

// Dim returns the length of a feature vector (after subvector projection).
func (e *Extractor) Dim() int { return e.dim }

// Window returns the number of frames of context the feature type needs on each side.
func (e *Extractor) Window() int { return e.ft.window }

// Streams returns the lengths of the feature streams (one per subvector with an SVSpec, else the feature
// type's streams: [39] for 1s_c_d_dd, [12 24 3 12] for s2_4x).
func (e *Extractor) Streams() []int {
	if e.sv != nil {
		out := make([]int, len(e.sv))
		for i, s := range e.sv {
			out[i] = len(s)
		}
		return out
	}
	return append([]int(nil), e.ft.streams...)
}

// FrontEnd returns the extractor's front end (for its frame geometry and VAD state).
func (e *Extractor) FrontEnd() *FrontEnd { return e.fe }

// CMN returns the CMN state (nil with -cmn none). Its Mean is the current live mean.
func (e *Extractor) CMN() *CMN { return e.cmn }

// ResetCMN restores the live CMN mean to Config.CMNInit.
func (e *Extractor) ResetCMN() {
	if e.cmn != nil {
		e.cmn.Reset(e.cfg.CMNInit)
	}
}

// StartUtterance begins a new utterance; CMN and the noise statistics carry over.
func (e *Extractor) StartUtterance() {
	e.fe.StartUtterance()
	e.filled = 0
	e.tail = -1
	e.done = false
}

// StartStream begins a new stream: StartUtterance, and the front end's noise statistics are reset. The CMN
// mean carries over (call ResetCMN to forget it).
func (e *Extractor) StartStream() {
	e.fe.StartStream()
	e.StartUtterance()
}

// End marks the end of the utterance. Call Process (with no samples) until it returns no frames to get the
// last frames; then the live CMN mean is updated (cmn_live_update) for the next utterance.
func (e *Extractor) End() {
	e.fe.End()
	if e.tail < 0 {
		e.tail = e.ft.window
	}
}

// push adds one normalised cepstral frame to the context window; the first frame of an utterance is
// replicated window times in front of it. It reports whether a feature for the centre frame is ready.
func (e *Extractor) push(c []float32, pos int) bool {
	w := e.ft.window
	if e.filled == 0 {
		for range w {
			e.rotateIn(c, pos)
		}
		e.filled = w
	}
	e.rotateIn(c, pos)
	if e.filled < len(e.rows) {
		e.filled++
	}
	return e.filled == len(e.rows)
}

func (e *Extractor) rotateIn(c []float32, pos int) {
	first := e.rows[0]
	copy(e.rows, e.rows[1:])
	e.rows[len(e.rows)-1] = first
	copy(first, c)
	copy(e.rowPos, e.rowPos[1:])
	e.rowPos[len(e.rowPos)-1] = pos
}

// emit writes the feature of the centre frame into dst.
func (e *Extractor) emit(dst []float32) int {
	if e.sv == nil {
		e.ft.compute(e.rows, dst[:e.dim])
	} else {
		e.ft.compute(e.rows, e.raw)
		Subvectors(dst[:e.dim], e.raw, e.sv)
	}
	return e.rowPos[e.ft.window]
}

// Process consumes samples from pcm and writes feature vectors of Dim() float32s each, row-major, into dst
// until dst has no room for another vector or pcm is used up (after End: until the utterance is flushed).
// It returns the number of samples consumed and vectors written; call again with pcm[nSamples:] when dst
// filled up. If pos is not nil, pos[i] receives the analysis-frame index of vector i (see
// FrontEnd.Process). Vectors never alias internal storage. Process allocates nothing.
func (e *Extractor) Process(pcm []int16, dst []float32, pos []int) (nSamples, nFrames int) {
	for (nFrames+1)*e.dim <= len(dst) {
		out := dst[nFrames*e.dim : (nFrames+1)*e.dim]
		ns, nf := e.fe.Process(pcm[nSamples:], e.cep, e.cepPos[:])
		nSamples += ns
		if nf == 1 {
			if e.live {
				e.cmn.liveFrame(e.cep)
				if e.cmn.nframe > cmnWinHWM {
					e.cmn.shiftWindow()
				}
			}
			if e.push(e.cep, e.cepPos[0]) {
				p := e.emit(out)
				if pos != nil {
					pos[nFrames] = p
				}
				nFrames++
			}
			continue
		}
		// The front end has nothing more for now.
		if e.tail < 0 || e.fe.Pending() {
			break
		}
		if e.tail > 0 && e.filled > 0 {
			e.tail--
			last := e.rows[len(e.rows)-1]
			copy(e.cep, last)
			e.push(e.cep, e.rowPos[len(e.rowPos)-1])
			p := e.emit(out)
			if pos != nil {
				pos[nFrames] = p
			}
			nFrames++
			continue
		}
		if !e.done {
			e.done = true
			if e.live {
				e.cmn.Update()
			}
		}
		break
	}
	return nSamples, nFrames
}

// Utterance computes the feature vectors of a whole utterance as pocketsphinx_batch does
// (acmod_process_full_raw: front end, then feat_s2mfc2feat_block_utt): cepstra of all of pcm, CMN over the
// utterance (batch: its own mean; live: the carried mean, updated afterwards), edge replication, dynamic
// features, subvector projection. It starts a new utterance (noise statistics and live CMN carry over) and
// returns the vectors (sub-slices of one array) with their analysis-frame indices.
func (e *Extractor) Utterance(pcm []int16) ([][]float32, []int, error) {
	ceps, pos := e.cepstra(pcm)
	e.StartUtterance()
	n := len(ceps)
	out := make([]float32, n*e.dim)
	frames := make([][]float32, n)
	for i := range frames {
		frames[i] = out[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	switch e.cfg.cmnMode() {
	case "batch":
		e.cmn.Batch(ceps, e.cfg.VarNorm)
	case "live":
		e.cmn.Live(ceps)
		e.cmn.Update()
	}
	if n == 0 {
		return frames, pos, nil
	}
	w := e.ft.window
	m := make([][]float32, n+2*w)
	for i := range w {
		m[i] = ceps[0]
		m[n+w+i] = ceps[n-1]
	}
	copy(m[w:], ceps)
	for i := range n {
		if e.sv == nil {
			e.ft.compute(m[i:i+2*w+1], frames[i])
		} else {
			e.ft.compute(m[i:i+2*w+1], e.raw)
			Subvectors(frames[i], e.raw, e.sv)
		}
	}
	e.done = true
	return frames, pos, nil
}

// cepstra runs the front end over a whole utterance and returns its cepstra (sub-slices of one array).
func (e *Extractor) cepstra(pcm []int16) ([][]float32, []int) {
	return runFrontEnd(e.fe, pcm)
}

func runFrontEnd(fe *FrontEnd, pcm []int16) ([][]float32, []int) {
	fe.StartUtterance()
	d := fe.Dim()
	// Upper bound on the frames: every full frame, the final partial one, and slack for the VAD queue.
	maxFrames := 2
	if len(pcm) >= fe.frameSize {
		maxFrames += (len(pcm)-fe.frameSize)/fe.frameShift + 1
	}
	buf := make([]float32, maxFrames*d)
	pos := make([]int, maxFrames)
	n := 0
	rest := pcm
	for {
		ns, nf := fe.Process(rest, buf[n*d:], pos[n:])
		rest = rest[ns:]
		n += nf
		if nf == 0 && ns == 0 {
			if fe.ended {
				break
			}
			fe.End()
		}
	}
	frames := make([][]float32, n)
	for i := range frames {
		frames[i] = buf[i*d : (i+1)*d : (i+1)*d]
	}
	return frames, pos[:n]
}

// Compute returns the feature vectors of a whole utterance of 16-bit PCM as pocketsphinx_batch computes
// them with cfg (see Extractor.Utterance); for the en-us model, 39 values per frame with batch CMN.
func Compute(cfg Config, pcm []int16) ([][]float32, error) {
	e, err := NewExtractor(cfg)
	if err != nil {
		return nil, err
	}
	frames, _, err := e.Utterance(pcm)
	return frames, err
}

// Cepstra returns the NumCep cepstra per frame of a whole utterance of 16-bit PCM, as sphinx_fe writes them
// with the same options (including its VAD, which drops silence frames when cfg.RemoveSilence is set).
func Cepstra(cfg Config, pcm []int16) ([][]float32, error) {
	fe, err := NewFrontEnd(cfg)
	if err != nil {
		return nil, err
	}
	frames, _ := runFrontEnd(fe, pcm)
	return frames, nil
}
