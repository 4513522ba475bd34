package sphinx_test

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hark/acoustic/sphinx"
	"hark/internal/testenv"
)

// realPrefix returns the first n bytes of a file of the installed models, or nil if it is missing (seeds
// are then just the synthetic ones).
func realPrefix(path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return b[:min(n, len(b))]
}

// s3File builds a valid s3 file with the header text of a real one: counts, then data, then the checksum.
func s3File(header string, ints []int32, data []float32) []byte {
	b := []byte(header)
	b = binary.LittleEndian.AppendUint32(b, 0x11223344)
	var sum uint32
	add := func(v uint32) {
		b = binary.LittleEndian.AppendUint32(b, v)
		sum = bits.RotateLeft32(sum, 20) + v
	}
	for _, v := range ints {
		add(uint32(v))
	}
	for _, v := range data {
		add(math.Float32bits(v))
	}
	return binary.LittleEndian.AppendUint32(b, sum)
}

const s3Header = "s3\nversion 1.0\nchksum0 yes\n      endhdr\n"

// addTruncations adds a file's prefixes at several cut points as seeds.
func addTruncations(f *testing.F, b []byte) {
	if b == nil {
		return
	}
	for _, n := range []int{len(b), len(b) - 1, len(b) / 2, 64, 41, 40, 12, 4} {
		if n >= 0 && n <= len(b) {
			f.Add(b[:n])
		}
	}
}

// FuzzParseMdef fuzzes the binary and text mdef readers. Seeds: the first 2 KB of the en-us binary mdef,
// a tiny valid binary mdef derived from it, the start of the an4 text mdef.
// Run: go test -run '^$' -fuzz FuzzParseMdef -fuzztime 30s -fuzzminimizetime 5s ./acoustic/sphinx/
func FuzzParseMdef(f *testing.F) {
	addTruncations(f, realPrefix(filepath.Join(testenv.ModelDir, "mdef"), 2048))
	addTruncations(f, realPrefix(filepath.Join(testenv.TestData, "an4_ci_cont", "mdef"), 2048))
	f.Add([]byte(tinyTextMdef))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := sphinx.ParseMdef("fuzz", b)
		if err != nil {
			var fe *sphinx.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		// Every lookup of an accepted model must stay in bounds.
		n := m.NumCIPhones()
		for ci := 0; ci < n && ci < 4; ci++ {
			for w := 0; w < sphinx.NumWordPos; w++ {
				p := m.PhoneIDNearest(ci, 0, n-1, w)
				_ = m.Senones(p)
			}
		}
	})
}

// tinyTextMdef is a hand-written two-phone text mdef with one triphone.
const tinyTextMdef = `0.3
2 n_base
1 n_tri
9 n_state_map
5 n_tied_state
6 n_tied_ci_state
2 n_tied_tmat
#
AA - - - n/a 0 0 1 2 N
SIL - - - filler 1 3 4 4 N
AA SIL SIL s n/a 0 4 1 0 N
`

// FuzzParseGauden fuzzes the s3 means/variances reader. Seeds: truncated copies of the en-us means header,
// a tiny valid file built with the real header text.
// Run: go test -run '^$' -fuzz FuzzParseGauden -fuzztime 30s ./acoustic/sphinx/
func FuzzParseGauden(f *testing.F) {
	addTruncations(f, realPrefix(filepath.Join(testenv.ModelDir, "means"), 256))
	f.Add(s3File(s3Header, []int32{1, 1, 2, 3, 6}, []float32{1, 2, 3, 4, 5, 6}))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := sphinx.ParseGauden("means", b, "variances", b)
		if err != nil {
			var fe *sphinx.FormatError
			if !errors.As(err, &fe) || (fe.File != "means" && fe.File != "variances") {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		if len(g.Mean) != g.NMgau*g.NDensity*g.Dim() {
			t.Fatalf("%d means for %d×%d×%d", len(g.Mean), g.NMgau, g.NDensity, g.Dim())
		}
	})
}

