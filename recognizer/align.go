package recognizer

import (
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	"hark/align"
	"hark/lexicon"
	"hark/transcript"
)

// Word times by forced alignment (package align): after an utterance's best path is found, its words are
// aligned again to the utterance's feature frames, because the graph puts a word's label one phone early
// (docs/architecture.md §8 "Word times"). This file holds the Model's pronunciation table for that, built
// on first use, and the Session's realignment step.

// alignLexicons holds each Model's alignment lexicon, built on first use (the Model type is shared
// read-only, so the table lives beside it, keyed weakly: an entry goes when its Model is collected).
var alignLexicons sync.Map // weak.Pointer[Model] → *alignLexicon

type alignLexicon struct {
	once sync.Once
	lex  *align.Lexicon
	err  error
}

// AlignLexicon returns the pronunciations of the graph's words (every pronunciation of each word's base
// word in Config.Dict, phones as the acoustic model's CI phone ids), for word-time alignment. The first call
// reads the dictionary (about half a second for cmudict); later calls, from any goroutine, return the same
// table. Call it after Load to pay that cost up front. Memory: about 1 MB for the en-us graph's 72,547
// words (align.Lexicon), kept as long as the Model.
func (m *Model) AlignLexicon() (*align.Lexicon, error) {
	key := weak.Make(m)
	v, loaded := alignLexicons.LoadOrStore(key, &alignLexicon{})
	if !loaded {
		runtime.AddCleanup(m, func(k weak.Pointer[Model]) { alignLexicons.Delete(k) }, key)
	}
	al := v.(*alignLexicon)
	al.once.Do(func() {
		d, err := lexicon.LoadDict(m.Config.Dict, "", lexicon.DefaultDictConfig(m.AM.Mdef.CIPhones))
		if err != nil {
			al.err = fmt.Errorf("recognizer: alignment dictionary: %w", err)
			return
		}
		words := make([]string, len(m.words))
		for l, w := range m.words {
			if !m.fillerWord[l] {
				words[l] = w
			}
		}
		if al.lex, err = align.NewLexicon(d, words); err != nil {
			al.err = fmt.Errorf("recognizer: alignment lexicon: %w", err)
		}
	})
	return al.lex, al.err
}

// SetWordAlignment turns the realignment of word times on (the default) or off (word times are then the
// decoder's, up to one phone early at word starts).
func (s *Session) SetWordAlignment(on bool) { s.noAlign = !on }

// AlignStats counts the utterances whose words were realigned and those that kept the decoder's times (no
// path within the retry beam, a word without pronunciation, a streaming utterance longer than the feature
// cap), over the Session's life, and the time spent aligning.
type AlignStats struct {
	Aligned, Fallback int
	// Time is the wall-clock time spent in alignment (successful or not).
	Time time.Duration
}

// AlignStats returns the session's realignment counts.
func (s *Session) AlignStats() AlignStats { return s.alignStats }

// realign replaces the times of words (the non-filler words of the best path, in order, with their graph
// labels in labels) by a forced alignment of those words to feats. It keeps the decoder's times when feats
// is nil (features not kept) or the alignment fails. It uses the session's scorer (resetting it), so the
// utterance's decoding must be finished.
func (s *Session) realign(words []transcript.Word, labels []int32, feats [][]float32) {
	if s.noAlign || len(words) == 0 {
		return
	}
	if feats == nil {
		s.alignStats.Fallback++
		return
	}
	t0 := time.Now()
	defer func() { s.alignStats.Time += time.Since(t0) }()
	lex, err := s.m.AlignLexicon()
	if err == nil && s.al == nil {
		s.al, err = align.New(s.m.AM, align.DefaultConfig())
	}
	if err == nil {
		s.spans, err = s.al.Align(s.sc, feats, lex, labels, s.spans[:0])
	}
	if err != nil {
		s.alignStats.Fallback++
		return
	}
	shift := s.m.FrameShift()
	for i := range words {
		words[i].Start = round3(float64(s.spans[i].Start) * shift)
		words[i].End = round3(float64(s.spans[i].End) * shift)
	}
	s.alignStats.Aligned++
}
