package sphinx

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxNegAscr is pocketsphinx's MAX_NEG_ASCR: normalised Gaussian scores of tied-mixture models are capped at
// 96 senone-score units (≈ 9.8 nats) below the frame's best Gaussian.
const MaxNegAscr = 96

// worstDist is tied_mgau_common.h WORST_DIST, the score of a top-N slot that holds no density yet.
const worstDist = math.MinInt32

// ScorerConfig holds a Scorer's options, with pocketsphinx's names and defaults.
type ScorerConfig struct {
	// TopN is -topn: how many Gaussians per codebook and stream enter a senone's score (default 4; capped
	// at the number of densities).
	TopN int
	// FeatureDim is the dimension of the feature vectors given to AcceptFrame. 0 infers it from the
	// model: the largest dimension named in feat.params' -svspec plus one, or the sum of the streams'
	// lengths without -svspec.
	FeatureDim int
}

// DefaultScorerConfig returns pocketsphinx's defaults (-topn 4).
func DefaultScorerConfig() ScorerConfig { return ScorerConfig{TopN: 4} }

// RegisterFlags registers the options on fs.
func (c *ScorerConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.TopN, "topn", c.TopN, "Gaussians per codebook and stream used in senone scores")
}

// Validate checks the options.
func (c ScorerConfig) Validate() error {
	if c.TopN < 1 || c.TopN > 256 {
		return fmt.Errorf("sphinx: topn must be in [1, 256], got %d", c.TopN)
	}
	if c.FeatureDim < 0 {
		return fmt.Errorf("sphinx: negative feature dimension %d", c.FeatureDim)
	}
	return nil
}

type topnEntry struct {
	cw    int32 // density index in the codebook
	score int32 // raw logmath score, or after normalisation the negated score in senone-score units
}

// Scorer computes senone scores for one stream of feature frames (one decoding session). For tied models
// (ptm, s2_semi) it implements pocketsphinx's ptm_mgau.c: per frame and per codebook and stream it keeps the
// TopN best Gaussians (re-scoring the previous frame's top-N first, then scanning all densities),
// normalises them against the frame's best Gaussian per stream (shift by 10 bits, cap at MaxNegAscr), and
// a senone's score is the sum over streams of the log-sum over the top-N of mixture weight × density,
// using pocketsphinx's 8-bit log-add table. For continuous models (ms) it implements ms_gauden.c and
// ms_senone.c: the top-N densities of each codebook the senones ask for, no normaliser.
//
// Senone scores are computed only for the senones asked for, and cached for the current frame. Units and
// sign: Score returns pocketsphinx's integer senone score (negated log likelihood in units of
// 1024·ln(1.0001) nats, larger is worse; for tied models 0 means as good as the frame's best Gaussians);
// LogLikelihood returns −Score·NatsPerUnit, a natural-log likelihood (higher is better). For tied models
// both are relative to a per-frame normaliser (continuous models have none), identical for all senones of
// a frame, so they differ from pocketsphinx's final
// senone scores (which also subtract the best active senone) by a constant per frame; with every codebook
// active (the default) and after subtracting the frame's best, they are pocketsphinx's scores exactly.
//
// Frames are requested in non-decreasing order. Memory: 8 bytes per senone (cache), 8·TopN bytes per
// codebook and stream, and 4 bytes per feature dimension for each frame accepted but not yet passed
// (frames before the current one are dropped); nothing grows with the length of the audio. A Scorer is
// not safe for concurrent use; many Scorers may share one Model.
type Scorer struct {
	m         *Model
	g         *Gauden
	pre       *gaussPrecomp
	mw        []uint8
	nSen      int
	topN      int
	normalize bool

	dimIn  int
	gather []int32   // stream-contiguous position → input dimension
	obs    []float32 // current frame, streams back to back
	obsOff []int     // offset of stream f in obs

	buf   []float32 // pending frames, dimIn floats each, starting at frame 'first' at offset head*dimIn
	head  int
	first int
	total int

	cur     int    // current (prepared) frame, -1 before the first
	epoch   uint32 // incremented for every prepared frame; stamps compare against it
	topn    []topnEntry
	cbStamp []uint32
	norm    []int32

	active      []bool
	activeFrame int

	cache []int32
	stamp []uint32

	msDist []msEntry // continuous models: top-N densities per codebook and stream (ms_gauden.c)
}

