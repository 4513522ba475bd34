//go:build !amd64

package audio

// hasAVX2FMA is false off amd64: dot is always dotGeneric.
const hasAVX2FMA = false

// dot returns the inner product of a and x[:len(a)] (len(x) ≥ len(a)).
func dot(a, x []float32) float32 { return dotGeneric(a, x) }
