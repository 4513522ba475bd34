package recognizer

import (
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
}

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
	s.ext.StartStream()
	feats, _, err := s.ext.Utterance(pcm)
	if err != nil {
		return nil, fmt.Errorf("recognizer: features: %w", err)
	}
	return s.DecodeFeatures(feats)
}

// DecodeFeatures decodes one utterance given as feature vectors (e.g. read from a Sphinx .mfc file and
// passed through the model's CMN and dynamic features).
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
	if err := s.dec.AdvanceDecoding(s.sc, -1); err != nil {
		return nil, err
	}
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
	if err := s.lat.Prune(s.m.Config.LatticeBeam); err != nil {
		return nil, err
	}
	wl, err := s.lat.WordLattice(lattice.WordOptions{IsSilence: s.m.IsSilence})
	if err != nil {
		return nil, err
	}
	if s.m.rs != nil {
		if wl, err = s.m.rs.rescore(wl); err != nil {
			return nil, err
		}
	}
	best, err := wl.BestPath()
	if err != nil {
		return nil, err
	}
	spans := best.Words
	if err := wl.Confidences(spans); err != nil {
		return nil, err
	}
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
