package hmm

import (
	"errors"
	"fmt"
	"strings"

	"hark/wfst"
)

// ErrSymbols reports a phone symbol table that does not fit the model.
var ErrSymbols = errors.New("hmm: bad phone symbol")

// Position suffixes of phone symbols (Kaldi's word-position-dependent phones), indexed by Pos*.
var posSuffix = [4]string{"_I", "_B", "_E", "_S"}

// PhoneSymbol returns the symbol of base phone name at word position wpos (Pos*): "AH_B", "AH_I", ...
func PhoneSymbol(name string, wpos int) string { return name + posSuffix[wpos] }

// phoneKind classifies a phone label of C's output alphabet.
type phoneKind uint8

const (
	kindNone     phoneKind = iota // not a symbol of the table
	kindTagged                    // a base phone with a word position
	kindCI                        // silence or filler: context-independent
	kindDisambig                  // #0, #1, ...
)

type phoneInfo struct {
	kind phoneKind
	ci   int16 // base CI phone (kindTagged, kindCI)
	pos  int8  // word position (kindTagged)
	ctx  int16 // the phone as context of its neighbours: ci, or silence for fillers
	dis  int32 // CLG label of a disambiguation symbol
}

// TiedHMM is one C input label: a phone symbol (with its word position) and the HMM it uses in context, a
// transition matrix and the senones of its emitting states. Triphones of one phone symbol that share both
// (Sphinx ties many) share one TiedHMM. The phone symbol is part of the label, as Kaldi's transition ids
// carry the phone, so that H∘CLG stays functional (two word sequences never share an input string) even
// where the model ties the HMMs of different word positions.
type TiedHMM struct {
	Phone   wfst.Label // phone symbol (C's output / L's input)
	Tmat    int32
	Senones []int32
	FirstID int32 // transition id of the first emitting state (see Context.TransitionID)
}

// Context is C's alphabet for one model and one phone symbol table: it maps phone labels (C's output, L's
// input) to base phones and word positions, and C's input labels (CLG's input) to tied HMMs or
// disambiguation symbols. CLG input labels: 1..NumDisambig() are disambiguation symbols (1 is Kaldi's #-1,
// the start-of-utterance symbol; 2+k is the k-th phone-level disambiguation symbol in table order);
// NumDisambig()+1.. are tied HMMs, in order of first use. Memory: one entry per phone symbol, one per tied
// HMM used, and a dense triphone memo of NumCIPhones² × phone symbols int32s. Not safe for concurrent use
// while ComposeContext runs.
type Context struct {
	model     Model
	phones    []phoneInfo // by phone label
	phoneSyms *wfst.SymbolTable
	nci       int
	sil       int
	disNames  []string // CLG disambiguation labels 1..: names
	hmms      []TiedHMM
	hmmIndex  map[string]int32
	memo      []int32 // [left][center label][right] → CLG label, 0 = not computed
	numTids   int
	keyBuf    []byte
}

// NewContext builds C's alphabet for model m from the phone symbol table of L's input. Every symbol must be
// "<eps>" (key 0), a disambiguation symbol ("#..."), a filler/silence CI phone of the model, or a base phone
// of the model with a position suffix (_B, _I, _E, _S).
func NewContext(m Model, phoneSyms *wfst.SymbolTable) (*Context, error) {
	nci := m.NumCIPhones()
	if nci <= 0 || nci > 32767 {
		return nil, fmt.Errorf("%w: model has %d CI phones", ErrSymbols, nci)
	}
	byName := make(map[string]int, nci)
	for ci := 0; ci < nci; ci++ {
		byName[m.CIPhoneName(ci)] = ci
	}
	sil := m.SilencePhone()
	maxKey := int64(0)
	for _, k := range phoneSyms.Keys() {
		if k < 0 || k > 1<<20 {
			return nil, fmt.Errorf("%w: key %d out of range", ErrSymbols, k)
		}
		maxKey = max(maxKey, k)
	}
	c := &Context{model: m, phoneSyms: phoneSyms, nci: nci, sil: sil, phones: make([]phoneInfo, maxKey+1),
		disNames: []string{"#-1"}, hmmIndex: map[string]int32{}}
	var disKeys []int64
	for _, k := range phoneSyms.Keys() {
		name, _ := phoneSyms.Symbol(k)
		if k == 0 {
			continue
		}
		if strings.HasPrefix(name, "#") {
			disKeys = append(disKeys, k)
			continue
		}
		if ci, ok := byName[name]; ok && m.IsFiller(ci) {
			ctx := ci
			if sil >= 0 {
				ctx = sil
			}
			c.phones[k] = phoneInfo{kind: kindCI, ci: int16(ci), ctx: int16(ctx)}
			continue
		}
		pos := -1
		for p, suf := range posSuffix {
			if strings.HasSuffix(name, suf) {
				pos = p
			}
		}
		if pos < 0 {
			return nil, fmt.Errorf("%w: %q has no word-position suffix and is not a filler phone", ErrSymbols, name)
		}
		ci, ok := byName[name[:len(name)-2]]
		if !ok {
			return nil, fmt.Errorf("%w: %q: base phone not in the model", ErrSymbols, name)
		}
		if m.IsFiller(ci) {
			return nil, fmt.Errorf("%w: %q: filler phones take no position suffix", ErrSymbols, name)
		}
		c.phones[k] = phoneInfo{kind: kindTagged, ci: int16(ci), pos: int8(pos), ctx: int16(ci)}
	}
	for _, k := range disKeys {
		name, _ := phoneSyms.Symbol(k)
		c.disNames = append(c.disNames, name)
		c.phones[k] = phoneInfo{kind: kindDisambig, dis: int32(len(c.disNames))}
	}
	c.memo = make([]int32, nci*len(c.phones)*nci)
	return c, nil
}

