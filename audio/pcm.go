package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Encoding is the coding of one uncompressed sample.
type Encoding int

// Sample encodings of WAV and raw PCM.
const (
	// EncodingSigned is two's-complement integer PCM (8-bit raw, 16, 24, 32 bits).
	EncodingSigned Encoding = iota + 1
	// EncodingUnsigned is offset-binary integer PCM (8-bit WAV, raw u8).
	EncodingUnsigned
	// EncodingFloat is IEEE 754 floating point (32 or 64 bits), full scale 1.0.
	EncodingFloat
	// EncodingALaw is ITU-T G.711 A-law, 8 bits.
	EncodingALaw
	// EncodingMuLaw is ITU-T G.711 mu-law, 8 bits.
	EncodingMuLaw
)

func (e Encoding) String() string {
	switch e {
	case EncodingSigned:
		return "signed"
	case EncodingUnsigned:
		return "unsigned"
	case EncodingFloat:
		return "float"
	case EncodingALaw:
		return "alaw"
	case EncodingMuLaw:
		return "mulaw"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// sampleCoding is one validated (encoding, width, byte order) triple with its converter.
type sampleCoding struct {
	enc       Encoding
	bytes     int // bytes per sample
	bigEndian bool
}

func newSampleCoding(enc Encoding, bits int, bigEndian bool) (sampleCoding, error) {
	ok := false
	switch enc {
	case EncodingSigned, EncodingUnsigned:
		ok = bits == 8 || bits == 16 || bits == 24 || bits == 32
	case EncodingFloat:
		ok = bits == 32 || bits == 64
	case EncodingALaw, EncodingMuLaw:
		ok = bits == 8
	}
	if !ok {
		return sampleCoding{}, fmt.Errorf("%d-bit %s samples: %w", bits, enc, ErrUnsupported)
	}
	return sampleCoding{enc: enc, bytes: bits / 8, bigEndian: bigEndian && bits > 8}, nil
}

// codec returns the ffmpeg-style codec name, e.g. "pcm_s16le".
func (c sampleCoding) codec() string {
	switch c.enc {
	case EncodingALaw:
		return "alaw"
	case EncodingMuLaw:
		return "mulaw"
	}
	s := "pcm_"
	switch c.enc {
	case EncodingSigned:
		s += "s"
	case EncodingUnsigned:
		s += "u"
	case EncodingFloat:
		s += "f"
	}
	s += fmt.Sprint(c.bytes * 8)
	if c.bytes > 1 {
		if c.bigEndian {
			s += "be"
		} else {
			s += "le"
		}
	}
	return s
}

// convert decodes len(dst) samples from src (len(src) >= len(dst)*c.bytes) into dst at full scale 1.0.
func (c sampleCoding) convert(dst []float32, src []byte) {
	n := len(dst)
	switch c.enc {
	case EncodingSigned:
		switch c.bytes {
		case 1:
			src = src[:n]
			for i := range dst {
				dst[i] = float32(int8(src[i])) * (1.0 / 128)
			}
		case 2:
			src = src[:2*n]
			if c.bigEndian {
				for i := range dst {
					dst[i] = float32(int16(uint16(src[2*i])<<8|uint16(src[2*i+1]))) * (1.0 / 32768)
				}
			} else {
				for i := range dst {
					dst[i] = float32(int16(uint16(src[2*i])|uint16(src[2*i+1])<<8)) * (1.0 / 32768)
				}
			}
		case 3:
			src = src[:3*n]
			for i := range dst {
				b := src[3*i : 3*i+3]
				var v int32
				if c.bigEndian {
					v = int32(int8(b[0]))<<16 | int32(b[1])<<8 | int32(b[2])
				} else {
					v = int32(int8(b[2]))<<16 | int32(b[1])<<8 | int32(b[0])
				}
				dst[i] = float32(v) * (1.0 / (1 << 23))
			}
		case 4:
			src = src[:4*n]
			for i := range dst {
				var v int32
				if c.bigEndian {
					v = int32(binary.BigEndian.Uint32(src[4*i:]))
				} else {
					v = int32(binary.LittleEndian.Uint32(src[4*i:]))
				}
				dst[i] = float32(float64(v) * (1.0 / (1 << 31)))
			}
		}
	case EncodingUnsigned:
		switch c.bytes {
		case 1:
			src = src[:n]
			for i := range dst {
				dst[i] = float32(int(src[i])-128) * (1.0 / 128)
			}
		case 2:
			src = src[:2*n]
			for i := range dst {
				var u uint16
				if c.bigEndian {
					u = binary.BigEndian.Uint16(src[2*i:])
				} else {
					u = binary.LittleEndian.Uint16(src[2*i:])
				}
				dst[i] = float32(int16(u^0x8000)) * (1.0 / 32768)
			}
		case 3:
			src = src[:3*n]
			for i := range dst {
				b := src[3*i : 3*i+3]
				var u uint32
				if c.bigEndian {
					u = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
				} else {
					u = uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
				}
				dst[i] = float32(int32(u)-(1<<23)) * (1.0 / (1 << 23))
			}
		case 4:
			src = src[:4*n]
			for i := range dst {
				var u uint32
				if c.bigEndian {
					u = binary.BigEndian.Uint32(src[4*i:])
				} else {
					u = binary.LittleEndian.Uint32(src[4*i:])
				}
				dst[i] = float32(float64(int32(u^0x80000000)) * (1.0 / (1 << 31)))
			}
		}
	case EncodingFloat:
		if c.bytes == 4 {
			src = src[:4*n]
			for i := range dst {
				var u uint32
				if c.bigEndian {
					u = binary.BigEndian.Uint32(src[4*i:])
				} else {
					u = binary.LittleEndian.Uint32(src[4*i:])
				}
				dst[i] = math.Float32frombits(u)
			}
		} else {
			src = src[:8*n]
			for i := range dst {
				var u uint64
				if c.bigEndian {
					u = binary.BigEndian.Uint64(src[8*i:])
				} else {
					u = binary.LittleEndian.Uint64(src[8*i:])
				}
				dst[i] = float32(math.Float64frombits(u))
			}
		}
	case EncodingALaw:
		src = src[:n]
		for i := range dst {
			dst[i] = alawTable[src[i]]
		}
	case EncodingMuLaw:
		src = src[:n]
		for i := range dst {
			dst[i] = mulawTable[src[i]]
		}
	}
}

// G.711 expansion tables at full scale 1.0 (the 16-bit values of ITU-T G.711 / Sun's g711.c, over 32768).
var alawTable, mulawTable [256]float32

func init() {
	for i := range 256 {
		alawTable[i] = float32(alaw2linear(byte(i))) / 32768
		mulawTable[i] = float32(ulaw2linear(byte(i))) / 32768
	}
}

func alaw2linear(a byte) int16 {
	a ^= 0x55
	t := int16(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return t
	}
	return -t
}

func ulaw2linear(u byte) int16 {
	const bias = 0x84
	u = ^u
	t := (int16(u&0x0f) << 3) + bias
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return bias - t
	}
	return t - bias
}

// pcmBufBytes is the size of the byte buffer of a PCM reader: reads from the source happen in blocks of
// at most this many bytes (rounded down to whole sample frames).
const pcmBufBytes = 16 << 10

// pcmReader streams interleaved PCM samples from r. Its memory is one buffer of max(pcmBufBytes,
// frameBytes) bytes, whatever the length of the stream.
type pcmReader struct {
	r          io.Reader
	coding     sampleCoding
	channels   int
	frameBytes int
	remaining  int64 // bytes of sample data left; -1 reads to EOF
	buf        []byte
	carry      int // bytes of an incomplete frame kept at the front of buf
	err        error
	what       string // "wav", "raw": the prefix of errors
}

func newPCMReader(what string, r io.Reader, c sampleCoding, channels int, dataBytes int64) *pcmReader {
	fb := c.bytes * channels
	size := max(pcmBufBytes/fb*fb, fb)
	return &pcmReader{r: r, coding: c, channels: channels, frameBytes: fb, remaining: dataBytes,
		buf: make([]byte, size), what: what}
}

func (p *pcmReader) readFrames(dst []float32) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if len(dst) < p.channels {
		return 0, fmt.Errorf("%s: destination of %d samples holds no frame of %d channels", p.what, len(dst), p.channels)
	}
	want := min(len(dst)/p.channels*p.frameBytes, len(p.buf))
	if p.remaining >= 0 {
		if int64(want) > p.remaining+int64(p.carry) {
			want = int(p.remaining) + p.carry
		}
		if want < p.frameBytes {
			if p.remaining > 0 || p.carry > 0 {
				p.err = fmt.Errorf("%s: data ends in a partial sample frame (%d of %d bytes): %w",
					p.what, p.remaining+int64(p.carry), p.frameBytes, ErrTruncated)
				return 0, p.err
			}
			p.err = io.EOF
			return 0, io.EOF
		}
	}
	n, err := io.ReadAtLeast(p.r, p.buf[p.carry:want], p.frameBytes-p.carry)
	if p.remaining >= 0 {
		p.remaining -= int64(n)
	}
	n += p.carry
	frames := n / p.frameBytes
	p.coding.convert(dst[:frames*p.channels], p.buf[:n])
	p.carry = copy(p.buf, p.buf[frames*p.frameBytes:n])
	if err != nil {
		switch {
		case (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) && p.remaining < 0:
			p.err = io.EOF // streaming mode: the data runs to the end; a partial last frame is dropped
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			p.err = fmt.Errorf("%s: data ends %d bytes short of its declared size: %w", p.what, p.remaining+int64(p.carry), ErrTruncated)
		default:
			p.err = fmt.Errorf("%s: read samples: %w", p.what, err)
		}
		if frames == 0 {
			return 0, p.err
		}
	}
	return frames, nil
}