// msEntry is one of a continuous model's top-N densities (ms_gauden.h gauden_dist_t).
type msEntry struct {
	id   int32
	dist float32 // logmath score, shift 0
}

// NewScorer returns a Scorer for model m.
func NewScorer(m *Model, cfg ScorerConfig) (*Scorer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := m.Gauden
	s := &Scorer{m: m, g: g, pre: m.pre, mw: m.Mixw.W, nSen: m.Mdef.NSen, topN: min(cfg.TopN, g.NDensity),
		normalize: m.Type != TypeMS}
	streams, dimIn, err := streamDims(g, m.FeatParams["-svspec"])
	if err != nil {
		return nil, err
	}
	if cfg.FeatureDim != 0 {
		if cfg.FeatureDim < dimIn {
			return nil, fmt.Errorf("sphinx: feature dimension %d too small for the model's streams (%d)", cfg.FeatureDim, dimIn)
		}
		dimIn = cfg.FeatureDim
	}
	s.dimIn = dimIn
	s.obsOff = make([]int, g.NFeat)
	for f, dims := range streams {
		s.obsOff[f] = len(s.gather)
		for _, d := range dims {
			s.gather = append(s.gather, int32(d))
		}
	}
	s.obs = make([]float32, len(s.gather))
	s.topn = make([]topnEntry, g.NMgau*g.NFeat*s.topN)
	s.cbStamp = make([]uint32, g.NMgau)
	s.norm = make([]int32, g.NFeat)
	s.active = make([]bool, g.NMgau)
	s.cache = make([]int32, s.nSen)
	s.stamp = make([]uint32, s.nSen)
	if !s.normalize {
		s.msDist = make([]msEntry, g.NMgau*g.NFeat*s.topN)
	}
	s.Reset()
	return s, nil
}

// streamDims maps each stream to the input dimensions it takes: from an -svspec ("0-12/13-25/26-38") or,
// without one, consecutive blocks of the streams' lengths. It returns the input dimension too.
func streamDims(g *Gauden, svspec string) ([][]int, int, error) {
	out := make([][]int, g.NFeat)
	if svspec == "" {
		d := 0
		for f, l := range g.VecLen {
			for i := 0; i < l; i++ {
				out[f] = append(out[f], d)
				d++
			}
		}
		return out, d, nil
	}
	parts := strings.Split(svspec, "/")
	if len(parts) != g.NFeat {
		return nil, 0, fmt.Errorf("sphinx: svspec %q has %d streams, the model %d", svspec, len(parts), g.NFeat)
	}
	maxDim := 0
	for f, p := range parts {
		for _, r := range strings.Split(p, ",") {
			a, b, isRange := strings.Cut(r, "-")
			lo, err1 := strconv.Atoi(a)
			hi := lo
			var err2 error
			if isRange {
				hi, err2 = strconv.Atoi(b)
			}
			if err1 != nil || err2 != nil || lo < 0 || hi < lo || hi >= 1<<16 {
				return nil, 0, fmt.Errorf("sphinx: bad svspec range %q in %q", r, svspec)
			}
			for d := lo; d <= hi; d++ {
				out[f] = append(out[f], d)
				maxDim = max(maxDim, d+1)
			}
		}
		if len(out[f]) != g.VecLen[f] {
			return nil, 0, fmt.Errorf("sphinx: svspec %q gives stream %d %d dimensions, the model %d", svspec, f, len(out[f]), g.VecLen[f])
		}
	}
	return out, maxDim, nil
}

// Reset forgets all frames and the top-N history, to start a new utterance. It keeps the buffers.
func (s *Scorer) Reset() {
	s.buf = s.buf[:0]
	s.head, s.first, s.total, s.cur = 0, 0, 0, -1
	s.activeFrame = -1
	for i := range s.topn {
		s.topn[i] = topnEntry{cw: int32(i % s.topN), score: worstDist}
	}
	// Stamps from before the reset never equal the epoch of a later frame.
	s.nextEpoch()
}

// nextEpoch starts a new frame epoch; on wrap-around (after 2³² frames) the stamps are cleared.
func (s *Scorer) nextEpoch() {
	s.epoch++
	if s.epoch == 0 {
		clear(s.stamp)
		clear(s.cbStamp)
		s.epoch = 1
	}
}

// FeatureDim returns the dimension of the feature vectors AcceptFrame takes.
func (s *Scorer) FeatureDim() int { return s.dimIn }

