package hmm

import (
	"fmt"
	"math"

	"hark/wfst"
)

// HConfig holds the options of H (Kaldi's HTransducerConfig).
type HConfig struct {
	// TransitionScale scales the forward transition costs of H (Kaldi's --transition-scale, default 1.0).
	TransitionScale float32
}

// DefaultHConfig returns Kaldi's defaults.
func DefaultHConfig() HConfig { return HConfig{TransitionScale: 1.0} }

// Validate checks the options.
func (c HConfig) Validate() error {
	if !(c.TransitionScale >= 0) || math.IsInf(float64(c.TransitionScale), 0) {
		return fmt.Errorf("hmm: transition scale %g must be a finite number ≥ 0", c.TransitionScale)
	}
	return nil
}

// DisambigLabel returns the H input label of CLG disambiguation label d: NumTransitionIDs() + d, after the
// transition ids. These labels exist only before MapToSenones.
func (c *Context) DisambigLabel(d wfst.Label) wfst.Label { return wfst.Label(c.numTids) + d }

// checkHMM verifies that a tied HMM fits its transition matrix.
func checkHMM(h TiedHMM, tr *Transitions) error {
	if int(h.Tmat) < 0 || int(h.Tmat) >= tr.NumMatrices() {
		return fmt.Errorf("%w: tmat %d of %d", ErrTopology, h.Tmat, tr.NumMatrices())
	}
	if tr.NumStates(int(h.Tmat)) != len(h.Senones) {
		return fmt.Errorf("%w: tmat %d has %d states, HMM has %d senones", ErrTopology, h.Tmat, tr.NumStates(int(h.Tmat)), len(h.Senones))
	}
	return nil
}

// ExpandH returns H ∘ CLG without self-loops and without building H: each CLG arc whose input is a tied HMM
// becomes that HMM's left-to-right chain of emitting arcs (one new state per emitting state after the
// first), each labelled with the transition id of the state it leaves (TransitionID), with cost
// TransitionScale × ForwardCost; the CLG arc's output label and cost go on the arcs leaving its first
// state. Disambiguation labels d become DisambigLabel(d) and epsilons stay epsilons. The result equals
// Compose(HTransducer(...), clg) up to state numbering; MapToSenones turns its labels into senone+1.
func ExpandH(clg wfst.Expanded, c *Context, tr *Transitions, cfg HConfig) (*wfst.Vector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := wfst.NewVector(clg.Semiring())
	n := clg.NumStates()
	for i := 0; i < c.NumHMMs(); i++ {
		if err := checkHMM(c.hmms[i], tr); err != nil {
			return nil, err
		}
	}
	// One new state per emitting state after the first of every HMM arc: reserve them all at once.
	total := n
	for s := 0; s < n; s++ {
		for _, a := range clg.Arcs(wfst.StateID(s)) {
			if int(a.ILabel) > c.NumDisambig() && int(a.ILabel) <= c.NumILabels() {
				total += len(c.HMM(a.ILabel).Senones) - 1
			}
		}
	}
	out.ReserveStates(total)
	out.AddStates(n)
	out.SetStart(clg.Start())
	var inner []wfst.StateID
	for s := 0; s < n; s++ {
		src := wfst.StateID(s)
		out.SetFinal(src, clg.Final(src))
		out.ReserveArcs(src, len(clg.Arcs(src)))
		for _, a := range clg.Arcs(src) {
			switch {
			case a.ILabel == wfst.Epsilon:
				out.AddArc(src, a)
				continue
			case c.IsDisambig(a.ILabel):
				a.ILabel = c.DisambigLabel(a.ILabel)
				out.AddArc(src, a)
				continue
			case int(a.ILabel) > c.NumILabels():
				return nil, fmt.Errorf("%w: CLG input label %d not in the context", ErrSymbols, a.ILabel)
			}
			h := c.HMM(a.ILabel)
			m := int(h.Tmat)
			k := len(h.Senones)
			// nodes: 0 = src, 1..k-1 new, k = a.NextState
			inner = inner[:0]
			inner = append(inner, src)
			for j := 1; j < k; j++ {
				inner = append(inner, out.AddState())
			}
			inner = append(inner, a.NextState)
			for i := 0; i < k; i++ {
				for j := i + 1; j <= k; j++ {
					if tr.Prob(m, i, j) == 0 {
						continue
					}
					arc := wfst.Arc{ILabel: wfst.Label(h.FirstID) + wfst.Label(i), Weight: cfg.TransitionScale * tr.ForwardCost(m, i, j), NextState: inner[j]}
					if i == 0 {
						arc.OLabel = a.OLabel
						arc.Weight += a.Weight
					}
					out.AddArc(inner[i], arc)
				}
			}
		}
	}
	return out, nil
}

