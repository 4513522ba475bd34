package recognizer

import (
	"context"
	"fmt"
	"math"

	"hark/acoustic/sphinx"
	"hark/align"
	"hark/decoder"
	"hark/feature"
	"hark/lattice"
	"hark/transcript"
)

// Session decodes one stream of audio at a time with a shared Model. Its memory is fixed by the
// configuration (front end, scorer, decoder arenas, one segment's lattice, and for word-time alignment one
// streaming utterance's features: at most Config.Segment.MaxSegment of frames, 156 bytes per 10 ms frame,
// 468 KB for 30 s, plus the aligner's arenas, see align.Aligner), not by the length of the audio. Not safe
// for concurrent use: use one Session per goroutine.
type Session struct {
	m   *Model
	ext *feature.Extractor
	sc  *sphinx.Scorer
	dec *decoder.Decoder
	lat *lattice.Lattice

	// Word-time alignment (align.go): the aligner (made on first use), its output, the labels of the best
	// path's words, and whether it is turned off.
	al         *align.Aligner
	spans      []align.Span
	labels     []int32
	noAlign    bool
	alignStats AlignStats

	stream streamState

	// CPU scheduling (SetScheduler): nil = none.
	sched    Scheduler
	schedCtx context.Context
}

// Scheduler grants slots of CPU: Acquire waits for one (or until ctx ends: then it returns ctx's error)
// and returns the function that gives it back. A Session holds a slot only while it computes, for at most
// about one second of audio (ChunkFrames frames) at a time, never two at once, so that a scheduler with
// priorities lets more urgent work (live streams) overtake it between chunks.
type Scheduler interface {
	Acquire(ctx context.Context) (release func(), err error)
}

// ChunkFrames is the most frames (1 s at 100 frames a second) a Session decodes within one scheduler slot.
const ChunkFrames = 100

// SetScheduler makes the session take a slot from sch for each chunk of its work (features, at most
// ChunkFrames frames of search, the lattice work of an utterance's end); ctx bounds the waits (when it
// ends, the waiting call fails with its error and the utterance must be started again). sch nil turns
// scheduling off. Results do not depend on the scheduler: the search's result does not depend on how the
// frames are chunked.
func (s *Session) SetScheduler(ctx context.Context, sch Scheduler) {
	if ctx == nil {
		ctx = context.Background()
	}
	s.sched, s.schedCtx = sch, ctx
}

// acquire takes a scheduler slot (a no-op without a scheduler) and returns the function that gives it back.
func (s *Session) acquire() (func(), error) {
	if s.sched == nil {
		return func() {}, nil
	}
	release, err := s.sched.Acquire(s.schedCtx)
	if err != nil {
		return nil, fmt.Errorf("recognizer: waiting for the CPU: %w", err)
	}
	return release, nil
}

// SetDecoderConfig switches the session's search configuration (e.g. to Model.Config.PartialDecoder()
// for a live decoder whose results are only previews, and back to Model.Config.Decoder). It validates c
// and applies only between utterances: before StartStream, after FinishStream or DecodeUtterance, or on a
// session fresh from a pool (shrunk); otherwise it fails with decoder.ErrMidUtterance. The session's
// memory footprint (Model.SessionFootprint) assumes Model.Config.Decoder: a wider configuration than that
// is refused.
func (s *Session) SetDecoderConfig(c decoder.Config) error {
	if c.MaxActive > s.m.Config.Decoder.MaxActive || c.LatticeBeam > s.m.Config.Decoder.LatticeBeam ||
		c.PruneInterval > s.m.Config.Decoder.PruneInterval {
		return fmt.Errorf("recognizer: decoder config (max-active %d, lattice beam %g, prune interval %d) wider than the model's (%d, %g, %d), which bounds the session's footprint",
			c.MaxActive, c.LatticeBeam, c.PruneInterval, s.m.Config.Decoder.MaxActive, s.m.Config.Decoder.LatticeBeam, s.m.Config.Decoder.PruneInterval)
	}
	if err := s.dec.SetConfig(c); err != nil {
		return fmt.Errorf("recognizer: %w", err)
	}
	return nil
}

// DecoderConfig returns the session's current search configuration.
func (s *Session) DecoderConfig() decoder.Config { return s.dec.Config() }