// AcceptFrame appends one feature vector (copied). Frames are numbered from 0 in the order accepted.
func (s *Scorer) AcceptFrame(feat []float32) error {
	if len(feat) != s.dimIn {
		return fmt.Errorf("sphinx: frame %d has %d features, want %d", s.total, len(feat), s.dimIn)
	}
	if s.head > 0 && len(s.buf)+s.dimIn > cap(s.buf) {
		n := copy(s.buf, s.buf[s.head*s.dimIn:])
		s.buf = s.buf[:n]
		s.head = 0
	}
	s.buf = append(s.buf, feat...)
	s.total++
	return nil
}

// AcceptFrames appends feature vectors (copied).
func (s *Scorer) AcceptFrames(feats [][]float32) error {
	for _, f := range feats {
		if err := s.AcceptFrame(f); err != nil {
			return err
		}
	}
	return nil
}

// NumFramesReady returns the number of frames accepted so far.
func (s *Scorer) NumFramesReady() int { return s.total }

// NumIndices returns the number of senones; LogLikelihood takes indices 1..NumIndices().
func (s *Scorer) NumIndices() int { return s.nSen }

// SetActiveSenones restricts the codebooks evaluated for frame (and hence the normaliser) to those of the
// given senones (1-based indices, as LogLikelihood), as pocketsphinx's ptm_mgau_calc_cb_active does. It
// must be called before the first score of that frame is asked for; without it every codebook is
// evaluated. Senones of other codebooks can still be scored: their codebook is then evaluated on demand.
func (s *Scorer) SetActiveSenones(frame int, indices []int32) {
	for i := range s.active {
		s.active[i] = false
	}
	for _, ix := range indices {
		if ix >= 1 && int(ix) <= s.nSen {
			s.active[s.m.Sen2CB[ix-1]] = true
		}
	}
	s.activeFrame = frame
}

// LogLikelihood returns the acoustic log likelihood of senone index-1 in frame, in nats (natural log,
// higher is better), relative to the frame's normaliser (see Scorer). index is 1-based: label 0 is epsilon
// in the decoding graph. Frames must be requested in non-decreasing order and be ready.
func (s *Scorer) LogLikelihood(frame int, index int32) float32 {
	return -float32(s.Score(frame, int(index-1))) * NatsPerUnit
}

// Score returns pocketsphinx's integer score of senone (0-based) in frame: a negated log likelihood in
// units of 1024·ln(1.0001) nats relative to the frame's normaliser (lower is better). It panics if frame
// precedes the current frame or is not ready, or if senone is out of range: the decoder's invariants.
func (s *Scorer) Score(frame, senone int) int32 {
	if frame != s.cur {
		s.advance(frame)
	}
	if s.stamp[senone] == s.epoch {
		return s.cache[senone]
	}
	v := s.senoneScore(senone)
	s.cache[senone] = v
	s.stamp[senone] = s.epoch
	return v
}

// TopN appends to dst the density indices of the current frame's top-N Gaussians of codebook cb and
// stream f, best first, and returns it. The codebook is evaluated if it was not yet.
func (s *Scorer) TopN(cb, f int, dst []int32) []int32 {
	if s.cbStamp[cb] != s.epoch {
		s.lateCodebook(cb)
	}
	if !s.normalize {
		for _, e := range s.msDist[(cb*s.g.NFeat+f)*s.topN:][:s.topN] {
			dst = append(dst, e.id)
		}
		return dst
	}
	for _, e := range s.topn[(cb*s.g.NFeat+f)*s.topN:][:s.topN] {
		dst = append(dst, e.cw)
	}
	return dst
}

