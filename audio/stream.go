package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Options configures Open and Probe.
type Options struct {
	// SampleRateHz is the rate of the samples Stream.Read returns; 0 keeps the source's rate.
	SampleRateHz int
	// Raw, when set, declares the input headerless PCM with these parameters, whatever its bytes. When nil,
	// the container is detected from magic bytes; input that matches none is read as raw PCM in
	// DefaultRawFormat only when its name ends in .raw or .pcm.
	Raw *RawFormat
	// Resample sets the resampler's quality (zero value: defaults).
	Resample ResampleConfig
	// BlockFrames is the number of source sample frames decoded per step (default 4096). It bounds the
	// Stream's buffers: (channels + 1) × BlockFrames float32 plus the resampler's.
	BlockFrames int
}

const defaultBlockFrames = 4096

// NewReader detects the container of r from its first bytes and returns its decoder. name is used only
// for the .raw/.pcm fallback and may be empty. When r is an io.Seeker it is left unbuffered (WAV and raw
// then read straight into their sample buffer, and a WAV whose data precedes fmt can be read); otherwise
// it is wrapped in a 16 KiB bufio.Reader.
func NewReader(r io.Reader, name string, raw *RawFormat) (Reader, error) {
	size := int64(-1)
	seeker, _ := r.(io.ReadSeeker)
	if seeker != nil {
		cur, err1 := seeker.Seek(0, io.SeekCurrent)
		end, err2 := seeker.Seek(0, io.SeekEnd)
		if err1 != nil || err2 != nil {
			seeker = nil
		} else {
			if _, err := seeker.Seek(cur, io.SeekStart); err != nil {
				return nil, fmt.Errorf("audio: seek: %w", err)
			}
			size = end - cur
		}
	}
	if raw != nil {
		return NewRawReader(r, *raw, size)
	}
	var magic []byte
	var head [16]byte
	if seeker != nil {
		n, err := io.ReadFull(seeker, head[:])
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("audio: read magic: %w", err)
		}
		if _, err := seeker.Seek(-int64(n), io.SeekCurrent); err != nil {
			return nil, fmt.Errorf("audio: seek: %w", err)
		}
		magic = head[:n]
	} else {
		br, ok := r.(*bufio.Reader)
		if !ok || br.Size() < 16 {
			br = bufio.NewReaderSize(r, 16<<10)
		}
		b, err := br.Peek(16)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("audio: read magic: %w", err)
		}
		magic = b
		r = br
	}
	if len(magic) == 0 {
		return nil, fmt.Errorf("audio: empty input: %w", ErrFormat)
	}
	kind := detect(magic)
	if kind == "" && id3Size(magic) > 0 {
		br, err := skipID3(r)
		if err != nil {
			return nil, fmt.Errorf("audio: %w", err)
		}
		b, _ := br.Peek(16)
		kind = detect(b)
		if kind == ContainerWAV || kind == "" {
			return nil, fmt.Errorf("audio: ID3 tag followed by magic % x: %w", b, ErrUnknownFormat)
		}
		r = br
	}
	switch kind {
	case ContainerWAV:
		return NewWAVReader(r)
	case ContainerFLAC:
		return NewFLACReader(r)
	case ContainerMP3:
		return NewMP3Reader(r)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".raw", ".pcm":
		return NewRawReader(r, DefaultRawFormat(), size)
	}
	if what := knownUnsupported(magic); what != "" {
		return nil, fmt.Errorf("audio: %s: %w", what, ErrUnsupported)
	}
	return nil, fmt.Errorf("audio: magic % x matches no WAV, FLAC or MP3 stream (raw PCM needs parameters or a .raw name): %w",
		magic[:min(len(magic), 12)], ErrUnknownFormat)
}

