package fstio

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"

	"hark/wfst"
)

// EncodeMagic is OpenFST 1.7.9's kEncodeMagicNumber, the first int32 of an encoder file (fstencode's
// mapper). The file then holds the arc type (string), the flags (one byte), the tuple count (int64), the
// (ilabel, olabel, weight) tuples and the flagged symbol tables.
const EncodeMagic int32 = 2128178506

const (
	encodeHasISymbols uint32 = 0x4
	encodeHasOSymbols uint32 = 0x8
)

// ReadEncodeMapper reads an encode mapper file as OpenFST 1.7.9's fstencode writes it (EncodeTable::Write):
// magic, arc type, flags, tuple count, (ilabel, olabel, weight) tuples, then the input and output symbol
// tables when flagged. The tuple count is checked against the input that remains before allocating.
func ReadEncodeMapper(r io.Reader) (*wfst.EncodeMapper, wfst.Semiring, error) {
	b := newBinReader(r)
	magic, err := b.int32()
	if err != nil {
		return nil, 0, err
	}
	if magic != EncodeMagic {
		return nil, 0, fmt.Errorf("%w: bad encoder magic number %d", ErrFormat, magic)
	}
	arcType, err := b.string(maxTypeString)
	if err != nil {
		return nil, 0, err
	}
	sr, err := wfst.ParseSemiring(arcType)
	if err != nil || arcType == "tropical" {
		return nil, 0, fmt.Errorf("%w: encoder for unsupported arc type %q", ErrFormat, arcType)
	}
	if err := b.full(b.buf[:1]); err != nil {
		return nil, 0, err
	}
	flags := uint32(b.buf[0])
	size, err := b.int64()
	if err != nil {
		return nil, 0, err
	}
	if size < 0 || size > math.MaxInt32 || !b.fits(size, 12) {
		return nil, 0, fmt.Errorf("%w: encoder with %d tuples", ErrFormat, size)
	}
	var tuples []wfst.EncodeTuple
	if b.remaining >= 0 {
		tuples = make([]wfst.EncodeTuple, 0, size)
	}
	for i := int64(0); i < size; i++ {
		il, err := b.int32()
		if err != nil {
			return nil, 0, err
		}
		ol, err := b.int32()
		if err != nil {
			return nil, 0, err
		}
		w, err := b.int32()
		if err != nil {
			return nil, 0, err
		}
		tuples = append(tuples, wfst.EncodeTuple{ILabel: wfst.Label(il), OLabel: wfst.Label(ol), Weight: math.Float32frombits(uint32(w))})
	}
	m := wfst.NewEncodeMapperFromTuples(flags, tuples)
	if flags&encodeHasISymbols != 0 {
		if m.ISyms, err = b.symbols(); err != nil {
			return nil, 0, err
		}
	}
	if flags&encodeHasOSymbols != 0 {
		if m.OSyms, err = b.symbols(); err != nil {
			return nil, 0, err
		}
	}
	return m, sr, nil
}

// WriteEncodeMapper writes m, a mapper for arcs of semiring sr, in fstencode's mapper format.
func WriteEncodeMapper(w io.Writer, m *wfst.EncodeMapper, sr wfst.Semiring) error {
	bw := &binWriter{w: bufio.NewWriter(w)}
	flags := m.Flags()
	if m.ISyms != nil {
		flags |= encodeHasISymbols
	}
	if m.OSyms != nil {
		flags |= encodeHasOSymbols
	}
	bw.int32(EncodeMagic)
	bw.string(sr.String())
	bw.bytes([]byte{byte(flags)})
	bw.int64(int64(len(m.Tuples())))
	for _, t := range m.Tuples() {
		bw.int32(int32(t.ILabel))
		bw.int32(int32(t.OLabel))
		bw.float32(t.Weight)
	}
	writeSyms(bw, m.ISyms, m.OSyms)
	if bw.err == nil {
		bw.err = bw.w.Flush()
	}
	if bw.err != nil {
		return fmt.Errorf("fstio: write encoder: %w", bw.err)
	}
	return nil
}

// ReadEncodeMapperFile reads an encoder file.
func ReadEncodeMapperFile(path string) (*wfst.EncodeMapper, wfst.Semiring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("fstio: %w", err)
	}
	defer f.Close()
	m, sr, err := ReadEncodeMapper(f)
	if err != nil {
		return nil, 0, fmt.Errorf("read encoder %s: %w", path, err)
	}
	return m, sr, nil
}

// WriteEncodeMapperFile writes an encoder file.
func WriteEncodeMapperFile(path string, m *wfst.EncodeMapper, sr wfst.Semiring) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("fstio: %w", err)
	}
	if err := WriteEncodeMapper(f, m, sr); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("fstio: %w", err)
	}
	return nil
}
