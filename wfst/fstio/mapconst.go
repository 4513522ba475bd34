package fstio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"unsafe"

	"hark/wfst"
)

// ErrNotMappable is wrapped by ConstFromBytes when the bytes hold a valid const FST whose arrays cannot be
// used in place: a big-endian machine, or a state or arc array that does not start at a multiple of 4
// bytes (unaligned const files put it wherever the header ends; aligned ones at a multiple of 16).
var ErrNotMappable = errors.New("fstio: const FST cannot be used in place")

// MapOptions control ConstFromBytes and OpenConst.
type MapOptions struct {
	// SkipSymbols checks and skips the FST's embedded symbol tables instead of building them: the result
	// has none. A graph's word table embedded in its HCLG costs about 100 bytes of heap per word.
	SkipSymbols bool
	// Populate (OpenConst on Linux) faults every page of the file in when it is mapped (MAP_POPULATE), so
	// the resident size is the whole file from the start and does not grow as a search reaches more states.
	Populate bool
}

// ConstFromBytes returns the const FST (OpenFST "const" type, aligned or not) held in data, with its
// state and arc arrays aliasing data: nothing is copied, so the result's memory is data's. data must stay
// unmodified and reachable for as long as the result is used. Sizes and the consistency of every state's
// arc range and every arc's destination are checked as Read checks them. It returns an error wrapping
// ErrNotMappable when the arrays cannot be aliased (see there); Read reads such files.
func ConstFromBytes(data []byte, opts MapOptions) (*wfst.Const, error) {
	// A small read buffer: only the header and the symbol tables go through it.
	b := &binReader{r: bufio.NewReaderSize(bytes.NewReader(data), 64<<10), remaining: int64(len(data))}
	h, err := b.header()
	if err != nil {
		return nil, err
	}
	if h.FSTType != "const" {
		return nil, fmt.Errorf("%w: fst type %q, want const", ErrFormat, h.FSTType)
	}
	if h.Version < minConstVersion {
		return nil, fmt.Errorf("%w: const version %d", ErrFormat, h.Version)
	}
	sr, err := wfst.ParseSemiring(h.ArcType)
	if err != nil || h.ArcType == "tropical" {
		return nil, fmt.Errorf("%w: unsupported arc type %q", ErrFormat, h.ArcType)
	}
	var isyms, osyms *wfst.SymbolTable
	if h.Flags&FlagHasISymbols != 0 {
		if isyms, err = b.symbolTable(!opts.SkipSymbols); err != nil {
			return nil, err
		}
	}
	if h.Flags&FlagHasOSymbols != 0 {
		if osyms, err = b.symbolTable(!opts.SkipSymbols); err != nil {
			return nil, err
		}
	}
	if h.Start < -1 || h.Start > maxStates {
		return nil, fmt.Errorf("%w: start state %d", ErrFormat, h.Start)
	}
	if h.NumStates < 0 || h.NumStates > maxStates {
		return nil, fmt.Errorf("%w: %d states", ErrFormat, h.NumStates)
	}
	if h.NumArcs < 0 || h.NumArcs > maxConstArcs {
		return nil, fmt.Errorf("%w: %d arcs", ErrFormat, h.NumArcs)
	}
	aligned := h.Version == ConstAlignVersion || h.Flags&FlagIsAligned != 0
	size := int64(len(data))
	statesAt := b.off
	if aligned {
		statesAt = alignUp(statesAt)
	}
	statesEnd := statesAt + h.NumStates*constStateSize
	if statesEnd > size {
		return nil, fmt.Errorf("%w: %d states exceed the input", ErrFormat, h.NumStates)
	}
	arcsAt := statesEnd
	if aligned {
		arcsAt = alignUp(arcsAt)
	}
	if arcsAt+h.NumArcs*arcSize > size {
		return nil, fmt.Errorf("%w: %d arcs exceed the input", ErrFormat, h.NumArcs)
	}
	if !littleEndian {
		return nil, fmt.Errorf("%w: big-endian machine", ErrNotMappable)
	}
	var states []wfst.ConstState
	var arcs []wfst.Arc
	if h.NumStates > 0 {
		if p := uintptr(unsafe.Pointer(&data[statesAt])); p%4 != 0 {
			return nil, fmt.Errorf("%w: states at byte %d", ErrNotMappable, statesAt)
		}
		states = unsafe.Slice((*wfst.ConstState)(unsafe.Pointer(&data[statesAt])), h.NumStates)
	}
	if h.NumArcs > 0 {
		if p := uintptr(unsafe.Pointer(&data[arcsAt])); p%4 != 0 {
			return nil, fmt.Errorf("%w: arcs at byte %d", ErrNotMappable, arcsAt)
		}
		arcs = unsafe.Slice((*wfst.Arc)(unsafe.Pointer(&data[arcsAt])), h.NumArcs)
	}
	if err := checkConst(states, arcs, h.Start); err != nil {
		return nil, err
	}
	props := h.Properties&wfst.PropCopy | wfst.PropExpanded
	return wfst.NewConstFromArrays(states, arcs, wfst.StateID(h.Start), sr, props, isyms, osyms), nil
}

func alignUp(off int64) int64 { return (off + alignment - 1) / alignment * alignment }

// OpenConst returns the const FST in the file at path. Where it can (MapSupported, and ConstFromBytes
// accepts the file: every aligned const file on a little-endian machine), the file is memory-mapped
// read-only and the result's arrays alias the mapping (mapped = true): they are not on the Go heap, so the
// garbage collector neither scans them nor counts them toward its goal, and processes mapping the same file
// share its pages. The mapping is released when the result becomes unreachable; slices returned by its
// Arcs method must not be kept beyond that. Otherwise the file is read onto the heap with Read (mapped =
// false). Resident memory: the whole file with opts.Populate (Linux), otherwise the pages touched so far.
func OpenConst(path string, opts MapOptions) (c *wfst.Const, mapped bool, err error) {
	if MapSupported {
		c, err = mapConst(path, opts)
		if err == nil {
			return c, true, nil
		}
		if !errors.Is(err, ErrNotMappable) {
			return nil, false, err
		}
	}
	f, err := ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	c, ok := f.(*wfst.Const)
	if !ok {
		return nil, false, fmt.Errorf("read %s: %w: fst type vector, want const", path, ErrFormat)
	}
	if opts.SkipSymbols {
		c = wfst.NewConstFromArrays(c.States(), c.AllArcs(), c.Start(), c.Semiring(), c.KnownProperties(), nil, nil)
	}
	return c, false, nil
}
