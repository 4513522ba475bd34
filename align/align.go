package align

import (
	"errors"
	"fmt"
	"math"

	"hark/acoustic/sphinx"
)

// Errors of Align. Both wrap ErrAlign.
var (
	// ErrAlign is wrapped by every alignment failure; the caller keeps the decoder's times.
	ErrAlign = errors.New("align: no alignment")
	// ErrNoPron reports a word without a pronunciation in the Lexicon.
	ErrNoPron = fmt.Errorf("%w: word without pronunciation", ErrAlign)
	// ErrNoPath reports that no path survived the beam (even the retry beam) to the end of the utterance,
	// or that the utterance has fewer frames than the words and the SIL at each end take.
	ErrNoPath = fmt.Errorf("%w: no path within the beam", ErrAlign)
)

// Config holds the aligner's options.
type Config struct {
	// Beam prunes, after each frame, the HMM states whose path log likelihood is more than Beam nats below
	// the frame's best (pocketsphinx's -beam 1e-48 is 110.5 nats; the scores are unscaled acoustic and
	// transition log likelihoods, as pocketsphinx's beam compares them).
	Beam float32
	// RetryBeam, when larger than Beam, is the beam of a second attempt when no path survives the first
	// (Kaldi's align --retry-beam, 4 × --beam by default). 0 disables the retry.
	RetryBeam float32
	// CompAllSen evaluates every codebook of the acoustic model in every frame, as the decoder does, so the
	// alignment sees exactly the decoder's senone scores (pocketsphinx's -compallsen). When false, only the
	// codebooks of the states inside the beam are evaluated (much cheaper for tied models; the per-frame
	// normaliser then differs, which shifts every state of a frame alike, but pocketsphinx's cap of
	// MaxNegAscr below the best Gaussian can differ slightly).
	CompAllSen bool
	// SilencePenalty is the cost, in nats (−ln of pocketsphinx's -silprob), of each SIL between two words:
	// a short pause goes to a neighbouring word unless silence fits it better by more than this. The SIL
	// that begins and the one that ends every utterance are free (pocketsphinx's <s> and </s>).
	SilencePenalty float32
	// FillerPenalty is the cost, in nats (−ln of pocketsphinx's -fillprob), of each noise filler (the
	// model's filler phones other than SIL, such as +NSN+ and +SPN+) in a pause or at the ends. +Inf leaves
	// them out.
	FillerPenalty float32
}

// Pocketsphinx's defaults of the penalties that shape its word boundaries: -silprob 0.005 and -fillprob
// 1e-8 (ngram_search_calc_beams: silpen and fillpen are their logs plus -pip's, which is 1.0; unlike the LM
// scores they are not scaled by -lw, so they weigh against the acoustic scores as they are).
const (
	psSilProb  = 0.005
	psFillProb = 1e-8
)

// DefaultConfig returns beam 1e-48 (110.5 nats, pocketsphinx's -beam), retry beam 4 × that, only the
// active codebooks evaluated, and pocketsphinx's pause penalties: a silence between words costs
// −ln(-silprob 0.005) = 5.3 nats, a noise filler anywhere −ln(-fillprob 1e-8) = 18.4 nats. With these and
// the same features (the same CMN), word boundaries on pocketsphinx-testdata's recordings are within 30 ms of
// pocketsphinx_continuous -time yes (recognizer's TestWordTimes); free noise fillers moved boundaries next
// to pauses by up to 100 ms.
func DefaultConfig() Config {
	b := float32(-math.Log(1e-48))
	return Config{
		Beam:           b,
		RetryBeam:      4 * b,
		SilencePenalty: float32(-math.Log(psSilProb)),
		FillerPenalty:  float32(-math.Log(psFillProb)),
	}
}

// Validate checks the options.
func (c Config) Validate() error {
	if !(c.Beam > 0) {
		return fmt.Errorf("align: beam %g must be positive", c.Beam)
	}
	if c.FillerPenalty < 0 || math.IsNaN(float64(c.FillerPenalty)) {
		return fmt.Errorf("align: filler penalty %g must not be negative", c.FillerPenalty)
	}
	if c.SilencePenalty < 0 || math.IsNaN(float64(c.SilencePenalty)) {
		return fmt.Errorf("align: silence penalty %g must not be negative", c.SilencePenalty)
	}
	if c.RetryBeam < 0 || math.IsNaN(float64(c.RetryBeam)) {
		return fmt.Errorf("align: retry beam %g must not be negative", c.RetryBeam)
	}
	return nil
}