// NewSession returns a Session over m.
func (m *Model) NewSession() (*Session, error) {
	ext, err := feature.NewExtractor(m.Feat)
	if err != nil {
		return nil, fmt.Errorf("recognizer: %w", err)
	}
	sc, err := sphinx.NewScorer(m.AM, sphinx.DefaultScorerConfig())
	if err != nil {
		return nil, fmt.Errorf("recognizer: %w", err)
	}
	dec, err := decoder.New(m.Graph.HCLG, m.Config.Decoder)
	if err != nil {
		return nil, fmt.Errorf("recognizer: %w", err)
	}
	return &Session{m: m, ext: ext, sc: sc, dec: dec, lat: lattice.New()}, nil
}

// Model returns the session's model.
func (s *Session) Model() *Model { return s.m }

// DecodeUtterance decodes one utterance of 16-bit PCM at the model's sample rate, as pocketsphinx_batch
// does a file (a fresh front end: noise statistics restarted, the utterance's own cepstral mean), and
// returns its words with times in seconds from the start of pcm. Fillers (silence, noise) are left out.
// The result depends only on pcm, never on what the session decoded before, so a segment decoded again
// (a job resumed after a crash) gives identical words.
func (s *Session) DecodeUtterance(pcm []int16) ([]transcript.Word, error) {
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	s.ext.StartStream()
	feats, _, err := s.ext.Utterance(pcm)
	release()
	if err != nil {
		return nil, fmt.Errorf("recognizer: features: %w", err)
	}
	return s.DecodeFeatures(feats)
}

// DecodeFeatures decodes one utterance given as feature vectors (e.g. read from a Sphinx .mfc file and
// passed through the model's CMN and dynamic features). With a scheduler (SetScheduler) it takes a slot
// per ChunkFrames frames of search and one for the lattice work.
func (s *Session) DecodeFeatures(feats [][]float32) ([]transcript.Word, error) {
	if len(feats) == 0 {
		return nil, nil
	}
	s.sc.Reset()
	if err := s.sc.AcceptFrames(feats); err != nil {
		return nil, fmt.Errorf("recognizer: %w", err)
	}
	if err := s.dec.InitDecoding(); err != nil {
		return nil, err
	}
	for s.dec.NumFramesDecoded() < len(feats) {
		release, err := s.acquire()
		if err != nil {
			return nil, err
		}
		err = s.dec.AdvanceDecoding(s.sc, ChunkFrames)
		release()
		if err != nil {
			return nil, err
		}
	}
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	if err := s.dec.FinalizeDecoding(); err != nil {
		return nil, err
	}
	return s.words(feats)
}

// words extracts the words of the finished utterance: word lattice, optional LM rescoring, best path,
// confidences, and word times realigned to the utterance's features feats (the decoder's times when feats
// is nil or the alignment fails; see realign).
func (s *Session) words(feats [][]float32) ([]transcript.Word, error) {
	if err := s.dec.RawLattice(s.lat, true); err != nil {
		return nil, err
	}
	best, err := bestWords(s.lat, s.m.Config.LatticeBeam, s.m.IsSilence, s.m.rs)
	if err != nil {
		return nil, err
	}
	spans := best.Words
	shift := s.m.FrameShift()
	out := make([]transcript.Word, 0, len(spans))
	s.labels = s.labels[:0]
	for _, w := range spans {
		if s.m.IsFillerWord(w.Word) {
			continue
		}
		s.labels = append(s.labels, int32(w.Word))
		out = append(out, transcript.Word{
			Word:       baseWord(s.m.Word(w.Word)),
			Start:      round3(float64(w.Start) * shift),
			End:        round3(float64(w.End) * shift),
			Confidence: round3(float64(w.Conf)),
		})
	}
	s.realign(out, s.labels, feats)
	return out, nil
}

// baseWord strips a pronunciation variant suffix: "read(2)" → "read".
func baseWord(w string) string {
	if n := len(w); n > 3 && w[n-1] == ')' {
		for i := n - 2; i > 0; i-- {
			if w[i] == '(' {
				return w[:i]
			}
			if w[i] < '0' || w[i] > '9' {
				break
			}
		}
	}
	return w
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
