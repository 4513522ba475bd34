package fstio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"unsafe"

	"hark/wfst"
)

// Magic numbers and versions of OpenFST's binary files (fst.h, symbol-table.cc, vector-fst.h, const-fst.h).
const (
	FSTMagic          int32 = 2125659606 // kFstMagicNumber
	SymbolTableMagic  int32 = 2125658996 // kSymbolTableMagicNumber
	VectorVersion     int32 = 2          // VectorFst file version
	ConstVersion      int32 = 2          // ConstFst unaligned file version
	ConstAlignVersion int32 = 1          // ConstFst aligned file version (kAlignedFileVersion)
	minConstVersion   int32 = 1
	minVectorVersion  int32 = 2

	// Header flags.
	FlagHasISymbols int32 = 1
	FlagHasOSymbols int32 = 2
	FlagIsAligned   int32 = 4

	// alignment is OpenFST's kArchAlignment: aligned const files pad to multiples of 16 bytes.
	alignment = 16
)

// Hard caps on sizes read from files, checked before any allocation (besides the check against the input
// that remains, when its size is known).
const (
	maxTypeString   = 1 << 10       // fst_type, arc_type
	maxString       = 1 << 20       // a symbol or a symbol table name
	maxStates       = math.MaxInt32 // state ids are int32
	maxConstArcs    = math.MaxUint32
	maxArcsPerState = math.MaxInt32
	constStateSize  = 20
	arcSize         = 16
)

// ErrFormat is wrapped by every error about malformed binary input.
var ErrFormat = errors.New("fstio: bad FST file")

// Header is OpenFST's FstHeader, in file order.
type Header struct {
	FSTType    string // "vector", "const", ...
	ArcType    string // "standard", "log", ...
	Version    int32
	Flags      int32 // FlagHasISymbols | FlagHasOSymbols | FlagIsAligned
	Properties uint64
	Start      int64
	NumStates  int64 // -1 when unknown (vector files written to a stream)
	NumArcs    int64 // 0 in vector files
}

var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

// binReader reads little-endian values, counting the bytes consumed (for alignment) and the bytes that
// remain when the input size is known (remaining < 0: unknown).
type binReader struct {
	r         *bufio.Reader
	off       int64
	remaining int64
	buf       [8]byte
}

func newBinReader(r io.Reader) *binReader {
	remaining := int64(-1)
	switch v := r.(type) {
	case *bytes.Reader:
		remaining = int64(v.Len())
	case *bytes.Buffer:
		remaining = int64(v.Len())
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			if pos, err := v.Seek(0, io.SeekCurrent); err == nil {
				remaining = st.Size() - pos
			}
		}
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		size := 1 << 20
		if remaining >= 0 && remaining < int64(size) {
			size = int(remaining) // small inputs get small buffers (bufio raises it to its minimum)
		}
		br = bufio.NewReaderSize(r, size)
	}
	return &binReader{r: br, remaining: remaining}
}

func (b *binReader) full(p []byte) error {
	n, err := io.ReadFull(b.r, p)
	b.off += int64(n)
	if b.remaining >= 0 {
		b.remaining -= int64(n)
	}
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: unexpected end of input at byte %d", ErrFormat, b.off)
		}
		return fmt.Errorf("fstio: read: %w", err)
	}
	return nil
}

// fits reports whether n items of size bytes each can still be in the input.
func (b *binReader) fits(n, size int64) bool {
	if n < 0 {
		return false
	}
	return b.remaining < 0 || n <= b.remaining/size
}

func (b *binReader) int32() (int32, error) {
	if err := b.full(b.buf[:4]); err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b.buf[:4])), nil
}

func (b *binReader) int64() (int64, error) {
	if err := b.full(b.buf[:8]); err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b.buf[:8])), nil
}

func (b *binReader) string(limit int) (string, error) {
	n, err := b.int32()
	if err != nil {
		return "", err
	}
	if n < 0 || int(n) > limit || !b.fits(int64(n), 1) {
		return "", fmt.Errorf("%w: string length %d at byte %d", ErrFormat, n, b.off-4)
	}
	if n <= 4096 || b.remaining >= 0 {
		p := make([]byte, n)
		if err := b.full(p); err != nil {
			return "", err
		}
		return string(p), nil
	}
	// Unknown input size: grow with the data actually read.
	var sb bytes.Buffer
	m, err := io.CopyN(&sb, b.r, int64(n))
	b.off += m
	if err != nil {
		return "", fmt.Errorf("%w: unexpected end of input at byte %d", ErrFormat, b.off)
	}
	return sb.String(), nil
}

