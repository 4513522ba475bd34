package wfst_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"hark/internal/testenv"
	"hark/wfst"
	"hark/wfst/fstio"
)

// simpleSeed seeds the random FSTs of the oracle tests; a failure names the case and FST so it can be
// reproduced.
const simpleSeed = 20261129

// simpleCase is one algorithm checked against an OpenFST tool.
type simpleCase struct {
	name   string
	count  int
	cfgs   []randConfig
	binary bool   // takes two FSTs
	cmd    string // shell pipeline; $A (and $B) are the input files; prints the result to stdout
	kind   string // "fst": printed FSTs compared state by state; "dist": potentials; "paths": sorted path costs
	// hark computes our result (an FST or, for "dist", potentials).
	hark func(a, b *wfst.Vector) (wfst.Expanded, []wfst.Weight, error)
}

var (
	sTropAcyc = randConfig{semiring: wfst.Tropical, acyclic: true}
	sTropCyc  = randConfig{semiring: wfst.Tropical}
	sLogAcyc  = randConfig{semiring: wfst.Log, acyclic: true, minWeight: 1.5}
	sLogCyc   = randConfig{semiring: wfst.Log, minWeight: 1.5}
	sAllCfgs  = []randConfig{sTropAcyc, sTropCyc, sLogAcyc, sLogCyc}
	sTropCfgs = []randConfig{sTropAcyc, sTropCyc}
)

func simpleFSTResult(f *wfst.Vector, err error) (wfst.Expanded, []wfst.Weight, error) {
	return f, nil, err
}

