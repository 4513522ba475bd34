package lm_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"hark/lm"
)

func flatBytes(t testing.TB, m *lm.Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := lm.WriteFlat(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFlatRoundTrip: WriteFlat then ReadFlat over the same vocabulary gives the same n-grams and values
// (bit for bit) for an ARPA model, the turtle trie converted to a Model, and turtle pruned (whose
// vocabulary is turtle's, as a pruned en-us model's is the full model's); sizes are 4k+4(+4) bytes per
// k-gram.
func TestFlatRoundTrip(t *testing.T) {
	tiny, err := lm.ReadARPA(strings.NewReader(tinyARPA))
	if err != nil {
		t.Fatal(err)
	}
	turtle := openTurtle(t)
	cfg := lm.DefaultPruneConfig()
	cfg.TargetNGrams = turtle.NumNGrams() / 2
	pruned, _, err := lm.Prune(turtle, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    *lm.Model
	}{{"tiny", tiny}, {"turtle", turtle}, {"turtle-pruned", pruned}} {
		t.Run(tc.name, func(t *testing.T) {
			b := flatBytes(t, tc.m)
			want := 8 + 16 + 8*tc.m.Order()
			for k, n := range tc.m.Counts() {
				per := 4*(k+1) + 4
				if k == 0 {
					per = 4
				}
				if k < tc.m.Order()-1 {
					per += 4
				}
				want += n * per
			}
			if len(b) != want {
				t.Errorf("%d bytes, want %d", len(b), want)
			}
			got, err := lm.ReadFlat(b, tc.m.Vocab())
			if err != nil {
				t.Fatal(err)
			}
			assertSameModel(t, tc.m, got, 0)
			if got.Vocab() != tc.m.Vocab() {
				t.Error("ReadFlat did not share the vocabulary")
			}
		})
	}
}

// TestFlatRejects: every truncation, another vocabulary, an out-of-range word and unordered n-grams fail
// with ErrFormat.
func TestFlatRejects(t *testing.T) {
	m, err := lm.ReadARPA(strings.NewReader(tinyARPA))
	if err != nil {
		t.Fatal(err)
	}
	b := flatBytes(t, m)
	for n := 0; n < len(b); n++ {
		if _, err := lm.ReadFlat(b[:n], m.Vocab()); !errors.Is(err, lm.ErrFormat) {
			t.Fatalf("truncated to %d of %d bytes: err = %v", n, len(b), err)
		}
	}
	other, _, _ := lm.NewVocab(append(append([]string{}, m.Vocab().Words()[1:]...), m.Vocab().Words()[0]))
	if _, err := lm.ReadFlat(b, other); !errors.Is(err, lm.ErrFormat) {
		t.Errorf("other vocabulary: err = %v", err)
	}
	// The first bigram's words start after the header and the unigram tables.
	v, order := m.Vocab().NumWords(), m.Order()
	bi := 8 + 16 + 8*order + 8*v
	bad := bytes.Clone(b)
	copy(bad[bi:], []byte{0xff, 0xff, 0xff, 0x7f})
	if _, err := lm.ReadFlat(bad, m.Vocab()); !errors.Is(err, lm.ErrFormat) {
		t.Errorf("word out of range: err = %v", err)
	}
	if m.Counts()[1] >= 2 {
		swapped := bytes.Clone(b)
		copy(swapped[bi:bi+8], b[bi+8:bi+16])
		copy(swapped[bi+8:bi+16], b[bi:bi+8])
		if _, err := lm.ReadFlat(swapped, m.Vocab()); !errors.Is(err, lm.ErrFormat) {
			t.Errorf("bigrams out of order: err = %v", err)
		}
	}
}

// FuzzReadFlat: ReadFlat never panics, allocates only what its input holds, and what it accepts writes
// back to the same bytes. Seeds: the tiny ARPA model and turtle in flat form.
//
//	go test ./lm -run '^$' -fuzz FuzzReadFlat -fuzztime 30s
func FuzzReadFlat(f *testing.F) {
	m, err := lm.ReadARPA(strings.NewReader(tinyARPA))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(flatBytes(f, m))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := lm.ReadFlat(data, m.Vocab())
		if err != nil {
			return
		}
		if out := flatBytes(t, got); !bytes.Equal(out, data) {
			t.Fatalf("WriteFlat(ReadFlat(b)) differs from b")
		}
	})
}
