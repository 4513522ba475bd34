package audio

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// FLACReader decodes a FLAC stream with github.com/mewkiz/flac. Metadata blocks after STREAMINFO are
// skipped without being stored (pictures, padding and comments are discarded as they stream by).
//
// Memory: one decoded FLAC frame (at most 65535 samples × 8 channels of int32: 2 MiB, typically 4096 ×
// channels), replaced frame by frame, plus the library's 4 KiB read buffer.
type FLACReader struct {
	s     *flac.Stream
	fmt   Format
	fr    *frame.Frame
	off   int // next sample of fr to deliver
	scale float32
	err   error
}

// NewFLACReader parses the FLAC signature (after an optional ID3v2 tag) and STREAMINFO of r.
func NewFLACReader(r io.Reader) (fr *FLACReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			fr, err = nil, fmt.Errorf("flac: decoder failed on malformed header (%v): %w", p, ErrFormat)
		}
	}()
	br, err := skipID3(r)
	if err != nil {
		return nil, fmt.Errorf("flac: %w", err)
	}
	s, err := flac.New(br)
	if err != nil {
		return nil, fmt.Errorf("flac: %w: %w", libErr(err), ErrFormat)
	}
	info := s.Info
	if err := checkShape("flac", int(info.SampleRate), int(info.NChannels)); err != nil {
		return nil, err
	}
	if info.BitsPerSample < 4 || info.BitsPerSample > 32 {
		return nil, fmt.Errorf("flac: %d bits per sample: %w", info.BitsPerSample, ErrFormat)
	}
	frames := int64(info.NSamples)
	if info.NSamples == 0 || info.NSamples > 1<<62 {
		frames = -1
	}
	return &FLACReader{s: s, fmt: Format{Container: ContainerFLAC, Codec: "flac", SampleRateHz: int(info.SampleRate),
		Channels: int(info.NChannels), BitsPerSample: int(info.BitsPerSample), Frames: frames}}, nil
}

// libErr turns a library's io.EOF or io.ErrUnexpectedEOF into ErrTruncated, keeping other errors.
func libErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (%w)", ErrTruncated, err)
	}
	return err
}

// Format implements Reader.
func (f *FLACReader) Format() Format { return f.fmt }

func (f *FLACReader) next() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("flac: decoder failed on a malformed frame (%v): %w", p, ErrFormat)
		}
	}()
	fr, err := f.s.ParseNext()
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("flac: frame: %w: %w", libErr(err), ErrFormat)
	}
	if len(fr.Subframes) != f.fmt.Channels {
		return fmt.Errorf("flac: frame of %d channels in a stream of %d: %w", len(fr.Subframes), f.fmt.Channels, ErrUnsupported)
	}
	bps := int(fr.BitsPerSample)
	if bps == 0 {
		bps = f.fmt.BitsPerSample
	}
	if bps < 4 || bps > 32 {
		return fmt.Errorf("flac: frame of %d bits per sample: %w", bps, ErrFormat)
	}
	for _, sf := range fr.Subframes {
		if len(sf.Samples) != int(fr.BlockSize) {
			return fmt.Errorf("flac: subframe of %d samples in a block of %d: %w", len(sf.Samples), fr.BlockSize, ErrFormat)
		}
	}
	f.fr, f.off = fr, 0
	f.scale = float32(1 / float64(uint64(1)<<(bps-1)))
	return nil
}

// ReadFrames implements Reader.
func (f *FLACReader) ReadFrames(dst []float32) (int, error) {
	ch := f.fmt.Channels
	if len(dst) < ch {
		return 0, fmt.Errorf("flac: destination of %d samples holds no frame of %d channels", len(dst), ch)
	}
	for f.fr == nil || f.off >= int(f.fr.BlockSize) {
		if f.err != nil {
			return 0, f.err
		}
		if err := f.next(); err != nil {
			f.err = err
			return 0, err
		}
	}
	n := min(len(dst)/ch, int(f.fr.BlockSize)-f.off)
	for c, sf := range f.fr.Subframes {
		src := sf.Samples[f.off : f.off+n]
		for i, v := range src {
			dst[i*ch+c] = float32(v) * f.scale
		}
	}
	f.off += n
	return n, nil
}