// skipString skips a length-prefixed string without allocating.
func (b *binReader) skipString(limit int) error {
	n, err := b.int32()
	if err != nil {
		return err
	}
	if n < 0 || int(n) > limit || !b.fits(int64(n), 1) {
		return fmt.Errorf("%w: string length %d at byte %d", ErrFormat, n, b.off-4)
	}
	m, err := b.r.Discard(int(n))
	b.off += int64(m)
	if b.remaining >= 0 {
		b.remaining -= int64(m)
	}
	if err != nil {
		return fmt.Errorf("%w: unexpected end of input at byte %d", ErrFormat, b.off)
	}
	return nil
}

// align skips padding up to the next multiple of 16 bytes (OpenFST's AlignInput).
func (b *binReader) align() error {
	for b.off%alignment != 0 {
		if err := b.full(b.buf[:1]); err != nil {
			return err
		}
	}
	return nil
}

// ReadHeader reads an FstHeader.
func ReadHeader(r io.Reader) (Header, error) {
	return newBinReader(r).header()
}

func (b *binReader) header() (Header, error) {
	var h Header
	magic, err := b.int32()
	if err != nil {
		return h, err
	}
	if magic != FSTMagic {
		return h, fmt.Errorf("%w: bad magic number %d", ErrFormat, magic)
	}
	if h.FSTType, err = b.string(maxTypeString); err != nil {
		return h, err
	}
	if h.ArcType, err = b.string(maxTypeString); err != nil {
		return h, err
	}
	if h.Version, err = b.int32(); err != nil {
		return h, err
	}
	if h.Flags, err = b.int32(); err != nil {
		return h, err
	}
	p, err := b.int64()
	if err != nil {
		return h, err
	}
	h.Properties = uint64(p)
	if h.Start, err = b.int64(); err != nil {
		return h, err
	}
	if h.NumStates, err = b.int64(); err != nil {
		return h, err
	}
	if h.NumArcs, err = b.int64(); err != nil {
		return h, err
	}
	return h, nil
}

// symbols reads a binary symbol table (SymbolTableImpl::Read).
func (b *binReader) symbols() (*wfst.SymbolTable, error) { return b.symbolTable(true) }

// symbolTable reads a binary symbol table; with keep false it only checks and skips it (returns nil).
func (b *binReader) symbolTable(keep bool) (*wfst.SymbolTable, error) {
	magic, err := b.int32()
	if err != nil {
		return nil, err
	}
	if magic != SymbolTableMagic {
		return nil, fmt.Errorf("%w: bad symbol table magic number %d", ErrFormat, magic)
	}
	name, err := b.string(maxString)
	if err != nil {
		return nil, err
	}
	avail, err := b.int64()
	if err != nil {
		return nil, err
	}
	size, err := b.int64()
	if err != nil {
		return nil, err
	}
	if !b.fits(size, 12) || size > math.MaxInt32 {
		return nil, fmt.Errorf("%w: symbol table %q has %d symbols", ErrFormat, name, size)
	}
	var t *wfst.SymbolTable
	if keep {
		t = wfst.NewSymbolTable(name)
		t.SetAvailableKey(avail)
	}
	for i := int64(0); i < size; i++ {
		if !keep {
			if err := b.skipString(maxString); err != nil {
				return nil, err
			}
			if _, err := b.int64(); err != nil {
				return nil, err
			}
			continue
		}
		sym, err := b.string(maxString)
		if err != nil {
			return nil, err
		}
		k, err := b.int64()
		if err != nil {
			return nil, err
		}
		if k == -1 {
			continue // kNoSymbol is never added
		}
		t.AddWithKey(sym, k)
	}
	return t, nil
}

// ReadSymbols reads a symbol table in OpenFST's binary form.
func ReadSymbols(r io.Reader) (*wfst.SymbolTable, error) {
	return newBinReader(r).symbols()
}

