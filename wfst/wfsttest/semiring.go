package wfsttest

import (
	"math"
	"math/rand/v2"
	"testing"

	"hark/wfst"
)

// CheckSemiringLaws checks the semiring axioms of s on n random weight triples (including Zero and One),
// within delta, as OpenFST's WeightTester: ⊕ associative and commutative with identity Zero, ⊗ associative
// with identity One and annihilator Zero, ⊗ distributing over ⊕ on both sides, division inverting ⊗,
// quantization idempotent, and for the tropical semiring ⊕ idempotent with the path property.
func CheckSemiringLaws(tb testing.TB, s wfst.Semiring, rng *rand.Rand, n int, delta float32) {
	tb.Helper()
	pick := func() wfst.Weight {
		switch rng.IntN(8) {
		case 0:
			return wfst.Zero
		case 1:
			return wfst.One
		}
		return wfst.Weight(float32(rng.Float64()*20 - 2))
	}
	eq := func(a, b wfst.Weight) bool { return wfst.ApproxEqual(a, b, delta) }
	for i := 0; i < n; i++ {
		a, b, c := pick(), pick(), pick()
		p := s.Plus
		checks := []struct {
			name string
			ok   bool
		}{
			{"plus associative", eq(p(p(a, b), c), p(a, p(b, c)))},
			{"plus commutative", eq(p(a, b), p(b, a))},
			{"plus identity", eq(p(a, wfst.Zero), a) && eq(p(wfst.Zero, a), a)},
			{"times associative", eq(wfst.Times(wfst.Times(a, b), c), wfst.Times(a, wfst.Times(b, c)))},
			{"times identity", eq(wfst.Times(a, wfst.One), a) && eq(wfst.Times(wfst.One, a), a)},
			{"times annihilator", wfst.IsZero(wfst.Times(a, wfst.Zero)) && wfst.IsZero(wfst.Times(wfst.Zero, a))},
			{"left distributive", eq(wfst.Times(a, p(b, c)), p(wfst.Times(a, b), wfst.Times(a, c)))},
			{"right distributive", eq(wfst.Times(p(a, b), c), p(wfst.Times(a, c), wfst.Times(b, c)))},
			{"quantize idempotent", wfst.Quantize(wfst.Quantize(a, delta), delta) == wfst.Quantize(a, delta)},
		}
		if !wfst.IsZero(b) {
			checks = append(checks, struct {
				name string
				ok   bool
			}{"divide inverts times", eq(wfst.Divide(wfst.Times(a, b), b), a)})
		}
		if s == wfst.Tropical {
			pab := p(a, b)
			checks = append(checks,
				struct {
					name string
					ok   bool
				}{"plus idempotent", p(a, a) == a},
				struct {
					name string
					ok   bool
				}{"path property", pab == a || pab == b})
		} else {
			want := a
			if !wfst.IsZero(a) && !wfst.IsZero(b) {
				want = wfst.Weight(-math.Log(math.Exp(-float64(a)) + math.Exp(-float64(b))))
			} else if wfst.IsZero(a) {
				want = b
			}
			checks = append(checks, struct {
				name string
				ok   bool
			}{"log plus value", eq(p(a, b), want)})
		}
		for _, c2 := range checks {
			if !c2.ok {
				tb.Errorf("%s semiring: %s fails for a=%v b=%v c=%v", s, c2.name, a, b, c)
			}
		}
	}
}
