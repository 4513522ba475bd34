package audio

import (
	"errors"
	"fmt"
	"time"
)

// Container names the file format around the samples.
type Container string

// Containers hark reads.
const (
	ContainerWAV  Container = "wav"
	ContainerRaw  Container = "raw"
	ContainerFLAC Container = "flac"
	ContainerMP3  Container = "mp3"
)

// Format describes a decoded stream: what it was stored in and the shape of the samples a Reader delivers.
type Format struct {
	Container Container
	// Codec names the sample coding, e.g. "pcm_s16le", "pcm_u8", "pcm_f32le", "alaw", "mulaw", "flac", "mp3".
	Codec string
	// SampleRateHz is the number of sample frames per second.
	SampleRateHz int
	// Channels is the number of interleaved channels in a sample frame.
	Channels int
	// BitsPerSample is the precision of one stored sample (8, 16, 24, 32, 64; 8 for A-law and mu-law,
	// whose samples expand to 13 and 14 bits); 0 for lossy codecs without one (MP3).
	BitsPerSample int
	// Frames is the number of sample frames (samples per channel) the stream holds, or -1 when the container
	// does not say (WAV written by a streaming tool, raw input from a pipe, MP3).
	Frames int64
}

// Duration returns the stream's length, and false when Frames is unknown.
func (f Format) Duration() (time.Duration, bool) {
	if f.Frames < 0 || f.SampleRateHz <= 0 {
		return 0, false
	}
	sec := f.Frames / int64(f.SampleRateHz)
	rem := f.Frames % int64(f.SampleRateHz)
	return time.Duration(sec)*time.Second + time.Duration(rem*int64(time.Second)/int64(f.SampleRateHz)), true
}

// String formats f as one line: "wav pcm_s16le 16000 Hz 1 ch 16 bit 7.100s".
func (f Format) String() string {
	s := fmt.Sprintf("%s %s %d Hz %d ch", f.Container, f.Codec, f.SampleRateHz, f.Channels)
	if f.BitsPerSample > 0 {
		s += fmt.Sprintf(" %d bit", f.BitsPerSample)
	}
	if d, ok := f.Duration(); ok {
		s += fmt.Sprintf(" %.3fs", d.Seconds())
	} else {
		s += " duration unknown"
	}
	return s
}

// Limits that keep a hostile header from making a decoder allocate more than a small constant.
const (
	// MaxChannels is the largest channel count a decoder accepts.
	MaxChannels = 1024
	// MaxSampleRateHz is the largest sample rate a decoder or resampler accepts (DXD, 8 × 48 kHz).
	MaxSampleRateHz = 384000
)

// Sentinel errors; decoders wrap them with the details (fmt.Errorf("...: %w", ErrXxx)).
var (
	// ErrFormat reports bytes that are not a well-formed stream of the detected container.
	ErrFormat = errors.New("audio: malformed stream")
	// ErrUnsupported reports a well-formed stream that uses a coding hark does not decode.
	ErrUnsupported = errors.New("audio: unsupported format")
	// ErrUnknownFormat reports input whose magic bytes match no supported container.
	ErrUnknownFormat = errors.New("audio: unrecognized format")
	// ErrTruncated reports a stream that ended before its header said it would.
	ErrTruncated = errors.New("audio: truncated stream")
)

func checkShape(what string, rate, channels int) error {
	switch {
	case channels <= 0:
		return fmt.Errorf("%s: %d channels: %w", what, channels, ErrFormat)
	case channels > MaxChannels:
		return fmt.Errorf("%s: %d channels exceeds the limit of %d: %w", what, channels, MaxChannels, ErrUnsupported)
	case rate <= 0:
		return fmt.Errorf("%s: sample rate %d Hz: %w", what, rate, ErrFormat)
	case rate > MaxSampleRateHz:
		return fmt.Errorf("%s: sample rate %d Hz exceeds the limit of %d: %w", what, rate, MaxSampleRateHz, ErrUnsupported)
	}
	return nil
}

// Reader delivers the sample frames of one decoded stream on demand.
//
// A Reader holds O(1) state in the length of the stream: a decode buffer of a few KiB, or one codec frame.
// It is not safe for concurrent use.
type Reader interface {
	// Format describes the stream. Frames may be -1 (unknown).
	Format() Format
	// ReadFrames decodes up to len(dst)/Channels sample frames into dst, channels interleaved, as float32
	// at full scale 1.0 (a 16-bit sample x becomes x/32768; 8-bit unsigned u becomes (u-128)/128). It returns
	// the number of frames written; n < len(dst)/Channels does not mean the end. At the end it returns 0,
	// io.EOF; a stream cut short returns an error wrapping ErrTruncated. len(dst) must be at least Channels.
	ReadFrames(dst []float32) (n int, err error)
}
