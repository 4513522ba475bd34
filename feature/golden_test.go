package feature_test

import (
	"path/filepath"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

// TestCepstraGolden compares Cepstra with the committed sphinx_fe outputs (testdata/reference/README.md).
func TestCepstraGolden(t *testing.T) {
	cfg := configFromArgs(t, enUSArgs)
	for _, tc := range []struct{ in, ref string }{
		{"goforward.raw", "goforward.mfc"},
		{"cards/001.wav", "cards-001.mfc"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			pcm := readPCM(t, testenv.RequireFile(t, filepath.Join(testenv.TestData, tc.in)))
			want, err := feature.ReadMFCFile(filepath.Join("testdata", "reference", tc.ref), 13)
			if err != nil {
				t.Fatal(err)
			}
			got, err := feature.Cepstra(cfg, pcm)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("Cepstra(%s) has %d frames; want %d", tc.in, len(got), len(want))
			}
			if d, fr, c := maxAbsDiff(got, want); d > 1e-3 {
				t.Errorf("Cepstra(%s) frame %d c%d = %g; want %g", tc.in, fr, c, got[fr][c], want[fr][c])
			}
		})
	}
}
