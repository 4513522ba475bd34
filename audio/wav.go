package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WAV format tags (wFormatTag) hark decodes, and a few it names in errors.
const (
	wavTagPCM        = 0x0001
	wavTagFloat      = 0x0003
	wavTagALaw       = 0x0006
	wavTagMuLaw      = 0x0007
	wavTagExtensible = 0xFFFE
)

var wavTagNames = map[uint16]string{
	0x0002: "Microsoft ADPCM",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0050: "MPEG",
	0x0055: "MPEG layer 3",
	0x0161: "Windows Media Audio",
	0x00ff: "AAC",
	0x1610: "AAC (ADTS)",
	0xf1ac: "FLAC",
}

// ksSubtypeTail is the part of a KSDATAFORMAT_SUBTYPE_* GUID after its leading 16-bit format tag
// (xxxxxxxx-0000-0010-8000-00aa00389b71, in the byte order WAVE_FORMAT_EXTENSIBLE stores it).
var ksSubtypeTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}

// Limits of the WAV parser: header chunks are read into memory only up to these sizes.
const (
	wavMaxFmtBytes  = 64 << 10 // fmt chunk (16..40 bytes in practice)
	wavMaxDS64Bytes = 64 << 10 // RF64 ds64 chunk (28 bytes plus a table)
	// Sizes that streaming writers put in the data chunk header when they cannot seek back to fix it:
	// the data then runs to the end of the stream.
	wavSizeUnknownFF  = 0xFFFFFFFF
	wavSizeUnknownSox = 0x7FFFF000 // sox writing to a pipe
)

// WAVReader decodes a RIFF WAVE stream (also RIFX, big-endian, and RF64/BW64 for files over 4 GiB):
// PCM 8/16/24/32-bit, IEEE float 32/64, A-law, mu-law, plain or WAVE_FORMAT_EXTENSIBLE, any channel count
// up to MaxChannels. Chunks before data (LIST, fact, bext, JUNK, ...) are skipped by discarding their bytes,
// never by allocating them; chunks after data are never read. A data chunk before fmt is handled when the
// source is an io.Seeker. A data size of 0xFFFFFFFF, or sox's pipe placeholder 0x7FFFF000, or 0 with
// nothing declared after it, means the data runs to the end of the stream.
//
// Memory: one 16 KiB sample buffer (more only for frames wider than that) and a header buffer of at most
// 64 KiB, freed after parsing, whatever the length of the stream.
type WAVReader struct {
	p   *pcmReader
	fmt Format
}