// detect returns the container that magic (the first bytes of a stream) starts, or "".
func detect(m []byte) Container {
	switch {
	case len(m) >= 12 && (string(m[0:4]) == "RIFF" || string(m[0:4]) == "RIFX" || string(m[0:4]) == "RF64" ||
		string(m[0:4]) == "BW64") && string(m[8:12]) == "WAVE":
		return ContainerWAV
	case len(m) >= 4 && string(m[0:4]) == "fLaC":
		return ContainerFLAC
	case len(m) >= 4 && m[0] == 0xFF && m[1]&0xE0 == 0xE0 && (m[1]>>1)&3 != 0:
		return ContainerMP3 // MPEG audio frame sync; NewMP3Reader names layers I and II unsupported
	}
	return ""
}

// knownUnsupported names the container that magic starts, among common ones hark does not decode.
func knownUnsupported(m []byte) string {
	has := func(off int, s string) bool { return len(m) >= off+len(s) && string(m[off:off+len(s)]) == s }
	switch {
	case has(0, "OggS"):
		return "Ogg stream (Vorbis, Opus or FLAC in Ogg)"
	case has(4, "ftyp"):
		return "MP4/M4A/3GP container (AAC, ALAC)"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "AIFF file"
	case has(0, ".snd"):
		return "Sun/NeXT AU file"
	case has(0, "NIST_1A"):
		return "NIST SPHERE file"
	case has(0, "\x1aE\xdf\xa3"):
		return "Matroska/WebM container"
	case has(0, "#!AMR"):
		return "AMR file"
	case has(0, "wvpk"):
		return "WavPack file"
	case has(0, "MAC "):
		return "Monkey's Audio file"
	case has(0, "caff"):
		return "Core Audio file"
	case has(0, "RIFF") && len(m) >= 12 && !has(8, "WAVE"):
		return fmt.Sprintf("RIFF %q file, not WAVE", m[8:12])
	case len(m) >= 2 && m[0] == 0xFF && m[1]&0xF6 == 0xF0:
		return "ADTS AAC stream"
	}
	return ""
}

// Probe reads the headers of r and returns its format without decoding samples. See NewReader for name.
func Probe(r io.Reader, name string, opts Options) (Format, error) {
	d, err := NewReader(r, name, opts.Raw)
	if err != nil {
		return Format{}, err
	}
	return d.Format(), nil
}

// Stream is the pipeline the recognizer reads: a decoder, a downmix to mono and a resampler to the target
// rate, pulled in chunks of the caller's size.
//
// Memory: the decoder's buffer (16 KiB for WAV and raw, one codec frame for FLAC and MP3), BlockFrames ×
// (channels + 1) float32 of decode and downmix buffers and the resampler's table and 2K + BlockFrames
// samples, all allocated in Open: a fixed amount, independent of the length of the input. Read allocates
// nothing for WAV and raw input. A Stream is not safe for concurrent use.
type Stream struct {
	src      Reader
	format   Format
	rate     int
	inter    []float32 // interleaved decoded block
	mono     []float32 // downmixed block
	lo, hi   int       // pending mono samples
	rs       *Resampler
	srcErr   error
	frames   int64 // output samples delivered
	scratch  []float32
	closer   io.Closer
	chanGain float32
}

// Open detects the format of r (see NewReader) and returns a Stream of mono float32 samples at
// opts.SampleRateHz (or the source's rate).
func Open(r io.Reader, name string, opts Options) (*Stream, error) {
	src, err := NewReader(r, name, opts.Raw)
	if err != nil {
		return nil, err
	}
	return NewStream(src, opts)
}

// OpenFile opens the file at path; the Stream's Close closes it. The path "-" reads standard input.
func OpenFile(path string, opts Options) (*Stream, error) {
	var f *os.File
	if path == "-" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
	}
	var r io.Reader = f
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		r = readerOnly{f} // a pipe: os.File's Seek would fail anyway
	}
	s, err := Open(r, path, opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.closer = f
	return s, nil
}