// HTransducer returns H for the tied HMMs of c as an explicit FST without self-loops (Kaldi's
// GetHTransducer): input transition ids (and DisambigLabel for disambiguation symbols), output CLG input
// labels. State 0 is the start and the only final state; every HMM is a chain from 0 back to 0 whose first
// arcs output the HMM's CLG label. Composing it with CLG gives what ExpandH gives.
func HTransducer(c *Context, tr *Transitions, cfg HConfig) (*wfst.Vector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := wfst.NewVector(wfst.Tropical)
	s0 := h.AddState()
	h.SetStart(s0)
	h.SetFinal(s0, wfst.One)
	for d := 1; d <= c.NumDisambig(); d++ {
		h.AddArc(s0, wfst.Arc{ILabel: c.DisambigLabel(wfst.Label(d)), OLabel: wfst.Label(d), NextState: s0})
	}
	var nodes []wfst.StateID
	for i, hm := range c.hmms {
		if err := checkHMM(hm, tr); err != nil {
			return nil, err
		}
		lab := wfst.Label(c.NumDisambig() + i + 1)
		k := len(hm.Senones)
		nodes = append(nodes[:0], s0)
		for j := 1; j < k; j++ {
			nodes = append(nodes, h.AddState())
		}
		nodes = append(nodes, s0)
		m := int(hm.Tmat)
		for a := 0; a < k; a++ {
			for b := a + 1; b <= k; b++ {
				if tr.Prob(m, a, b) == 0 {
					continue
				}
				arc := wfst.Arc{ILabel: wfst.Label(hm.FirstID) + wfst.Label(a), Weight: cfg.TransitionScale * tr.ForwardCost(m, a, b), NextState: nodes[b]}
				if a == 0 {
					arc.OLabel = lab
				}
				h.AddArc(nodes[a], arc)
			}
		}
	}
	return h, nil
}

// SelfLoopProbs returns, for each acoustic label l = senone+1 (index l-1), the self-loop probability of the
// HMM state that senone belongs to, over the tied HMMs used so far; NaN for senones no HMM uses. It fails
// if one senone appears in states with different self-loop probabilities (a model whose senones are
// shared across transition matrices would need Kaldi's transition ids instead of senone labels).
func (c *Context) SelfLoopProbs(tr *Transitions) ([]float64, error) {
	p := make([]float64, c.model.NumSenones())
	for i := range p {
		p[i] = math.NaN()
	}
	for _, h := range c.hmms {
		if err := checkHMM(h, tr); err != nil {
			return nil, err
		}
		for j, s := range h.Senones {
			v := tr.SelfLoop(int(h.Tmat), j)
			if old := p[s]; !math.IsNaN(old) && old != v {
				return nil, fmt.Errorf("%w: senone %d has self-loop probabilities %g and %g", ErrTopology, s, old, v)
			}
			p[s] = v
		}
	}
	return p, nil
}

