package main

import (
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
	"hark/wfst"
	"hark/wfst/fstio"
	"hark/wfst/wfsttest"
)

// TestPushLabelsCommandMatchesFstpush runs `hark fst push` and OpenFST's fstpush with the same label-pushing
// flags (toward the final states and the start, with weights, removing the total weight and common affix)
// on the same random cyclic transducer with epsilons, and checks the outputs are identical (hark numbers
// states and orders arcs as OpenFST does).
func TestPushLabelsCommandMatchesFstpush(t *testing.T) {
	testenv.RequireTool(t, "fstpush")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	cfg := wfsttest.DefaultConfig(wfst.Tropical)
	cfg.States = 10
	in := wfsttest.RandomFST(rand.New(rand.NewPCG(7, 11)), cfg)
	if err := fstio.WriteFile(p("in.fst"), in, fstio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--push_labels", "--to_final"},
		{"--push_labels", "--push_weights", "--to_final"},
		{"--push_labels", "--push_weights", "--remove_total_weight", "--remove_common_affix", "--to_final"},
		{"--push_labels", "--push_weights"},
	} {
		runFST(t, "push", append(append([]string(nil), args...), p("in.fst"), p("hark.fst"))...)
		if out, err := exec.Command("fstpush", append(append([]string(nil), args...), p("in.fst"), p("openfst.fst"))...).CombinedOutput(); err != nil {
			t.Fatalf("fstpush %v: %v: %s", args, err, out)
		}
		h, err := fstio.ReadFile(p("hark.fst"))
		if err != nil {
			t.Fatal(err)
		}
		o, err := fstio.ReadFile(p("openfst.fst"))
		if err != nil {
			t.Fatal(err)
		}
		if err := wfsttest.Equal(h, o, 1e-5); err != nil {
			t.Errorf("hark fst push %v vs fstpush: %v", args, err)
		}
	}
}