// Span is the alignment of one word: frames [Start, End) (End exclusive; one frame is the front end's
// frame shift, 10 ms for Sphinx models).
type Span struct {
	Start, End int32
}

// inst is one HMM (a phone instance) of the alignment graph.
type inst struct {
	slot  int32   // word index in the transcript, -1 for silence
	tmat  int32   //
	enter float32 // log probability of entering the HMM (minus the silence penalty between words)
	start bool    // may begin the utterance
	final bool    // may end it
}

// ctxInst is an instance at a word edge with the context phone that selects it (left context for entries,
// right context for exits).
type ctxInst struct {
	ctx  int32
	inst int32
}

// pronNodes locates one pronunciation's edge instances in the entry and exit arenas.
type pronNodes struct {
	first, last  int32 // first and last CI phone
	ent0, ent1   int32 // a.ents[ent0:ent1]
	exit0, exit1 int32 // a.exits[exit0:exit1]
}

// rec is one entry of the back-pointer table: the path entered slot at frame start, coming from prev.
type rec struct {
	slot  int32
	start int32
	prev  int32
}

// Aligner is a Viterbi forced aligner over the concatenated triphone HMMs of a word sequence: SIL at both
// ends of the utterance (pocketsphinx's <s> and </s>: at least one SIL HMM's worth of frames, 3 for
// en-us), optional pauses (any sequence of SIL and the model's noise fillers, at Config's penalties) next
// to them and between words, every pronunciation of each word, word-position-dependent triphones chosen as
// pocketsphinx's dict2pid chooses them (Mdef.PhoneIDNearest, with SIL as the context at the utterance's
// ends and next to silence, and as the right context of single-phone words), the model's transition
// probabilities, and beam pruning. Word times are the first and last frames of a word's phones on the best
// path.
//
// Memory: arenas reused from one Align call to the next, so nothing is allocated once they have grown to
// the largest utterance: the alignment graph (per word, one HMM per phone plus one per left and right
// context variant of its edge phones, and per pause one HMM per filler phone: about 10 HMMs per word; about
// 35 bytes per HMM, 20 per HMM state and 12 per link), and the back-pointer table of 12 bytes per entry into
// a word or pause that survives the beam (at most frames × word-entry HMMs, in practice a few per frame).
// For a 30-second utterance (3,000 frames, ~80 words) that is well under 1 MB in all. An Aligner is not
// safe for concurrent use; many Aligners may share one Model.
type Aligner struct {
	md      *sphinx.Mdef
	ns      int       // emitting states per HMM
	lp      []float32 // transition log probabilities: matrix m, row i, column j at (m*ns+i)*(ns+1)+j
	sil     int32
	fillers []int32 // SIL, then the model's other filler phones when Config.FillerPenalty allows them
	cfg     Config

	// Alignment graph of the current utterance.
	insts   []inst
	sen     []int32 // senone+1 of instance k's state j at k*ns+j
	edges   []int64 // from<<32 | to, before the CSR build
	succOff []int32
	succ    []int32
	pn      []pronNodes
	pnOff   []int32 // word i's pronunciations are pn[pnOff[i]:pnOff[i+1]]
	ents    []ctxInst
	exits   []ctxInst
	lcs     []int32
	rcs     []int32

	// Viterbi arenas.
	score, nscore []float32
	hist, nhist   []int32
	stamp         []int32 // frame at which the instance's next-frame states were initialised
	entered       []bool  // the instance's first state was last entered from another slot
	act, nact     []int32
	senBuf        []int32
	recs          []rec
	path          []int32
}