func (s *Scorer) advance(frame int) {
	if frame < s.cur || frame < s.first || frame >= s.total {
		panic(fmt.Sprintf("sphinx: frame %d requested; current frame %d, %d frames ready", frame, s.cur, s.total))
	}
	s.head += frame - s.first
	s.first = frame
	s.cur = frame
	s.nextEpoch()
	in := s.buf[s.head*s.dimIn:][:s.dimIn]
	for i, d := range s.gather {
		s.obs[i] = in[d]
	}
	g := s.g
	if !s.normalize {
		return // continuous models: codebooks are evaluated on demand
	}
	useActive := s.activeFrame == frame
	for cb := 0; cb < g.NMgau; cb++ {
		for f := 0; f < g.NFeat; f++ {
			s.evalTopN(cb, f)
		}
	}
	for cb := 0; cb < g.NMgau; cb++ {
		if useActive && !s.active[cb] {
			continue
		}
		for f := 0; f < g.NFeat; f++ {
			s.evalCB(cb, f)
		}
	}
	for f := 0; f < g.NFeat; f++ {
		norm := int32(worstDist)
		for cb := 0; cb < g.NMgau; cb++ {
			if useActive && !s.active[cb] {
				continue
			}
			if v := s.topn[(cb*g.NFeat+f)*s.topN].score >> SenscrShift; v > norm {
				norm = v
			}
		}
		s.norm[f] = norm
	}
	for cb := 0; cb < g.NMgau; cb++ {
		if useActive && !s.active[cb] {
			continue
		}
		s.normCB(cb)
	}
}

// lateCodebook evaluates a codebook that the frame's preparation skipped (for continuous models, every
// codebook: they are evaluated on demand).
func (s *Scorer) lateCodebook(cb int) {
	if !s.normalize {
		for f := 0; f < s.g.NFeat; f++ {
			s.msEvalCB(cb, f)
		}
		s.cbStamp[cb] = s.epoch
		return
	}
	for f := 0; f < s.g.NFeat; f++ {
		s.evalCB(cb, f)
	}
	s.normCB(cb)
}

// normCB converts the codebook's top-N scores to negated senone-score units (ptm_mgau_codebook_norm) and
// marks it evaluated for the current frame.
func (s *Scorer) normCB(cb int) {
	g := s.g
	for f := 0; f < g.NFeat; f++ {
		t := s.topn[(cb*g.NFeat+f)*s.topN:][:s.topN]
		for k := range t {
			v := -((t[k].score >> SenscrShift) - s.norm[f])
			if v > MaxNegAscr {
				v = MaxNegAscr
			}
			t[k].score = v
		}
	}
	s.cbStamp[cb] = s.epoch
}

// density returns the logmath score det − Σ (x−μ)²·prec of density d of stream f of codebook cb for the
// current frame, in float32 arithmetic as pocketsphinx computes it.
func (s *Scorer) density(cb, f, d int) float32 {
	g := s.g
	o := g.Offset(cb, f, d)
	n := g.VecLen[f]
	return gaussScore(s.pre.det[(cb*g.NFeat+f)*g.NDensity+d], s.obs[s.obsOff[f]:][:n], g.Mean[o:o+n], s.pre.prec[o:o+n], float32(math.Inf(-1)))
}

// gaussScore returns det − Σ (x−μ)²·prec in float32 arithmetic, in pocketsphinx's order (dimensions one
// by one up to a multiple of 4, then four at a time). It stops early, returning a value below thresh,
// once the partial score falls below thresh (the score only decreases).
func gaussScore(det float32, obs, mean, prec []float32, thresh float32) float32 {
	n := len(obs)
	mean = mean[:n]
	prec = prec[:n]
	score := det
	j := 0
	for ; j < n%4; j++ {
		diff := obs[j] - mean[j]
		score -= float32(float32(diff*diff) * prec[j])
		if score < thresh {
			return score
		}
	}
	for ; j+3 < n; j += 4 {
		o, m, p := obs[j:j+4], mean[j:j+4], prec[j:j+4]
		d0 := o[0] - m[0]
		d1 := o[1] - m[1]
		d2 := o[2] - m[2]
		d3 := o[3] - m[3]
		c0 := float32(float32(d0*d0) * p[0])
		c1 := float32(float32(d1*d1) * p[1])
		c2 := float32(float32(d2*d2) * p[2])
		c3 := float32(float32(d3*d3) * p[3])
		score -= c0
		score -= c1
		score -= c2
		score -= c3
		if score < thresh {
			return score
		}
	}
	return score
}

// toInt32 truncates like C's (int32) cast on x86, where out-of-range values become INT32_MIN.
func toInt32(x float32) int32 {
	if !(x > math.MinInt32 && x < math.MaxInt32) {
		return math.MinInt32
	}
	return int32(x)
}

