package fstio_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hark/internal/testenv"
	"hark/wfst"
	"hark/wfst/fstio"
)

// seedFiles are the binary FSTs written by OpenFST in testdata (see testdata/README.md).
var seedFiles = []string{"small-vector.fst", "small-syms-vector.fst", "small-const-log.fst", "small-syms-const.fst",
	"small-syms-const-aligned.fst", "acceptor-vector.fst"}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t testing.TB, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	return string(out)
}

// randText returns a random FST in AT&T text (numeric labels), with epsilons, cycles, dead ends, and
// weights of 1–3 decimals (so that float rounding of the text matters).
func randText(rng *rand.Rand, acceptor bool) string {
	var sb strings.Builder
	n := 1 + rng.IntN(10)
	states := rng.Perm(3 * n)[:n] // sparse, shuffled state numbers: tests renumbering
	for i := 0; i < 2*n; i++ {
		s, d := states[rng.IntN(n)], states[rng.IntN(n)]
		if i == 0 {
			s = states[0]
		}
		il, ol := rng.IntN(5), rng.IntN(5)
		w := ""
		switch rng.IntN(4) {
		case 0:
			w = fmt.Sprintf(" %.3f", rng.Float64()*10)
		case 1:
			w = fmt.Sprintf(" %.1f", rng.Float64()*3)
		case 2:
			w = " 0"
		}
		if acceptor {
			fmt.Fprintf(&sb, "%d %d %d%s\n", s, d, il, w)
		} else {
			fmt.Fprintf(&sb, "%d\t%d\t%d\t%d%s\n", s, d, il, ol, w)
		}
		if rng.IntN(4) == 0 {
			fmt.Fprintf(&sb, "%d", states[rng.IntN(n)])
			if rng.IntN(2) == 0 {
				fmt.Fprintf(&sb, " %.2f", rng.Float64()*5)
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// TestCompileByteIdentical checks that Compile + Write produce the same bytes as fstcompile, for vector
// and const files, standard and log arcs, acceptors, symbol tables and kept state numbering; and that
// Print gives fstprint's text. 120 random FSTs, in one batched script.
func TestCompileByteIdentical(t *testing.T) {
	testenv.RequireTool(t, "fstcompile")
	testenv.RequireTool(t, "fstprint")
	dir := t.TempDir()
	syms := "<eps>\t0\nx\t1\ny\t2\nz\t3\nw\t4\n"
	if err := os.WriteFile(filepath.Join(dir, "syms.txt"), []byte(syms), 0o644); err != nil {
		t.Fatal(err)
	}
	symTab, err := fstio.ReadSymbolsText(strings.NewReader(syms), "syms.txt", false)
	if err != nil {
		t.Fatal(err)
	}
	type variant struct {
		flags string
		opts  fstio.CompileOptions
		typ   string
	}
	variants := []variant{
		{"", fstio.CompileOptions{}, "vector"},
		{"--fst_type=const", fstio.CompileOptions{}, "const"},
		{"--arc_type=log", fstio.CompileOptions{Semiring: wfst.Log}, "vector"},
		{"--arc_type=log --fst_type=const", fstio.CompileOptions{Semiring: wfst.Log}, "const"},
		{"--acceptor", fstio.CompileOptions{Acceptor: true}, "vector"},
		{"--keep_state_numbering", fstio.CompileOptions{KeepStateNumbering: true}, "vector"},
		{"--keep_state_numbering --fst_type=const", fstio.CompileOptions{KeepStateNumbering: true}, "const"},
		{"--isymbols=syms.txt --osymbols=syms.txt --keep_isymbols --keep_osymbols", fstio.CompileOptions{ISymbols: symTab, OSymbols: symTab, KeepISymbols: true, KeepOSymbols: true}, "vector"},
		{"--isymbols=syms.txt --osymbols=syms.txt --keep_osymbols --fst_type=const", fstio.CompileOptions{ISymbols: symTab, OSymbols: symTab, KeepOSymbols: true}, "const"},
	}
	rng := rand.New(rand.NewPCG(7, 11))
	const perVariant = 14
	var script strings.Builder
	type job struct {
		v    variant
		text string
		name string
	}
	var jobs []job
	for vi, v := range variants {
		for i := 0; i < perVariant; i++ {
			text := randText(rng, v.opts.Acceptor)
			if v.opts.ISymbols != nil {
				r := strings.NewReplacer("\t0\t", "\t<eps>\t", "\t1\t", "\tx\t", "\t2\t", "\ty\t", "\t3\t", "\tz\t", "\t4\t", "\tw\t")
				var lines []string
				for _, l := range strings.Split(text, "\n") {
					f := strings.Fields(l)
					if len(f) >= 4 {
						names := []string{"<eps>", "x", "y", "z", "w"}
						f[2] = names[int(f[2][0]-'0')]
						f[3] = names[int(f[3][0]-'0')]
						l = strings.Join(f, "\t")
					}
					lines = append(lines, l)
				}
				_ = r
				text = strings.Join(lines, "\n")
			}
			name := fmt.Sprintf("v%d-%d", vi, i)
			if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&script, "fstcompile %s %s.txt %s.fst\nfstprint %s.fst %s.print\n", v.flags, name, name, name, name)
			jobs = append(jobs, job{v, text, name})
		}
	}
	run(t, dir, script.String())
	for _, j := range jobs {
		opts := j.v.opts
		opts.Source = j.name + ".txt"
		f, err := fstio.Compile(strings.NewReader(j.text), opts)
		if err != nil {
			t.Fatalf("%s (%s): Compile: %v\n%s", j.name, j.v.flags, err, j.text)
		}
		var got bytes.Buffer
		if err := fstio.Write(&got, f, fstio.WriteOptions{FSTType: j.v.typ}); err != nil {
			t.Fatal(err)
		}
		want := mustRead(t, filepath.Join(dir, j.name+".fst"))
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s (fstcompile %s): %d bytes differ from fstcompile's %d\ninput:\n%s", j.name, j.v.flags, got.Len(), len(want), j.text)
			continue
		}
		// fstprint's text from our reading of fstcompile's file.
		g, err := fstio.Read(bytes.NewReader(want))
		if err != nil {
			t.Fatalf("%s: Read: %v", j.name, err)
		}
		var text bytes.Buffer
		if err := fstio.Print(&text, g, fstio.PrintOptions{}); err != nil {
			t.Fatal(err)
		}
		if wantText := mustRead(t, filepath.Join(dir, j.name+".print")); !bytes.Equal(text.Bytes(), wantText) {
			t.Errorf("%s: Print:\n%s\nfstprint:\n%s", j.name, text.String(), wantText)
		}
	}
}

// TestReadOpenFSTFiles reads every seed file and checks Print against fstprint and Write against the
// original bytes (OpenFST's own files round-trip bit for bit, the aligned const version included).
func TestReadOpenFSTFiles(t *testing.T) {
	fstprint := testenv.RequireTool(t, "fstprint")
	for _, name := range seedFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			b := mustRead(t, path)
			f, err := fstio.Read(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			h, err := fstio.ReadHeader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			opts := fstio.WriteOptions{FSTType: h.FSTType, Align: h.Flags&fstio.FlagIsAligned != 0}
			if err := fstio.Write(&out, f, opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), b) {
				t.Errorf("Write(Read(%s)) differs from the file", name)
			}
			var text bytes.Buffer
			if err := fstio.Print(&text, f, fstio.PrintOptions{}); err != nil {
				t.Fatal(err)
			}
			want, err := exec.Command(fstprint, path).Output()
			if err != nil {
				t.Fatal(err)
			}
			if text.String() != string(want) {
				t.Errorf("Print = \n%s; fstprint:\n%s", text.String(), want)
			}
		})
	}
}

