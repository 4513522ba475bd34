package sphinx_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"hark/acoustic/sphinx"
	"hark/internal/testenv"
)

// models caches loaded models across tests: a Model is read-only and meant to be shared.
var models sync.Map // dir → *sphinx.Model

func mustLoad(t testing.TB, dir string) *sphinx.Model {
	t.Helper()
	testenv.RequireFile(t, filepath.Join(dir, "mdef"))
	if m, ok := models.Load(dir); ok {
		return m.(*sphinx.Model)
	}
	m, err := sphinx.Load(dir, sphinx.DefaultLoadConfig())
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	models.Store(dir, m)
	return m
}

// TestEnUSCounts checks the figures of references.md §1.7 on Debian's en-us model.
func TestEnUSCounts(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	md, g := m.Mdef, m.Gauden
	pos := [4]int{}
	for p := len(md.CIPhones); p < len(md.Phones); p++ {
		pos[md.Phones[p].Info[0]]++
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"type", m.Type, sphinx.TypePTM},
		{"n_ciphone", len(md.CIPhones), 42},
		{"n_phone", len(md.Phones), 137095},
		{"triphones", md.NumTriphones(), 137053},
		{"n_emit_state", md.NEmitState, 3},
		{"n_ci_sen", md.NCISen, 126},
		{"n_sen", md.NSen, 5126},
		{"n_tmat", md.NTmat, 42},
		{"n_sseq", md.NumSseq(), 29324},
		{"sseq_size", len(md.Sseq), 87972},
		{"n_cd_tree", len(md.CDTree), 142108},
		{"sil", md.Sil, 32},
		{"first phone", md.CIPhones[0], "+NSN+"},
		{"last phone", md.CIPhones[41], "ZH"},
		{"pos b", pos[sphinx.PosBegin], 37960},
		{"pos e", pos[sphinx.PosEnd], 36160},
		{"pos i", pos[sphinx.PosInternal], 19733},
		{"pos s", pos[sphinx.PosSingle], 43200},
		{"phone 42", md.PhoneName(42), "AA AA AA s"},
		{"phone 42 ssid", md.Phones[42].SSID, int32(42)},
		{"phone 42 tmat", md.Phones[42].Tmat, int32(2)},
		{"phone 42 info", md.Phones[42].Info, [4]uint8{3, 2, 2, 2}},
		{"n_mgau", g.NMgau, 42},
		{"n_feat", g.NFeat, 3},
		{"n_density", g.NDensity, 128},
		{"veclen", g.VecLen, []int{13, 13, 13}},
		{"means checksum", g.MeanChecksum, uint32(0x49f67dde)},
		{"variances checksum", g.VarChecksum, uint32(0xc78f9775)},
		{"variances floored", m.VarFloored, 222},
		{"tmat n", m.Tmat.NTmat, 42},
		{"tmat states", m.Tmat.NState, 3},
		{"tmat checksum", m.Tmat.Checksum, uint32(0x3856862e)},
		{"mixw", [3]int{m.Mixw.NFeat, m.Mixw.NDensity, m.Mixw.NSen}, [3]int{3, 128, 5126}},
		{"noisedict", len(m.Noise), 5},
		{"feat", m.FeatParams["-feat"], "1s_c_d_dd"},
		{"svspec", m.FeatParams["-svspec"], "0-12/13-25/26-38"},
	} {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
	lo, hi := uint8(255), uint8(0)
	for _, w := range m.Mixw.W {
		lo, hi = min(lo, w), max(hi, w)
	}
	if lo != 2 || hi != 158 {
		t.Errorf("sendump byte range %d…%d; want 2…158", lo, hi)
	}
	for i := 0; i < 4; i++ {
		nd := md.CDTree[i]
		if nd.NDown != 42 || nd.Down != int32(4+42*i) {
			t.Errorf("cd_tree[%d] = %+v; want n_down 42, down %d", i, nd, 4+42*i)
		}
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []int:
		y := b.([]int)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestOtherModels(t *testing.T) {
	for _, c := range []struct {
		dir, typ     string
		nSen, nMgau  int
		nFeat, nDens int
	}{
		{filepath.Join(testenv.TestData, "tidigits/hmm"), sphinx.TypeSemi, 0, 1, 4, 256},
		{filepath.Join(testenv.TestData, "an4_ci_cont"), sphinx.TypeMS, 102, 102, 1, 0},
	} {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			m := mustLoad(t, c.dir)
			t.Logf("%s: type %s, %d senones, %d codebooks × %d streams %v × %d densities, %d triphones",
				c.dir, m.Type, m.Mdef.NSen, m.Gauden.NMgau, m.Gauden.NFeat, m.Gauden.VecLen, m.Gauden.NDensity, m.Mdef.NumTriphones())
			if m.Type != c.typ {
				t.Errorf("type %s; want %s", m.Type, c.typ)
			}
			_ = os.Stdout
		})
	}
}
