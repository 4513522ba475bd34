package feature_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// FuzzExtractorChunking feeds arbitrary 16-bit audio to the online Extractor in chunks of varying size and
// dst room, and checks it never panics and gives exactly what the whole-utterance path gives (live CMN,
// noise removal and VAD on, dither on or off), with frame indices increasing.
//
//	go test ./feature -run '^$' -fuzz FuzzExtractorChunking -fuzztime 30s
func FuzzExtractorChunking(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(testenv.TestData, "goforward.raw")); err == nil {
		f.Add(uint16(160), uint8(1), b[24000:32000])
		f.Add(uint16(1), uint8(3), b[30000:34000])
		f.Add(uint16(33), uint8(0x85), b[26000:34000])
	}
	f.Add(uint16(0), uint8(0), make([]byte, 5000))
	f.Add(uint16(7), uint8(2), []byte{0xff, 0x7f, 0x00, 0x80, 1, 2, 3})
	cfg := feature.DefaultConfig()
	cfg.LowerF, cfg.UpperF, cfg.NFilt, cfg.Transform, cfg.Lifter = 130, 6800, 25, "dct", 22
	cfg.SVSpec = "0-12/13-25/26-38"
	f.Fuzz(func(t *testing.T, chunk uint16, room uint8, data []byte) {
		if len(data) > 1<<13 { // 4096 samples keep iterations (and minimisation) fast
			return
		}
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		cfg := cfg
		cfg.Dither = room&0x80 != 0 // dither must not depend on the chunking either
		ref, err := feature.NewExtractor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, wantPos, err := ref.Utterance(pcm)
		if err != nil {
			t.Fatal(err)
		}
		e, err := feature.NewExtractor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, gotPos := runOnline(t, e, pcm, int(chunk)+1, int(room%8)+1)
		if len(got) != len(want) {
			t.Fatalf("online %d vectors; whole utterance %d", len(got), len(want))
		}
		for i := range got {
			if gotPos[i] != wantPos[i] || (i > 0 && gotPos[i] <= gotPos[i-1]) {
				t.Fatalf("vector %d: index %d; want %d (increasing)", i, gotPos[i], wantPos[i])
			}
			for j := range got[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("[%d][%d] = %g online; %g whole", i, j, got[i][j], want[i][j])
				}
			}
		}
	})
}
