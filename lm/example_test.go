package lm_test

import (
	"fmt"
	"math"
	"strings"

	"hark/lm"
)

func Example() {
	m, err := lm.ReadARPA(strings.NewReader(tinyARPA))
	if err != nil {
		panic(err)
	}
	v := m.Vocab()
	// ln P(b | <s> a), from the trigram
	lnp := m.Score([]lm.WordID{v.ID("<s>"), v.ID("a")}, v.ID("b"))
	fmt.Printf("log10 P(b | <s> a) = %.2f\n", lnp/math.Ln10)

	syms, backoff := lm.WordSymbols(m)
	g, st, err := lm.BuildG(m, syms, backoff)
	if err != nil {
		panic(err)
	}
	fmt.Printf("G: %d states, %d arcs, %d backoff arcs, start state %d\n", st.States, st.Arcs, st.BackoffArcs, g.Start())
	// Output:
	// log10 P(b | <s> a) = -0.10
	// G: 7 states, 15 arcs, 6 backoff arcs, start state 1
}
