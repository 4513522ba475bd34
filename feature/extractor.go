package feature

import "fmt"

// Feat is sphinxbase's feature computation (feat_t): cepstral frames in, feature vectors out. It applies
// cepstral mean normalisation and automatic gain control of c0 (-agc), then the dynamic features of
// Config.Feat over a window of frames (for 1s_c_d_dd: 13 cepstra, 13 deltas, 13 double deltas), then the
// projection onto Config.SVSpec's subvectors when one is given.
//
// Accept/Flush are online (feat_s2mfc2feat_live with one frame per call): CMN is live, starting from
// Config.CMNInit and carried from one utterance to the next (StartUtterance keeps it; ResetCMN restores
// CMNInit). As in sphinxbase, where any call that is not a whole utterance switches batch CMN to live for
// good, a "batch" Config gets live CMN online (and, as in feat_agc, every AGC type runs as emax online).
// The live window shift (more than 800 frames) happens at the frame that crosses it, as sphinxbase does
// when fed one frame per call; pocketsphinx feeds blocks, so its shift can come a few frames later.
// Utterance computes a whole utterance at once with the Config's CMN and AGC, batch included, exactly as
// pocketsphinx_batch does (feat_s2mfc2feat_block_utt).
//
// At the start of an utterance the first frame is replicated Window() times, and at the end the last one,
// so an utterance of n cepstral frames yields n feature vectors.
//
// Memory: (2·Window()+4)·CepLen + Dim() float32s, fixed; Accept and Flush allocate nothing. Utterance
// allocates its result. A Feat is not safe for concurrent use.
type Feat struct {
	cfg    Config
	ft     featType
	sv     [][]int
	dim    int
	cmn    *CMN
	agc    *agc // nil with -agc none
	rows   [][]float32
	rowPos []int
	filled int
	tail   int // replicated end frames still to emit; −1 before Flush
	cep    []float32
	raw    []float32 // feature before subvector projection
}

// NewFeat builds the feature computation of cfg (its feature options are validated).
func NewFeat(cfg Config) (*Feat, error) {
	if err := cfg.validateFeat(); err != nil {
		return nil, err
	}
	ft, err := lookupFeat(cfg.Feat, cfg.CepLen)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	f := &Feat{cfg: cfg, ft: ft, dim: ft.dim, cep: make([]float32, cfg.CepLen), raw: make([]float32, ft.dim), tail: -1}
	if cfg.SVSpec != "" {
		if f.sv, err = ParseSubvectors(cfg.SVSpec); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		f.dim = 0
		for _, s := range f.sv {
			f.dim += len(s)
		}
	}
	if cfg.cmnMode() != "none" {
		f.cmn = NewCMN(cfg.CepLen, cfg.CMNInit)
	}
	if cfg.AGC != "none" {
		f.agc = newAGC(f.cmn != nil, cfg.AGCThresh)
	}
	w := 2*ft.window + 1
	f.rows = make([][]float32, w)
	for i := range f.rows {
		f.rows[i] = make([]float32, cfg.CepLen)
	}
	f.rowPos = make([]int, w)
	return f, nil
}

// Dim returns the length of a feature vector (after subvector projection).
func (f *Feat) Dim() int { return f.dim }

// CepLen returns the number of cepstra per input frame.
func (f *Feat) CepLen() int { return f.cfg.CepLen }

// Window returns the number of frames of context the feature type needs on each side.
func (f *Feat) Window() int { return f.ft.window }

// Streams returns the lengths of the feature streams (one per subvector with an SVSpec, else the feature
// type's streams: [39] for 1s_c_d_dd, [12 24 3 12] for s2_4x).
func (f *Feat) Streams() []int {
	if f.sv != nil {
		out := make([]int, len(f.sv))
		for i, s := range f.sv {
			out[i] = len(s)
		}
		return out
	}
	return append([]int(nil), f.ft.streams...)
}

// CMN returns the CMN state (nil with -cmn none). Its Mean is the current mean.
func (f *Feat) CMN() *CMN { return f.cmn }

// ResetCMN restores the CMN mean to Config.CMNInit and clears the live sums.
func (f *Feat) ResetCMN() {
	if f.cmn != nil {
		f.cmn.Reset(f.cfg.CMNInit)
	}
}

// StartUtterance forgets the context window (and an unfinished Flush); CMN carries over.
func (f *Feat) StartUtterance() {
	f.filled = 0
	f.tail = -1
}

// Accept normalises one cepstral frame (CepLen values; not modified) with live CMN and adds it to the
// context window. When that completes the window of an earlier frame, it writes that frame's feature vector
// into dst (len ≥ Dim()) and returns its pos (the pos given with the frame) and true.
func (f *Feat) Accept(cep []float32, pos int, dst []float32) (int, bool) {
	c := f.cep
	copy(c, cep)
	if f.cmn != nil {
		f.cmn.liveFrame(c)
		if f.cmn.nframe > cmnWinHWM {
			f.cmn.shiftWindow()
		}
	}
	if f.agc != nil { // online, every AGC type runs as emax (feat_agc)
		f.agc.emaxFrame(c)
	}
	if f.tail >= 0 { // Accept after Flush: a new utterance
		f.StartUtterance()
	}
	if !f.push(c, pos) {
		return 0, false
	}
	return f.emit(dst), true
}

