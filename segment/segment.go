// Package segment splits long audio into segments of speech at pauses, streaming, so that a recording of
// any length is decoded piece by piece in bounded memory.
//
// The detector works on 10 ms frames of mono samples: it tracks the noise floor of the frame log-energy
// (falling fast, rising slowly) and marks a frame as speech when its energy is more than ThresholdDB above
// the floor. Speech regions separated by less than MinSilence are merged; each segment is padded by Pad on
// both sides. A segment that would exceed MaxSegment is cut at the quietest frame of its last CutSearch, so
// no segment is longer than MaxSegment.
//
// Memory: the Splitter buffers at most MaxSegment + 2·Pad + one read chunk of samples (30.4 s at 16 kHz is
// under 2 MB of float32), whatever the length of the input.
package segment

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Config holds the detector's parameters.
type Config struct {
	SampleRate  int           // samples per second of the input (mono)
	FrameShift  time.Duration // analysis frame (10 ms)
	ThresholdDB float64       // speech when frame energy exceeds the noise floor by this much (dB)
	MinSpeech   time.Duration // speech shorter than this is ignored (clicks)
	MinSilence  time.Duration // pauses shorter than this do not end a segment
	Pad         time.Duration // audio kept before and after speech
	MaxSegment  time.Duration // hard cap on a segment's length
	CutSearch   time.Duration // where to look for the quietest frame when cutting at MaxSegment
}

// DefaultConfig returns the defaults for 16 kHz audio: segments of at most 30 s cut at pauses of 0.5 s.
func DefaultConfig() Config {
	return Config{
		SampleRate:  16000,
		FrameShift:  10 * time.Millisecond,
		ThresholdDB: 10,
		MinSpeech:   100 * time.Millisecond,
		MinSilence:  700 * time.Millisecond,
		Pad:         300 * time.Millisecond,
		MaxSegment:  30 * time.Second,
		CutSearch:   5 * time.Second,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.SampleRate <= 0:
		return fmt.Errorf("segment: sample rate %d must be positive", c.SampleRate)
	case c.FrameShift <= 0:
		return errors.New("segment: frame shift must be positive")
	case c.MaxSegment < time.Second:
		return fmt.Errorf("segment: max segment %v must be at least 1s", c.MaxSegment)
	case c.Pad < 0 || c.MinSilence < 0 || c.MinSpeech < 0:
		return errors.New("segment: pad, min silence and min speech must not be negative")
	case c.CutSearch <= 0 || c.CutSearch >= c.MaxSegment:
		return fmt.Errorf("segment: cut search %v must be in (0, max segment)", c.CutSearch)
	case 2*c.Pad >= c.MaxSegment:
		return fmt.Errorf("segment: pad %v too large for max segment %v", c.Pad, c.MaxSegment)
	}
	return nil
}

// Segment is one stretch of audio to decode.
type Segment struct {
	Start   int64     // offset of the first sample in the input, in samples
	Samples []float32 // the audio; valid only during the callback that receives it
}

// StartTime returns the segment's start in seconds.
func (s Segment) StartTime(rate int) float64 { return float64(s.Start) / float64(rate) }

// EndTime returns the segment's end in seconds.
func (s Segment) EndTime(rate int) float64 {
	return float64(s.Start+int64(len(s.Samples))) / float64(rate)
}

// riseDBPerSec bounds how fast the noise floor estimate may rise (dB per second of audio).
const riseDBPerSec = 1.0

// Source is what Split reads: mono samples at Config.SampleRate (audio.Stream satisfies it).
type Source interface {
	Read(dst []float32) (int, error)
}

// Split reads src to its end and calls emit for each segment in order. The Samples slice passed to emit
// is reused afterwards: copy it to keep it. Only audio with speech is emitted; silence between segments
// is skipped. It returns the first error of src (other than io.EOF) or of emit.
func Split(src Source, cfg Config, emit func(Segment) error) error {
	sp, err := NewSplitter(cfg)
	if err != nil {
		return err
	}
	chunk := make([]float32, 4096)
	for {
		n, rerr := src.Read(chunk)
		if n > 0 {
			if err := sp.Write(chunk[:n], emit); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return sp.Flush(emit)
		}
		if rerr != nil {
			return rerr
		}
	}
}

// Splitter is the incremental form of Split: Write samples as they arrive, Flush at the end. Memory is
// bounded as the package doc says. Not safe for concurrent use.
type Splitter struct {
	cfg        Config
	frameLen   int       // samples per frame
	pad        int       // frames
	minSil     int       // frames
	minSpeech  int       // frames
	maxFrames  int       // frames
	cutSearch  int       // frames
	buf        []float32 // samples from bufStart on
	bufStart   int64     // input offset of buf[0]
	energy     []float64 // log-energy (dB) of the frames of buf that are complete
	frame0     int64     // frame index of energy[0] (bufStart/frameLen)
	floor      float64   // noise floor estimate, dB
	floorInit  bool
	inSeg      bool    // a segment is open
	segStart   int64   // frame index where the open segment starts (padding included)
	lastSpeech int64   // frame index of the last speech frame in the open segment
	run        int     // current run of speech frames
	rise       float64 // largest rise of the noise floor per frame, dB
	nframes    int64   // frames analysed
}