// RawFormat describes headerless PCM: the parameters a raw stream cannot carry itself.
type RawFormat struct {
	SampleRateHz  int
	Channels      int
	BitsPerSample int
	Encoding      Encoding
	BigEndian     bool
}

// DefaultRawFormat is how pocketsphinx's .raw files are stored: 16 kHz, 16-bit signed little-endian mono.
func DefaultRawFormat() RawFormat {
	return RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 16, Encoding: EncodingSigned}
}

// Validate reports whether f describes PCM that the raw reader decodes.
func (f RawFormat) Validate() error {
	if err := checkShape("raw", f.SampleRateHz, f.Channels); err != nil {
		return err
	}
	if _, err := newSampleCoding(f.Encoding, f.BitsPerSample, f.BigEndian); err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	return nil
}

// RawReader decodes headerless PCM. Its memory is one 16 KiB buffer.
type RawReader struct {
	p   *pcmReader
	fmt Format
}

// NewRawReader returns a reader of the headerless PCM in r, described by f. size is the byte length of r
// when known (Format.Frames is then size / frame bytes), or -1.
func NewRawReader(r io.Reader, f RawFormat, size int64) (*RawReader, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	c, _ := newSampleCoding(f.Encoding, f.BitsPerSample, f.BigEndian)
	frames := int64(-1)
	if size >= 0 {
		frames = size / int64(c.bytes*f.Channels)
	}
	return &RawReader{
		p: newPCMReader("raw", r, c, f.Channels, -1),
		fmt: Format{Container: ContainerRaw, Codec: c.codec(), SampleRateHz: f.SampleRateHz, Channels: f.Channels,
			BitsPerSample: f.BitsPerSample, Frames: frames},
	}, nil
}

// Format implements Reader.
func (r *RawReader) Format() Format { return r.fmt }

// ReadFrames implements Reader.
func (r *RawReader) ReadFrames(dst []float32) (int, error) { return r.p.readFrames(dst) }