// FuzzParseTmat fuzzes the transition matrix reader. Seeds: the en-us file's first 128 bytes (header,
// counts, the first matrix) truncated, a tiny valid file.
// Run: go test -run '^$' -fuzz FuzzParseTmat -fuzztime 30s -fuzzminimizetime 5s ./acoustic/sphinx/
// (minimising kilobyte inputs with the default 60 s per input can use up a short budget).
func FuzzParseTmat(f *testing.F) {
	addTruncations(f, realPrefix(filepath.Join(testenv.ModelDir, "transition_matrices"), 128))
	f.Add(s3File(s3Header, []int32{1, 1, 2, 2}, []float32{3, 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := sphinx.ParseTmat("tmat", b, sphinx.DefaultTmatFloor)
		if err != nil {
			return
		}
		if len(tm.Prob) != tm.NTmat*tm.NState*(tm.NState+1) {
			t.Fatalf("%d probabilities", len(tm.Prob))
		}
	})
}

// FuzzParseSendump fuzzes the sendump reader with en-us's dimensions (3 streams, 128 densities, 5126
// senones) and with tiny ones. Seeds: the first 700 bytes of the en-us sendump (its whole header) and a
// tiny valid file made from them.
// Run: go test -run '^$' -fuzz FuzzParseSendump -fuzztime 30s -fuzzminimizetime 5s ./acoustic/sphinx/
func FuzzParseSendump(f *testing.F) {
	head := realPrefix(filepath.Join(testenv.ModelDir, "sendump"), 640)
	addTruncations(f, head)
	if len(head) == 640 {
		// The real header up to the row/column counts, then a 1×2×3 table.
		tiny := append([]byte(nil), head[:632]...)
		tiny = binary.LittleEndian.AppendUint32(tiny, 2)
		tiny = binary.LittleEndian.AppendUint32(tiny, 3)
		f.Add(append(tiny, 1, 2, 3, 4, 5, 6))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dims := range [][3]int{{3, 128, 5126}, {1, 2, 3}} {
			mw, err := sphinx.ParseSendump("sendump", b, dims[0], dims[1], dims[2])
			if err == nil && len(mw.W) != dims[0]*dims[1]*dims[2] {
				t.Fatalf("%d weights", len(mw.W))
			}
		}
	})
}

// FuzzParseMixw fuzzes the mixture_weights reader. Seeds: the an4 file truncated and a tiny valid file.
// Run: go test -run '^$' -fuzz FuzzParseMixw -fuzztime 30s ./acoustic/sphinx/
func FuzzParseMixw(f *testing.F) {
	addTruncations(f, realPrefix(filepath.Join(testenv.TestData, "an4_ci_cont", "mixture_weights"), 1024))
	f.Add(s3File(s3Header, []int32{2, 1, 2, 4}, []float32{1, 3, 0, 0}))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, q := range []sphinx.MixwQuant{sphinx.QuantTied, sphinx.QuantMS} {
			mw, err := sphinx.ParseMixw("mixw", b, sphinx.DefaultMixwFloor, q)
			if err != nil {
				return
			}
			for _, w := range mw.W {
				if q == sphinx.QuantTied && w > sphinx.MaxNegMixw {
					t.Fatalf("weight %d > %d", w, sphinx.MaxNegMixw)
				}
			}
		}
	})
}