// TestOpenFSTReadsOurFiles writes converted FSTs (vector ↔ const, aligned) and checks that fstinfo accepts
// them and fstprint prints what we print.
func TestOpenFSTReadsOurFiles(t *testing.T) {
	testenv.RequireTool(t, "fstinfo")
	testenv.RequireTool(t, "fstprint")
	dir := t.TempDir()
	var script strings.Builder
	var names []string
	var texts []string
	for _, name := range seedFiles {
		f, err := fstio.Read(bytes.NewReader(mustRead(t, filepath.Join("testdata", name))))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []fstio.WriteOptions{{FSTType: "vector"}, {FSTType: "const"}, {FSTType: "const", Align: true}} {
			out := fmt.Sprintf("%s-%s-%v.fst", name, o.FSTType, o.Align)
			if err := fstio.WriteFile(filepath.Join(dir, out), f, o); err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := fstio.Print(&text, f, fstio.PrintOptions{}); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&script, "fstinfo %s > /dev/null\nfstprint %s %s.txt\n", out, out, out)
			names = append(names, out)
			texts = append(texts, text.String())
		}
	}
	run(t, dir, script.String())
	for i, n := range names {
		if got := string(mustRead(t, filepath.Join(dir, n+".txt"))); got != texts[i] {
			t.Errorf("fstprint %s:\n%s\nwant:\n%s", n, got, texts[i])
		}
	}
}

