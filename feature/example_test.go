package feature_test

import (
	"fmt"
	"path/filepath"

	"hark/feature"
	"hark/internal/testenv"
)

// Online feature extraction with a model's feat.params: feed audio as it arrives, then end the
// utterance and drain the last vectors.
func Example() {
	cfg, err := feature.ReadParams(filepath.Join(testenv.ModelDir, "feat.params"))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := feature.NewExtractor(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	pcm := make([]int16, 16000) // one second at 16 kHz: 0.4 s of near silence, then a buzz
	for i := 6400; i < len(pcm); i++ {
		pcm[i] = int16((i%7 - 3) * 300)
	}
	dst := make([]float32, 64*e.Dim()) // room for 64 vectors per call
	frames := 0
	for len(pcm) > 0 {
		n, nf := e.Process(pcm, dst, nil)
		pcm = pcm[n:]
		frames += nf // dst[:nf*e.Dim()] holds the new vectors
	}
	e.End()
	for {
		_, nf := e.Process(nil, dst, nil)
		if nf == 0 {
			break
		}
		frames += nf
	}
	// The VAD (-remove_silence, on by default) dropped most of the leading silence.
	fmt.Println(e.Dim(), e.Streams(), frames)
	// Output: 39 [13 13 13] 72
}