// Read reads an FST in OpenFST's binary format: fst type "vector" (returned as a *wfst.Vector) or "const"
// (a *wfst.Const, aligned or not), arc type "standard" or "log". Every count is checked against hard caps
// and against the bytes that remain when the input's size is known (a *bytes.Reader, a *bytes.Buffer or a
// regular *os.File), and otherwise memory grows only with the data actually read. The result's stored
// properties are those of the header, as in OpenFST. Read consumes exactly one FST from r when r is a
// *bufio.Reader; otherwise it may buffer past the end of the FST.
func Read(r io.Reader) (wfst.Expanded, error) {
	b := newBinReader(r)
	h, err := b.header()
	if err != nil {
		return nil, err
	}
	sr, err := wfst.ParseSemiring(h.ArcType)
	if err != nil || h.ArcType == "tropical" {
		return nil, fmt.Errorf("%w: unsupported arc type %q", ErrFormat, h.ArcType)
	}
	var isyms, osyms *wfst.SymbolTable
	if h.Flags&FlagHasISymbols != 0 {
		if isyms, err = b.symbols(); err != nil {
			return nil, err
		}
	}
	if h.Flags&FlagHasOSymbols != 0 {
		if osyms, err = b.symbols(); err != nil {
			return nil, err
		}
	}
	if h.Start < -1 || h.Start > maxStates {
		return nil, fmt.Errorf("%w: start state %d", ErrFormat, h.Start)
	}
	switch h.FSTType {
	case "vector":
		if h.Version < minVectorVersion {
			return nil, fmt.Errorf("%w: vector version %d", ErrFormat, h.Version)
		}
		return b.vector(h, sr, isyms, osyms)
	case "const":
		if h.Version < minConstVersion {
			return nil, fmt.Errorf("%w: const version %d", ErrFormat, h.Version)
		}
		return b.constFST(h, sr, isyms, osyms)
	}
	return nil, fmt.Errorf("%w: unsupported fst type %q", ErrFormat, h.FSTType)
}

// ReadFile reads a binary FST from path; "" or "-" reads standard input.
func ReadFile(path string) (wfst.Expanded, error) {
	if path == "" || path == "-" {
		f, err := Read(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return f, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fstio: %w", err)
	}
	defer fh.Close()
	f, err := Read(fh)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return f, nil
}

// arcBytes views arcs as raw bytes (the file layout on a little-endian machine).
func arcBytes(a []wfst.Arc) []byte {
	if len(a) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a)*arcSize)
}

func stateBytes(s []wfst.ConstState) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*constStateSize)
}

// swapArcs converts arcs read raw on a big-endian machine.
func swap32(p []byte) {
	for i := 0; i+4 <= len(p); i += 4 {
		p[i], p[i+1], p[i+2], p[i+3] = p[i+3], p[i+2], p[i+1], p[i]
	}
}

// readArcs reads n arcs into dst[len(dst):], growing dst in bounded chunks when the input size is unknown.
func (b *binReader) readArcs(dst []wfst.Arc, n int64) ([]wfst.Arc, error) {
	if !b.fits(n, arcSize) {
		return nil, fmt.Errorf("%w: %d arcs exceed the input", ErrFormat, n)
	}
	const chunk = 1 << 16
	for n > 0 {
		k := n
		if b.remaining < 0 && k > chunk {
			k = chunk
		}
		l := len(dst)
		dst = slicesGrow(dst, int(k))
		p := arcBytes(dst[l:])
		if err := b.full(p); err != nil {
			return nil, err
		}
		if !littleEndian {
			swap32(p)
		}
		n -= k
	}
	return dst, nil
}

func slicesGrow(s []wfst.Arc, k int) []wfst.Arc {
	if cap(s)-len(s) < k {
		ns := make([]wfst.Arc, len(s), len(s)+max(k, len(s)))
		copy(ns, s)
		s = ns
	}
	return s[:len(s)+k]
}