// New returns an Aligner for the acoustic model m. The model's HMMs must all have Tmat.NState emitting
// states.
func New(m *sphinx.Model, cfg Config) (*Aligner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	md, tm := m.Mdef, m.Tmat
	if md.Sil < 0 {
		return nil, fmt.Errorf("align: the model has no SIL phone")
	}
	ns := tm.NState
	if ns < 1 {
		return nil, fmt.Errorf("align: %d emitting states per HMM", ns)
	}
	for pid := range md.Phones {
		if n := len(md.Senones(pid)); n != ns {
			return nil, fmt.Errorf("align: phone %s has %d emitting states, the transition matrices %d", md.PhoneName(pid), n, ns)
		}
		if t := md.TmatID(pid); t < 0 || t >= tm.NTmat {
			return nil, fmt.Errorf("align: phone %s has transition matrix %d of %d", md.PhoneName(pid), t, tm.NTmat)
		}
	}
	a := &Aligner{md: md, ns: ns, sil: int32(md.Sil), cfg: cfg, lp: make([]float32, tm.NTmat*ns*(ns+1))}
	a.fillers = append(a.fillers, a.sil)
	for p := range md.NumCIPhones() {
		if md.IsFiller(p) && p != md.Sil && !math.IsInf(float64(cfg.FillerPenalty), 1) {
			a.fillers = append(a.fillers, int32(p))
		}
	}
	for t := 0; t < tm.NTmat; t++ {
		for i := 0; i < ns; i++ {
			for j := 0; j <= ns; j++ {
				a.lp[(t*ns+i)*(ns+1)+j] = float32(tm.LogProb(t, i, j))
			}
		}
	}
	return a, nil
}

// Align aligns the words labels (indices into lex) to the feature frames feats with the scorer sc and
// appends one Span per word to dst. It resets sc and feeds it feats one frame at a time (so sc holds one
// pending frame at most; the caller's decode with sc must be finished). dst is returned; on error it is
// returned unchanged, and the error wraps ErrAlign when the words cannot be aligned (no pronunciation, no
// path within the retry beam).
func (a *Aligner) Align(sc *sphinx.Scorer, feats [][]float32, lex *Lexicon, labels []int32, dst []Span) ([]Span, error) {
	if len(labels) == 0 {
		return dst, nil
	}
	if len(feats) == 0 {
		return dst, fmt.Errorf("%w: %d words in no frames", ErrNoPath, len(labels))
	}
	for _, f := range feats {
		if len(f) != sc.FeatureDim() {
			return dst, fmt.Errorf("align: frame of %d features, the scorer takes %d", len(f), sc.FeatureDim())
		}
	}
	for _, l := range labels {
		if lex.NumProns(l) == 0 {
			return dst, fmt.Errorf("%w: label %d", ErrNoPron, l)
		}
	}
	a.build(lex, labels)
	beam := a.cfg.Beam
	for {
		last, ok := a.viterbi(sc, feats, beam)
		if ok {
			return a.backtrace(last, len(labels), len(feats), dst), nil
		}
		if a.cfg.RetryBeam <= beam {
			return dst, fmt.Errorf("%w: %d words, %d frames, beam %g", ErrNoPath, len(labels), len(feats), beam)
		}
		beam = a.cfg.RetryBeam
	}
}

// NumHMMs returns the number of HMMs in the alignment graph of the last Align call.
func (a *Aligner) NumHMMs() int { return len(a.insts) }

func (a *Aligner) add(pid int, slot int32) int32 {
	a.insts = append(a.insts, inst{slot: slot, tmat: int32(a.md.TmatID(pid))})
	for _, s := range a.md.Senones(pid) {
		a.sen = append(a.sen, int32(s)+1)
	}
	return int32(len(a.insts) - 1)
}

func (a *Aligner) link(from, to int32) { a.edges = append(a.edges, int64(from)<<32|int64(to)) }

// addCtx appends context phone p to dst unless it is there already.
func addCtx(dst []int32, p int32) []int32 {
	for _, q := range dst {
		if q == p {
			return dst
		}
	}
	return append(dst, p)
}

