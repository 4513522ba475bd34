package recognizer

import (
	"fmt"
	"strings"

	"hark/decoder"
	"hark/transcript"
	"hark/wfst"
)

// Streaming: StartStream, then AcceptPCM as audio arrives (Partial at any time, Endpoint after each call),
// EndUtterance at an endpoint (or whenever the caller wants a final result), FinishStream at the end.
// Features use live CMN carried from one utterance to the next, as pocketsphinx_continuous does. An
// utterance is ended by the caller at Endpoint; one that reaches Config.Segment.MaxSegment reports an
// endpoint on its own, so the decoder's lattice never spans more than that.

type streamState struct {
	active     bool
	uttStart   int // stream frame index of the current utterance's first frame
	frames     int // frames fed to the scorer in this utterance
	featBuf    []float32
	partialBuf []wfst.Label
	endpoint   decoder.EndpointConfig
	maxFrames  int
	// The current utterance's features, kept for word-time alignment: frames back to back, at most
	// maxFrames of them (the Config.Segment.MaxSegment cap, 3,000 frames = 468 KB for 30 s). An utterance
	// that runs past the cap (its caller ignored Endpoint) keeps the decoder's word times.
	uttFeat  []float32
	uttRows  [][]float32
	overflow bool
}

// StartStream begins a new stream (resets noise statistics and times; CMN carries over from previous
// streams of this session, starting from the model's -cmninit).
func (s *Session) StartStream() error {
	st := &s.stream
	st.active = true
	st.uttStart, st.frames = 0, 0
	if st.featBuf == nil {
		st.featBuf = make([]float32, 64*s.ext.Dim())
		st.endpoint = decoder.DefaultEndpointConfig()
		st.endpoint.FrameShiftSeconds = float32(s.m.FrameShift())
	}
	st.maxFrames = int(s.m.Config.Segment.MaxSegment.Seconds() / s.m.FrameShift())
	s.ext.StartStream()
	return s.startUtterance()
}

func (s *Session) startUtterance() error {
	s.ext.StartUtterance()
	s.sc.Reset()
	s.stream.frames = 0
	s.stream.uttFeat = s.stream.uttFeat[:0]
	s.stream.overflow = false
	return s.dec.InitDecoding()
}

// AcceptPCM feeds 16-bit samples at the model's rate and decodes the frames they complete. It allocates
// nothing in the steady state (without a scheduler; see SetScheduler). With a scheduler it holds a slot
// for at most 64 frames (0.64 s of audio) at a time.
func (s *Session) AcceptPCM(pcm []int16) error {
	if !s.stream.active {
		return fmt.Errorf("recognizer: AcceptPCM before StartStream")
	}
	for {
		release, err := s.acquire()
		if err != nil {
			return err
		}
		used, n := s.ext.Process(pcm, s.stream.featBuf, nil)
		pcm = pcm[used:]
		err = s.feed(n)
		release()
		if err != nil {
			return err
		}
		if n == 0 && len(pcm) == 0 {
			return nil
		}
	}
}

func (s *Session) feed(n int) error {
	d := s.ext.Dim()
	st := &s.stream
	if st.overflow || st.frames+n > st.maxFrames {
		st.overflow = true
	} else if !s.noAlign {
		st.uttFeat = append(st.uttFeat, st.featBuf[:n*d]...)
	}
	for i := 0; i < n; i++ {
		if err := s.sc.AcceptFrame(s.stream.featBuf[i*d : (i+1)*d]); err != nil {
			return err
		}
	}
	s.stream.frames += n
	if n > 0 {
		return s.dec.AdvanceDecoding(s.sc, -1)
	}
	return nil
}

// Endpoint reports whether the current utterance has ended by Kaldi's endpoint rules (silence after
// speech) or reached the maximum utterance length.
func (s *Session) Endpoint() bool {
	if s.stream.frames >= s.stream.maxFrames {
		return true
	}
	return s.dec.EndpointDetected(s.stream.endpoint, s.m.IsSilence)
}

// Partial returns the words of the best path so far in the current utterance (cheap; fillers left out).
func (s *Session) Partial() string {
	s.stream.partialBuf = s.dec.PartialWords(s.stream.partialBuf[:0])
	var b strings.Builder
	for _, l := range s.stream.partialBuf {
		if s.m.IsFillerWord(l) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(baseWord(s.m.Word(l)))
	}
	return b.String()
}

// EndUtterance flushes the current utterance, returns its words with times in seconds from the start of
// the stream, and starts the next utterance.
func (s *Session) EndUtterance() ([]transcript.Word, error) {
	words, err := s.finishUtterance()
	if err != nil {
		return nil, err
	}
	return words, s.startUtterance()
}

// EndUtteranceText is EndUtterance for a live decoder whose results are previews: it flushes the
// current utterance and returns the words of its best path as text (as Partial, fillers left out: no
// final costs, no lattice, no rescoring, no word times, so it costs about what Partial does), then starts
// the next utterance.
func (s *Session) EndUtteranceText() (string, error) {
	release, err := s.acquire()
	if err != nil {
		return "", err
	}
	defer release()
	if _, err := s.flushUtterance(); err != nil {
		return "", err
	}
	text := s.Partial()
	return text, s.startUtterance()
}

// FinishStream flushes the last utterance and ends the stream.
func (s *Session) FinishStream() ([]transcript.Word, error) {
	words, err := s.finishUtterance()
	s.stream.active = false
	return words, err
}

// flushUtterance feeds the front end's last frames of the utterance to the search and returns the stream
// frame index of the utterance's first frame.
func (s *Session) flushUtterance() (int, error) {
	if !s.stream.active {
		return 0, fmt.Errorf("recognizer: no stream started")
	}
	s.ext.End()
	for {
		_, n := s.ext.Process(nil, s.stream.featBuf, nil)
		if n == 0 {
			break
		}
		if err := s.feed(n); err != nil {
			return 0, err
		}
	}
	start := s.stream.uttStart
	s.stream.uttStart += s.stream.frames
	return start, nil
}

func (s *Session) finishUtterance() ([]transcript.Word, error) {
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	start, err := s.flushUtterance()
	if err != nil {
		return nil, err
	}
	if s.stream.frames == 0 {
		return nil, nil
	}
	if err := s.dec.FinalizeDecoding(); err != nil {
		return nil, err
	}
	var feats [][]float32
	if st, d := &s.stream, s.ext.Dim(); !st.overflow && len(st.uttFeat) == st.frames*d {
		st.uttRows = st.uttRows[:0]
		for i := 0; i+d <= len(st.uttFeat); i += d {
			st.uttRows = append(st.uttRows, st.uttFeat[i:i+d:i+d])
		}
		feats = st.uttRows
	}
	words, err := s.words(feats)
	if err != nil {
		return nil, err
	}
	off := float64(start) * s.m.FrameShift()
	for i := range words {
		words[i].Start = round3(words[i].Start + off)
		words[i].End = round3(words[i].End + off)
	}
	return words, nil
}