// TestReadRejects checks that truncated or inflated inputs fail cleanly before allocating.
func TestReadRejects(t *testing.T) {
	b := mustRead(t, filepath.Join("testdata", "small-syms-const.fst"))
	for n := 0; n < len(b); n++ {
		if _, err := fstio.Read(bytes.NewReader(b[:n])); err == nil {
			t.Errorf("Read of %d of %d bytes succeeded", n, len(b))
		}
	}
	// A header claiming 2^31-1 states in a tiny file must fail without allocating them.
	var buf bytes.Buffer
	f := wfst.NewVector(wfst.Tropical)
	f.AddStates(1)
	f.SetStart(0)
	if err := fstio.Write(&buf, f, fstio.WriteOptions{FSTType: "const"}); err != nil {
		t.Fatal(err)
	}
	huge := buf.Bytes()
	// numstates is the second-to-last int64 of the header: find it by rewriting the known value 1.
	h, err := fstio.ReadHeader(bytes.NewReader(huge))
	if err != nil || h.NumStates != 1 {
		t.Fatalf("header %+v, %v", h, err)
	}
	off := 4 + 4 + len(h.FSTType) + 4 + len(h.ArcType) + 4 + 4 + 8 + 8
	huge[off], huge[off+1], huge[off+2], huge[off+3] = 0xff, 0xff, 0xff, 0x7f
	allocs := testing.AllocsPerRun(1, func() {
		if _, err := fstio.Read(bytes.NewReader(huge)); err == nil {
			t.Error("Read accepted 2^31-1 states in a tiny file")
		}
	})
	if allocs > 100 {
		t.Errorf("rejecting a huge header took %v allocations", allocs)
	}
}

// TestAllocations proves the hot read paths allocate nothing: Const.Arcs, stored Properties,
// AppendWeight into a buffer with room.
func TestAllocations(t *testing.T) {
	f, err := fstio.Read(bytes.NewReader(mustRead(t, filepath.Join("testdata", "small-syms-const.fst"))))
	if err != nil {
		t.Fatal(err)
	}
	c := f.(*wfst.Const)
	buf := make([]byte, 0, 64)
	var sink int
	if a := testing.AllocsPerRun(1000, func() {
		for s := 0; s < c.NumStates(); s++ {
			sink += len(c.Arcs(wfst.StateID(s)))
		}
	}); a != 0 {
		t.Errorf("Const.Arcs: %v allocations per run; want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() {
		sink += int(wfst.Properties(c, wfst.PropAcceptor|wfst.PropILabelSorted|wfst.PropCyclic, true))
	}); a != 0 {
		t.Errorf("Properties (stored): %v allocations per run; want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() {
		buf = fstio.AppendWeight(buf[:0], 1.25, 9)
	}); a != 0 {
		t.Errorf("AppendWeight: %v allocations per run; want 0", a)
	}
	_ = sink
}

// FuzzRead fuzzes the binary reader: no panic, allocation bounded by the input (sizes are checked before
// allocating), and Write(Read(b)) reads back to the same FST.
//
//	go test ./wfst/fstio -run '^$' -fuzz FuzzRead -fuzztime 30s
func FuzzRead(f *testing.F) {
	for _, name := range seedFiles {
		f.Add(mustRead(f, filepath.Join("testdata", name)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := fstio.Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		h, err := fstio.ReadHeader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Read succeeded but ReadHeader failed: %v", err)
		}
		var out bytes.Buffer
		if err := fstio.Write(&out, g, fstio.WriteOptions{FSTType: h.FSTType}); err != nil {
			t.Fatalf("Write: %v", err)
		}
		g2, err := fstio.Read(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("Read(Write(Read(b))): %v", err)
		}
		if msg := equalFST(g, g2); msg != "" {
			t.Fatalf("round trip: %s", msg)
		}
	})
}

