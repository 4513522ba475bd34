package jobs

import (
	"path/filepath"
	"reflect"
	"testing"

	"hark/audio"
	"hark/internal/testenv"
	"hark/recognizer"
	"hark/segment"
)

// TestDecodeSegmentDeterministic checks what crash recovery rests on: a segment's words do not depend on
// what the session decoded before (here: segment 2 of a dev-set recording decoded after segments 0 and
// 1, by a fresh session, and twice in a row), with the small turtle model.
func TestDecodeSegmentDeterministic(t *testing.T) {
	cfg := recognizer.DefaultConfig("")
	cfg.LM = testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	cfg.Dict = testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.dic"))
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	cfg.GraphCache = t.TempDir()
	m, err := recognizer.Load(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	wavs, _ := filepath.Glob(filepath.Join("..", testenv.DevSet, "wav", "*.wav"))
	if len(wavs) == 0 {
		testenv.RequireFile(t, filepath.Join("..", testenv.DevSet, "wav"))
		t.Skip("no dev set")
	}
	var segs [][]int16
	sc := m.Config.Segment
	sc.SampleRate = 16000
	for _, w := range wavs[:3] {
		st, err := audio.OpenFile(w, audio.Options{SampleRateHz: 16000})
		if err != nil {
			t.Fatal(err)
		}
		segment.Split(st, sc, func(s segment.Segment) error {
			segs = append(segs, recognizer.ToInt16(nil, s.Samples))
			return nil
		})
		st.Close()
	}
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	a, _ := m.NewSession()
	var inSeq []string
	for i := range 3 {
		w, err := decodeSegment(a, segs[i])
		if err != nil {
			t.Fatal(err)
		}
		inSeq = append(inSeq, formatWords(w))
	}
	b, _ := m.NewSession()
	for run := range 2 {
		w, err := decodeSegment(b, segs[2])
		if err != nil {
			t.Fatal(err)
		}
		if got := formatWords(w); !reflect.DeepEqual(got, inSeq[2]) {
			t.Errorf("fresh session, run %d:\n%s\nin sequence:\n%s", run, got, inSeq[2])
		}
	}
}
