package feature

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// The Sphinx cepstra file (".mfc", written by sphinx_fe -ofmt sphinx and read by pocketsphinx_batch) is a
// 4-byte signed count n of float32 values, then n float32 values, frames of -ceplen values one after the
// other. There is no byte-order mark: readers (sphinxbase read_mfc_file) take the byte order in which the
// count equals file size/4 − 1. sphinx_fe writes the machine's order (little-endian on Debian x86 and arm);
// the tidigits files of pocketsphinx-testdata are big-endian.

// ErrMFC is wrapped by every error about a malformed cepstra file.
var ErrMFC = errors.New("feature: malformed sphinx cepstra file")

// MaxMFCBytes bounds the size of a cepstra file ReadMFCFile accepts (about 2.9 hours of 13 cepstra at
// 100 frames/s per 64 MiB; 1 GiB in all).
const MaxMFCBytes = 1 << 30

// DecodeMFC decodes a whole cepstra file. It returns the values and whether the file was big-endian. The
// result is a new slice of len(data)/4 − 1 values; nothing larger than data is allocated.
func DecodeMFC(data []byte) (values []float32, bigEndian bool, err error) {
	if len(data) < 4 {
		return nil, false, fmt.Errorf("%w: %d bytes, shorter than the 4-byte header", ErrMFC, len(data))
	}
	if len(data)%4 != 0 {
		return nil, false, fmt.Errorf("%w: size %d is not a multiple of 4", ErrMFC, len(data))
	}
	want := int64(len(data)/4 - 1)
	var order binary.ByteOrder = binary.LittleEndian
	if int64(int32(binary.LittleEndian.Uint32(data))) != want {
		if int64(int32(binary.BigEndian.Uint32(data))) != want {
			return nil, false, fmt.Errorf("%w: header counts %d values (or %d byte-swapped), the file holds %d",
				ErrMFC, int32(binary.LittleEndian.Uint32(data)), int32(binary.BigEndian.Uint32(data)), want)
		}
		order, bigEndian = binary.BigEndian, true
	}
	values = make([]float32, want)
	for i := range values {
		values[i] = math.Float32frombits(order.Uint32(data[4+4*i:]))
	}
	return values, bigEndian, nil
}

// ReadMFCFile reads a cepstra file (at most MaxMFCBytes) and splits it into frames of dim values. The
// frames are sub-slices of one array.
func ReadMFCFile(path string, dim int) ([][]float32, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("feature: read cepstra: %w", err)
	}
	if fi.Size() > MaxMFCBytes {
		return nil, fmt.Errorf("feature: read cepstra %s: %d bytes, more than %d", path, fi.Size(), MaxMFCBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("feature: read cepstra: %w", err)
	}
	values, _, err := DecodeMFC(data)
	if err != nil {
		return nil, fmt.Errorf("read cepstra %s: %w", path, err)
	}
	frames, err := Frames(values, dim)
	if err != nil {
		return nil, fmt.Errorf("read cepstra %s: %w", path, err)
	}
	return frames, nil
}

// Frames splits row-major values into frames of dim values each (sub-slices of values).
func Frames(values []float32, dim int) ([][]float32, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("feature: frame dimension %d is not positive", dim)
	}
	if len(values)%dim != 0 {
		return nil, fmt.Errorf("%w: %d values are not whole frames of %d", ErrMFC, len(values), dim)
	}
	out := make([][]float32, len(values)/dim)
	for i := range out {
		out[i] = values[i*dim : (i+1)*dim : (i+1)*dim]
	}
	return out, nil
}

// EncodeMFC returns the little-endian cepstra file of values, as sphinx_fe writes it on Debian.
func EncodeMFC(values []float32) ([]byte, error) {
	if len(values) > math.MaxInt32 {
		return nil, fmt.Errorf("feature: %d values do not fit the cepstra file's int32 count", len(values))
	}
	out := make([]byte, 4+4*len(values))
	binary.LittleEndian.PutUint32(out, uint32(len(values)))
	for i, v := range values {
		binary.LittleEndian.PutUint32(out[4+4*i:], math.Float32bits(v))
	}
	return out, nil
}

// MFCWriter streams a little-endian cepstra file: it writes a placeholder count, the values as they come,
// and the real count on Close (as sphinx_fe does), so memory stays O(1) however long the audio is.
type MFCWriter struct {
	ws  io.WriteSeeker
	bw  *bufio.Writer
	n   int64
	buf [4]byte
	err error
}

// NewMFCWriter writes the placeholder header to ws.
func NewMFCWriter(ws io.WriteSeeker) (*MFCWriter, error) {
	w := &MFCWriter{ws: ws, bw: bufio.NewWriter(ws)}
	if _, err := w.bw.Write(w.buf[:]); err != nil {
		return nil, fmt.Errorf("feature: write cepstra header: %w", err)
	}
	return w, nil
}

// Write appends values (whole frames, row-major).
func (w *MFCWriter) Write(values []float32) error {
	if w.err != nil {
		return w.err
	}
	for _, v := range values {
		binary.LittleEndian.PutUint32(w.buf[:], math.Float32bits(v))
		if _, err := w.bw.Write(w.buf[:]); err != nil {
			w.err = fmt.Errorf("feature: write cepstra: %w", err)
			return w.err
		}
	}
	w.n += int64(len(values))
	if w.n > math.MaxInt32 {
		w.err = fmt.Errorf("feature: %d values do not fit the cepstra file's int32 count", w.n)
	}
	return w.err
}

// Count returns the number of values written so far.
func (w *MFCWriter) Count() int64 { return w.n }

// Close flushes the values and writes the final count into the header. It does not close the underlying
// file.
func (w *MFCWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("feature: write cepstra: %w", err)
	}
	if _, err := w.ws.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("feature: write cepstra header: %w", err)
	}
	binary.LittleEndian.PutUint32(w.buf[:], uint32(w.n))
	if _, err := w.ws.Write(w.buf[:]); err != nil {
		return fmt.Errorf("feature: write cepstra header: %w", err)
	}
	if _, err := w.ws.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("feature: write cepstra: %w", err)
	}
	return nil
}
