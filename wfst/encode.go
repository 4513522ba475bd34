package wfst

import (
	"errors"
	"fmt"
	"math"
)

// Encode flags (OpenFST's kEncodeLabels, kEncodeWeights).
const (
	EncodeLabels  uint32 = 0x1 // fold the (input, output) label pair into one label
	EncodeWeights uint32 = 0x2 // fold the weight into the label
	encodeFlags   uint32 = 0x3
)

// EncodeTuple is one entry of an EncodeMapper: the label, output label and weight one code stands for
// (OpenFST's EncodeTable::Tuple). Fields that are not encoded hold 0 and One.
type EncodeTuple struct {
	ILabel Label
	OLabel Label
	Weight Weight
}

// EncodeMapper turns arcs into single-label acceptor arcs and back (OpenFST's EncodeMapper): each distinct
// (ilabel[, olabel][, weight]) tuple gets a code 1, 2, ... in order of first use. It also keeps the symbol
// tables of the encoded FST to restore them when decoding. Memory: one tuple and one map entry per code,
// growing with Encode. Not safe for concurrent use.
type EncodeMapper struct {
	flags  uint32
	tuples []EncodeTuple
	index  map[EncodeTuple]Label
	ISyms  *SymbolTable // input symbols of the encoded FST (restored by Decode)
	OSyms  *SymbolTable // output symbols of the encoded FST
}

// NewEncodeMapper returns an empty mapper for flags (EncodeLabels, EncodeWeights or both).
func NewEncodeMapper(flags uint32) *EncodeMapper {
	return &EncodeMapper{flags: flags & encodeFlags, index: map[EncodeTuple]Label{}}
}

// NewEncodeMapperFromTuples rebuilds a mapper from its flags and tuples (as read from a file); code i+1
// stands for tuples[i].
func NewEncodeMapperFromTuples(flags uint32, tuples []EncodeTuple) *EncodeMapper {
	m := NewEncodeMapper(flags)
	m.tuples = tuples
	for i, t := range tuples {
		if _, ok := m.index[t]; !ok {
			m.index[t] = Label(i + 1)
		}
	}
	return m
}

// Flags returns the encode flags.
func (m *EncodeMapper) Flags() uint32 { return m.flags }

// Tuples returns the tuples in code order (code i+1 is Tuples()[i]); the slice aliases the mapper.
func (m *EncodeMapper) Tuples() []EncodeTuple { return m.tuples }

func (m *EncodeMapper) key(il, ol Label, w Weight) EncodeTuple {
	t := EncodeTuple{ILabel: il, Weight: One}
	if m.flags&EncodeLabels != 0 {
		t.OLabel = ol
	}
	if m.flags&EncodeWeights != 0 {
		t.Weight = w
	}
	return t
}

// code returns the code of a tuple, adding it if new. NaN weights never compare equal in OpenFST, so each
// gets its own code there; here they share one (a NaN weight is an error anyway).
func (m *EncodeMapper) code(t EncodeTuple) Label {
	if t.Weight != t.Weight {
		t.Weight = Weight(math.NaN())
	}
	if l, ok := m.index[t]; ok {
		return l
	}
	m.tuples = append(m.tuples, t)
	l := Label(len(m.tuples))
	m.index[t] = l
	return l
}

// Encode encodes f in place (OpenFST's Encode): every arc's input label becomes the code of its tuple, and
// its output label too when labels are encoded; its weight becomes One when weights are encoded. With
// EncodeWeights, a super-final state (the last state, final with weight One) is added first and each final
// weight w becomes an arc to it labelled with the code of (0, 0, w). The mapper records f's symbol tables
// and f loses them.
func Encode(f *Vector, m *EncodeMapper) {
	m.ISyms, m.OSyms = f.isyms, f.osyms
	f.isyms, f.osyms = nil, nil
	if f.start == NoStateID {
		return
	}
	super := NoStateID
	if m.flags&EncodeWeights != 0 {
		super = f.AddState()
		f.SetFinal(super, One)
	}
	for s := range f.states {
		st := &f.states[s]
		for i := range st.arcs {
			a := &st.arcs[i]
			l := m.code(m.key(a.ILabel, a.OLabel, a.Weight))
			a.ILabel = l
			if m.flags&EncodeLabels != 0 {
				a.OLabel = l
			}
			if m.flags&EncodeWeights != 0 {
				a.Weight = One
			}
		}
		if StateID(s) != super && super != NoStateID {
			if w := st.final; !IsZero(w) {
				// Final weights are tuples (NoLabel, NoLabel, w), as in OpenFST 1.7.9.
				l := m.code(EncodeTuple{ILabel: NoLabel, OLabel: NoLabel, Weight: w})
				ol := Epsilon
				if m.flags&EncodeLabels != 0 {
					ol = l
				}
				st.arcs = append(st.arcs, Arc{ILabel: l, OLabel: ol, Weight: One, NextState: super})
			}
			st.final = Zero
		}
		f.SetArcs(StateID(s), st.arcs)
	}
	f.props = f.props & encodeProps(m.flags, true)
}

