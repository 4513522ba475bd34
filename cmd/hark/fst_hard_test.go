package main

import (
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
	"hark/wfst"
	"hark/wfst/fstio"
	"hark/wfst/wfsttest"
)

// runFST runs `hark fst NAME args...` in process.
func runFST(t *testing.T, name string, args ...string) {
	t.Helper()
	for _, c := range fstCommands {
		if c.Name == name {
			if err := c.run(io.Discard, args); err != nil {
				t.Fatalf("hark fst %s %v: %v", name, args, err)
			}
			return
		}
	}
	t.Fatalf("no hark fst %s", name)
}

// TestAlgoCommandsMatchOpenFST runs each algorithm subcommand and the OpenFST tool of the same name with the
// same flags on the same files, and checks the outputs: identical for compose and intersect (hark numbers
// states as OpenFST), isomorphic for determinize and minimize of acceptors, equivalent otherwise.
func TestAlgoCommandsMatchOpenFST(t *testing.T) {
	testenv.RequireTool(t, "fstcompose")
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	rng := rand.New(rand.NewPCG(41, 43))
	cfg := wfsttest.DefaultConfig(wfst.Tropical)
	cfg.States, cfg.UnweightedCycles = 12, true
	acfg := cfg
	acfg.Acceptor = true
	write := func(name string, f wfst.Expanded) {
		if err := fstio.WriteFile(p(name), f, fstio.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tr := wfsttest.RandomFST(rng, cfg)
	write("t.fst", tr)
	t2 := wfsttest.RandomFST(rng, cfg)
	wfst.ArcSort(t2, wfst.ILabelSort)
	write("t2.fst", t2)
	var acc *wfst.Vector
	for {
		acc = wfsttest.RandomFST(rng, acfg)
		o := wfst.DefaultDeterminizeOptions()
		o.MaxStates = 1000
		if _, err := wfst.Determinize(acc, o); err == nil {
			break
		}
	}
	write("a.fst", acc)
	a2 := wfsttest.RandomFST(rng, acfg)
	wfst.ArcSort(a2, wfst.ILabelSort)
	write("a2.fst", a2)

	cases := []struct {
		tool  string
		args  []string
		check string // "equal", "iso" or "equiv"
	}{
		{"rmepsilon", []string{"t.fst"}, "equiv"},
		{"determinize", []string{"a.fst"}, "iso"},
		{"push", []string{"--push_weights", "t.fst"}, "iso"},
		{"push", []string{"--push_weights", "--to_final", "t.fst"}, "iso"},
		{"push", []string{"--push_labels", "t.fst"}, "equiv"},
		{"compose", []string{"--compose_filter=match", "t.fst", "t2.fst"}, "equal"},
		{"compose", []string{"t.fst", "t2.fst"}, "equal"},
		{"intersect", []string{"a.fst", "a2.fst"}, "equal"},
	}
	for i, c := range cases {
		var in, hargs, oargs []string
		for _, a := range c.args {
			if filepath.Ext(a) == ".fst" {
				in = append(in, p(a))
			} else {
				hargs, oargs = append(hargs, a), append(oargs, a)
			}
		}
		hout, oout := p("h"+c.tool+".fst"), p("o"+c.tool+".fst")
		runFST(t, c.tool, append(append(hargs, in...), hout)...)
		if out, err := exec.Command("fst"+c.tool, append(append(oargs, in...), oout)...).CombinedOutput(); err != nil {
			t.Fatalf("fst%s: %v: %s", c.tool, err, out)
		}
		h, err := fstio.ReadFile(hout)
		if err != nil {
			t.Fatal(err)
		}
		o, err := fstio.ReadFile(oout)
		if err != nil {
			t.Fatal(err)
		}
		switch c.check {
		case "equal":
			err = wfsttest.Equal(h, o, 1e-5)
		case "iso":
			err = wfsttest.Isomorphic(h, o, 1e-4)
		default:
			var ok bool
			if ok, err = wfst.RandEquivalent(h, o, 100, wfst.Delta, uint64(i)); err == nil && !ok {
				t.Errorf("hark fst %s %v: not equivalent to fst%s's output", c.tool, c.args, c.tool)
			}
		}
		if err != nil {
			t.Errorf("hark fst %s %v vs fst%s: %v", c.tool, c.args, c.tool, err)
		}
	}

	// minimize of the determinized acceptor is canonical; equivalent accepts it (exit status 0).
	runFST(t, "determinize", p("a.fst"), p("det.fst"))
	runFST(t, "minimize", p("det.fst"), p("hmin.fst"))
	if out, err := exec.Command("fstminimize", p("det.fst"), p("omin.fst")).CombinedOutput(); err != nil {
		t.Fatalf("fstminimize: %v: %s", err, out)
	}
	h, _ := fstio.ReadFile(p("hmin.fst"))
	o, _ := fstio.ReadFile(p("omin.fst"))
	if err := wfsttest.Isomorphic(h, o, 1e-4); err != nil {
		t.Errorf("hark fst minimize vs fstminimize: %v", err)
	}
	runFST(t, "equivalent", p("det.fst"), p("hmin.fst"))
	runFST(t, "equivalent", "--random", "--npath=50", p("a.fst"), p("hmin.fst"))
	runFST(t, "randgen", "--npath=3", "--seed=7", "--select=log_prob", p("a.fst"), p("rg.fst"))
	rg, err := fstio.ReadFile(p("rg.fst"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rg.Arcs(rg.Start())); n+boolInt(!wfst.IsZero(rg.Final(rg.Start()))) != 3 {
		t.Errorf("hark fst randgen --npath=3 wrote %d paths", n)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