func (b *binReader) vector(h Header, sr wfst.Semiring, isyms, osyms *wfst.SymbolTable) (*wfst.Vector, error) {
	if h.NumStates < -1 || h.NumStates > maxStates || (h.NumStates > 0 && !b.fits(h.NumStates, 12)) {
		return nil, fmt.Errorf("%w: %d states", ErrFormat, h.NumStates)
	}
	f := wfst.NewVector(sr)
	if h.NumStates > 0 {
		f.ReserveStates(int(h.NumStates))
	}
	// Arcs of all states share arenas of at least 64K arcs; each state's slice is capped at its length,
	// so appending to it later reallocates instead of overwriting a neighbour.
	var arena []wfst.Arc
	for s := int64(0); h.NumStates < 0 || s < h.NumStates; s++ {
		var fb [4]byte
		if h.NumStates < 0 {
			n, err := io.ReadFull(b.r, fb[:])
			b.off += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%w: unexpected end of input at byte %d", ErrFormat, b.off)
			}
			if b.remaining >= 0 {
				b.remaining -= 4
			}
		} else if err := b.full(fb[:]); err != nil {
			return nil, err
		}
		if s >= maxStates {
			return nil, fmt.Errorf("%w: more than %d states", ErrFormat, maxStates)
		}
		final := math.Float32frombits(binary.LittleEndian.Uint32(fb[:]))
		narcs, err := b.int64()
		if err != nil {
			return nil, err
		}
		if narcs < 0 || narcs > maxArcsPerState {
			return nil, fmt.Errorf("%w: state %d has %d arcs", ErrFormat, s, narcs)
		}
		if int64(cap(arena)-len(arena)) < narcs {
			size := int64(1 << 16)
			if b.remaining >= 0 {
				size = min(size, b.remaining/arcSize)
			}
			arena = make([]wfst.Arc, 0, max(size, narcs))
		}
		l := len(arena)
		if arena, err = b.readArcs(arena, narcs); err != nil {
			return nil, err
		}
		st := f.AddState()
		f.SetFinal(st, final)
		arcs := arena[l:len(arena):len(arena)]
		for _, a := range arcs {
			if a.NextState < 0 || (h.NumStates >= 0 && int64(a.NextState) >= h.NumStates) {
				return nil, fmt.Errorf("%w: state %d has an arc to state %d", ErrFormat, s, a.NextState)
			}
		}
		f.SetArcs(st, arcs)
	}
	n := f.NumStates()
	if h.NumStates < 0 {
		for s := 0; s < n; s++ {
			for _, a := range f.Arcs(wfst.StateID(s)) {
				if int(a.NextState) >= n {
					return nil, fmt.Errorf("%w: state %d has an arc to state %d", ErrFormat, s, a.NextState)
				}
			}
		}
	}
	if h.Start >= int64(n) {
		return nil, fmt.Errorf("%w: start state %d of %d", ErrFormat, h.Start, n)
	}
	f.SetStart(wfst.StateID(h.Start))
	f.SetInputSymbols(isyms)
	f.SetOutputSymbols(osyms)
	f.SetProperties(h.Properties&wfst.PropCopy|wfst.PropExpanded|wfst.PropMutable, wfst.PropFST)
	return f, nil
}

func (b *binReader) constFST(h Header, sr wfst.Semiring, isyms, osyms *wfst.SymbolTable) (*wfst.Const, error) {
	aligned := h.Version == ConstAlignVersion || h.Flags&FlagIsAligned != 0
	if h.NumStates < 0 || h.NumStates > maxStates || !b.fits(h.NumStates, constStateSize) {
		return nil, fmt.Errorf("%w: %d states", ErrFormat, h.NumStates)
	}
	if h.NumArcs < 0 || h.NumArcs > maxConstArcs || !b.fits(h.NumArcs, arcSize) {
		return nil, fmt.Errorf("%w: %d arcs", ErrFormat, h.NumArcs)
	}
	if aligned {
		if err := b.align(); err != nil {
			return nil, err
		}
	}
	if !b.fits(h.NumStates, constStateSize) {
		return nil, fmt.Errorf("%w: %d states exceed the input", ErrFormat, h.NumStates)
	}
	var states []wfst.ConstState
	const chunk = 1 << 16
	for n := h.NumStates; n > 0; {
		k := n
		if b.remaining < 0 && k > chunk {
			k = chunk
		}
		l := len(states)
		if cap(states)-l < int(k) {
			c := len(states) + int(k)
			if b.remaining >= 0 {
				c = int(h.NumStates)
			} else {
				c = max(c, 2*len(states))
			}
			ns := make([]wfst.ConstState, l, c)
			copy(ns, states)
			states = ns
		}
		states = states[:l+int(k)]
		p := stateBytes(states[l:])
		if err := b.full(p); err != nil {
			return nil, err
		}
		if !littleEndian {
			swap32(p)
		}
		n -= k
	}
	if aligned {
		if err := b.align(); err != nil {
			return nil, err
		}
	}
	var arcs []wfst.Arc
	if b.remaining >= 0 && h.NumArcs > 0 {
		arcs = make([]wfst.Arc, 0, h.NumArcs)
	}
	arcs, err := b.readArcs(arcs, h.NumArcs)
	if err != nil {
		return nil, err
	}
	if err := checkConst(states, arcs, h.Start); err != nil {
		return nil, err
	}
	props := h.Properties&wfst.PropCopy | wfst.PropExpanded
	return wfst.NewConstFromArrays(states, arcs, wfst.StateID(h.Start), sr, props, isyms, osyms), nil
}