// ErrDecode reports an arc that does not decode with the mapper.
var ErrDecode = errors.New("wfst: decode")

// Decode decodes f in place with m (OpenFST's Decode): codes become their tuples again (arcs with input
// label 0 are left as they are); then final epsilon arcs into final states without a useful future are
// folded back into final weights (RmFinalEpsilon) and the FST is trimmed (Connect). f gets the symbol
// tables recorded by Encode.
func Decode(f *Vector, m *EncodeMapper) error {
	for s := range f.states {
		st := &f.states[s]
		for i := range st.arcs {
			a := &st.arcs[i]
			if a.ILabel == Epsilon {
				continue
			}
			if m.flags&EncodeLabels != 0 && a.ILabel != a.OLabel {
				return fmt.Errorf("%w: label-encoded arc with different labels %d:%d", ErrDecode, a.ILabel, a.OLabel)
			}
			if m.flags&EncodeWeights != 0 && a.Weight != One {
				return fmt.Errorf("%w: weight-encoded arc with weight %v", ErrDecode, a.Weight)
			}
			if a.ILabel < 1 || int(a.ILabel) > len(m.tuples) {
				return fmt.Errorf("%w: unknown code %d", ErrDecode, a.ILabel)
			}
			t := m.tuples[a.ILabel-1]
			if t.ILabel == NoLabel { // an encoded final weight: an epsilon arc to the super-final state
				t.ILabel, t.OLabel = Epsilon, Epsilon
				if m.flags&EncodeLabels == 0 {
					a.OLabel = Epsilon
				}
			}
			a.ILabel = t.ILabel
			if m.flags&EncodeLabels != 0 {
				a.OLabel = t.OLabel
			}
			if m.flags&EncodeWeights != 0 {
				a.Weight = t.Weight
			}
		}
		f.SetArcs(StateID(s), st.arcs)
	}
	rmFinalEpsilon(f)
	f.isyms, f.osyms = m.ISyms, m.OSyms
	return nil
}

// rmFinalEpsilon folds epsilon arcs into final states that have no coaccessible future into final
// weights, then trims f (OpenFST's RmFinalEpsilon).
func rmFinalEpsilon(f *Vector) {
	_, coaccess := AccessibleStates(f)
	if coaccess == nil {
		return
	}
	finals := make([]bool, len(f.states))
	for s := range f.states {
		if IsZero(f.states[s].final) {
			continue
		}
		future := false
		for _, a := range f.states[s].arcs {
			if coaccess[a.NextState] {
				future = true
				break
			}
		}
		finals[s] = !future
	}
	for s := range f.states {
		st := &f.states[s]
		w := st.final
		kept := make([]Arc, 0, len(st.arcs))
		for _, a := range st.arcs {
			if finals[a.NextState] && a.ILabel == Epsilon && a.OLabel == Epsilon {
				w = f.semiring.Plus(Times(f.states[a.NextState].final, a.Weight), w)
				continue
			}
			kept = append(kept, a)
		}
		if len(kept) < len(st.arcs) {
			f.SetFinal(StateID(s), w)
			f.SetArcs(StateID(s), kept)
		}
	}
	Connect(f)
}

// encodeProps is the mask of properties Encode (encode true) or Decode keeps (EncodeMapper::Properties).
func encodeProps(flags uint32, encode bool) uint64 {
	const ilabelInv = PropExpanded | PropMutable | PropError | PropODeterministic | PropNonODeterministic |
		PropOEpsilons | PropNoOEpsilons | PropOLabelSorted | PropNotOLabelSorted | PropWeighted | PropUnweighted |
		PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropTopSorted | PropNotTopSorted |
		PropAccessible | PropNotAccessible | PropCoAccessible | PropNotCoAccessible | PropString | PropNotString |
		PropWeightedCycles | PropUnweightedCycles
	const olabelInv = PropExpanded | PropMutable | PropError | PropIDeterministic | PropNonIDeterministic |
		PropIEpsilons | PropNoIEpsilons | PropILabelSorted | PropNotILabelSorted | PropWeighted | PropUnweighted |
		PropCyclic | PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropTopSorted | PropNotTopSorted |
		PropAccessible | PropNotAccessible | PropCoAccessible | PropNotCoAccessible | PropString | PropNotString |
		PropWeightedCycles | PropUnweightedCycles
	mask := PropFST
	if flags&EncodeLabels != 0 {
		mask &= ilabelInv & olabelInv
	}
	if flags&EncodeWeights != 0 {
		// Weights and the super-final state change nearly everything; keep only the binary bits.
		mask &= PropBinary
	}
	return mask
}
