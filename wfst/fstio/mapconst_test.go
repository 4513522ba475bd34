package fstio_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"hark/wfst"
	"hark/wfst/fstio"
)

// TestOpenConst maps const files written by OpenFST (aligned and not) and by Write (random FSTs, both
// layouts) and checks each equals what Read reads, with and without symbol tables.
func TestOpenConst(t *testing.T) {
	dir := t.TempDir()
	type file struct{ name, path string }
	files := []file{
		{"openfst-aligned", filepath.Join("testdata", "small-syms-const-aligned.fst")},
		{"openfst-unaligned", filepath.Join("testdata", "small-syms-const.fst")},
		{"openfst-log", filepath.Join("testdata", "small-const-log.fst")},
	}
	rng := rand.New(rand.NewPCG(6, 1))
	for i := 0; i < 20; i++ {
		v, err := fstio.Compile(strings.NewReader(randText(rng, false)), fstio.CompileOptions{Semiring: wfst.Tropical})
		if err != nil {
			t.Fatal(err)
		}
		for _, align := range []bool{false, true} {
			p := filepath.Join(dir, "rand-"+string(rune('a'+i))+map[bool]string{false: "-u", true: "-a"}[align]+".fst")
			if err := fstio.WriteFile(p, v, fstio.WriteOptions{FSTType: "const", Align: align}); err != nil {
				t.Fatal(err)
			}
			files = append(files, file{filepath.Base(p), p})
		}
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			want, err := fstio.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			h, err := fstio.ReadHeader(bytes.NewReader(mustRead(t, f.path)))
			if err != nil {
				t.Fatal(err)
			}
			aligned := h.Flags&fstio.FlagIsAligned != 0
			for _, skip := range []bool{false, true} {
				c, mapped, err := fstio.OpenConst(f.path, fstio.MapOptions{SkipSymbols: skip, Populate: true})
				if err != nil {
					t.Fatalf("OpenConst: %v", err)
				}
				if aligned && mapped != fstio.MapSupported {
					t.Errorf("aligned file: mapped = %v, want %v", mapped, fstio.MapSupported)
				}
				if msg := equalFST(want, c); msg != "" {
					t.Fatalf("OpenConst(skip=%v) differs from Read: %s", skip, msg)
				}
				ws, _ := want.(wfst.Symbolic)
				if skip && (c.InputSymbols() != nil || c.OutputSymbols() != nil) {
					t.Error("SkipSymbols kept a symbol table")
				}
				if !skip && (c.InputSymbols() == nil) != (ws.InputSymbols() == nil) {
					t.Errorf("input symbols: got %v, want %v", c.InputSymbols() != nil, ws.InputSymbols() != nil)
				}
				if c.KnownProperties() != want.(*wfst.Const).KnownProperties() {
					t.Errorf("properties %x, want %x", c.KnownProperties(), want.(*wfst.Const).KnownProperties())
				}
			}
		})
	}
	runtime.GC() // the mappings' cleanups run; nothing may touch them afterwards
}

// TestConstFromBytesRejects checks that truncated and misplaced inputs fail with errors, never panic, and
// that an unaligned array is reported as ErrNotMappable (Read still reads it).
func TestConstFromBytesRejects(t *testing.T) {
	b := mustRead(t, filepath.Join("testdata", "small-syms-const-aligned.fst"))
	// Aliasing needs the arrays 4-byte aligned in memory: copy into a buffer at an odd offset.
	odd := make([]byte, len(b)+1)[1:]
	copy(odd, b)
	if _, err := fstio.ConstFromBytes(odd, fstio.MapOptions{}); !errors.Is(err, fstio.ErrNotMappable) {
		t.Errorf("odd address: err = %v, want ErrNotMappable", err)
	}
	for n := 0; n < len(b); n++ {
		if _, err := fstio.ConstFromBytes(b[:n:n], fstio.MapOptions{}); err == nil {
			t.Fatalf("truncated to %d of %d bytes: accepted", n, len(b))
		}
	}
	vec := mustRead(t, filepath.Join("testdata", "small-syms-vector.fst"))
	if _, err := fstio.ConstFromBytes(vec, fstio.MapOptions{}); !errors.Is(err, fstio.ErrFormat) {
		t.Errorf("vector file: err = %v, want ErrFormat", err)
	}
	// An arc to a state that does not exist: the last arc's destination (last 4 bytes of the file).
	bad := bytes.Clone(b)
	copy(bad[len(bad)-4:], []byte{0xff, 0xff, 0, 0})
	if _, err := fstio.ConstFromBytes(bad, fstio.MapOptions{}); !errors.Is(err, fstio.ErrFormat) {
		t.Errorf("arc to a missing state: err = %v, want ErrFormat", err)
	}
	p := filepath.Join(t.TempDir(), "empty.fst")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fstio.OpenConst(p, fstio.MapOptions{}); err == nil {
		t.Error("OpenConst accepted an empty file")
	}
}

// TestMappedArcsAllocations: Arcs on a mapped graph allocates nothing.
func TestMappedArcsAllocations(t *testing.T) {
	c, _, err := fstio.OpenConst(filepath.Join("testdata", "small-syms-const-aligned.fst"), fstio.MapOptions{SkipSymbols: true})
	if err != nil {
		t.Fatal(err)
	}
	var sink int
	if a := testing.AllocsPerRun(1000, func() {
		for s := 0; s < c.NumStates(); s++ {
			sink += len(c.Arcs(wfst.StateID(s)))
		}
	}); a != 0 {
		t.Errorf("Arcs: %v allocations per run; want 0", a)
	}
	_ = sink
}

// FuzzConstFromBytes: no panic; whenever ConstFromBytes accepts the input, Read reads the same FST.
//
//	go test ./wfst/fstio -run '^$' -fuzz FuzzConstFromBytes -fuzztime 30s
func FuzzConstFromBytes(f *testing.F) {
	for _, name := range seedFiles {
		f.Add(mustRead(f, filepath.Join("testdata", name)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := fstio.ConstFromBytes(b, fstio.MapOptions{})
		if err != nil {
			return
		}
		g, err := fstio.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("ConstFromBytes accepted what Read rejects: %v", err)
		}
		if msg := equalFST(g, c); msg != "" {
			t.Fatalf("ConstFromBytes differs from Read: %s", msg)
		}
	})
}