func simpleCases() []simpleCase {
	return []simpleCase{
		{name: "connect", count: 50, cfgs: sAllCfgs, cmd: "fstconnect $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { wfst.Connect(a); return a, nil, nil }},
		{name: "arcsort-ilabel", count: 30, cfgs: sAllCfgs, cmd: "fstarcsort --sort_type=ilabel $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.ArcSort(a, wfst.ILabelSort)
				return a, nil, nil
			}},
		{name: "arcsort-olabel", count: 30, cfgs: sAllCfgs, cmd: "fstarcsort --sort_type=olabel $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.ArcSort(a, wfst.OLabelSort)
				return a, nil, nil
			}},
		{name: "arcsort-ties", count: 10, cfgs: []randConfig{{semiring: wfst.Tropical, wide: true}}, cmd: "fstarcsort $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.ArcSort(a, wfst.ILabelSort)
				return a, nil, nil
			}},
		{name: "arcsort-ties-olabel", count: 10, cfgs: []randConfig{{semiring: wfst.Log, wide: true}}, cmd: "fstarcsort --sort_type=olabel $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.ArcSort(a, wfst.OLabelSort)
				return a, nil, nil
			}},
		{name: "project-input", count: 20, cfgs: sAllCfgs, cmd: "fstproject $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.Project(a, wfst.ProjectInput)
				return a, nil, nil
			}},
		{name: "project-output", count: 20, cfgs: sAllCfgs, cmd: "fstproject --project_type=output $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.Project(a, wfst.ProjectOutput)
				return a, nil, nil
			}},
		{name: "invert", count: 20, cfgs: sAllCfgs, cmd: "fstinvert $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { wfst.Invert(a); return a, nil, nil }},
		{name: "reverse", count: 24, cfgs: sAllCfgs, cmd: "fstreverse $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { return wfst.Reverse(a, true), nil, nil }},
		{name: "reverse-nosuper", count: 20, cfgs: sAllCfgs, cmd: "fstreverse --require_superinitial=false $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { return wfst.Reverse(a, false), nil, nil }},
		{name: "union", count: 30, cfgs: sAllCfgs, binary: true, cmd: "fstunion $A $B > $O", kind: "fst",
			hark: func(a, b *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { wfst.Union(a, b); return a, nil, nil }},
		{name: "concat", count: 30, cfgs: sAllCfgs, binary: true, cmd: "fstconcat $A $B > $O", kind: "fst",
			hark: func(a, b *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { wfst.Concat(a, b); return a, nil, nil }},
		{name: "closure-star", count: 20, cfgs: sAllCfgs, cmd: "fstclosure $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.Closure(a, wfst.ClosureStar)
				return a, nil, nil
			}},
		{name: "closure-plus", count: 20, cfgs: sAllCfgs, cmd: "fstclosure --closure_plus $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.Closure(a, wfst.ClosurePlus)
				return a, nil, nil
			}},
		{name: "topsort", count: 30, cfgs: sAllCfgs, cmd: "fsttopsort $A > $O 2>/dev/null", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) { wfst.TopSort(a); return a, nil, nil }},
		{name: "relabel", count: 20, cfgs: sAllCfgs, cmd: "fstrelabel --relabel_ipairs=$P --relabel_opairs=$Q $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				return a, nil, wfst.Relabel(a, sRelabelI, sRelabelO)
			}},
		{name: "shortestdistance", count: 40, cfgs: sAllCfgs, cmd: "fstshortestdistance $A > $O", kind: "dist",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				return nil, wfst.ShortestDistance(a, false, wfst.ShortestDelta), nil
			}},
		{name: "shortestdistance-reverse", count: 40, cfgs: sAllCfgs, cmd: "fstshortestdistance --reverse $A > $O", kind: "dist",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				return nil, wfst.ShortestDistance(a, true, wfst.ShortestDelta), nil
			}},
		{name: "shortestpath", count: 30, cfgs: sTropCfgs, cmd: "fstshortestpath $A > $O", kind: "paths",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				return simpleFSTResult(wfst.ShortestPath(a, wfst.DefaultShortestPathOptions()))
			}},
		{name: "shortestpath-n4", count: 30, cfgs: sTropCfgs, cmd: "fstshortestpath --nshortest=4 $A > $O", kind: "paths",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				o := wfst.DefaultShortestPathOptions()
				o.NShortest = 4
				return simpleFSTResult(wfst.ShortestPath(a, o))
			}},
		{name: "shortestpath-unique3", count: 20, cfgs: []randConfig{{semiring: wfst.Tropical, acyclic: true, acceptor: true}}, cmd: "fstshortestpath --nshortest=3 --unique $A > $O", kind: "paths",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				o := wfst.DefaultShortestPathOptions()
				o.NShortest, o.Unique = 3, true
				return simpleFSTResult(wfst.ShortestPath(a, o))
			}},
		{name: "encode-labels", count: 15, cfgs: sAllCfgs, cmd: "fstencode --encode_labels $A $O.enc $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.Encode(a, wfst.NewEncodeMapper(wfst.EncodeLabels))
				return a, nil, nil
			}},
		{name: "encode-weights", count: 15, cfgs: sAllCfgs, cmd: "fstencode --encode_weights $A $O.enc $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				wfst.Encode(a, wfst.NewEncodeMapper(wfst.EncodeWeights))
				return a, nil, nil
			}},
		{name: "encode-decode", count: 15, cfgs: sAllCfgs, cmd: "fstencode --encode_labels --encode_weights $A $O.enc $O.e && fstencode --decode $O.e $O.enc $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				m := wfst.NewEncodeMapper(wfst.EncodeLabels | wfst.EncodeWeights)
				wfst.Encode(a, m)
				return a, nil, wfst.Decode(a, m)
			}},
		{name: "prune", count: 30, cfgs: sTropCfgs, cmd: "fstprune --weight=1.5 $A > $O", kind: "fst",
			hark: func(a, _ *wfst.Vector) (wfst.Expanded, []wfst.Weight, error) {
				return a, nil, wfst.Prune(a, 1.5, -1, wfst.Delta)
			}},
	}
}

var (
	sRelabelI = [][2]wfst.Label{{1, 7}, {2, 1}, {0, 9}}
	sRelabelO = [][2]wfst.Label{{3, 0}, {5, 8}}
)

// simpleJob is one FST (or pair) run through one case.
type simpleJob struct {
	c       *simpleCase
	idx     int
	a, b    string // text files
	aText   []byte
	bText   []byte
	semi    wfst.Semiring
	outFile string
}