// NewWAVReader parses the headers of the WAV stream in r up to the start of its samples.
func NewWAVReader(r io.Reader) (*WAVReader, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("wav: read RIFF header: %w", eofTruncated(err))
	}
	var order binary.ByteOrder = binary.LittleEndian
	rf64 := false
	switch string(hdr[0:4]) {
	case "RIFF":
	case "RIFX":
		order = binary.BigEndian
	case "RF64", "BW64":
		rf64 = true
	default:
		return nil, fmt.Errorf("wav: magic %q is not RIFF: %w", hdr[0:4], ErrFormat)
	}
	if string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("wav: RIFF form type %q is not WAVE: %w", hdr[8:12], ErrFormat)
	}
	riffSize := int64(order.Uint32(hdr[4:8]))
	pos := int64(12) // offset of the next chunk header
	var (
		haveFmt    bool
		coding     sampleCoding
		channels   int
		rate       int
		bits       int
		ds64Data   int64 = -1
		dataOffset int64 = -1 // a data chunk seen before fmt (seekable sources only)
		dataSize   uint32
	)
	seeker, _ := r.(io.Seeker)
	var start int64
	if seeker != nil {
		// Offsets below are relative to the RIFF header, which may not be at the seeker's origin.
		cur, err := seeker.Seek(0, io.SeekCurrent)
		if err != nil {
			seeker = nil
		} else {
			start = cur - 12
		}
	}
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if errors.Is(err, io.EOF) && !haveFmt {
				return nil, fmt.Errorf("wav: no fmt chunk: %w", ErrFormat)
			}
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("wav: no data chunk: %w", ErrFormat)
			}
			return nil, fmt.Errorf("wav: read chunk header at offset %d: %w", pos, eofTruncated(err))
		}
		id := string(ch[0:4])
		size := order.Uint32(ch[4:8])
		pos += 8
		switch id {
		case "fmt ":
			if size < 16 || size > wavMaxFmtBytes {
				return nil, fmt.Errorf("wav: fmt chunk of %d bytes (want 16 to %d): %w", size, wavMaxFmtBytes, ErrFormat)
			}
			body := make([]byte, size+size&1)
			if n, err := io.ReadFull(r, body); err != nil && n < int(size) {
				return nil, fmt.Errorf("wav: read fmt chunk: %w", eofTruncated(err))
			}
			var err error
			coding, channels, rate, bits, err = parseWAVFmt(body[:size], order)
			if err != nil {
				return nil, err
			}
			haveFmt = true
			pos += int64(len(body))
			if dataOffset >= 0 {
				if _, err := seeker.Seek(start+dataOffset-8, io.SeekStart); err != nil {
					return nil, fmt.Errorf("wav: seek back to the data chunk: %w", err)
				}
				pos = dataOffset - 8
				dataOffset = -1
			}
			continue
		case "ds64":
			if !rf64 || size < 28 || size > wavMaxDS64Bytes {
				return nil, fmt.Errorf("wav: ds64 chunk of %d bytes in a %s file: %w", size, hdr[0:4], ErrFormat)
			}
			body := make([]byte, size+size&1)
			if n, err := io.ReadFull(r, body); err != nil && n < int(size) {
				return nil, fmt.Errorf("wav: read ds64 chunk: %w", eofTruncated(err))
			}
			riffSize = int64(binary.LittleEndian.Uint64(body[0:8]))
			ds64Data = int64(binary.LittleEndian.Uint64(body[8:16]))
			pos += int64(len(body))
			continue
		case "data":
			if !haveFmt {
				if seeker == nil {
					return nil, fmt.Errorf("wav: data chunk before fmt chunk in a stream that cannot seek: %w", ErrUnsupported)
				}
				if dataOffset >= 0 {
					return nil, fmt.Errorf("wav: two data chunks before fmt: %w", ErrFormat)
				}
				dataOffset = pos
				if size == wavSizeUnknownFF || size == 0 {
					return nil, fmt.Errorf("wav: data chunk of unknown size before fmt chunk: %w", ErrUnsupported)
				}
				if err := skip(r, seeker, int64(size)+int64(size&1)); err != nil {
					return nil, fmt.Errorf("wav: skip data chunk to find fmt: %w", eofTruncated(err))
				}
				pos += int64(size) + int64(size&1)
				continue
			}
			dataSize = size
			n := int64(dataSize)
			switch {
			case rf64 && dataSize == wavSizeUnknownFF && ds64Data >= 0:
				n = ds64Data
			case dataSize == wavSizeUnknownFF || dataSize == wavSizeUnknownSox:
				n = -1
			case dataSize == 0 && (riffSize == wavSizeUnknownFF || riffSize == 0 || riffSize+8 <= pos):
				n = -1 // nothing declared after an empty data chunk: a streaming writer's header
			}
			frameBytes := int64(coding.bytes * channels)
			frames := int64(-1)
			if n >= 0 {
				frames = n / frameBytes
				n = frames * frameBytes // a trailing partial frame is not sample data
			} else if seeker != nil {
				// A streaming writer's header on a file: the samples run to its end, whose size we can see.
				if cur, err := seeker.Seek(0, io.SeekCurrent); err == nil {
					if end, err := seeker.Seek(0, io.SeekEnd); err == nil && end >= cur {
						frames = (end - cur) / frameBytes
					}
					if _, err := seeker.Seek(cur, io.SeekStart); err != nil {
						return nil, fmt.Errorf("wav: seek back to the samples: %w", err)
					}
				}
			}
			w := &WAVReader{
				p: newPCMReader("wav", r, coding, channels, n),
				fmt: Format{Container: ContainerWAV, Codec: coding.codec(), SampleRateHz: rate, Channels: channels,
					BitsPerSample: bits, Frames: frames},
			}
			return w, nil
		default:
			if err := skip(r, seeker, int64(size)+int64(size&1)); err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					if !haveFmt {
						return nil, fmt.Errorf("wav: chunk %q of %d bytes at offset %d runs past the end, no fmt chunk: %w", id, size, pos-8, ErrTruncated)
					}
					return nil, fmt.Errorf("wav: chunk %q of %d bytes at offset %d runs past the end, no data chunk: %w", id, size, pos-8, ErrTruncated)
				}
				return nil, fmt.Errorf("wav: skip chunk %q: %w", id, err)
			}
			pos += int64(size) + int64(size&1)
		}
	}
}

