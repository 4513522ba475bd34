package sphinx

import "math"

// SenscrShift is pocketsphinx's SENSCR_SHIFT: senone scores and transition scores are logmath values
// shifted right by 10 bits, so one unit is 1024·ln(1.0001) nats.
const SenscrShift = 10

// NatsPerUnit is the size of one senone-score unit in nats: 1024·ln(b) ≈ 0.1024 for pocketsphinx's base
// b = float32(1.0001).
var NatsPerUnit = float32(float64(1<<SenscrShift) * math.Log(logBase))

// logZero is logmath's value for log(0) with shift 0 (MAX_NEG_INT32 >> 2).
const logZero = math.MinInt32 >> 2

// logmathLog is sphinxbase logmath_log with base 1.0001 and shift 0.
func logmathLog(p float64) int32 {
	if p <= 0 {
		return logZero
	}
	return int32(math.Log(p) * invLogBase)
}

// addTable8 is the 8-bit log-add table of logmath_init(1.0001, 10, TRUE) used by fast_logmath_add:
// addTable8[d] = round(log_b(1 + b^-(d<<10))) >> 10 for negated scores d apart. logmath_init pads it to
// 256 entries; only the first ~30 are non-zero.
var addTable8 = func() (t [256]uint8) {
	b := buildAddTable()
	if len(b) != len(t) {
		panic("sphinx: log-add table is not 256 entries")
	}
	copy(t[:], b)
	return t
}()

func buildAddTable() []uint8 {
	const shift = SenscrShift
	// First pass: the table size.
	byx := 1.0
	i := 0
	for ; ; i++ {
		k := int32(math.Log(1.0+byx)*invLogBase+0.5*(1<<shift)) >> shift
		if k <= 0 {
			break
		}
		byx /= logBase
	}
	n := i >> shift
	if n < 255 {
		n = 255
	}
	t := make([]uint8, n+1)
	byx = 1.0
	for i := 0; ; i++ {
		k := int32(math.Log(1.0+byx)*invLogBase+0.5*(1<<shift)) >> shift
		if t[i>>shift] == 0 {
			t[i>>shift] = uint8(k)
		}
		if k <= 0 {
			break
		}
		byx /= logBase
	}
	return t
}

// negLogAdd returns −log(exp(−x) + exp(−y)) for negated scores x, y in senone-score units
// (tied_mgau_common.h fast_logmath_add, with a bounds check on the table).
// It is branch-free: differences beyond the table (whose last entry is 0) use its last entry.
func negLogAdd(x, y int32) int32 {
	d := x - y
	m := d >> 31              // all ones when x < y
	r := y + (d & m)          // min(x, y)
	ad := uint32((d ^ m) - m) // |x − y|
	ad = min(ad, 255)
	return r - int32(addTable8[uint8(ad)])
}
