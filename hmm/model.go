package hmm

import (
	"errors"
	"fmt"
	"math"
)

// Word positions of context-dependent phones, with the values of Sphinx's mdef.h (WORD_POSN_*), so a
// Sphinx mdef's lookup can be called with them unchanged.
const (
	PosInternal = 0 // word-internal phone ("i"), Kaldi's _I
	PosBegin    = 1 // first phone of a multi-phone word ("b"), Kaldi's _B
	PosEnd      = 2 // last phone of a multi-phone word ("e"), Kaldi's _E
	PosSingle   = 3 // the phone of a single-phone word ("s"), Kaldi's _S
)

// Model is what C and H need from an acoustic model definition: the consumer-side view of a Sphinx mdef
// (acoustic/sphinx's mdef type satisfies it, or a small adapter in the recognizer does). Phone ids are
// 0..NumCIPhones()-1 for context-independent (CI) phones and larger for context-dependent ones.
type Model interface {
	// NumCIPhones returns the number of CI (base) phones.
	NumCIPhones() int
	// CIPhoneName returns the name of CI phone ci ("AH", "SIL", "+NSN+").
	CIPhoneName(ci int) string
	// IsFiller reports whether CI phone ci is a filler (silence or noise): context-independent.
	IsFiller(ci int) bool
	// SilencePhone returns the CI id of the silence phone (SIL), or -1 if the model has none.
	SilencePhone() int
	// PhoneIDNearest returns the phone (HMM) id for base phone base between CI phones left and right at word
	// position wpos (Pos*), backing off as Sphinx's bin_mdef_phone_id_nearest does (other positions,
	// silence context, then the CI phone).
	PhoneIDNearest(base, left, right, wpos int) int
	// SenoneSeq returns the senone ids of the emitting states of phone pid, in order. The caller does not
	// keep or modify the slice.
	SenoneSeq(pid int) []int
	// TmatID returns the transition matrix id of phone pid.
	TmatID(pid int) int
	// NumSenones returns the number of senones (tied states).
	NumSenones() int
}

// ErrTopology reports a transition matrix that H cannot use.
var ErrTopology = errors.New("hmm: bad transition matrix")

// Transitions holds the transition probabilities of the model's HMMs: Probs[t][i][j] is P(state j | state
// i) of matrix t, for emitting states i in 0..n-1 and j in 0..n (n = the non-emitting exit state). Rows
// need not be normalised (Sphinx's transition_matrices holds counts); NewTransitions normalises them and
// applies tmat.c's floor. Memory: n·(n+1) float64 per matrix, fixed.
type Transitions struct {
	probs [][][]float64 // normalised, floored
}

// TmatFloor is Sphinx's default -tmatfloor: non-zero probabilities below it are raised to it.
const TmatFloor = 1e-4

// NewTransitions normalises and checks raw transition matrices (each n × n+1, upper-triangular:
// left-to-right with optional skips), as Sphinx's tmat_init does: normalise each row, floor non-zero
// entries at TmatFloor, renormalise. raw is not modified.
func NewTransitions(raw [][][]float32) (*Transitions, error) {
	t := &Transitions{probs: make([][][]float64, len(raw))}
	for m, mat := range raw {
		n := len(mat)
		if n == 0 {
			return nil, fmt.Errorf("%w: matrix %d has no states", ErrTopology, m)
		}
		rows := make([][]float64, n)
		for i, row := range mat {
			if len(row) != n+1 {
				return nil, fmt.Errorf("%w: matrix %d row %d has %d columns, want %d", ErrTopology, m, i, len(row), n+1)
			}
			r := make([]float64, n+1)
			sum := 0.0
			for j, p := range row {
				if p < 0 || math.IsNaN(float64(p)) || math.IsInf(float64(p), 0) {
					return nil, fmt.Errorf("%w: matrix %d has entry [%d][%d] = %g", ErrTopology, m, i, j, p)
				}
				if j < i && p != 0 {
					return nil, fmt.Errorf("%w: matrix %d is not left-to-right ([%d][%d] = %g)", ErrTopology, m, i, j, p)
				}
				r[j] = float64(p)
				sum += r[j]
			}
			if sum <= 0 {
				return nil, fmt.Errorf("%w: matrix %d row %d is all zero", ErrTopology, m, i)
			}
			if r[i] >= sum {
				return nil, fmt.Errorf("%w: matrix %d state %d never leaves (self-loop only)", ErrTopology, m, i)
			}
			sum2 := 0.0
			for j := range r {
				r[j] /= sum
				if r[j] != 0 && r[j] < TmatFloor {
					r[j] = TmatFloor
				}
				sum2 += r[j]
			}
			for j := range r {
				r[j] /= sum2
			}
			rows[i] = r
		}
		t.probs[m] = rows
	}
	return t, nil
}

// NumMatrices returns the number of transition matrices.
func (t *Transitions) NumMatrices() int { return len(t.probs) }

// NumStates returns the number of emitting states of matrix m.
func (t *Transitions) NumStates(m int) int { return len(t.probs[m]) }

// Prob returns the normalised probability of moving from emitting state i to state j (j = NumStates(m) is
// the exit) of matrix m.
func (t *Transitions) Prob(m, i, j int) float64 { return t.probs[m][i][j] }

// SelfLoop returns the self-loop probability of emitting state i of matrix m.
func (t *Transitions) SelfLoop(m, i int) float64 { return t.probs[m][i][i] }

// ForwardCost returns the cost (-ln p) of the transition i→j (j > i) of matrix m, renormalised over the
// non-self-loop transitions of i as Kaldi's H without self-loops has it: -ln(p(i→j) / (1 − p(i→i))). The
// self-loop and the (1 − p(i→i)) factor come back with AddSelfLoops.
func (t *Transitions) ForwardCost(m, i, j int) float32 {
	r := t.probs[m][i]
	return float32(-math.Log(r[j] / (1 - r[i])))
}

// NewTransitionsFlat is NewTransitions over one flat slice (the layout of Sphinx's tmat: matrix m, row i,
// column j at (m·n + i)·(n+1) + j, n = states per matrix), so an acoustic model's arrays can be passed as
// plain data. prob is not modified or kept.
func NewTransitionsFlat(nTmat, n int, prob []float32) (*Transitions, error) {
	if nTmat < 0 || n <= 0 || len(prob) != nTmat*n*(n+1) {
		return nil, fmt.Errorf("%w: %d values for %d matrices of %d states", ErrTopology, len(prob), nTmat, n)
	}
	raw := make([][][]float32, nTmat)
	for m := range raw {
		raw[m] = make([][]float32, n)
		for i := range raw[m] {
			off := (m*n + i) * (n + 1)
			raw[m][i] = prob[off : off+n+1]
		}
	}
	return NewTransitions(raw)
}
