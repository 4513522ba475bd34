package graph

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"hark/lm"
	"hark/wfst"
	"hark/wfst/fstio"
)

func equalConst(t *testing.T, got, want *wfst.Const) {
	t.Helper()
	if got.Start() != want.Start() || !slices.Equal(got.States(), want.States()) || !slices.Equal(got.AllArcs(), want.AllArcs()) {
		t.Fatalf("graph differs: %d states %d arcs start %d, want %d %d %d", got.NumStates(), got.NumArcsTotal(),
			got.Start(), want.NumStates(), want.NumArcsTotal(), want.Start())
	}
}

// TestSaveLoad: Save writes OpenFST's aligned const layout, and Load maps it (on Linux) to the same graph
// with the same words; an entry in the unaligned layout (written by older versions) is rewritten aligned
// and mapped.
func TestSaveLoad(t *testing.T) {
	g, _, err := Build(testInputs(t), DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g.Info.Version = CacheVersion
	dir := filepath.Join(t.TempDir(), "graphs", "k")
	if err := Save(dir, g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, HCLGFile)
	aligned := func() bool {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h, err := fstio.ReadHeader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return h.Flags&fstio.FlagIsAligned != 0
	}
	if !aligned() {
		t.Error("Save wrote an unaligned const file")
	}
	check := func(name string) {
		t.Helper()
		got, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: Load: %v", name, err)
		}
		if got.Mapped != fstio.MapSupported {
			t.Errorf("%s: Mapped = %v, want %v", name, got.Mapped, fstio.MapSupported)
		}
		equalConst(t, got.HCLG, g.HCLG)
		if got.Words.Len() != g.Words.Len() {
			t.Errorf("%s: %d words, want %d", name, got.Words.Len(), g.Words.Len())
		}
		if got.HCLG.OutputSymbols() != nil {
			t.Errorf("%s: HCLG kept its embedded word table (Words has it)", name)
		}
	}
	check("aligned")
	if _, err := os.Stat(filepath.Join(dir, PrunedLMFile)); err == nil {
		t.Error("Save wrote a pruned LM for a graph without one")
	}
	if err := fstio.WriteFile(path, g.HCLG, fstio.WriteOptions{FSTType: "const"}); err != nil {
		t.Fatal(err)
	}
	if aligned() {
		t.Fatal("test set-up: file still aligned")
	}
	check("unaligned entry")
	if fstio.MapSupported && !aligned() {
		t.Error("Load did not rewrite the unaligned entry")
	}
	runtime.GC()
}

// TestSavePrunedLM: Save writes the graph's pruned LM in flat form, which reads back over its vocabulary.
func TestSavePrunedLM(t *testing.T) {
	g, _, err := Build(testInputs(t), DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := lm.ReadARPA(strings.NewReader("\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1 </s>\n-99 <s> -0.5\n-0.5 a -0.2\n\n\\2-grams:\n-0.1 <s> a\n\n\\end\\\n"))
	if err != nil {
		t.Fatal(err)
	}
	g.PrunedLM = m
	dir := filepath.Join(t.TempDir(), "graphs", "k")
	if err := Save(dir, g); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, PrunedLMFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := lm.ReadFlat(b, m.Vocab())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Counts(), m.Counts()) {
		t.Errorf("counts %v, want %v", got.Counts(), m.Counts())
	}
	if p, _, ok := got.Lookup([]lm.WordID{m.Vocab().ID("<s>"), m.Vocab().ID("a")}); !ok || p != -0.1 {
		t.Errorf("P(a | <s>) = %v (present %v), want -0.1", p, ok)
	}
}
