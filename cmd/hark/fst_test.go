package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hark/internal/testenv"
	"hark/wfst"
	"hark/wfst/fstio"
)

func TestParseGFlags(t *testing.T) {
	tests := []struct {
		args []string
		pos  []string
		acc  bool
		typ  string
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, false, "vector"},
		{[]string{"--acceptor", "a"}, []string{"a"}, true, "vector"},
		{[]string{"-acceptor", "a", "--fst_type=const", "b"}, []string{"a", "b"}, true, "const"},
		{[]string{"a", "-fst_type", "const", "-"}, []string{"a", "-"}, false, "const"},
		{[]string{"--acceptor", "--noacceptor", "a"}, []string{"a"}, false, "vector"},
		{[]string{"--", "--acceptor"}, []string{"--acceptor"}, false, "vector"},
	}
	for _, tc := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		acc := fs.Bool("acceptor", false, "")
		typ := fs.String("fst_type", "vector", "")
		pos, err := parseGFlags(fs, tc.args)
		if err != nil {
			t.Fatalf("parseGFlags(%q): %v", tc.args, err)
		}
		if !slices.Equal(pos, tc.pos) || *acc != tc.acc || *typ != tc.typ {
			t.Errorf("parseGFlags(%q) = %q, acceptor=%v, fst_type=%q; want %q, %v, %q", tc.args, pos, *acc, *typ, tc.pos, tc.acc, tc.typ)
		}
	}
}

// randVector returns a small random FST with epsilons, cycles and unreachable states.
func randVector(rng *rand.Rand, s wfst.Semiring) *wfst.Vector {
	n := 1 + rng.IntN(8)
	f := wfst.NewVector(s)
	f.AddStates(n)
	f.SetStart(wfst.StateID(rng.IntN(n)))
	for i := 0; i < 2*n; i++ {
		f.AddArc(wfst.StateID(rng.IntN(n)), wfst.Arc{ILabel: wfst.Label(rng.IntN(4)), OLabel: wfst.Label(rng.IntN(4)),
			Weight: wfst.Weight(rng.IntN(40)) / 7, NextState: wfst.StateID(rng.IntN(n))})
	}
	for i := 0; i < n; i++ {
		if rng.IntN(3) == 0 {
			f.SetFinal(wfst.StateID(i), wfst.Weight(rng.IntN(3)))
		}
	}
	return f
}

// TestInfoDrawMatchOpenFST compares `hark fst info` and `hark fst draw` output with fstinfo and fstdraw on
// random FSTs (vector and const files, several arc filters and draw options).
func TestInfoDrawMatchOpenFST(t *testing.T) {
	testenv.RequireTool(t, "fstinfo")
	testenv.RequireTool(t, "fstdraw")
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	var script strings.Builder
	type job struct {
		name, typ, filter string
		f                 wfst.Expanded
	}
	var jobs []job
	filters := []string{"any", "epsilon", "iepsilon", "oepsilon"}
	for i := 0; i < 40; i++ {
		sr := wfst.Tropical
		if i%2 == 1 {
			sr = wfst.Log
		}
		typ := []string{"vector", "const"}[i%3%2]
		name := fmt.Sprintf("r%d.fst", i)
		if err := fstio.WriteFile(filepath.Join(dir, name), randVector(rng, sr), fstio.WriteOptions{FSTType: typ}); err != nil {
			t.Fatal(err)
		}
		f, err := fstio.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		filter := filters[i%4]
		fmt.Fprintf(&script, "fstinfo --arc_filter=%s %s > %s.info\nfstdraw --acceptor --show_weight_one %s > %s.dot\n", filter, name, name, name, name)
		jobs = append(jobs, job{name, typ, filter, f})
	}
	cmd := exec.Command("bash", "-e", "-c", script.String())
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, j := range jobs {
		var info bytes.Buffer
		if err := printFSTInfo(&info, j.f, j.typ, j.filter, "auto", true); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(dir, j.name+".info"))
		if err != nil {
			t.Fatal(err)
		}
		if info.String() != string(want) {
			t.Errorf("info %s (--arc_filter=%s):\n%s\nfstinfo:\n%s", j.name, j.filter, info.String(), want)
		}
		var dot bytes.Buffer
		o := fstio.DefaultDrawOptions()
		o.Acceptor, o.ShowWeightOne = true, true
		if err := fstio.Draw(&dot, j.f, o); err != nil {
			t.Fatal(err)
		}
		want, err = os.ReadFile(filepath.Join(dir, j.name+".dot"))
		if err != nil {
			t.Fatal(err)
		}
		if dot.String() != string(want) {
			t.Errorf("draw %s:\n%s\nfstdraw:\n%s", j.name, dot.String(), want)
		}
	}
}
