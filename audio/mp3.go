package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// MP3Reader decodes MPEG-1/2 layer III with github.com/hajimehoshi/go-mp3, which always produces 16-bit
// stereo; for a mono stream the reader delivers one channel. When the stream starts with a Xing/Info
// frame and LAME tag (as lame writes into files), decoding is gapless: the info frame, the encoder and
// decoder delays and the end padding are dropped, so the output lines up sample for sample with the
// encoder's input (and with lame --decode), and Format.Frames is exact. Without them, the leading
// silence is delivered as decoded, and Frames is -1.
//
// Memory: the decoder's state for one frame (a few KiB) and a 4608-byte PCM buffer. The source is never
// given to the decoder as an io.Seeker, so it does not index the frames of the whole file.
type MP3Reader struct {
	d    *mp3.Decoder
	fmt  Format
	buf  []byte
	lo   int
	hi   int
	err  error
	mono bool
	// skip is the number of leading sample frames still to drop; remain the number still to deliver
	// (-1: all).
	skip, remain int64
}

// mp3 header fields.
var (
	mp3Rates = [4][3]int{ // [version][index]
		{11025, 12000, 8000},  // MPEG 2.5
		{},                    // reserved
		{22050, 24000, 16000}, // MPEG 2
		{44100, 48000, 32000}, // MPEG 1
	}
)

// mp3Header parses the 4-byte MPEG audio frame header at b.
func mp3Header(b []byte) (rate, channels, layer int, err error) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0, 0, 0, fmt.Errorf("mp3: no frame sync at the start of the stream: %w", ErrFormat)
	}
	h := binary.BigEndian.Uint32(b)
	version := (h >> 19) & 3
	layer = 4 - int((h>>17)&3)
	ri := (h >> 10) & 3
	if version == 1 || layer == 4 || ri == 3 {
		return 0, 0, 0, fmt.Errorf("mp3: reserved version, layer or rate in frame header %08x: %w", h, ErrFormat)
	}
	if layer != 3 {
		return 0, 0, 0, fmt.Errorf("mp3: MPEG layer %d audio: %w", layer, ErrUnsupported)
	}
	channels = 2
	if (h>>6)&3 == 3 {
		channels = 1
	}
	return mp3Rates[version][ri], channels, layer, nil
}

// NewMP3Reader skips an ID3v2 tag, parses the first frame header of r and starts the decoder.
func NewMP3Reader(r io.Reader) (mr *MP3Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			mr, err = nil, fmt.Errorf("mp3: decoder failed on a malformed stream (%v): %w", p, ErrFormat)
		}
	}()
	br, err := skipID3(r)
	if err != nil {
		return nil, fmt.Errorf("mp3: %w", err)
	}
	b, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("mp3: read frame header: %w", eofTruncated(err))
	}
	rate, channels, _, err := mp3Header(b)
	if err != nil {
		return nil, err
	}
	// Gapless decoding, as lame --decode and other players do: drop the info frame (a frame of silence),
	// the encoder's delay and the decoder's, and the end padding, so that sample i of the output is sample i
	// of what was encoded.
	first, _ := br.Peek(256)
	x := parseXing(first)
	frames := int64(-1)
	var skip int64
	if x.isInfo {
		skip = int64(x.samplesPerFrame)
	}
	if x.haveLAME {
		skip += int64(x.delay + mp3DecoderDelay)
	}
	if x.frames >= 0 {
		frames = x.frames * int64(x.samplesPerFrame)
		if x.haveLAME {
			frames = max(0, frames-int64(x.delay+x.padding))
		}
	}
	d, err := mp3.NewDecoder(readerOnly{br})
	if err != nil {
		return nil, fmt.Errorf("mp3: %w: %w", libErr(err), ErrFormat)
	}
	if d.SampleRate() != rate {
		rate = d.SampleRate()
	}
	return &MP3Reader{d: d, mono: channels == 1, buf: make([]byte, 4608), skip: skip, remain: frames,
		fmt: Format{Container: ContainerMP3, Codec: "mp3", SampleRateHz: rate, Channels: channels, Frames: frames}}, nil
}

// mp3DecoderDelay is the delay, in samples, of the standard MPEG layer III synthesis filter bank (and so
// of go-mp3), which gapless decoders remove along with the encoder's delay.
const mp3DecoderDelay = 529

// xingInfo is what the Xing/Info header of a first MPEG audio frame (and LAME's extension of it) tells.
type xingInfo struct {
	frames           int64 // MPEG frames after the info frame; -1 unknown
	samplesPerFrame  int
	delay, padding   int  // encoder delay and end padding in samples (LAME tag)
	haveLAME, isInfo bool // isInfo: b starts with an info frame (a frame of silence to drop)
}

