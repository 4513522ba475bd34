package lm

import "encoding/binary"

// requiredBits is sphinxbase's bitarr_required_bits: the number of bits needed to store max (0 for 0).
func requiredBits(max uint32) uint8 {
	var n uint8
	for max != 0 {
		n++
		max >>= 1
	}
	return n
}

// readBits reads a little-endian bit field of at most 25 bits at bit offset off of b, as sphinxbase's
// bitarr_read_int25 does (a 32-bit load at byte off/8, shifted by off%8). The caller guarantees that
// off/8+4 ≤ len(b) (the trie blobs carry 8 bytes of padding for this).
func readBits(b []byte, off uint64, mask uint32) uint32 {
	return (binary.LittleEndian.Uint32(b[off>>3:]) >> (off & 7)) & mask
}