// NumDisambig returns the number of disambiguation labels of CLG's input (#-1 and the phone-level ones).
func (c *Context) NumDisambig() int { return len(c.disNames) }

// NumHMMs returns the number of tied HMMs used so far.
func (c *Context) NumHMMs() int { return len(c.hmms) }

// NumILabels returns the largest CLG input label in use.
func (c *Context) NumILabels() int { return len(c.disNames) + len(c.hmms) }

// IsDisambig reports whether CLG input label l is a disambiguation symbol.
func (c *Context) IsDisambig(l wfst.Label) bool { return l >= 1 && int(l) <= len(c.disNames) }

// DisambigName returns the name of disambiguation label l ("#-1", "#0", ...).
func (c *Context) DisambigName(l wfst.Label) string { return c.disNames[l-1] }

// HMM returns the tied HMM of CLG input label l (l > NumDisambig()). The Senones slice is shared: do not
// modify it.
func (c *Context) HMM(l wfst.Label) TiedHMM { return c.hmms[int(l)-len(c.disNames)-1] }

// Model returns the model the context was built for.
func (c *Context) Model() Model { return c.model }

// NumTransitionIDs returns the number of transition ids: one per emitting state of each tied HMM used.
func (c *Context) NumTransitionIDs() int { return c.numTids }

// TransitionID returns the transition id (1-based) of emitting state j of the HMM of CLG label l: the input
// label of H's arcs leaving that state before MapToSenones. Like Kaldi's transition ids it identifies the
// phone symbol as well as the senone, which keeps H∘CLG functional.
func (c *Context) TransitionID(l wfst.Label, j int) wfst.Label {
	return wfst.Label(c.HMM(l).FirstID) + wfst.Label(j)
}

// ILabelSymbols returns a symbol table naming CLG's input labels (for printing and debugging): the
// disambiguation symbols by name, tied HMMs as "<phone>:<tmat>:<senones>".
func (c *Context) ILabelSymbols() *wfst.SymbolTable {
	t := wfst.NewSymbolTable("clg-ilabels")
	t.AddWithKey("<eps>", 0)
	for i, n := range c.disNames {
		t.AddWithKey(n, int64(i+1))
	}
	for i, h := range c.hmms {
		var b strings.Builder
		ph, _ := c.phoneSyms.Symbol(int64(h.Phone))
		fmt.Fprintf(&b, "%s:%d", ph, h.Tmat)
		for _, s := range h.Senones {
			fmt.Fprintf(&b, ":%d", s)
		}
		t.AddWithKey(b.String(), int64(len(c.disNames)+i+1))
	}
	return t
}

// hmmLabel returns the CLG label of phone label center between context phones left and right (CI ids).
func (c *Context) hmmLabel(left int, center wfst.Label, right int) (wfst.Label, error) {
	idx := (left*len(c.phones)+int(center))*c.nci + right
	if l := c.memo[idx]; l != 0 {
		return wfst.Label(l), nil
	}
	p := c.phones[center]
	var pid int
	switch p.kind {
	case kindCI:
		pid = int(p.ci)
	case kindTagged:
		pid = c.model.PhoneIDNearest(int(p.ci), left, right, int(p.pos))
	default:
		return 0, fmt.Errorf("%w: label %d is not a phone", ErrSymbols, center)
	}
	sen := c.model.SenoneSeq(pid)
	tm := c.model.TmatID(pid)
	if len(sen) == 0 {
		return 0, fmt.Errorf("%w: phone %d has no emitting states", ErrTopology, pid)
	}
	key := c.keyBuf[:0]
	key = fmt.Appendf(key, "%d:%d", center, tm)
	for _, s := range sen {
		if s < 0 || s >= c.model.NumSenones() {
			return 0, fmt.Errorf("%w: phone %d has senone %d of %d", ErrTopology, pid, s, c.model.NumSenones())
		}
		key = fmt.Appendf(key, ",%d", s)
	}
	c.keyBuf = key
	h, ok := c.hmmIndex[string(key)]
	if !ok {
		s32 := make([]int32, len(sen))
		for i, s := range sen {
			s32[i] = int32(s)
		}
		c.hmms = append(c.hmms, TiedHMM{Phone: center, Tmat: int32(tm), Senones: s32, FirstID: int32(c.numTids + 1)})
		c.numTids += len(s32)
		h = int32(len(c.disNames) + len(c.hmms))
		c.hmmIndex[string(key)] = h
	}
	c.memo[idx] = h
	return wfst.Label(h), nil
}

