package decoder

// dead marks a freed slot: a link whose nextTok is dead, a token whose links is dead. After compact, a
// backpointer to a token that was freed is dead too (traceBack reports the chain broken).
const dead int32 = -2

// compact slides the live tokens and links to the front of their slabs, keeping their relative order
// (Kaldi's memory pools do not do this; it is ours), and empties the free lists. It runs after every
// pruneActiveTokens, which frees most of the tokens and links made since the previous one.
//
// Why: the search allocates a new frame's tokens and links as it goes and pruning frees them in other
// frames, so reusing freed slots through the free lists scatters a frame's tokens and links over the
// slabs, and the search and the pruning walks then miss the cache on nearly every link. After compaction
// new tokens and links are appended in the order they are made: a frame's tokens lie together, a token's
// emitting links lie together, and pruning walks a frame's links nearly sequentially.
//
// Only indices change: every list keeps its order and every token and link its values, so results are
// unchanged. Cost: one sequential pass over each slab (the slabs' lengths, not the live counts), every
// PruneInterval frames. Memory: d.tokState (4 bytes per token slot, RawLattice's scratch) and d.linkMap
// (4 bytes per link slot) hold the index maps.
func (d *Decoder) compact() {
	d.compactLinks()
	d.compactTokens()
}

// compactLinks compacts the link slab and rewrites the links' next and the tokens' list heads.
func (d *Decoder) compactLinks() {
	links := d.links
	if len(links) == d.numLinks {
		return // no hole, and then the free list is empty
	}
	if cap(d.linkMap) < len(links) {
		d.linkMap = make([]int32, len(links), len(links)+len(links)/4)
	}
	lmap := d.linkMap[:len(links)]
	// Slide the live links down (w <= l: nothing still to be read is overwritten), then rewrite their
	// next, which may name a link that had not moved yet.
	w := int32(0)
	for l := range links {
		if links[l].nextTok == dead {
			continue
		}
		lmap[l] = w
		links[w] = links[l]
		w++
	}
	links = links[:w]
	for l := range links {
		if n := links[l].next; n != none {
			links[l].next = lmap[n]
		}
	}
	d.links = links
	d.linkFree = none
	toks := d.toks
	for t := range toks {
		if l := toks[t].links; l >= 0 {
			toks[t].links = lmap[l]
		}
	}
}

// compactTokens compacts the token slab and rewrites every token index: the tokens' next and backptr,
// the links' nextTok, the frame list heads, the hash's entries and the start token.
func (d *Decoder) compactTokens() {
	toks := d.toks
	if len(toks) == d.numToks {
		return
	}
	if cap(d.tokState) < len(toks) {
		d.tokState = make([]int32, len(toks), len(toks)+len(toks)/4)
	}
	tmap := d.tokState[:len(toks)]
	w := int32(0)
	for t := range toks {
		if toks[t].links == dead {
			tmap[t] = dead
			continue
		}
		tmap[t] = w
		toks[w] = toks[t]
		w++
	}
	toks = toks[:w]
	for t := range toks {
		tk := &toks[t]
		if tk.next != none {
			tk.next = tmap[tk.next]
		}
		if tk.backptr >= 0 {
			tk.backptr = tmap[tk.backptr]
		}
	}
	d.toks = toks
	d.tokFree = none
	links := d.links
	for l := range links {
		links[l].nextTok = tmap[links[l].nextTok]
	}
	for f := range d.active {
		if h := d.active[f].head; h != none {
			d.active[f].head = tmap[h]
		}
	}
	for i := range d.elems {
		d.elems[i].tok = tmap[d.elems[i].tok]
	}
	// The hash holds token indices too: place the newest frame's tokens again.
	d.clearHash()
	for _, e := range d.elems {
		d.place(e.state, e.tok)
	}
	if d.startTok >= 0 {
		d.startTok = tmap[d.startTok]
	}
}