// skip advances r by n bytes, by seeking when it can and discarding otherwise; it allocates nothing.
// A pad byte missing at the very end is not an error: only a short skip of more than one byte is.
func skip(r io.Reader, s io.Seeker, n int64) error {
	if s != nil && n > 64<<10 {
		cur, err := s.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		end, err := s.Seek(0, io.SeekEnd)
		if err != nil {
			return err
		}
		if cur+n > end+1 {
			return io.ErrUnexpectedEOF
		}
		_, err = s.Seek(cur+n, io.SeekStart)
		return err
	}
	m, err := io.CopyN(io.Discard, r, n)
	if err != nil && m == n-1 && errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// eofTruncated turns the EOF errors of a header read into ErrTruncated.
func eofTruncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (%w)", ErrTruncated, err)
	}
	return err
}

func parseWAVFmt(b []byte, order binary.ByteOrder) (c sampleCoding, channels, rate, bits int, err error) {
	tag := order.Uint16(b[0:2])
	channels = int(order.Uint16(b[2:4]))
	rate = int(order.Uint32(b[4:8]))
	blockAlign := int(order.Uint16(b[12:14]))
	bits = int(order.Uint16(b[14:16]))
	if err = checkShape("wav", rate, channels); err != nil {
		return
	}
	containerBits := (bits + 7) / 8 * 8
	if tag == wavTagExtensible {
		if len(b) < 40 {
			err = fmt.Errorf("wav: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes (want 40): %w", len(b), ErrFormat)
			return
		}
		if !bytes.Equal(b[26:40], ksSubtypeTail) {
			err = fmt.Errorf("wav: WAVE_FORMAT_EXTENSIBLE sub-format GUID % x: %w", b[24:40], ErrUnsupported)
			return
		}
		if valid := int(order.Uint16(b[18:20])); valid > 0 && valid <= bits {
			bits = valid
		}
		tag = order.Uint16(b[24:26])
	}
	var enc Encoding
	switch tag {
	case wavTagPCM:
		enc = EncodingSigned
		if containerBits == 8 {
			enc = EncodingUnsigned
		}
	case wavTagFloat:
		enc = EncodingFloat
	case wavTagALaw:
		enc = EncodingALaw
	case wavTagMuLaw:
		enc = EncodingMuLaw
	default:
		name := wavTagNames[tag]
		if name == "" {
			name = "unknown codec"
		}
		err = fmt.Errorf("wav: format tag 0x%04x (%s): %w", tag, name, ErrUnsupported)
		return
	}
	if bits <= 0 {
		err = fmt.Errorf("wav: %d bits per sample: %w", bits, ErrFormat)
		return
	}
	c, err = newSampleCoding(enc, containerBits, order == binary.BigEndian)
	if err != nil {
		err = fmt.Errorf("wav: %w", err)
		return
	}
	if blockAlign != 0 && blockAlign != c.bytes*channels {
		err = fmt.Errorf("wav: block align %d does not match %d channels of %d bytes: %w", blockAlign, channels, c.bytes, ErrFormat)
		return
	}
	if enc == EncodingALaw || enc == EncodingMuLaw {
		bits = 8
	}
	return c, channels, rate, bits, nil
}

// Format implements Reader.
func (w *WAVReader) Format() Format { return w.fmt }

// ReadFrames implements Reader.
func (w *WAVReader) ReadFrames(dst []float32) (int, error) { return w.p.readFrames(dst) }