// NewStream wraps a decoder in the downmix and resampling pipeline.
func NewStream(src Reader, opts Options) (*Stream, error) {
	f := src.Format()
	if err := checkShape("audio", f.SampleRateHz, f.Channels); err != nil {
		return nil, err
	}
	block := opts.BlockFrames
	if block <= 0 {
		block = defaultBlockFrames
	}
	rate := opts.SampleRateHz
	if rate == 0 {
		rate = f.SampleRateHz
	}
	s := &Stream{src: src, format: f, rate: rate, inter: make([]float32, block*f.Channels),
		chanGain: 1 / float32(f.Channels)}
	if f.Channels == 1 {
		s.mono = s.inter
	} else {
		s.mono = make([]float32, block)
	}
	if rate != f.SampleRateHz {
		rs, err := NewResampler(f.SampleRateHz, rate, opts.Resample, block)
		if err != nil {
			return nil, err
		}
		s.rs = rs
	}
	return s, nil
}

// Format describes the source (before downmix and resampling).
func (s *Stream) Format() Format { return s.format }

// SampleRateHz is the rate of the samples Read returns.
func (s *Stream) SampleRateHz() int { return s.rate }

// Frames returns the number of samples Read has returned so far.
func (s *Stream) Frames() int64 { return s.frames }

// Close closes the file of OpenFile; otherwise it does nothing.
func (s *Stream) Close() error {
	if s.closer != nil {
		c := s.closer
		s.closer = nil
		return c.Close()
	}
	return nil
}

// Read fills dst with mono samples at SampleRateHz, full scale 1.0 (the average of the source channels),
// and returns how many it wrote. It returns fewer than len(dst) only at the end of the stream, where it
// returns 0, io.EOF, or the decoder's error (after the samples decoded before it).
func (s *Stream) Read(dst []float32) (int, error) {
	got := 0
	for got < len(dst) {
		if s.rs != nil {
			got += s.rs.Pull(dst[got:])
			if got == len(dst) {
				break
			}
			if s.rs.Done() {
				break
			}
			if s.lo < s.hi {
				s.lo += s.rs.Push(s.mono[s.lo:s.hi])
				continue
			}
		} else if s.lo < s.hi {
			n := copy(dst[got:], s.mono[s.lo:s.hi])
			s.lo += n
			got += n
			continue
		}
		if s.srcErr != nil {
			if s.rs != nil && !s.rs.flushed {
				s.rs.Flush()
				continue
			}
			break
		}
		s.decode()
	}
	s.frames += int64(got)
	if got == 0 && len(dst) > 0 {
		return 0, s.srcErr
	}
	return got, nil
}

// decode reads one block from the source into s.mono.
func (s *Stream) decode() {
	n, err := s.src.ReadFrames(s.inter)
	if err != nil {
		s.srcErr = err
	}
	ch := s.format.Channels
	switch ch {
	case 1:
	case 2:
		in := s.inter[:2*n]
		out := s.mono[:n]
		for i := range out {
			out[i] = (in[2*i] + in[2*i+1]) * 0.5
		}
	default:
		g := s.chanGain
		for i := range n {
			var sum float32
			for _, v := range s.inter[i*ch : (i+1)*ch] {
				sum += v
			}
			s.mono[i] = sum * g
		}
	}
	s.lo, s.hi = 0, n
}

// ReadInt16 is Read with samples rounded to 16-bit integers (full scale 32768, clipped). It allocates
// only when dst is longer than any before.
func (s *Stream) ReadInt16(dst []int16) (int, error) {
	if cap(s.scratch) < len(dst) {
		s.scratch = make([]float32, len(dst))
	}
	f := s.scratch[:len(dst)]
	n, err := s.Read(f)
	for i, v := range f[:n] {
		x := v * 32768
		switch {
		case x >= 32767:
			dst[i] = 32767
		case x <= -32768:
			dst[i] = -32768
		case x >= 0:
			dst[i] = int16(x + 0.5)
		default:
			dst[i] = int16(x - 0.5)
		}
	}
	return n, err
}
