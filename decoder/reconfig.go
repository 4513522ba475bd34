package decoder

import "errors"

// ErrMidUtterance is returned by SetConfig while an utterance is being decoded.
var ErrMidUtterance = errors.New("decoder: configuration changed in the middle of an utterance")

// SetConfig replaces the decoder's search configuration (beam, max-active, lattice beam, ...), so that
// one decoder can serve uses that want different search widths (a narrow beam for cheap live partial
// results, the full beam for final results). It validates cfg first and applies it only between
// utterances: before the first InitDecoding, after InitDecoding while no frame is decoded yet (the start
// token and its epsilon closure do not depend on the configuration), after FinalizeDecoding or after
// Shrink; once frames of an utterance are decoded and until it is finalized it returns ErrMidUtterance and
// keeps the old configuration. What follows decodes exactly as a decoder made by New with cfg would (the
// arenas are reused, never shaped by the old configuration's results). After FinalizeDecoding, Lattice
// prunes with the new LatticeBeam.
func (d *Decoder) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if d.started && !d.finalized && d.NumFramesDecoded() > 0 {
		return ErrMidUtterance
	}
	d.cfg = cfg
	return nil
}
