package sphinx

import (
	"fmt"
	"math"
)

// Tmat holds the HMM transition matrices (pocketsphinx tmat.c): NTmat matrices of NState source states
// × NState+1 destination states (the last is the non-emitting exit state).
//
// Prob holds the probabilities after tmat_init's processing: each row normalised to sum to 1, non-zero
// entries floored at the tmatfloor, renormalised. Score holds pocketsphinx's quantised form,
// min(255, −logmath_log(p) >> 10) (negated log in senone-score units, 0 is certain, 255 is impossible).
// Both are flat: matrix i, row j, column k is at (i*NState+j)*(NState+1)+k. Read-only after loading.
type Tmat struct {
	NTmat, NState int
	Prob          []float32
	Score         []uint8
	Checksum      uint32
}

// LogProb returns ln P(k | j) of matrix i in nats (−Inf for a forbidden transition).
func (t *Tmat) LogProb(i, j, k int) float64 {
	p := t.Prob[(i*t.NState+j)*(t.NState+1)+k]
	if p <= 0 {
		return math.Inf(-1)
	}
	return math.Log(float64(p))
}

// Matrices returns the processed probabilities as NTmat × NState × (NState+1) nested slices (a copy), the
// form hmm.NewTransitions takes.
func (t *Tmat) Matrices() [][][]float32 {
	out := make([][][]float32, t.NTmat)
	n := t.NState + 1
	for i := range out {
		out[i] = make([][]float32, t.NState)
		for j := range out[i] {
			o := (i*t.NState + j) * n
			out[i][j] = append([]float32(nil), t.Prob[o:o+n]...)
		}
	}
	return out
}

// DefaultTmatFloor is pocketsphinx's -tmatfloor default.
const DefaultTmatFloor = 1e-4

// ParseTmat parses a transition_matrices file and applies tmat_init's normalisation and flooring.
// It checks, as tmat_chk_uppertri and tmat_chk_1skip do, that every matrix is upper triangular and skips
// at most one state.
func ParseTmat(file string, data []byte, floor float32) (*Tmat, error) {
	r, err := newS3Reader(file, data)
	if err != nil {
		return nil, err
	}
	if v := r.hdr["version"]; v != "1.0" {
		return nil, formatErr(file, "version", "%q, want \"1.0\"", v)
	}
	nTmat, err := r.count("n_tmat", 1, 32766)
	if err != nil {
		return nil, err
	}
	nSrc, err := r.count("n_src", 1, 255)
	if err != nil {
		return nil, err
	}
	if _, err := r.count("n_dst", nSrc+1, nSrc+1); err != nil {
		return nil, err
	}
	n := nTmat * nSrc * (nSrc + 1)
	if _, err := r.count("total", n, n); err != nil {
		return nil, err
	}
	if n > r.remaining()/4 {
		return nil, formatErr(file, "data", "%d floats announced, %d bytes left", n, r.remaining())
	}
	t := &Tmat{NTmat: nTmat, NState: nSrc, Prob: make([]float32, n), Score: make([]uint8, n)}
	if err := r.float32s("data", t.Prob); err != nil {
		return nil, err
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	if r.chksum {
		t.Checksum = r.sum
	}
	nDst := nSrc + 1
	for row := 0; row < nTmat*nSrc; row++ {
		v := t.Prob[row*nDst : (row+1)*nDst]
		for k, x := range v {
			if !(x >= 0) || math.IsInf(float64(x), 0) {
				return nil, formatErr(file, fmt.Sprintf("tmat[%d][%d][%d]", row/nSrc, row%nSrc, k), "invalid value %v", x)
			}
		}
		sumNorm(v)
		for k := range v {
			if v[k] != 0 && v[k] < floor {
				v[k] = floor
			}
		}
		sumNorm(v)
		for k, p := range v {
			s := -logmathLog(float64(p)) >> SenscrShift
			if s > 255 {
				s = 255
			}
			t.Score[row*nDst+k] = uint8(s)
		}
		j := row % nSrc
		for k, p := range v {
			if p != 0 && (k < j || k > j+2) {
				return nil, formatErr(file, fmt.Sprintf("tmat[%d][%d][%d]", row/nSrc, j, k), "transition not left-to-right with at most one skip")
			}
		}
	}
	return t, nil
}

// sumNorm normalises v to sum to 1 (sphinxbase vector_sum_norm); a zero row is left alone.
func sumNorm(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	if s == 0 {
		return
	}
	f := 1.0 / s
	for i := range v {
		v[i] = float32(float64(v[i]) * f)
	}
}