// evalTopN re-scores the previous frame's top-N densities and sorts them (ptm_mgau.c eval_topn).
func (s *Scorer) evalTopN(cb, f int) {
	t := s.topn[(cb*s.g.NFeat+f)*s.topN:][:s.topN]
	for i := range t {
		d := toInt32(s.density(cb, f, int(t[i].cw)))
		v := topnEntry{cw: t[i].cw, score: d}
		j := i - 1
		for ; j >= 0 && d > t[j].score; j-- {
			t[j+1] = t[j]
		}
		t[j+1] = v
	}
}

// evalCB scans all densities of a codebook stream and inserts those better than the current worst of the
// top-N (ptm_mgau.c eval_cb). Densities are scored four at a time, each in pocketsphinx's order of
// operations (so each score is bit-identical to gaussScore's); a group stops early once all four fall
// below the threshold, and each is then inserted, in density order, if it beats the current worst. The
// threshold only rises, so pruning with the group's starting threshold drops nothing the one-at-a-time
// scan would keep: the result is the same.
func (s *Scorer) evalCB(cb, f int) {
	g := s.g
	t := s.topn[(cb*g.NFeat+f)*s.topN:][:s.topN]
	worst := len(t) - 1
	n := g.VecLen[f]
	r := n % 4
	base := g.Offset(cb, f, 0)
	means := g.Mean[base : base+g.NDensity*n]
	precs := s.pre.prec[base : base+g.NDensity*n]
	dets := s.pre.det[(cb*g.NFeat+f)*g.NDensity:][:g.NDensity]
	obs := s.obs[s.obsOff[f]:][:n]
	cw := 0
	for ; cw+4 <= len(dets); cw += 4 {
		thresh := float32(t[worst].score)
		ma, mb, mc, md := means[cw*n:cw*n+n], means[(cw+1)*n:(cw+1)*n+n], means[(cw+2)*n:(cw+2)*n+n], means[(cw+3)*n:(cw+3)*n+n]
		pa, pb, pc, pd := precs[cw*n:cw*n+n], precs[(cw+1)*n:(cw+1)*n+n], precs[(cw+2)*n:(cw+2)*n+n], precs[(cw+3)*n:(cw+3)*n+n]
		da, db, dc, dd := dets[cw], dets[cw+1], dets[cw+2], dets[cw+3]
		pruned := false
		j := 0
		for ; j < r; j++ {
			x := obs[j]
			ea, eb, ec, ed := x-ma[j], x-mb[j], x-mc[j], x-md[j]
			da -= float32(float32(ea*ea) * pa[j])
			db -= float32(float32(eb*eb) * pb[j])
			dc -= float32(float32(ec*ec) * pc[j])
			dd -= float32(float32(ed*ed) * pd[j])
			if da < thresh && db < thresh && dc < thresh && dd < thresh {
				pruned = true
				break
			}
		}
		for ; !pruned && j+4 <= n; j += 4 {
			// Four dimensions of four densities, each density's sum in pocketsphinx's order.
			for k := j; k < j+4; k++ {
				x := obs[k]
				ea, eb, ec, ed := x-ma[k], x-mb[k], x-mc[k], x-md[k]
				da -= float32(float32(ea*ea) * pa[k])
				db -= float32(float32(eb*eb) * pb[k])
				dc -= float32(float32(ec*ec) * pc[k])
				dd -= float32(float32(ed*ed) * pd[k])
			}
			if da < thresh && db < thresh && dc < thresh && dd < thresh {
				pruned = true
			}
		}
		if pruned {
			continue
		}
		s.insertCB(t, cw, da)
		s.insertCB(t, cw+1, db)
		s.insertCB(t, cw+2, dc)
		s.insertCB(t, cw+3, dd)
	}
	for ; cw < len(dets); cw++ {
		thresh := float32(t[worst].score)
		d := gaussScore(dets[cw], obs, means[cw*n:], precs[cw*n:], thresh)
		if d >= thresh {
			s.insertCB(t, cw, d)
		}
	}
}

// insertCB inserts density cw with score d into the sorted top-N t unless it does not beat the worst
// entry or is already there (insertion_sort_cb).
func (s *Scorer) insertCB(t []topnEntry, cw int, d float32) {
	worst := len(t) - 1
	if d < float32(t[worst].score) {
		return
	}
	for i := range t {
		if t[i].cw == int32(cw) {
			return
		}
	}
	id := toInt32(d)
	i := worst - 1
	for ; i >= 0 && id >= t[i].score; i-- {
		t[i+1] = t[i]
	}
	t[i+1] = topnEntry{cw: int32(cw), score: id}
}