// checkConst verifies that every state's arc range lies within arcs, that the ranges tile the array, that
// the epsilon counts are consistent and that every arc leads to a state, so that no access can fail later.
func checkConst(states []wfst.ConstState, arcs []wfst.Arc, start int64) error {
	ns := int64(len(states))
	if start >= ns {
		return fmt.Errorf("%w: start state %d of %d", ErrFormat, start, ns)
	}
	var pos uint64
	for s, st := range states {
		if uint64(st.Pos) != pos || uint64(st.Pos)+uint64(st.NumArcs) > uint64(len(arcs)) ||
			st.NumIEps > st.NumArcs || st.NumOEps > st.NumArcs {
			return fmt.Errorf("%w: state %d: arcs [%d, +%d) of %d", ErrFormat, s, st.Pos, st.NumArcs, len(arcs))
		}
		pos += uint64(st.NumArcs)
	}
	if pos != uint64(len(arcs)) {
		return fmt.Errorf("%w: states hold %d arcs of %d", ErrFormat, pos, len(arcs))
	}
	for i := range arcs {
		if t := int64(arcs[i].NextState); t < 0 || t >= ns {
			return fmt.Errorf("%w: arc %d leads to state %d of %d", ErrFormat, i, t, ns)
		}
	}
	return nil
}

// WriteOptions select the output file type.
type WriteOptions struct {
	FSTType string // "vector" (default) or "const"
	Align   bool   // const only: the aligned version (OpenFST's --fst_align)
}

// binWriter writes little-endian values, counting bytes (for alignment).
type binWriter struct {
	w   *bufio.Writer
	off int64
	buf [8]byte
	err error
}

func (b *binWriter) bytes(p []byte) {
	if b.err != nil {
		return
	}
	n, err := b.w.Write(p)
	b.off += int64(n)
	b.err = err
}

func (b *binWriter) int32(v int32) {
	binary.LittleEndian.PutUint32(b.buf[:4], uint32(v))
	b.bytes(b.buf[:4])
}

func (b *binWriter) int64(v int64) {
	binary.LittleEndian.PutUint64(b.buf[:8], uint64(v))
	b.bytes(b.buf[:8])
}

func (b *binWriter) float32(v float32) { b.int32(int32(math.Float32bits(v))) }

func (b *binWriter) string(s string) {
	b.int32(int32(len(s)))
	if b.err == nil {
		n, err := b.w.WriteString(s)
		b.off += int64(n)
		b.err = err
	}
}

func (b *binWriter) align() {
	for b.off%alignment != 0 {
		b.bytes([]byte{0})
	}
}

func (b *binWriter) header(h Header) {
	b.int32(FSTMagic)
	b.string(h.FSTType)
	b.string(h.ArcType)
	b.int32(h.Version)
	b.int32(h.Flags)
	b.int64(int64(h.Properties))
	b.int64(h.Start)
	b.int64(h.NumStates)
	b.int64(h.NumArcs)
}

func (b *binWriter) symbols(t *wfst.SymbolTable) {
	b.int32(SymbolTableMagic)
	b.string(t.Name)
	b.int64(t.AvailableKey())
	b.int64(int64(t.Len()))
	for i := 0; i < t.Len(); i++ {
		sym, k := t.Entry(i)
		b.string(sym)
		b.int64(k)
	}
}

// WriteSymbols writes t in OpenFST's binary symbol-table form.
func WriteSymbols(w io.Writer, t *wfst.SymbolTable) error {
	bw := &binWriter{w: bufio.NewWriter(w)}
	bw.symbols(t)
	if bw.err == nil {
		bw.err = bw.w.Flush()
	}
	if bw.err != nil {
		return fmt.Errorf("fstio: write symbol table: %w", bw.err)
	}
	return nil
}

