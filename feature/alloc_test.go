package feature_test

import (
	"path/filepath"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// TestProcessAllocatesNothing checks the zero-allocation promise of the online path, per frame, for the
// en-us configuration (noise removal and VAD on), with dither, and with the cepstra-only FrontEnd.
func TestProcessAllocatesNothing(t *testing.T) {
	pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw")))
	base := enUSConfig(t)
	dither := base
	dither.Dither = true
	for name, cfg := range map[string]feature.Config{"en-us": base, "dither": dither} {
		e, err := feature.NewExtractor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		shift := e.FrontEnd().FrameShift()
		dst := make([]float32, 4*e.Dim())
		pos := make([]int, 4)
		off := 0
		step := func() {
			if off+shift > len(pcm) {
				e.End()
				for {
					if _, nf := e.Process(nil, dst, pos); nf == 0 {
						break
					}
				}
				e.StartUtterance()
				off = 0
			}
			ns, _ := e.Process(pcm[off:off+shift], dst, pos)
			off += ns
		}
		for range 600 { // warm up across an utterance boundary
			step()
		}
		if a := testing.AllocsPerRun(2000, step); a != 0 {
			t.Errorf("%s: Extractor.Process allocates %v times per frame; want 0", name, a)
		}
	}
	fe, err := feature.NewFrontEnd(base)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 64*13)
	off := 0
	if a := testing.AllocsPerRun(200, func() {
		if off+160 > len(pcm) {
			fe.StartUtterance()
			off = 0
		}
		ns, _ := fe.Process(pcm[off:off+160], dst, nil)
		off += ns
	}); a != 0 {
		t.Errorf("FrontEnd.Process allocates %v times per frame; want 0", a)
	}
}