// build makes the alignment graph of labels.
func (a *Aligner) build(lex *Lexicon, labels []int32) {
	md := a.md
	sil := a.sil
	a.insts, a.sen, a.edges = a.insts[:0], a.sen[:0], a.edges[:0]
	a.pn, a.pnOff, a.ents, a.exits = a.pn[:0], append(a.pnOff[:0], 0), a.ents[:0], a.exits[:0]
	for i, l := range labels {
		a.lcs = append(a.lcs[:0], sil)
		a.rcs = append(a.rcs[:0], sil)
		if i > 0 {
			for p := range lex.NumProns(labels[i-1]) {
				ph := lex.Pron(labels[i-1], p)
				a.lcs = addCtx(a.lcs, int32(ph[len(ph)-1]))
			}
		}
		if i+1 < len(labels) {
			for p := range lex.NumProns(labels[i+1]) {
				a.rcs = addCtx(a.rcs, int32(lex.Pron(labels[i+1], p)[0]))
			}
		}
		slot := int32(i)
		for p := range lex.NumProns(l) {
			ph := lex.Pron(l, p)
			n := len(ph)
			pn := pronNodes{first: int32(ph[0]), last: int32(ph[n-1]), ent0: int32(len(a.ents)), exit0: int32(len(a.exits))}
			if n == 1 {
				// A single-phone word is modelled in its left context and SIL as the right, whatever
				// follows (pocketsphinx: a single-phone word's HMM has ci2phone = SIL, dict2pid's
				// ldiph_lc[b][SIL][lc] = the single-position triphone b(lc, SIL)); the next word still sees
				// it as its left context, and the word before it exits in its context.
				for _, lc := range a.lcs {
					x := a.add(md.PhoneIDNearest(int(ph[0]), int(lc), int(sil), sphinx.PosSingle), slot)
					a.ents = append(a.ents, ctxInst{lc, x})
					for _, rc := range a.rcs {
						a.exits = append(a.exits, ctxInst{rc, x})
					}
				}
			} else {
				for _, lc := range a.lcs {
					x := a.add(md.PhoneIDNearest(int(ph[0]), int(lc), int(ph[1]), sphinx.PosBegin), slot)
					a.ents = append(a.ents, ctxInst{lc, x})
				}
				prev0, prev1 := pn.ent0, int32(len(a.ents)) // the previous phone's instances: ents[prev0:prev1]
				prevMid := int32(-1)                        // or this one
				for k := 1; k < n-1; k++ {
					x := a.add(md.PhoneIDNearest(int(ph[k]), int(ph[k-1]), int(ph[k+1]), sphinx.PosInternal), slot)
					a.linkPrev(prev0, prev1, prevMid, x)
					prev0, prev1, prevMid = 0, 0, x
				}
				for _, rc := range a.rcs {
					x := a.add(md.PhoneIDNearest(int(ph[n-1]), int(ph[n-2]), int(rc), sphinx.PosEnd), slot)
					a.exits = append(a.exits, ctxInst{rc, x})
					a.linkPrev(prev0, prev1, prevMid, x)
				}
			}
			pn.ent1, pn.exit1 = int32(len(a.ents)), int32(len(a.exits))
			a.pn = append(a.pn, pn)
		}
		a.pnOff = append(a.pnOff, int32(len(a.pn)))
	}
	// The utterance begins with SIL (pocketsphinx's <s>), then any pause, then the first word, entered in
	// SIL context.
	g0, g1 := a.addGap(0, true, false)
	for _, pn := range a.pn[a.pnOff[0]:a.pnOff[1]] {
		for _, e := range a.ents[pn.ent0:pn.ent1] {
			if e.ctx == sil {
				for g := g0; g < g1; g++ {
					a.link(g, e.inst)
				}
			}
		}
	}
	for i := 0; i+1 < len(labels); i++ {
		g0, g1 := a.addGap(a.cfg.SilencePenalty, false, false)
		cur, next := a.pn[a.pnOff[i]:a.pnOff[i+1]], a.pn[a.pnOff[i+1]:a.pnOff[i+2]]
		for _, pa := range cur {
			for _, x := range a.exits[pa.exit0:pa.exit1] {
				if x.ctx == sil {
					for g := g0; g < g1; g++ {
						a.link(x.inst, g)
					}
				}
				// Directly into the next word, each edge phone in the other's context.
				for _, pb := range next {
					if x.ctx != pb.first {
						continue
					}
					for _, y := range a.ents[pb.ent0:pb.ent1] {
						if y.ctx == pa.last {
							a.link(x.inst, y.inst)
						}
					}
				}
			}
		}
		for _, pb := range next {
			for _, y := range a.ents[pb.ent0:pb.ent1] {
				if y.ctx == sil {
					for g := g0; g < g1; g++ {
						a.link(g, y.inst)
					}
				}
			}
		}
	}
	// The last word, exiting in SIL context, then any pause ending in SIL (pocketsphinx's </s>).
	g0, g1 = a.addGap(0, false, true)
	last := len(labels) - 1
	for _, pn := range a.pn[a.pnOff[last]:a.pnOff[last+1]] {
		for _, x := range a.exits[pn.exit0:pn.exit1] {
			if x.ctx == sil {
				for g := g0; g < g1; g++ {
					a.link(x.inst, g)
				}
			}
		}
	}
	// Successor lists (CSR), by counting.
	n := len(a.insts)
	a.succOff = grow(a.succOff, n+1)
	clear(a.succOff)
	for _, e := range a.edges {
		a.succOff[e>>32+1]++
	}
	for k := 0; k < n; k++ {
		a.succOff[k+1] += a.succOff[k]
	}
	a.succ = grow(a.succ, len(a.edges))
	a.nact = grow(a.nact, n) // scratch fill pointers
	copy(a.nact, a.succOff[:n])
	for _, e := range a.edges {
		from := e >> 32
		a.succ[a.nact[from]] = int32(e & 0xffffffff)
		a.nact[from]++
	}
}

