package feature_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"hark/feature"
	"hark/internal/testenv"
)

func TestDecodeMFCErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short", []byte{1, 0}},
		{"ragged", []byte{1, 0, 0, 0, 0, 0, 0}},
		{"count-mismatch", []byte{2, 0, 0, 0, 0, 0, 0, 0}},
		{"negative", []byte{0xff, 0xff, 0xff, 0xff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := feature.DecodeMFC(tc.data); !errors.Is(err, feature.ErrMFC) {
				t.Fatalf("DecodeMFC(%v) error = %v; want ErrMFC", tc.data, err)
			}
		})
	}
}

// TestDecodeMFCBigEndian reads the big-endian tidigits feature files of pocketsphinx-testdata.
func TestDecodeMFCBigEndian(t *testing.T) {
	m, err := filepath.Glob(filepath.Join(testenv.RequireFile(t, filepath.Join(testenv.TestData, "tidigits")), "*.mfc"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no tidigits .mfc files: %v", err)
	}
	for _, p := range m {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		v, big, err := feature.DecodeMFC(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !big || len(v)%13 != 0 {
			t.Fatalf("%s: big-endian %v, %d values", p, big, len(v))
		}
		for i := 0; i < len(v); i += 13 {
			if c0 := v[i]; math.IsNaN(float64(c0)) || c0 < -20 || c0 > 80 {
				t.Fatalf("%s: frame %d c0 = %g, not a plausible log energy", p, i/13, c0)
			}
		}
	}
}

func TestMFCWriterRoundTrip(t *testing.T) {
	vals, err := feature.ReadMFCFile(filepath.Join("testdata", "reference", "goforward.mfc"), 13)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "reference", "goforward.mfc"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.mfc")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := feature.NewMFCWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range vals {
		if err := w.Write(fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("MFCWriter output (%d bytes) differs from the sphinx_fe file it read (%d bytes)", len(got), len(want))
	}
}

// FuzzDecodeMFC checks that DecodeMFC never panics, allocates no more than its input, and that what it
// accepts survives EncodeMFC (byte-identical for little-endian input).
//
//	go test ./feature -run '^$' -fuzz FuzzDecodeMFC -fuzztime 30s
func FuzzDecodeMFC(f *testing.F) {
	for _, p := range []string{
		filepath.Join("testdata", "reference", "goforward.mfc"),
		filepath.Join(testenv.TestData, "tidigits", "man.ah.1b.mfc"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 1, 0x3f, 0x80, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, big, err := feature.DecodeMFC(data)
		if err != nil {
			return
		}
		if 4*len(v)+4 != len(data) {
			t.Fatalf("%d values from %d bytes", len(v), len(data))
		}
		enc, err := feature.EncodeMFC(v)
		if err != nil {
			t.Fatal(err)
		}
		if !big && !bytes.Equal(enc, data) {
			t.Fatal("little-endian input does not round-trip byte for byte")
		}
		v2, _, err := feature.DecodeMFC(enc)
		if err != nil || len(v2) != len(v) {
			t.Fatalf("re-decode: %v", err)
		}
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(v2[i]) {
				t.Fatalf("value %d changed in the round trip", i)
			}
		}
	})
}