// TestCorruptFiles checks that truncated and corrupted copies of the en-us files give errors that name the
// file and the field.
func TestCorruptFiles(t *testing.T) {
	dir := testenv.ModelDir
	read := func(name string) []byte {
		b, err := os.ReadFile(testenv.RequireFile(t, filepath.Join(dir, name)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	means, vars, tmat, mdef, sendump := read("means"), read("variances"), read("transition_matrices"), read("mdef"), read("sendump")
	flip := func(b []byte, at int) []byte {
		c := append([]byte(nil), b...)
		c[at] ^= 0x10
		return c
	}
	for _, c := range []struct {
		name      string
		parse     func() error
		field     string
		wantCheck bool
	}{
		{"means-header", func() error { _, err := sphinx.ParseGauden("means", means[:30], "variances", vars); return err }, "header", false},
		{"means-counts", func() error { _, err := sphinx.ParseGauden("means", means[:50], "variances", vars); return err }, "n_mgau", false},
		{"means-data", func() error { _, err := sphinx.ParseGauden("means", means[:5000], "variances", vars); return err }, "data", false},
		{"means-checksum-missing", func() error {
			_, err := sphinx.ParseGauden("means", means[:len(means)-4], "variances", vars)
			return err
		}, "checksum", false},
		{"means-flipped", func() error { _, err := sphinx.ParseGauden("means", flip(means, 10000), "variances", vars); return err }, "checksum", true},
		{"variances-flipped", func() error {
			_, err := sphinx.ParseGauden("means", means, "variances", flip(vars, 800000))
			return err
		}, "checksum", true},
		{"means-total", func() error { _, err := sphinx.ParseGauden("means", flip(means, 64), "variances", vars); return err }, "total", false},
		{"tmat-truncated", func() error { _, err := sphinx.ParseTmat("tmat", tmat[:1000], 1e-4); return err }, "data", false},
		{"tmat-flipped", func() error { _, err := sphinx.ParseTmat("tmat", flip(tmat, 1000), 1e-4); return err }, "checksum", true},
		{"mdef-truncated", func() error { _, err := sphinx.ParseMdef("mdef", mdef[:100000]); return err }, "n_phone", false},
		{"mdef-no-sseq", func() error { _, err := sphinx.ParseMdef("mdef", mdef[:len(mdef)-10]); return err }, "sseq_size", false},
		{"mdef-n_sen", func() error {
			b := append([]byte(nil), mdef...)
			b[1080] = 1
			_, err := sphinx.ParseMdef("mdef", b)
			return err
		}, "sseq", false},
		{"sendump-truncated", func() error { _, err := sphinx.ParseSendump("sendump", sendump[:100000], 3, 128, 5126); return err }, "mixw", false},
		{"sendump-header", func() error { _, err := sphinx.ParseSendump("sendump", sendump[:300], 3, 128, 5126); return err }, "header string", false},
		{"sendump-wrong-model", func() error { _, err := sphinx.ParseSendump("sendump", sendump, 3, 128, 4000); return err }, "columns", false},
		{"tmat-tmat-count", func() error {
			b := append([]byte(nil), mdef...)
			b[1084] = 1
			_, err := sphinx.ParseMdef("mdef", b)
			return err
		}, "phone[1]", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.parse()
			var fe *sphinx.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v; want a *FormatError", err)
			}
			if !strings.Contains(fe.Field, c.field) {
				t.Errorf("error %q names field %q; want %q", err, fe.Field, c.field)
			}
			if got := errors.Is(err, sphinx.ErrChecksum); got != c.wantCheck {
				t.Errorf("errors.Is(%v, ErrChecksum) = %v; want %v", err, got, c.wantCheck)
			}
		})
	}
}

// TestTextMdefMatchesBinary converts the en-us mdef to text with pocketsphinx_mdef_convert and checks that
// the text reader builds the same tables as the binary file.
func TestTextMdefMatchesBinary(t *testing.T) {
	conv := testenv.RequireTool(t, "pocketsphinx_mdef_convert")
	bin := testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	txt := filepath.Join(t.TempDir(), "mdef.txt")
	if out, err := runTool(conv, "-text", bin, txt); err != nil {
		t.Fatalf("pocketsphinx_mdef_convert: %v\n%s", err, out)
	}
	parse := func(p string) *sphinx.Mdef {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := sphinx.ParseMdef(p, b)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mb, mt := parse(bin), parse(txt)
	if len(mt.Phones) != len(mb.Phones) || mt.NumSseq() != mb.NumSseq() || len(mt.CDTree) != len(mb.CDTree) || mt.Sil != mb.Sil {
		t.Fatalf("text: %d phones, %d sseq, %d tree nodes, sil %d; binary: %d, %d, %d, %d",
			len(mt.Phones), mt.NumSseq(), len(mt.CDTree), mt.Sil, len(mb.Phones), mb.NumSseq(), len(mb.CDTree), mb.Sil)
	}
	for p := range mb.Phones {
		if mt.Phones[p] != mb.Phones[p] {
			t.Fatalf("phone %d: text %+v, binary %+v", p, mt.Phones[p], mb.Phones[p])
		}
		in := mb.Phones[p].Info
		if p >= len(mb.CIPhones) {
			if got := mt.PhoneID(int(in[1]), int(in[2]), int(in[3]), int(in[0])); got != p {
				t.Fatalf("text PhoneID(%s) = %d; want %d", mb.PhoneName(p), got, p)
			}
			if got := mb.PhoneID(int(in[1]), int(in[2]), int(in[3]), int(in[0])); got != p {
				t.Fatalf("binary PhoneID(%s) = %d; want %d", mb.PhoneName(p), got, p)
			}
		}
	}
	for i := range mb.Sseq {
		if mt.Sseq[i] != mb.Sseq[i] {
			t.Fatalf("sseq[%d]: text %d, binary %d", i, mt.Sseq[i], mb.Sseq[i])
		}
	}
	for s := range mb.Sen2CI {
		if mt.Sen2CI[s] != mb.Sen2CI[s] || mt.CD2CISen[s] != mb.CD2CISen[s] {
			t.Fatalf("senone %d maps differ", s)
		}
	}
}

// TestPhoneIDNearest checks the back-off of bin_mdef_phone_id_nearest on en-us.
func TestPhoneIDNearest(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir).Mdef
	id := func(n string) int { return m.CIPhoneID(n) }
	for _, c := range []struct {
		name             string
		ci, lc, rc, wpos int
		want             string
	}{
		{"exact", id("AA"), id("AA"), id("AA"), sphinx.PosSingle, "AA AA AA s"},
		{"filler-context-as-SIL", id("G"), id("+NSN+"), id("OW"), sphinx.PosBegin, "G SIL OW b"},
		{"negative-context", id("G"), -1, id("OW"), sphinx.PosBegin, "G"},
		{"filler-base", id("SIL"), id("AA"), id("AA"), sphinx.PosSingle, "SIL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := m.PhoneName(m.PhoneIDNearest(c.ci, c.lc, c.rc, c.wpos)); got != c.want {
				t.Errorf("PhoneIDNearest = %q; want %q", got, c.want)
			}
		})
	}
	// Every triphone found by exact lookup; a missing one backs off to a phone with the same base.
	missing := 0
	for ci := 0; ci < m.NumCIPhones(); ci++ {
		for lc := 0; lc < m.NumCIPhones(); lc++ {
			for w := 0; w < sphinx.NumWordPos; w++ {
				rc := id("T")
				if m.PhoneID(ci, lc, rc, w) < 0 {
					missing++
				}
				p := m.PhoneIDNearest(ci, lc, rc, w)
				if base := p; p >= m.NumCIPhones() {
					base = int(m.Phones[p].Info[1])
					if base != ci {
						t.Fatalf("PhoneIDNearest(%d,%d,%d,%d) = %s: wrong base", ci, lc, rc, w, m.PhoneName(p))
					}
				} else if base != ci {
					t.Fatalf("PhoneIDNearest(%d,%d,%d,%d) = %d", ci, lc, rc, w, p)
				}
			}
		}
	}
	if missing == 0 {
		t.Error("no missing triphone exercised the back-off")
	}
}