// addGap adds the HMMs of one pause: SIL (entered at the cost silPen) and the model's other filler phones
// (noise, at Config.FillerPenalty), each of which may follow any other; it returns their instance range.
// With start (final), the pause's SIL may begin (end) the utterance.
func (a *Aligner) addGap(silPen float32, start, final bool) (g0, g1 int32) {
	g0 = int32(len(a.insts))
	for _, f := range a.fillers {
		x := a.add(int(f), -1)
		in := &a.insts[x]
		in.start, in.final = start && f == a.sil, final && f == a.sil
		in.enter = -a.cfg.FillerPenalty
		if f == a.sil {
			in.enter = -silPen
		}
	}
	g1 = int32(len(a.insts))
	for x := g0; x < g1; x++ {
		for y := g0; y < g1; y++ {
			a.link(x, y)
		}
	}
	return g0, g1
}

// linkPrev links the previous phone's instances (ents[p0:p1], or mid when it is not -1) to x.
func (a *Aligner) linkPrev(p0, p1, mid, x int32) {
	if mid >= 0 {
		a.link(mid, x)
		return
	}
	for _, e := range a.ents[p0:p1] {
		a.link(e.inst, x)
	}
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

var negInf = float32(math.Inf(-1))

// viterbi runs the beam-pruned Viterbi search over all frames. It returns the back-pointer record of the
// best final path, and false when no path reaches a final HMM's exit.
func (a *Aligner) viterbi(sc *sphinx.Scorer, feats [][]float32, beam float32) (int32, bool) {
	ns := a.ns
	n := len(a.insts)
	a.score, a.nscore = grow(a.score, n*ns), grow(a.nscore, n*ns)
	a.hist, a.nhist = grow(a.hist, n*ns), grow(a.nhist, n*ns)
	a.stamp, a.entered = grow(a.stamp, n), grow(a.entered, n)
	for k := range a.stamp {
		a.stamp[k] = -1
	}
	a.act, a.nact = a.act[:0], a.nact[:0]
	a.recs = a.recs[:0]
	sc.Reset()

	// Frame 0: the start HMMs' first states.
	for k := range a.insts {
		if a.insts[k].start {
			a.touch(int32(k), 0)
			a.nscore[k*ns] = a.insts[k].enter
			a.nhist[k*ns] = -1
			a.entered[k] = true
		}
	}
	if err := sc.AcceptFrame(feats[0]); err != nil {
		return 0, false
	}
	if !a.finishFrame(sc, 0, beam) {
		return 0, false
	}
	for t := 1; t < len(feats); t++ {
		if err := sc.AcceptFrame(feats[t]); err != nil {
			return 0, false
		}
		a.advance(t)
		if !a.finishFrame(sc, t, beam) {
			return 0, false
		}
	}
	best, arg := negInf, int32(-1)
	for _, k := range a.act {
		in := a.insts[k]
		if !in.final {
			continue
		}
		lp := a.lp[int(in.tmat)*ns*(ns+1):]
		for i := 0; i < ns; i++ {
			if v := a.score[int(k)*ns+i] + lp[i*(ns+1)+ns]; v > best {
				best, arg = v, a.hist[int(k)*ns+i]
			}
		}
	}
	return arg, best > negInf
}

// touch makes instance k active in the next frame t, its states at -Inf.
func (a *Aligner) touch(k int32, t int) {
	if a.stamp[k] == int32(t) {
		return
	}
	a.stamp[k] = int32(t)
	ns := a.ns
	for j := 0; j < ns; j++ {
		a.nscore[int(k)*ns+j] = negInf
	}
	a.entered[k] = false
	a.nact = append(a.nact, k)
}

// advance relaxes the transitions from frame t-1's states (score) into frame t's (nscore): within each
// active HMM (self-loops, next state, skip) and from each HMM's exit into its successors' first states.
func (a *Aligner) advance(t int) {
	ns := a.ns
	for _, k := range a.act {
		a.touch(k, t)
		base := int(k) * ns
		in := a.insts[k]
		lp := a.lp[int(in.tmat)*ns*(ns+1):][:ns*(ns+1)]
		src := a.score[base : base+ns]
		dst := a.nscore[base : base+ns]
		for j := 0; j < ns; j++ {
			for i := max(0, j-2); i <= j; i++ {
				if v := src[i] + lp[i*(ns+1)+j]; v > dst[j] {
					dst[j] = v
					a.nhist[base+j] = a.hist[base+i]
					if j == 0 {
						a.entered[k] = false
					}
				}
			}
		}
		e, eh := negInf, int32(-1)
		for i := max(0, ns-2); i < ns; i++ {
			if v := src[i] + lp[i*(ns+1)+ns]; v > e {
				e, eh = v, a.hist[base+i]
			}
		}
		if e == negInf {
			continue
		}
		for _, m := range a.succ[a.succOff[k]:a.succOff[k+1]] {
			a.touch(m, t)
			if v := e + a.insts[m].enter; v > a.nscore[int(m)*ns] {
				a.nscore[int(m)*ns] = v
				a.nhist[int(m)*ns] = eh
				a.entered[m] = a.insts[m].slot != in.slot
			}
		}
	}
}

// finishFrame adds frame t's emission log likelihoods to the next-frame states, prunes them to the beam,
// records word and silence entries in the back-pointer table and makes the next frame current. It returns
// false when no state survives.
func (a *Aligner) finishFrame(sc *sphinx.Scorer, t int, beam float32) bool {
	ns := a.ns
	if !a.cfg.CompAllSen {
		a.senBuf = a.senBuf[:0]
		for _, k := range a.nact {
			for j := int(k) * ns; j < int(k+1)*ns; j++ {
				if a.nscore[j] > negInf {
					a.senBuf = append(a.senBuf, a.sen[j])
				}
			}
		}
		sc.SetActiveSenones(t, a.senBuf)
	}
	best := negInf
	for _, k := range a.nact {
		for j := int(k) * ns; j < int(k+1)*ns; j++ {
			if a.nscore[j] > negInf {
				a.nscore[j] += sc.LogLikelihood(t, a.sen[j])
				best = max(best, a.nscore[j])
			}
		}
	}
	if best == negInf {
		return false
	}
	thr := best - beam
	kept := a.nact[:0]
	for _, k := range a.nact {
		alive := false
		for j := int(k) * ns; j < int(k+1)*ns; j++ {
			if a.nscore[j] < thr {
				a.nscore[j] = negInf
			} else {
				alive = true
			}
		}
		if !alive {
			a.stamp[k] = -1
			continue
		}
		kept = append(kept, k)
		if a.entered[k] && a.nscore[int(k)*ns] > negInf {
			a.recs = append(a.recs, rec{slot: a.insts[k].slot, start: int32(t), prev: a.nhist[int(k)*ns]})
			a.nhist[int(k)*ns] = int32(len(a.recs) - 1)
		}
	}
	a.nact = kept
	a.score, a.nscore = a.nscore, a.score
	a.hist, a.nhist = a.nhist, a.hist
	a.act, a.nact = a.nact, a.act[:0]
	return true
}

// backtrace follows the back-pointer records from r and appends the spans of nWords words to dst.
func (a *Aligner) backtrace(r int32, nWords, nFrames int, dst []Span) []Span {
	a.path = a.path[:0]
	for ; r >= 0; r = a.recs[r].prev {
		a.path = append(a.path, r)
	}
	off := len(dst)
	for range nWords {
		dst = append(dst, Span{-1, -1})
	}
	end := int32(nFrames)
	for _, r := range a.path { // last record first
		rc := a.recs[r]
		if rc.slot >= 0 {
			dst[off+int(rc.slot)] = Span{Start: rc.start, End: end}
		}
		end = rc.start
	}
	return dst
}