// MapToSenones relabels the input of an FST built by ExpandH (after determinization and minimization):
// transition ids become senone+1 (HCLG's acoustic labels) and disambiguation labels become epsilon, as
// Kaldi's fstrmsymbols does with disambig_tid.int. It returns how many disambiguation arcs it removed.
func MapToSenones(f *wfst.Vector, c *Context) (int, error) {
	sen := make([]wfst.Label, c.numTids+1)
	for _, h := range c.hmms {
		for j, s := range h.Senones {
			sen[int(h.FirstID)+j] = wfst.Label(s + 1)
		}
	}
	removed := 0
	for s := 0; s < f.NumStates(); s++ {
		arcs := f.Arcs(wfst.StateID(s))
		na := make([]wfst.Arc, len(arcs))
		copy(na, arcs)
		for i := range na {
			l := na[i].ILabel
			switch {
			case l == wfst.Epsilon:
			case l < 0 || int(l) > c.numTids+c.NumDisambig():
				return 0, fmt.Errorf("%w: input label %d is neither a transition id nor a disambiguation label", ErrSymbols, l)
			case int(l) > c.numTids:
				na[i].ILabel = wfst.Epsilon
				removed++
			default:
				na[i].ILabel = sen[l]
			}
		}
		f.SetArcs(wfst.StateID(s), na)
	}
	return removed, nil
}

// AddSelfLoops adds the HMM self-loops to an HCLG built without them (Kaldi's add-self-loops with
// --reorder=true): a state entered by arcs labelled l (senone+1) gets a self-loop labelled l with cost
// -scale·ln p(l), and -scale·ln(1 − p(l)) is added to its other arcs and to its final weight, so that with
// scale 1 and H's renormalised forward costs every path carries exactly the model's transition
// probabilities. loopProb[l-1] is the self-loop probability of label l (SelfLoopProbs); labels outside it
// or with NaN get no self-loop. A state entered by arcs with different labels (or by epsilon arcs or as the
// start state as well as by labelled arcs) is first split into one copy per entering label, so each copy
// has one self-loop (Kaldi's MakePrecedingInputSymbolsSame). Returns the number of states added.
func AddSelfLoops(f *wfst.Vector, loopProb []float64, scale float32) (int, error) {
	if !(scale >= 0) || math.IsInf(float64(scale), 0) {
		return 0, fmt.Errorf("hmm: self-loop scale %g must be a finite number ≥ 0", scale)
	}
	n := f.NumStates()
	const none = wfst.Label(0) // start state, epsilon-entered, or no loop
	class := func(l wfst.Label) wfst.Label {
		if l <= 0 || int(l) > len(loopProb) || math.IsNaN(loopProb[l-1]) {
			return none
		}
		return l
	}
	primary := make([]wfst.Label, n)
	seen := make([]bool, n)
	type key struct {
		s wfst.StateID
		l wfst.Label
	}
	copies := map[key]wfst.StateID{}
	var order []key
	if st := f.Start(); st != wfst.NoStateID {
		primary[st], seen[st] = none, true
	}
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(wfst.StateID(s)) {
			q, l := a.NextState, class(a.ILabel)
			if !seen[q] {
				primary[q], seen[q] = l, true
				continue
			}
			if primary[q] != l {
				k := key{q, l}
				if _, ok := copies[k]; !ok {
					copies[k] = wfst.NoStateID
					order = append(order, k)
				}
			}
		}
	}
	for _, k := range order {
		c := f.AddState()
		copies[k] = c
		f.SetFinal(c, f.Final(k.s))
		f.SetArcs(c, append([]wfst.Arc(nil), f.Arcs(k.s)...))
		primary = append(primary, k.l)
	}
	total := f.NumStates()
	for s := 0; s < total; s++ {
		arcs := f.Arcs(wfst.StateID(s))
		na := make([]wfst.Arc, len(arcs), len(arcs)+1)
		copy(na, arcs)
		for i := range na {
			q, l := na[i].NextState, class(na[i].ILabel)
			if int(q) < n && primary[q] != l {
				na[i].NextState = copies[key{q, l}]
			}
		}
		if l := primary[s]; l != none {
			p := loopProb[l-1]
			stay := -scale * float32(math.Log(p))
			leave := -scale * float32(math.Log1p(-p))
			for i := range na {
				na[i].Weight += leave
			}
			if fw := f.Final(wfst.StateID(s)); !wfst.IsZero(fw) {
				f.SetFinal(wfst.StateID(s), fw+leave)
			}
			na = append(na, wfst.Arc{ILabel: l, Weight: stay, NextState: wfst.StateID(s)})
		}
		f.SetArcs(wfst.StateID(s), na)
	}
	return len(order), nil
}
