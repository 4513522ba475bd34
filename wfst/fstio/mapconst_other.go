//go:build !linux

package fstio

import (
	"fmt"

	"hark/wfst"
)

// MapSupported reports whether OpenConst memory-maps files on this system (Linux only; elsewhere const
// files are read onto the heap).
const MapSupported = false

func mapConst(path string, _ MapOptions) (*wfst.Const, error) {
	return nil, fmt.Errorf("%w: %s: memory mapping is implemented on Linux only", ErrNotMappable, path)
}
