package sphinx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// byteOrderMagic is the uint32 written after an s3 header (sphinxbase bio.h BYTE_ORDER_MAGIC).
const byteOrderMagic = 0x11223344

// s3Reader reads the body of an s3 binary parameter file (sphinxbase bio.c): a text header
// "s3\n" + "name value" lines + "endhdr\n", the byte-order magic, then 4-byte elements whose running
// checksum (bio.c chksum_accum) is verified against a trailing uint32 when the header has "chksum0".
type s3Reader struct {
	file   string
	data   []byte
	pos    int
	order  binary.ByteOrder
	sum    uint32
	hdr    map[string]string
	chksum bool
}

// newS3Reader parses the header and byte-order magic of an s3 file held in data.
func newS3Reader(file string, data []byte) (*s3Reader, error) {
	r := &s3Reader{file: file, data: data, hdr: map[string]string{}}
	line, ok := r.line()
	if !ok {
		return nil, formatErr(file, "header", "premature end of file")
	}
	if line == "s3" {
		for n := 0; ; n++ {
			if n > 1000 {
				return nil, formatErr(file, "header", "more than 1000 header lines")
			}
			l, ok := r.line()
			if !ok {
				return nil, formatErr(file, "header", "premature end of file before endhdr")
			}
			f := strings.Fields(l)
			if len(f) == 0 {
				return nil, formatErr(file, "header", "empty header line %d", n+2)
			}
			if f[0] == "endhdr" {
				break
			}
			if strings.HasPrefix(f[0], "#") {
				continue
			}
			if len(f) < 2 {
				return nil, formatErr(file, "header", "line %d: %q has no value", n+2, l)
			}
			r.hdr[f[0]] = f[1]
		}
	} else {
		// Old format: the first line is the version, then a comment block up to "*end_comment*".
		f := strings.Fields(line)
		if len(f) == 0 {
			return nil, formatErr(file, "header", "empty version line")
		}
		r.hdr["version"] = f[0]
		for n := 0; ; n++ {
			l, ok := r.line()
			if !ok || n > 10000 {
				return nil, formatErr(file, "header", "unterminated comment block")
			}
			if strings.TrimSpace(l) == "*end_comment*" {
				break
			}
		}
	}
	_, r.chksum = r.hdr["chksum0"]
	if r.pos+4 > len(data) {
		return nil, formatErr(file, "byte-order magic", "premature end of file")
	}
	switch m := binary.LittleEndian.Uint32(data[r.pos:]); m {
	case byteOrderMagic:
		r.order = binary.LittleEndian
	case 0x44332211:
		r.order = binary.BigEndian
	default:
		return nil, formatErr(file, "byte-order magic", "0x%08x, want 0x%08x", m, byteOrderMagic)
	}
	r.pos += 4
	return r, nil
}

// line returns the next '\n'-terminated line (without the newline), capped at 16 KiB as bio.c's buffer.
func (r *s3Reader) line() (string, bool) {
	rest := r.data[r.pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 || i > 16384 {
		return "", false
	}
	r.pos += i + 1
	return string(rest[:i]), true
}

// remaining returns the number of unread bytes.
func (r *s3Reader) remaining() int { return len(r.data) - r.pos }

// int32 reads one checksummed int32.
func (r *s3Reader) int32(field string) (int32, error) {
	if r.remaining() < 4 {
		return 0, formatErr(r.file, field, "premature end of file")
	}
	v := r.order.Uint32(r.data[r.pos:])
	r.pos += 4
	r.sum = bits.RotateLeft32(r.sum, 20) + v
	return int32(v), nil
}

// count reads an int32 that must lie in [lo, hi].
func (r *s3Reader) count(field string, lo, hi int) (int, error) {
	v, err := r.int32(field)
	if err != nil {
		return 0, err
	}
	if int(v) < lo || int(v) > hi {
		return 0, formatErr(r.file, field, "%d out of range [%d, %d] (%d bytes left)", v, lo, hi, r.remaining())
	}
	return int(v), nil
}

// float32s reads len(dst) checksummed float32 values into dst.
func (r *s3Reader) float32s(field string, dst []float32) error {
	if r.remaining() < 4*len(dst) {
		return formatErr(r.file, field, "need %d bytes, %d left", 4*len(dst), r.remaining())
	}
	b := r.data[r.pos:]
	sum := r.sum
	for i := range dst {
		v := r.order.Uint32(b[4*i:])
		sum = bits.RotateLeft32(sum, 20) + v
		dst[i] = math.Float32frombits(v)
	}
	r.sum = sum
	r.pos += 4 * len(dst)
	return nil
}

// finish verifies the trailing checksum (if the header announced one) and that no bytes follow.
func (r *s3Reader) finish() error {
	if r.chksum {
		if r.remaining() < 4 {
			return formatErr(r.file, "checksum", "premature end of file")
		}
		want := r.order.Uint32(r.data[r.pos:])
		r.pos += 4
		if want != r.sum {
			return &FormatError{File: r.file, Field: "checksum",
				Err: fmt.Errorf("%w: file has 0x%08x, computed 0x%08x", ErrChecksum, want, r.sum)}
		}
	}
	if r.remaining() != 0 {
		return formatErr(r.file, "end of data", "%d unexpected trailing bytes", r.remaining())
	}
	return nil
}