// leftFor returns the left context to keep in a C state whose pending phone is center: context-independent
// phones ignore it, so it is canonicalised to silence to keep C's states few.
func (c *Context) leftFor(left int16, center wfst.Label, silCtx int) int16 {
	if c.phones[center].kind == kindCI {
		return int16(silCtx)
	}
	return left
}

// noCenter marks a C state that has not read a phone yet.
const noCenter = 0

// ComposeContext returns CLG = C ∘ LG without building C (Kaldi's ComposeContext with context width 3,
// central position 1): LG's input labels are phone symbols of the context's table, CLG's are the context's
// labels (tied HMMs and disambiguation symbols), output labels and weights are LG's.
//
// A CLG state is (left context, pending phone, LG state): each phone is emitted as its HMM when the next
// phone (its right context) is read, so C delays by one phone. The first phone of an utterance emits #-1
// (kept as a disambiguation symbol through determinization, as in Kaldi); at a final LG state the pending
// phone is flushed with right context SIL by an arc with epsilon output into one super-final state. Silence
// and fillers are context-independent and act as SIL context for their neighbours; the utterance starts and
// ends in SIL context. LG epsilon inputs and disambiguation symbols pass through without moving C.
//
// Memory: the output, plus a map of 16 bytes per CLG state.
func ComposeContext(lg wfst.Expanded, c *Context) (*wfst.Vector, error) {
	out := wfst.NewVector(lg.Semiring())
	if lg.Start() == wfst.NoStateID {
		return out, nil
	}
	silCtx := c.sil
	if silCtx < 0 {
		silCtx = 0
	}
	type tuple struct {
		left   int16
		center wfst.Label
		q      wfst.StateID
	}
	ids := map[tuple]wfst.StateID{}
	var queue []tuple
	get := func(t tuple) wfst.StateID {
		if id, ok := ids[t]; ok {
			return id
		}
		id := out.AddState()
		ids[t] = id
		queue = append(queue, t)
		return id
	}
	start := get(tuple{left: int16(silCtx), center: noCenter, q: lg.Start()})
	out.SetStart(start)
	end := wfst.NoStateID
	for i := 0; i < len(queue); i++ {
		t := queue[i]
		src := ids[t]
		for _, a := range lg.Arcs(t.q) {
			if int(a.ILabel) >= len(c.phones) || a.ILabel < 0 {
				return nil, fmt.Errorf("%w: LG input label %d not in the phone table", ErrSymbols, a.ILabel)
			}
			p := c.phones[a.ILabel]
			switch {
			case a.ILabel == wfst.Epsilon:
				out.AddArc(src, wfst.Arc{OLabel: a.OLabel, Weight: a.Weight, NextState: get(tuple{t.left, t.center, a.NextState})})
			case p.kind == kindDisambig:
				out.AddArc(src, wfst.Arc{ILabel: wfst.Label(p.dis), OLabel: a.OLabel, Weight: a.Weight, NextState: get(tuple{t.left, t.center, a.NextState})})
			case p.kind == kindNone:
				return nil, fmt.Errorf("%w: LG input label %d not in the phone table", ErrSymbols, a.ILabel)
			case t.center == noCenter:
				out.AddArc(src, wfst.Arc{ILabel: 1, OLabel: a.OLabel, Weight: a.Weight,
					NextState: get(tuple{c.leftFor(t.left, a.ILabel, silCtx), a.ILabel, a.NextState})})
			default:
				h, err := c.hmmLabel(int(t.left), t.center, int(p.ctx))
				if err != nil {
					return nil, err
				}
				left := c.phones[t.center].ctx
				out.AddArc(src, wfst.Arc{ILabel: h, OLabel: a.OLabel, Weight: a.Weight,
					NextState: get(tuple{c.leftFor(left, a.ILabel, silCtx), a.ILabel, a.NextState})})
			}
		}
		if fw := lg.Final(t.q); !wfst.IsZero(fw) {
			if t.center == noCenter {
				out.SetFinal(src, fw)
				continue
			}
			h, err := c.hmmLabel(int(t.left), t.center, silCtx)
			if err != nil {
				return nil, err
			}
			if end == wfst.NoStateID {
				end = out.AddState()
				out.SetFinal(end, wfst.One)
			}
			out.AddArc(src, wfst.Arc{ILabel: h, Weight: fw, NextState: end})
		}
	}
	return out, nil
}