// senoneScore computes one senone's score for the current frame (ptm_mgau_senone_eval, without the final
// subtraction of the best senone).
func (s *Scorer) senoneScore(sen int) int32 {
	cb := int(s.m.Sen2CB[sen])
	if s.cbStamp[cb] != s.epoch {
		s.lateCodebook(cb)
	}
	if !s.normalize {
		return s.msSenoneScore(sen, cb)
	}
	g := s.g
	var ascore int32
	w := s.mw[sen*g.NFeat*g.NDensity:][:g.NFeat*g.NDensity]
	for f := 0; f < g.NFeat; f++ {
		t := s.topn[(cb*g.NFeat+f)*s.topN:][:s.topN]
		wf := w[f*g.NDensity:][:g.NDensity]
		fden := int32(wf[t[0].cw]) + t[0].score
		for _, e := range t[1:] {
			fden = negLogAdd(fden, int32(wf[e.cw])+e.score)
		}
		ascore += fden
	}
	return ascore
}

// msEvalCB computes the top-N densities of a continuous model's codebook stream as ms_gauden.c
// compute_dist does: full float32 scores, the list sorted best first, a density inserted before equal ones;
// with TopN ≥ the number of densities, all of them in index order (compute_dist_all).
func (s *Scorer) msEvalCB(cb, f int) {
	g := s.g
	t := s.msDist[(cb*g.NFeat+f)*s.topN:][:s.topN]
	n := g.VecLen[f]
	base := g.Offset(cb, f, 0)
	means := g.Mean[base : base+g.NDensity*n]
	precs := s.pre.prec[base : base+g.NDensity*n]
	dets := s.pre.det[(cb*g.NFeat+f)*g.NDensity:][:g.NDensity]
	obs := s.obs[s.obsOff[f]:][:n]
	if len(t) >= len(dets) {
		for d, det := range dets {
			t[d] = msEntry{id: int32(d), dist: gaussScore(det, obs, means[d*n:], precs[d*n:], float32(math.Inf(-1)))}
		}
		return
	}
	for i := range t {
		t[i] = msEntry{id: 0, dist: float32(worstDist)}
	}
	worst := len(t) - 1
	for d, det := range dets {
		thresh := t[worst].dist
		v := gaussScore(det, obs, means[d*n:], precs[d*n:], thresh)
		if v < thresh {
			continue
		}
		i := 0
		for i < len(t) && v < t[i].dist {
			i++
		}
		copy(t[i+1:], t[i:worst])
		t[i] = msEntry{id: int32(d), dist: v}
	}
}

// msLogZero is logmath's zero for shift 10 (MAX_NEG_INT32 >> 12).
const msLogZero = math.MinInt32 >> (SenscrShift + 2)

// msSenoneScore computes a continuous model's senone score as ms_senone.c senone_eval: per stream the
// log-sum (logmath_add, shift 10) of ⌈density/1024⌉ − weight over the top-N, negated and summed over the
// streams. Unlike the tied modules there is no normaliser: the score is an absolute negated log
// likelihood in senone-score units.
func (s *Scorer) msSenoneScore(sen, cb int) int32 {
	g := s.g
	w := s.mw[sen*g.NFeat*g.NDensity:][:g.NFeat*g.NDensity]
	var scr int32
	for f := 0; f < g.NFeat; f++ {
		t := s.msDist[(cb*g.NFeat+f)*s.topN:][:s.topN]
		wf := w[f*g.NDensity:][:g.NDensity]
		fscr := (toInt32(t[0].dist)+(1<<SenscrShift-1))>>SenscrShift - int32(wf[t[0].id])
		for _, e := range t[1:] {
			fw := (toInt32(e.dist)+(1<<SenscrShift-1))>>SenscrShift - int32(wf[e.id])
			fscr = posLogAdd(fscr, fw)
		}
		scr -= fscr
	}
	return scr
}

// posLogAdd is sphinxbase logmath_add for base-1.0001 logs shifted by 10 (larger is more probable).
func posLogAdd(x, y int32) int32 {
	if x <= msLogZero {
		return y
	}
	if y <= msLogZero {
		return x
	}
	d, r := x-y, x
	if d < 0 {
		d, r = -d, y
	}
	if int(d) < len(addTable8) {
		return r + int32(addTable8[d])
	}
	return r
}