// FuzzCompile fuzzes the AT&T text reader: no panic, and Compile(Print(Compile(text))) equals
// Compile(text).
//
//	go test ./wfst/fstio -run '^$' -fuzz FuzzCompile -fuzztime 30s
func FuzzCompile(f *testing.F) {
	for _, name := range []string{"small.txt", "acceptor.txt"} {
		f.Add(mustRead(f, filepath.Join("testdata", name)), false)
	}
	f.Add([]byte("0 1 1 2 Infinity\n1 -Infinity\n2\n"), false)
	f.Add([]byte("0 1 1 0.5\n1 1e-3\n"), true)
	f.Fuzz(func(t *testing.T, text []byte, acceptor bool) {
		g, err := fstio.Compile(bytes.NewReader(text), fstio.CompileOptions{Acceptor: acceptor, KeepStateNumbering: true})
		if err != nil || hasNaN(g) {
			return // NaN weights print as "BadNumber", which OpenFST does not read back either
		}
		var out bytes.Buffer
		if err := fstio.Print(&out, g, fstio.PrintOptions{}); err != nil {
			t.Fatalf("Print: %v", err)
		}
		g2, err := fstio.Compile(bytes.NewReader(out.Bytes()), fstio.CompileOptions{KeepStateNumbering: true})
		if err != nil {
			t.Fatalf("Compile(Print(g)): %v\n%s", err, out.String())
		}
		if msg := equalFST(g, g2); msg != "" {
			t.Fatalf("round trip: %s\n%s", msg, out.String())
		}
	})
}

// FuzzReadSymbolsText fuzzes the text symbol-table reader; a table read back from its own text equals it.
//
//	go test ./wfst/fstio -run '^$' -fuzz FuzzReadSymbolsText -fuzztime 30s
func FuzzReadSymbolsText(f *testing.F) {
	f.Add(mustRead(f, filepath.Join("testdata", "syms.txt")))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := fstio.ReadSymbolsText(bytes.NewReader(b), "fuzz", false)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := fstio.WriteSymbolsText(&out, st); err != nil {
			t.Fatal(err)
		}
		st2, err := fstio.ReadSymbolsText(&out, "fuzz", false)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		same := st.Len() == st2.Len()
		for i := 0; same && i < st.Len(); i++ {
			s1, k1 := st.Entry(i)
			s2, k2 := st2.Entry(i)
			same = s1 == s2 && k1 == k2
		}
		if !same {
			t.Fatalf("round trip changed the table: %v vs %v", st, st2)
		}
	})
}

func hasNaN(f wfst.Expanded) bool {
	for s := 0; s < f.NumStates(); s++ {
		if w := f.Final(wfst.StateID(s)); w != w {
			return true
		}
		for _, a := range f.Arcs(wfst.StateID(s)) {
			if a.Weight != a.Weight {
				return true
			}
		}
	}
	return false
}

// equalFST compares two FSTs exactly (NaN weights equal to NaN).
func equalFST(a, b wfst.Expanded) string {
	if a.NumStates() != b.NumStates() || a.Start() != b.Start() || a.Semiring() != b.Semiring() {
		return fmt.Sprintf("states %d/%d start %d/%d", a.NumStates(), b.NumStates(), a.Start(), b.Start())
	}
	same := func(x, y wfst.Weight) bool { return x == y || (x != x && y != y) }
	for s := 0; s < a.NumStates(); s++ {
		st := wfst.StateID(s)
		if !same(a.Final(st), b.Final(st)) {
			return fmt.Sprintf("final(%d) %v vs %v", s, a.Final(st), b.Final(st))
		}
		x, y := a.Arcs(st), b.Arcs(st)
		if len(x) != len(y) {
			return fmt.Sprintf("state %d: %d vs %d arcs", s, len(x), len(y))
		}
		for i := range x {
			if x[i].ILabel != y[i].ILabel || x[i].OLabel != y[i].OLabel || x[i].NextState != y[i].NextState || !same(x[i].Weight, y[i].Weight) {
				return fmt.Sprintf("state %d arc %d: %+v vs %+v", s, i, x[i], y[i])
			}
		}
	}
	return ""
}
