package lattice_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hark/internal/testenv"
	"hark/lattice"
)

// writeText writes wl as an OpenFST AT&T text acceptor over the standard (tropical) semiring with the
// total costs as weights.
func writeText(t *testing.T, wl *lattice.WordLattice, path string) {
	t.Helper()
	var b bytes.Buffer
	// The start state must come first in AT&T text.
	order := []int{int(wl.Start)}
	for s := range wl.States {
		if s != int(wl.Start) {
			order = append(order, s)
		}
	}
	for _, s := range order {
		st := &wl.States[s]
		for _, a := range st.Arcs {
			fmt.Fprintf(&b, "%d %d %d %d %.6f\n", s, a.NextState, a.Word, a.Word, a.Weight.Total())
		}
		if !st.Final.IsZero() {
			fmt.Fprintf(&b, "%d %.6f\n", s, st.Final.Total())
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out.Bytes()
}

// TestDeterminizeAgainstOpenFST checks Determinize (no pruning) against OpenFST's fstdeterminize on the
// total-cost projection: the two results must be equivalent weighted acceptors (fstequivalent), and
// NBest must give the costs of fstshortestpath --nshortest.
func TestDeterminizeAgainstOpenFST(t *testing.T) {
	fstcompile := testenv.RequireTool(t, "fstcompile")
	fstdeterminize := testenv.RequireTool(t, "fstdeterminize")
	fstequivalent := testenv.RequireTool(t, "fstequivalent")
	fstshortestpath := testenv.RequireTool(t, "fstshortestpath")
	fstprint := testenv.RequireTool(t, "fstprint")
	dir := t.TempDir()
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 6))
		wl := randomWordLattice(rng, 4+rng.IntN(8), 3, 4)
		det, err := lattice.Determinize(wl, lattice.DeterminizeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in, ours := filepath.Join(dir, "in.txt"), filepath.Join(dir, "ours.txt")
		writeText(t, wl, in)
		writeText(t, det, ours)
		run(t, fstcompile, in, filepath.Join(dir, "in.fst"))
		run(t, fstcompile, ours, filepath.Join(dir, "ours.fst"))
		run(t, fstdeterminize, filepath.Join(dir, "in.fst"), filepath.Join(dir, "ref.fst"))
		// OpenFST quantizes residual weights to kDelta (1/1024) in its subset table, so its weights can
		// differ from ours by a few kDelta.
		cmd := exec.Command(fstequivalent, "--delta=0.01", filepath.Join(dir, "ours.fst"), filepath.Join(dir, "ref.fst"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("seed %d: Determinize not equivalent to fstdeterminize: %v %s", seed, err, out)
		}
		// Pruned determinization: fstdeterminize --weight keeps the paths within the threshold of the best.
		pdet, err := lattice.Determinize(wl, lattice.DeterminizeOptions{Beam: 1.5})
		if err != nil {
			t.Fatal(err)
		}
		writeText(t, pdet, ours)
		run(t, fstcompile, ours, filepath.Join(dir, "ours-pruned.fst"))
		run(t, fstdeterminize, "--weight=1.5", filepath.Join(dir, "in.fst"), filepath.Join(dir, "ref-pruned.fst"))
		cmd = exec.Command(fstequivalent, "--delta=0.01", filepath.Join(dir, "ours-pruned.fst"), filepath.Join(dir, "ref-pruned.fst"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("seed %d: Determinize(beam 1.5) not equivalent to fstdeterminize --weight=1.5: %v %s", seed, err, out)
		}
		// n-best costs.
		const n = 4
		run(t, fstshortestpath, fmt.Sprintf("--nshortest=%d", n), filepath.Join(dir, "ref.fst"), filepath.Join(dir, "nbest.fst"))
		want := pathCostsFromText(t, run(t, fstprint, filepath.Join(dir, "nbest.fst")))
		got, err := det.NBest(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("seed %d: NBest(%d) gave %d paths; fstshortestpath %d", seed, n, len(got), len(want))
		}
		for i := range got {
			if !near(got[i].Weight.Total(), float32(want[i])) {
				t.Errorf("seed %d: path %d costs %g; fstshortestpath %g", seed, i, got[i].Weight.Total(), want[i])
			}
		}
	}
}

// pathCostsFromText sums the costs of every path of an acyclic FST printed by fstprint (the start state
// is on the first line), sorted.
func pathCostsFromText(t *testing.T, text []byte) []float64 {
	t.Helper()
	type arc struct {
		next int
		w    float64
	}
	arcs := map[int][]arc{}
	final := map[int]float64{}
	start := -1
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		s, _ := strconv.Atoi(f[0])
		if start < 0 {
			start = s
		}
		switch len(f) {
		case 1, 2:
			w := 0.0
			if len(f) == 2 {
				w, _ = strconv.ParseFloat(f[1], 64)
			}
			final[s] = w
		case 4, 5:
			d, _ := strconv.Atoi(f[1])
			w := 0.0
			if len(f) == 5 {
				w, _ = strconv.ParseFloat(f[4], 64)
			}
			arcs[s] = append(arcs[s], arc{d, w})
		}
	}
	var costs []float64
	var rec func(s int, c float64)
	rec = func(s int, c float64) {
		if w, ok := final[s]; ok {
			costs = append(costs, c+w)
		}
		for _, a := range arcs[s] {
			rec(a.next, c+a.w)
		}
	}
	if start >= 0 {
		rec(start, 0)
	}
	slices.Sort(costs)
	if len(costs) == 0 {
		costs = append(costs, math.Inf(1))[:0]
	}
	return costs
}
