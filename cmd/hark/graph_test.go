package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hark/graph"
	"hark/internal/testenv"
	"hark/wfst"
)

// TestGraphBuildTurtle builds the graph of pocketsphinx-testdata's turtle LM and dictionary over the en-us
// acoustic model, checks its properties, that OpenFST's fstinfo reads the cached file and agrees on its
// size, and that the cache hands the same graph back.
func TestGraphBuildTurtle(t *testing.T) {
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	lmPath := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	dict := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.dic"))
	fstinfo := testenv.RequireTool(t, "fstinfo")
	src, err := graphSources(testenv.ModelDir, lmPath, dict, 0)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	cfg := graph.DefaultConfig()
	var stages []string
	g, cached, err := graph.Get(root, src, cfg, func(s graph.Stage) { stages = append(stages, s.Name) })
	if err != nil {
		t.Fatal(err)
	}
	if cached || len(stages) == 0 {
		t.Fatalf("first Get: cached %v, %d stages", cached, len(stages))
	}
	f := g.HCLG
	if f.NumStates() < 1000 {
		t.Fatalf("HCLG has only %d states", f.NumStates())
	}
	acc, coacc := wfst.AccessibleStates(f)
	for s := range acc {
		if !acc[s] || !coacc[s] {
			t.Fatalf("state %d not connected", s)
		}
	}
	for s := 0; s < f.NumStates(); s++ {
		for _, a := range f.Arcs(wfst.StateID(s)) {
			if int(a.ILabel) > src.Model.NumSenones() || a.ILabel < 0 {
				t.Fatalf("input label %d out of range", a.ILabel)
			}
			if w, ok := g.Words.Symbol(int64(a.OLabel)); !ok || strings.HasPrefix(w, "#") || w == "<s>" || w == "</s>" {
				t.Fatalf("output label %d (%q)", a.OLabel, w)
			}
		}
	}
	key, err := src.Key(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := graph.EntryDir(root, key)
	out, err := exec.Command(fstinfo, filepath.Join(dir, graph.HCLGFile)).CombinedOutput()
	if err != nil {
		t.Fatalf("fstinfo: %v\n%s", err, out)
	}
	info := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.LastIndex(line, "  "); i > 0 {
			info[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i:])
		}
	}
	for k, want := range map[string]string{"fst type": "const", "arc type": "standard",
		"# of states": itoa(f.NumStates()), "# of arcs": itoa(f.NumArcsTotal()),
		"# of connected states": itoa(f.NumStates()), "output symbol table": "words"} {
		if info[k] != want {
			t.Errorf("fstinfo %q = %q, want %q", k, info[k], want)
		}
	}
	start := time.Now()
	g2, cached, err := graph.Get(root, src, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load from cache: %v", time.Since(start))
	if !cached || g2.HCLG.NumArcsTotal() != f.NumArcsTotal() || g2.Words.Len() != g.Words.Len() {
		t.Fatalf("second Get: cached %v, %d arcs (want %d)", cached, g2.HCLG.NumArcsTotal(), f.NumArcsTotal())
	}
	for i, a := range f.AllArcs() {
		if g2.HCLG.AllArcs()[i] != a {
			t.Fatalf("arc %d differs after the round trip: %+v vs %+v", i, g2.HCLG.AllArcs()[i], a)
		}
	}
	// A corrupt entry is rebuilt.
	if err := os.WriteFile(filepath.Join(dir, graph.HCLGFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, cached, err := graph.Get(root, src, cfg, nil); err != nil || cached {
		t.Fatalf("corrupt entry: cached %v, err %v", cached, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
