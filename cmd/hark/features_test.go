package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
)

// TestFeaturesCommand checks that `hark features` writes byte-identical files to the committed sphinx_fe
// references (feature/testdata/reference/README.md), from raw and WAV input, with --model and with flags.
func TestFeaturesCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		ref  string
	}{
		{"model-raw", []string{"--model", testenv.ModelDir, filepath.Join(testenv.TestData, "goforward.raw")}, "goforward.mfc"},
		{"flags-wav", []string{"--lowerf", "130", "--upperf", "6800", "--nfilt", "25", "--transform", "dct", "--lifter", "22",
			filepath.Join(testenv.TestData, "cards", "001.wav")}, "cards-001.mfc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testenv.RequireFile(t, tc.args[len(tc.args)-1])
			if tc.args[0] == "--model" {
				testenv.RequireFile(t, testenv.ModelDir)
			}
			out := filepath.Join(dir, tc.name+".mfc")
			root := newRootCmd()
			root.SetArgs(append(append([]string{"features", "-q"}, tc.args...), out))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("..", "..", "feature", "testdata", "reference", tc.ref))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("hark features %v: %d bytes differ from %s (%d bytes)", tc.args, len(got), tc.ref, len(want))
			}
		})
	}
	root := newRootCmd()
	root.SetArgs([]string{"features", "--nfilt", "many", "in.wav", filepath.Join(dir, "x.mfc")})
	if err := root.Execute(); err == nil {
		t.Fatal("hark features --nfilt many succeeded")
	}
}