// NewSplitter returns a Splitter for cfg.
func NewSplitter(cfg Config) (*Splitter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fl := int(int64(cfg.SampleRate) * int64(cfg.FrameShift) / int64(time.Second))
	if fl < 1 {
		fl = 1
	}
	frames := func(d time.Duration) int { return int(d / cfg.FrameShift) }
	s := &Splitter{
		cfg: cfg, frameLen: fl,
		pad: frames(cfg.Pad), minSil: frames(cfg.MinSilence), minSpeech: max(1, frames(cfg.MinSpeech)),
		maxFrames: frames(cfg.MaxSegment), cutSearch: frames(cfg.CutSearch),
		rise: riseDBPerSec * cfg.FrameShift.Seconds(),
	}
	s.buf = make([]float32, 0, (s.maxFrames+2*s.pad+2)*fl+8192)
	s.energy = make([]float64, 0, s.maxFrames+2*s.pad+2)
	return s, nil
}

func frameDB(x []float32) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return 10 * math.Log10(e/float64(len(x))+1e-10)
}

// Write adds samples and emits the segments they complete.
func (s *Splitter) Write(samples []float32, emit func(Segment) error) error {
	for len(samples) > 0 {
		room := cap(s.buf) - len(s.buf)
		if room == 0 {
			if err := s.forceProgress(emit); err != nil {
				return err
			}
			continue
		}
		n := min(room, len(samples))
		s.buf = append(s.buf, samples[:n]...)
		samples = samples[n:]
		if err := s.analyse(emit); err != nil {
			return err
		}
	}
	return nil
}

// analyse runs the detector over the complete frames not yet analysed.
func (s *Splitter) analyse(emit func(Segment) error) error {
	for {
		idx := int(s.nframes - s.frame0) // index into energy of the next frame
		off := idx * s.frameLen
		if off+s.frameLen > len(s.buf) {
			return nil
		}
		db := frameDB(s.buf[off : off+s.frameLen])
		s.energy = append(s.energy, db)
		t := s.nframes
		s.nframes++
		if !s.floorInit {
			s.floor, s.floorInit = db, true
		}
		speech := db > s.floor+s.cfg.ThresholdDB && db > -75 // -75 dB full scale: digital silence
		// Noise floor: follow quieter frames quickly, rise slowly (at most RiseDBPerSec) whatever the frame,
		// so that quiet stretches of speech never drag the floor up into the speech.
		if db < s.floor {
			s.floor = 0.7*s.floor + 0.3*db
		} else {
			s.floor += min(0.05*(db-s.floor), s.rise)
		}
		if speech {
			s.run++
		} else {
			s.run = 0
		}
		switch {
		case !s.inSeg && s.run >= s.minSpeech:
			s.inSeg = true
			s.segStart = max(s.frame0, t-int64(s.run)+1-int64(s.pad))
			s.lastSpeech = t
		case s.inSeg && speech:
			s.lastSpeech = t
		}
		if s.inSeg && !speech && t-s.lastSpeech >= int64(s.minSil) {
			if err := s.emitUpTo(s.lastSpeech+1+int64(s.pad), emit); err != nil {
				return err
			}
			continue
		}
		if s.inSeg && t+1-s.segStart >= int64(s.maxFrames) {
			// Cut at the quietest frame of the last CutSearch.
			from := t + 1 - int64(s.cutSearch)
			best, bestDB := t, math.Inf(1)
			for f := from; f <= t; f++ {
				if e := s.energy[f-s.frame0]; e < bestDB {
					best, bestDB = f, e
				}
			}
			if err := s.emitUpTo(best+1, emit); err != nil {
				return err
			}
			// The rest continues as a new segment at once.
			s.inSeg = true
			s.segStart = best + 1
			s.lastSpeech = t
			continue
		}
		if !s.inSeg {
			s.dropBefore(t + 1 - int64(s.pad+s.minSpeech))
		}
	}
}

// emitUpTo emits frames [segStart, end) as a segment and closes it.
func (s *Splitter) emitUpTo(end int64, emit func(Segment) error) error {
	start := s.segStart
	endSample := min(end*int64(s.frameLen), s.bufStart+int64(len(s.buf)))
	startSample := start * int64(s.frameLen)
	seg := Segment{Start: startSample, Samples: s.buf[startSample-s.bufStart : endSample-s.bufStart]}
	s.inSeg = false
	s.run = 0
	if err := emit(seg); err != nil {
		return err
	}
	s.dropBefore(end)
	return nil
}

// dropBefore discards buffered audio before frame f.
func (s *Splitter) dropBefore(f int64) {
	if f <= s.frame0 {
		return
	}
	n := int(f - s.frame0)
	if n > len(s.energy) {
		n = len(s.energy)
	}
	if n <= 0 {
		return
	}
	k := copy(s.buf, s.buf[n*s.frameLen:])
	s.buf = s.buf[:k]
	k = copy(s.energy, s.energy[n:])
	s.energy = s.energy[:k]
	s.frame0 += int64(n)
	s.bufStart += int64(n * s.frameLen)
}

// forceProgress makes room when the buffer is full: it can only be full inside a segment that is about to
// reach MaxSegment, or of silence, which is dropped.
func (s *Splitter) forceProgress(emit func(Segment) error) error {
	if !s.inSeg {
		s.dropBefore(s.nframes - int64(s.pad))
		if cap(s.buf)-len(s.buf) > 0 {
			return nil
		}
		s.dropBefore(s.nframes)
		return nil
	}
	return s.emitUpTo(s.nframes, emit)
}

// Flush emits the open segment, if any, with all audio buffered so far.
func (s *Splitter) Flush(emit func(Segment) error) error {
	if err := s.analyse(emit); err != nil {
		return err
	}
	if !s.inSeg {
		return nil
	}
	end := s.lastSpeech + 1 + int64(s.pad)
	startSample := s.segStart * int64(s.frameLen)
	endSample := min(end*int64(s.frameLen), s.bufStart+int64(len(s.buf)))
	s.inSeg = false
	return emit(Segment{Start: startSample, Samples: s.buf[startSample-s.bufStart : endSample-s.bufStart]})
}