// Flush ends the utterance: each call writes the next of the last Window() feature vectors (computed with
// the last frame replicated) into dst and returns its pos and true; then it updates the live CMN mean
// (cmn_live_update) and returns false. The next Accept starts a new utterance.
func (f *Feat) Flush(dst []float32) (int, bool) {
	if f.tail < 0 {
		f.tail = f.ft.window
		if f.filled == 0 {
			f.tail = 0
		}
	}
	for f.tail > 0 {
		f.tail--
		copy(f.cep, f.rows[len(f.rows)-1])
		if !f.push(f.cep, f.rowPos[len(f.rowPos)-1]) {
			continue // fewer frames than the window: the first end replicas only complete it
		}
		p := f.emit(dst)
		if f.tail == 0 {
			f.endUtterance()
		}
		return p, true
	}
	if f.filled >= 0 {
		f.endUtterance()
	}
	return 0, false
}

func (f *Feat) endUtterance() {
	if f.filled < 0 {
		return
	}
	f.filled = -1 // updated once
	if f.cmn != nil {
		f.cmn.Update()
	}
	if f.agc != nil {
		f.agc.emaxUpdate()
	}
}

// push adds one normalised cepstral frame to the context window; the first frame of an utterance is
// replicated window times in front of it. It reports whether a feature for the centre frame is ready.
func (f *Feat) push(c []float32, pos int) bool {
	w := f.ft.window
	if f.filled <= 0 {
		for range w {
			f.rotateIn(c, pos)
		}
		f.filled = w
	}
	f.rotateIn(c, pos)
	if f.filled < len(f.rows) {
		f.filled++
	}
	return f.filled == len(f.rows)
}

func (f *Feat) rotateIn(c []float32, pos int) {
	first := f.rows[0]
	copy(f.rows, f.rows[1:])
	f.rows[len(f.rows)-1] = first
	copy(first, c)
	copy(f.rowPos, f.rowPos[1:])
	f.rowPos[len(f.rowPos)-1] = pos
}

// emit writes the feature of the centre frame into dst and returns the centre frame's pos.
func (f *Feat) emit(dst []float32) int {
	if f.sv == nil {
		f.ft.compute(f.rows, dst[:f.dim])
	} else {
		f.ft.compute(f.rows, f.raw)
		Subvectors(dst[:f.dim], f.raw, f.sv)
	}
	return f.rowPos[f.ft.window]
}

// Utterance computes the feature vectors of a whole utterance as pocketsphinx does for full utterances
// (feat_s2mfc2feat_block_utt): CMN over the utterance (batch: its own mean, left in CMN().Mean; live: the
// carried mean, updated afterwards), edge replication, dynamic features, subvector projection. ceps are
// normalised in place. The vectors are sub-slices of one new array.
func (f *Feat) Utterance(ceps [][]float32) [][]float32 {
	f.StartUtterance()
	f.filled = -1
	n := len(ceps)
	out := make([]float32, n*f.dim)
	frames := make([][]float32, n)
	for i := range frames {
		frames[i] = out[i*f.dim : (i+1)*f.dim : (i+1)*f.dim]
	}
	switch f.cfg.cmnMode() {
	case "batch":
		f.cmn.Batch(ceps, f.cfg.VarNorm)
	case "live":
		f.cmn.Live(ceps)
		f.cmn.Update()
	}
	switch f.cfg.AGC {
	case "max":
		f.agc.maxBatch(ceps)
	case "emax":
		for _, c := range ceps {
			f.agc.emaxFrame(c)
		}
		f.agc.emaxUpdate()
	case "noise":
		f.agc.noiseBatch(ceps)
	}
	if n == 0 {
		return frames
	}
	w := f.ft.window
	m := make([][]float32, n+2*w)
	for i := range w {
		m[i] = ceps[0]
		m[n+w+i] = ceps[n-1]
	}
	copy(m[w:], ceps)
	for i := range n {
		if f.sv == nil {
			f.ft.compute(m[i:i+2*w+1], frames[i])
		} else {
			f.ft.compute(m[i:i+2*w+1], f.raw)
			Subvectors(frames[i], f.raw, f.sv)
		}
	}
	return frames
}

// Extractor turns 16-bit PCM into the feature vectors a Sphinx acoustic model scores: a FrontEnd (PCM →
// cepstra) followed by a Feat (CMN, dynamic features, subvectors); see both for the details, in particular
// for CMN (live online, the Config's in Utterance).
//
// Lifecycle: NewExtractor, then per utterance StartUtterance (implied for the first), Process as audio
// arrives, End, and Process(nil, …) until it returns no vectors. StartStream also resets the front end's
// noise statistics; ResetCMN the CMN mean.
//
// Memory of the online path: the FrontEnd's and the Feat's, fixed; Process allocates nothing. Utterance
// holds the utterance's cepstra. An Extractor is not safe for concurrent use.
type Extractor struct {
	fe     *FrontEnd
	feat   *Feat
	cep    []float32
	cepPos [1]int
	ended  bool
	done   bool
}

