package wfst

import (
	"fmt"
	"math"
)

// Weight is a cost: a negated natural-log probability as float32 (OpenFST's FloatWeight). Lower is better.
type Weight = float32

// Semiring selects the Plus operation of an FST's weights. Times (+), Zero (+Inf) and One (0) are shared
// by both semirings.
type Semiring uint8

const (
	// Tropical is the (min, +) semiring: OpenFST's TropicalWeight, arc type "standard".
	Tropical Semiring = iota
	// Log is the (-log(e^-a + e^-b), +) semiring: OpenFST's LogWeight, arc type "log".
	Log
)

// Zero is the semiring zero (+Inf): a path that does not exist, a non-final state.
var Zero = Weight(math.Inf(1))

// One is the semiring one (0): a free transition, a final state with no cost.
const One Weight = 0

// Delta is OpenFST's kDelta, the default comparison tolerance for weights.
const Delta = 1.0 / 1024

// String returns the OpenFST arc type name of the semiring: "standard" or "log".
func (s Semiring) String() string {
	switch s {
	case Tropical:
		return "standard"
	case Log:
		return "log"
	}
	return fmt.Sprintf("Semiring(%d)", uint8(s))
}

// WeightType returns OpenFST's weight type name: "tropical" or "log".
func (s Semiring) WeightType() string {
	switch s {
	case Tropical:
		return "tropical"
	case Log:
		return "log"
	}
	return s.String()
}

// ParseSemiring maps an OpenFST arc type name ("standard", "tropical", "log") to a Semiring.
func ParseSemiring(arcType string) (Semiring, error) {
	switch arcType {
	case "standard", "tropical":
		return Tropical, nil
	case "log":
		return Log, nil
	}
	return 0, fmt.Errorf("wfst: unsupported arc type %q (want standard or log)", arcType)
}

// Plus is the semiring sum of a and b.
func (s Semiring) Plus(a, b Weight) Weight {
	if s == Tropical {
		if a < b {
			return a
		}
		return b
	}
	return LogPlus(a, b)
}

// Times is the semiring product (+ for both semirings).
func Times(a, b Weight) Weight { return a + b }

// Divide is the semiring division a/b (a − b), with Zero/Zero undefined and Zero/b = Zero.
func Divide(a, b Weight) Weight {
	if IsZero(a) {
		return Zero
	}
	if IsZero(b) {
		return NoWeight
	}
	return a - b
}

// NoWeight is OpenFST's NoWeight (NaN): the result of an undefined operation.
var NoWeight = Weight(math.NaN())

// IsZero reports whether w is the semiring zero (+Inf).
func IsZero(w Weight) bool { return math.IsInf(float64(w), 1) }

// LogPlus is the log-semiring sum: -log(e^-a + e^-b), computed as OpenFST does (LogPosExp in float).
func LogPlus(a, b Weight) Weight {
	if IsZero(a) {
		return b
	}
	if IsZero(b) {
		return a
	}
	if a > b {
		return b - float32(math.Log1p(math.Exp(float64(b-a))))
	}
	return a - float32(math.Log1p(math.Exp(float64(a-b))))
}

// ApproxEqual reports whether a and b are equal within delta, as OpenFST's ApproxEqual(w1, w2, delta):
// |a − b| ≤ delta, with infinities equal to themselves.
func ApproxEqual(a, b Weight, delta float32) bool {
	if a == b {
		return true
	}
	return a <= b+delta && b <= a+delta
}

// Quantize rounds w to a multiple of delta as OpenFST's Quantize does; infinities are unchanged.
func Quantize(w Weight, delta float32) Weight {
	if math.IsInf(float64(w), 0) || math.IsNaN(float64(w)) {
		return w
	}
	return float32(math.Floor(float64(w/delta)+0.5)) * delta
}