// Write writes f in OpenFST's binary format as fst type opts.FSTType ("vector" or "const"), with f's symbol
// tables when it has them. The bytes are those OpenFST writes for the same FST: header properties are f's
// known properties for "vector" (VectorFst::WriteFst) and fully computed ones for "const" (ConstFst::WriteFst
// tests them); computing them may store them in a *Vector f.
func Write(w io.Writer, f wfst.Expanded, opts WriteOptions) error {
	typ := opts.FSTType
	if typ == "" {
		typ = "vector"
	}
	var isyms, osyms *wfst.SymbolTable
	if sy, ok := f.(wfst.Symbolic); ok {
		isyms, osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	h := Header{FSTType: typ, ArcType: f.Semiring().String(), Start: int64(f.Start()), NumStates: int64(f.NumStates())}
	if isyms != nil {
		h.Flags |= FlagHasISymbols
	}
	if osyms != nil {
		h.Flags |= FlagHasOSymbols
	}
	bw := &binWriter{w: bufio.NewWriterSize(w, 1<<20)}
	n := f.NumStates()
	switch typ {
	case "vector":
		h.Version = VectorVersion
		h.Properties = wfst.Properties(f, wfst.PropCopy, false) | wfst.PropExpanded | wfst.PropMutable
		bw.header(h)
		writeSyms(bw, isyms, osyms)
		for s := 0; s < n && bw.err == nil; s++ {
			arcs := f.Arcs(wfst.StateID(s))
			bw.float32(f.Final(wfst.StateID(s)))
			bw.int64(int64(len(arcs)))
			writeArcs(bw, arcs)
		}
	case "const":
		h.Version = ConstVersion
		if opts.Align {
			h.Version = ConstAlignVersion
			h.Flags |= FlagIsAligned
		}
		h.NumArcs = int64(wfst.NumArcsTotal(f))
		if h.NumArcs > maxConstArcs {
			return fmt.Errorf("fstio: %d arcs do not fit a const FST", h.NumArcs)
		}
		h.Properties = wfst.Properties(f, wfst.PropCopy, true) | wfst.PropExpanded
		bw.header(h)
		writeSyms(bw, isyms, osyms)
		if opts.Align {
			bw.align()
		}
		if c, ok := f.(*wfst.Const); ok && littleEndian {
			bw.bytes(stateBytes(c.States()))
		} else {
			var buf [constStateSize]byte
			pos := uint32(0)
			for s := 0; s < n && bw.err == nil; s++ {
				arcs := f.Arcs(wfst.StateID(s))
				var ni, no uint32
				for _, a := range arcs {
					if a.ILabel == wfst.Epsilon {
						ni++
					}
					if a.OLabel == wfst.Epsilon {
						no++
					}
				}
				binary.LittleEndian.PutUint32(buf[0:], math.Float32bits(f.Final(wfst.StateID(s))))
				binary.LittleEndian.PutUint32(buf[4:], pos)
				binary.LittleEndian.PutUint32(buf[8:], uint32(len(arcs)))
				binary.LittleEndian.PutUint32(buf[12:], ni)
				binary.LittleEndian.PutUint32(buf[16:], no)
				bw.bytes(buf[:])
				pos += uint32(len(arcs))
			}
		}
		if opts.Align {
			bw.align()
		}
		if c, ok := f.(*wfst.Const); ok {
			writeArcs(bw, c.AllArcs())
		} else {
			for s := 0; s < n && bw.err == nil; s++ {
				writeArcs(bw, f.Arcs(wfst.StateID(s)))
			}
		}
	default:
		return fmt.Errorf("fstio: unsupported fst type %q (want vector or const)", typ)
	}
	if bw.err == nil {
		bw.err = bw.w.Flush()
	}
	if bw.err != nil {
		return fmt.Errorf("fstio: write: %w", bw.err)
	}
	return nil
}

func writeSyms(bw *binWriter, isyms, osyms *wfst.SymbolTable) {
	if isyms != nil {
		bw.symbols(isyms)
	}
	if osyms != nil {
		bw.symbols(osyms)
	}
}

func writeArcs(bw *binWriter, arcs []wfst.Arc) {
	if littleEndian {
		bw.bytes(arcBytes(arcs))
		return
	}
	for _, a := range arcs {
		bw.int32(int32(a.ILabel))
		bw.int32(int32(a.OLabel))
		bw.float32(a.Weight)
		bw.int32(int32(a.NextState))
	}
}

// WriteFile writes f to path ("" or "-": standard output) in binary form.
func WriteFile(path string, f wfst.Expanded, opts WriteOptions) error {
	if path == "" || path == "-" {
		return Write(os.Stdout, f, opts)
	}
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("fstio: %w", err)
	}
	if err := Write(fh, f, opts); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("fstio: %w", err)
	}
	return nil
}