// NewExtractor builds an Extractor for cfg (validated first).
func NewExtractor(cfg Config) (*Extractor, error) {
	feat, err := NewFeat(cfg)
	if err != nil {
		return nil, err
	}
	fe, err := NewFrontEnd(cfg)
	if err != nil {
		return nil, err
	}
	return &Extractor{fe: fe, feat: feat, cep: make([]float32, cfg.NumCep)}, nil
}

// Dim returns the length of a feature vector (after subvector projection).
func (e *Extractor) Dim() int { return e.feat.Dim() }

// Window returns the number of frames of context the feature type needs on each side.
func (e *Extractor) Window() int { return e.feat.Window() }

// Streams returns the lengths of the feature streams (see Feat.Streams).
func (e *Extractor) Streams() []int { return e.feat.Streams() }

// FrontEnd returns the extractor's front end (for its frame geometry and VAD state).
func (e *Extractor) FrontEnd() *FrontEnd { return e.fe }

// Feat returns the extractor's feature computation.
func (e *Extractor) Feat() *Feat { return e.feat }

// CMN returns the CMN state (nil with -cmn none). Its Mean is the current mean.
func (e *Extractor) CMN() *CMN { return e.feat.CMN() }

// ResetCMN restores the CMN mean to Config.CMNInit.
func (e *Extractor) ResetCMN() { e.feat.ResetCMN() }

// StartUtterance begins a new utterance; CMN and the noise statistics carry over.
func (e *Extractor) StartUtterance() {
	e.fe.StartUtterance()
	e.feat.StartUtterance()
	e.ended, e.done = false, false
}

// StartStream begins a new stream: StartUtterance, and the front end's noise statistics are reset. The CMN
// mean carries over (call ResetCMN to forget it).
func (e *Extractor) StartStream() {
	e.fe.StartStream()
	e.StartUtterance()
}

// End marks the end of the utterance. Call Process (with no samples) until it returns no vectors to get the
// last ones; then the live CMN mean is updated (cmn_live_update) for the next utterance.
func (e *Extractor) End() {
	e.fe.End()
	e.ended = true
}

// Process consumes samples from pcm and writes feature vectors of Dim() float32s each, row-major, into dst
// until dst has no room for another vector or pcm is used up (after End: until the utterance is flushed).
// It returns the number of samples consumed and vectors written; call again with pcm[nSamples:] when dst
// filled up. If pos is not nil, pos[i] receives the analysis-frame index of vector i (see
// FrontEnd.Process). Vectors never alias internal storage. Process allocates nothing.
func (e *Extractor) Process(pcm []int16, dst []float32, pos []int) (nSamples, nFrames int) {
	d := e.feat.Dim()
	for (nFrames+1)*d <= len(dst) {
		out := dst[nFrames*d : (nFrames+1)*d]
		ns, nf := e.fe.Process(pcm[nSamples:], e.cep, e.cepPos[:])
		nSamples += ns
		var p int
		var ok bool
		switch {
		case nf == 1:
			p, ok = e.feat.Accept(e.cep, e.cepPos[0], out)
			if !ok {
				continue
			}
		case e.ended && !e.done && !e.fe.Pending():
			if p, ok = e.feat.Flush(out); !ok {
				e.done = true
			}
		}
		if !ok {
			break
		}
		if pos != nil {
			pos[nFrames] = p
		}
		nFrames++
	}
	return nSamples, nFrames
}

// Utterance computes the feature vectors of a whole utterance as pocketsphinx_batch does
// (acmod_process_full_raw: front end, then feat_s2mfc2feat_block_utt; see Feat.Utterance). It starts a new
// utterance (noise statistics and live CMN carry over) and returns the vectors (sub-slices of one array)
// with their analysis-frame indices. The error is always nil today; it is there for inputs a later
// version may reject.
func (e *Extractor) Utterance(pcm []int16) ([][]float32, []int, error) {
	ceps, pos := runFrontEnd(e.fe, pcm)
	e.StartUtterance()
	e.done = true
	return e.feat.Utterance(ceps), pos, nil
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

// FromCepstra returns the feature vectors of a whole utterance given as cepstra (for instance a sphinx_fe
// .mfc file), as pocketsphinx_batch computes them from cepstral input (ps_process_cep on the full
// utterance). ceps are normalised in place.
func FromCepstra(cfg Config, ceps [][]float32) ([][]float32, error) {
	f, err := NewFeat(cfg)
	if err != nil {
		return nil, err
	}
	for i, c := range ceps {
		if len(c) != cfg.CepLen {
			return nil, fmt.Errorf("feature: cepstral frame %d has %d values; ceplen is %d", i, len(c), cfg.CepLen)
		}
	}
	return f.Utterance(ceps), nil
}