// TestOracleSimple checks every algorithm of this package against OpenFST's command-line tools on random FSTs
// (≥ 500 in total; acyclic and cyclic, with epsilons, tropical and log). The OpenFST commands of all cases
// run in two batched shell scripts.
func TestOracleSimple(t *testing.T) {
	for _, tool := range []string{"fstcompile", "fstprint", "fstconnect", "fstarcsort", "fstproject", "fstinvert",
		"fstreverse", "fstunion", "fstconcat", "fstclosure", "fsttopsort", "fstrelabel", "fstshortestdistance",
		"fstshortestpath", "fstprune", "fstencode"} {
		testenv.RequireTool(t, tool)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(simpleSeed, 0))
	cases := simpleCases()
	var jobs []*simpleJob
	total := 0
	// Each random FST is printed, compiled back (as fstcompile --keep_state_numbering would, with the
	// same property bits) and written in binary form for OpenFST's tools.
	writeText := func(name string, f *wfst.Vector) []byte {
		var buf bytes.Buffer
		if err := fstio.Print(&buf, f, fstio.PrintOptions{}); err != nil {
			t.Fatal(err)
		}
		c := simpleCompile(t, buf.Bytes(), f.Semiring())
		if err := fstio.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".txt")+".fst"), c, fstio.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	pairs := func(p [][2]wfst.Label) string {
		var sb strings.Builder
		for _, x := range p {
			fmt.Fprintf(&sb, "%d %d\n", x[0], x[1])
		}
		return sb.String()
	}
	pFile, qFile := filepath.Join(dir, "ipairs"), filepath.Join(dir, "opairs")
	if err := os.WriteFile(pFile, []byte(pairs(sRelabelI)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(qFile, []byte(pairs(sRelabelO)), 0o644); err != nil {
		t.Fatal(err)
	}
	var script [2]strings.Builder
	for ci := range cases {
		c := &cases[ci]
		for i := 0; i < c.count; i++ {
			cfg := c.cfgs[i%len(c.cfgs)]
			j := &simpleJob{c: c, idx: i, semi: cfg.semiring}
			j.a = fmt.Sprintf("%s-%d-a", c.name, i)
			j.aText = writeText(j.a+".txt", randFST(rng, cfg))
			total++
			if c.binary {
				j.b = fmt.Sprintf("%s-%d-b", c.name, i)
				j.bText = writeText(j.b+".txt", randFST(rng, cfg))
				total++
			}
			j.outFile = fmt.Sprintf("%s-%d.out", c.name, i)
			sb := &script[len(jobs)%2]
			cmd := strings.NewReplacer("$A", j.a+".fst", "$B", j.b+".fst", "$P", pFile, "$Q", qFile, "$O", j.outFile).Replace(c.cmd)
			fmt.Fprintf(sb, "%s 2> %s.err || echo %s failed >&2\n", cmd, j.outFile, j.outFile)
			jobs = append(jobs, j)
		}
	}
	if total < 500 {
		t.Fatalf("only %d random FSTs; want ≥ 500", total)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k := range script {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("bash", "-c", script[k].String())
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs[k] = fmt.Errorf("%v: %s", err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("OpenFST script: %v", err)
		}
	}
	t.Logf("%d jobs on %d random FSTs (seed %d)", len(jobs), total, simpleSeed)
	for _, j := range jobs {
		checkSimpleJob(t, dir, j)
	}
}

func simpleCompile(t *testing.T, text []byte, s wfst.Semiring) *wfst.Vector {
	t.Helper()
	f, err := fstio.Compile(bytes.NewReader(text), fstio.CompileOptions{Semiring: s, KeepStateNumbering: true})
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, text)
	}
	return f
}

