package wfst

import "errors"

// ErrNotAcceptor reports an argument that must be an acceptor and is not.
var ErrNotAcceptor = errors.New("wfst: argument is not an acceptor")

// Intersect returns the intersection of acceptors a and b (OpenFST's Intersect, the fstintersect tool): the
// acceptor of the strings of both, with weight a(x) ⊗ b(x). It is composition restricted to acceptors, with
// the same sorting requirement (a sorted by output label or b by input label; for acceptors input and output
// sorting coincide) and options.
func Intersect(a, b FST, opts ComposeOptions) (*Vector, error) {
	if !isAcceptor(a) || !isAcceptor(b) {
		return nil, ErrNotAcceptor
	}
	out, err := Compose(a, b, opts)
	if err != nil {
		return nil, err
	}
	out.SetProperties(PropAcceptor, PropAcceptor|PropNotAcceptor)
	return out, nil
}