// parseXing reads the Xing or Info header (and LAME tag) of the MPEG audio frame that b starts with.
func parseXing(b []byte) xingInfo {
	x := xingInfo{frames: -1}
	if len(b) < 4 {
		return x
	}
	h := binary.BigEndian.Uint32(b)
	mpeg1 := (h>>19)&3 == 3
	mono := (h>>6)&3 == 3
	x.samplesPerFrame = 1152
	if !mpeg1 {
		x.samplesPerFrame = 576
	}
	off := 4
	switch {
	case mpeg1 && mono:
		off += 17
	case mpeg1:
		off += 32
	case mono:
		off += 9
	default:
		off += 17
	}
	if (h>>16)&1 == 0 {
		off += 2 // CRC
	}
	if len(b) < off+8 {
		return x
	}
	if tag := string(b[off : off+4]); tag != "Xing" && tag != "Info" {
		return x
	}
	x.isInfo = true
	flags := binary.BigEndian.Uint32(b[off+4:])
	p := off + 8
	if flags&1 != 0 {
		if len(b) < p+4 {
			return x
		}
		x.frames = int64(binary.BigEndian.Uint32(b[p:]))
		p += 4
	}
	if flags&2 != 0 {
		p += 4 // stream bytes
	}
	if flags&4 != 0 {
		p += 100 // seek table
	}
	if flags&8 != 0 {
		p += 4 // quality
	}
	// LAME tag: 9-byte encoder version, then 12 bytes of fields, then 12-bit delay and 12-bit padding.
	if len(b) >= p+24 && string(b[p:p+4]) == "LAME" {
		d := b[p+21 : p+24]
		x.delay = int(d[0])<<4 | int(d[1])>>4
		x.padding = int(d[1]&0x0f)<<8 | int(d[2])
		x.haveLAME = true
	}
	return x
}

// readerOnly hides every method but Read (in particular Seek).
type readerOnly struct{ r io.Reader }

func (r readerOnly) Read(p []byte) (int, error) { return r.r.Read(p) }

// Format implements Reader.
func (m *MP3Reader) Format() Format { return m.fmt }

func (m *MP3Reader) fill() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("mp3: decoder failed on a malformed frame (%v): %w", p, ErrFormat)
		}
	}()
	n, err := io.ReadAtLeast(m.d, m.buf, 4)
	n -= n % 4
	m.lo, m.hi = 0, n
	if n > 0 {
		return nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return io.EOF
	}
	return fmt.Errorf("mp3: %w: %w", err, ErrFormat)
}

// ReadFrames implements Reader.
func (m *MP3Reader) ReadFrames(dst []float32) (int, error) {
	ch := m.fmt.Channels
	if len(dst) < ch {
		return 0, fmt.Errorf("mp3: destination of %d samples holds no frame of %d channels", len(dst), ch)
	}
	for m.lo >= m.hi || m.skip > 0 {
		if m.remain == 0 {
			return 0, io.EOF
		}
		if m.lo < m.hi {
			k := min(m.skip, int64(m.hi-m.lo)/4)
			m.lo += 4 * int(k)
			m.skip -= k
			continue
		}
		if m.err != nil {
			return 0, m.err
		}
		if err := m.fill(); err != nil {
			m.err = err
			return 0, err
		}
	}
	if m.remain == 0 {
		return 0, io.EOF
	}
	n := min(len(dst)/ch, (m.hi-m.lo)/4)
	if m.remain > 0 {
		n = int(min(int64(n), m.remain))
		m.remain -= int64(n)
	}
	b := m.buf[m.lo : m.lo+4*n]
	if m.mono {
		for i := range n {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(b[4*i:]))) * (1.0 / 32768)
		}
	} else {
		for i := range 2 * n {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(b[2*i:]))) * (1.0 / 32768)
		}
	}
	m.lo += 4 * n
	return n, nil
}

// id3Size returns the total size of the ID3v2 tag that b (≥ 10 bytes) starts with, or 0 when it starts
// with none.
func id3Size(b []byte) int64 {
	if len(b) < 10 || string(b[0:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF {
		return 0
	}
	if b[6]|b[7]|b[8]|b[9] >= 0x80 {
		return 0
	}
	n := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
	n += 10
	if b[5]&0x10 != 0 {
		n += 10 // footer
	}
	return n
}

// skipID3 returns a buffered reader of r positioned after any ID3v2 tags at its start. The tags are
// discarded as they stream by, never held.
func skipID3(r io.Reader) (*bufio.Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 16<<10)
	}
	for {
		b, _ := br.Peek(10)
		n := id3Size(b)
		if n == 0 {
			return br, nil
		}
		if m, err := br.Discard(int(n)); err != nil {
			return nil, fmt.Errorf("ID3 tag of %d bytes ends after %d: %w", n, m, ErrTruncated)
		}
	}
}