func checkSimpleJob(t *testing.T, dir string, j *simpleJob) {
	t.Helper()
	label := fmt.Sprintf("%s #%d (seed %d)", j.c.name, j.idx, simpleSeed)
	want, err := os.ReadFile(filepath.Join(dir, j.outFile))
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	a := simpleCompile(t, j.aText, j.semi)
	var b *wfst.Vector
	if j.c.binary {
		b = simpleCompile(t, j.bText, j.semi)
	}
	gotFST, gotDist, err := j.c.hark(a, b)
	if err != nil {
		t.Errorf("%s: %v\ninput:\n%s", label, err, j.aText)
		return
	}
	switch j.c.kind {
	case "dist":
		wantDist, err := fstio.ReadPotentials(bytes.NewReader(want))
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if len(gotDist) != len(wantDist) {
			t.Errorf("%s: %d distances; OpenFST %d\ninput:\n%s", label, len(gotDist), len(wantDist), j.aText)
			return
		}
		for s := range gotDist {
			if !simpleClose(gotDist[s], wantDist[s]) {
				t.Errorf("%s: distance[%d] = %v; OpenFST %v\ninput:\n%s", label, s, gotDist[s], wantDist[s], j.aText)
				return
			}
		}
	case "fst":
		wantFST := readOracleFST(t, label, want)
		if msg := simpleSameFST(gotFST, wantFST); msg != "" {
			var got bytes.Buffer
			if err := fstio.Print(&got, gotFST, fstio.PrintOptions{}); err != nil {
				t.Fatal(err)
			}
			var wantText bytes.Buffer
			if err := fstio.Print(&wantText, wantFST, fstio.PrintOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Errorf("%s: %s\ninput:\n%s\nhark:\n%s\nOpenFST:\n%s", label, msg, j.aText, got.String(), wantText.String())
		}
	case "paths":
		wantFST := readOracleFST(t, label, want)
		g, w := simplePathCosts(gotFST), simplePathCosts(wantFST)
		ok := len(g) == len(w)
		for i := 0; ok && i < len(g); i++ {
			ok = simpleClose(g[i], w[i])
		}
		if !ok {
			t.Errorf("%s: path costs %v; OpenFST %v\ninput:\n%s", label, g, w, j.aText)
		}
	}
}

// readOracleFST reads a binary FST written by an OpenFST tool.
func readOracleFST(t *testing.T, label string, b []byte) wfst.Expanded {
	t.Helper()
	f, err := fstio.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: reading OpenFST's output: %v", label, err)
	}
	return f
}

// simpleClose compares weights printed with 9 digits: equal infinities, or within 1e-5 relative.
func simpleClose(a, b wfst.Weight) bool {
	if a == b {
		return true
	}
	d := math.Abs(float64(a - b))
	return d <= 1e-5*math.Max(1, math.Abs(float64(b)))
}

// simpleSameFST compares two FSTs state by state (same numbering, same arcs in the same order, close weights).
func simpleSameFST(got, want wfst.Expanded) string {
	if got.NumStates() != want.NumStates() {
		return fmt.Sprintf("%d states; OpenFST %d", got.NumStates(), want.NumStates())
	}
	if got.NumStates() == 0 {
		return ""
	}
	if got.Start() != want.Start() {
		return fmt.Sprintf("start %d; OpenFST %d", got.Start(), want.Start())
	}
	for s := 0; s < got.NumStates(); s++ {
		st := wfst.StateID(s)
		if !simpleClose(got.Final(st), want.Final(st)) {
			return fmt.Sprintf("final(%d) = %v; OpenFST %v", s, got.Final(st), want.Final(st))
		}
		ga, wa := got.Arcs(st), want.Arcs(st)
		if len(ga) != len(wa) {
			return fmt.Sprintf("state %d has %d arcs; OpenFST %d", s, len(ga), len(wa))
		}
		for i := range ga {
			x, y := ga[i], wa[i]
			if x.ILabel != y.ILabel || x.OLabel != y.OLabel || x.NextState != y.NextState || !simpleClose(x.Weight, y.Weight) {
				return fmt.Sprintf("state %d arc %d = %+v; OpenFST %+v", s, i, x, y)
			}
		}
	}
	return ""
}

// simplePathCosts returns the sorted costs of all successful paths of an acyclic FST.
func simplePathCosts(f wfst.Expanded) []wfst.Weight {
	var costs []wfst.Weight
	if f.Start() == wfst.NoStateID {
		return nil
	}
	var walk func(s wfst.StateID, c wfst.Weight, depth int)
	walk = func(s wfst.StateID, c wfst.Weight, depth int) {
		if depth > 1000 {
			return
		}
		if fw := f.Final(s); !wfst.IsZero(fw) {
			costs = append(costs, c+fw)
		}
		for _, a := range f.Arcs(s) {
			walk(a.NextState, c+a.Weight, depth+1)
		}
	}
	walk(f.Start(), 0, 0)
	slices.Sort(costs)
	return costs
}
