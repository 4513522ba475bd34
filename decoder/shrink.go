package decoder

import (
	"unsafe"

	"hark/lattice"
)

// ArenaBytes returns the bytes the decoder's storage holds now: the capacities (not the lengths) of the
// token and link slabs, the per-frame lists, the state→token hash, the scratch arrays and the lattice it
// keeps for Lattice. Storage is reset, not freed, between utterances, so this is the high-water mark of
// every utterance decoded since New or the last Shrink. The graph, shared, is not counted.
func (d *Decoder) ArenaBytes() int64 {
	n := int64(cap(d.toks))*int64(unsafe.Sizeof(token{})) +
		int64(cap(d.links))*int64(unsafe.Sizeof(link{})) +
		int64(cap(d.active))*int64(unsafe.Sizeof(frameToks{})) +
		int64(cap(d.costOffsets)+cap(d.tmp)+cap(d.finalOf))*4 +
		int64(cap(d.slots))*int64(unsafe.Sizeof(slot{})) +
		int64(cap(d.elems)+cap(d.prevElems))*int64(unsafe.Sizeof(elem{})) +
		int64(cap(d.epsReads))*int64(unsafe.Sizeof(epsRead{})) +
		int64(cap(d.expand))*int64(unsafe.Sizeof(expandTok{})) +
		int64(cap(d.ac))*int64(unsafe.Sizeof(acEntry{})) +
		int64(cap(d.queue))*int64(unsafe.Sizeof(queued{})) +
		int64(cap(d.tokState)+cap(d.linkMap)+cap(d.traceLinks)+cap(d.epsToks))*4
	return n + LatticeBytes(&d.lat)
}

// LatticeBytes returns the bytes held by l's storage: the capacity of its state array and of every arc
// slice in it, including those of states beyond the length that Reset keeps for reuse.
func LatticeBytes(l *lattice.Lattice) int64 {
	st := l.States[:cap(l.States)]
	n := int64(cap(st)) * int64(unsafe.Sizeof(lattice.State{}))
	for i := range st {
		n += int64(cap(st[i].Arcs)) * int64(unsafe.Sizeof(lattice.Arc{}))
	}
	return n
}

// Shrink frees the decoder's arenas (tokens, links, frame lists, hash, scratch, lattice) so that an idle
// decoder holds only a small fixed amount, as after New. It ends the current utterance: call InitDecoding
// before decoding again (its results are then exactly those of a fresh decoder, the arenas growing back on
// demand). Results obtained before Shrink (paths, lattices copied out) are unaffected.
func (d *Decoder) Shrink() {
	d.toks, d.links = nil, nil
	d.tokFree, d.linkFree = none, none
	d.numToks, d.numLinks = 0, 0
	d.startTok = none
	d.active, d.costOffsets = nil, nil
	d.elems, d.prevElems = nil, nil
	d.queue, d.tmp, d.finalOf, d.tokState, d.linkMap, d.traceLinks, d.epsReads = nil, nil, nil, nil, nil, nil, nil
	d.expand, d.ac, d.acEpoch, d.epsToks = nil, nil, 0, nil
	d.lat = lattice.Lattice{}
	d.resizeHash(1000)
	d.started, d.finalized, d.finalValid, d.finalActive = false, false, false, false
	d.stats = Stats{}
}
