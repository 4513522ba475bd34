package lm_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"hark/internal/testenv"
	"hark/lm"
)

// smallTries are the real trie models of pocketsphinx-testdata used as seeds.
var smallTries = []string{"turtle.lm.bin", "tidigits/lm/tidigits.lm.bin"}

// unigramTrie builds an order-1 trie (no quantiser, no n-gram levels) by hand.
func unigramTrie(words []string, probs []float32) []byte {
	var b bytes.Buffer
	b.WriteString("Trie Language Model")
	b.WriteByte(1)
	binary.Write(&b, binary.LittleEndian, uint32(len(words)))
	for i := 0; i <= len(words); i++ {
		p := float32(0)
		if i < len(words) {
			p = probs[i]
		}
		binary.Write(&b, binary.LittleEndian, [3]uint32{math.Float32bits(p), 0, 0})
	}
	n := 0
	for _, w := range words {
		n += len(w) + 1
	}
	binary.Write(&b, binary.LittleEndian, int32(n))
	for _, w := range words {
		b.WriteString(w)
		b.WriteByte(0)
	}
	return b.Bytes()
}

func TestUnigramTrie(t *testing.T) {
	data := unigramTrie([]string{"</s>", "<s>", "a", "b"}, []float32{-10000, -990000, -5000, -3000})
	tr, err := lm.ParseTrie(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.SphinxScore([]lm.WordID{2}, 3); got != -3000 {
		t.Errorf("SphinxScore(b | a) = %d; want -3000", got)
	}
	if got, want := float64(tr.Score(nil, 2)), -5000*math.Log(lm.LogBase); math.Abs(got-want) > 1e-4 {
		t.Errorf("Score(a) = %g; want %g", got, want)
	}
	for n := 0; n < len(data); n++ {
		if _, err := lm.ParseTrie(data[:n]); err == nil {
			t.Errorf("ParseTrie(first %d of %d bytes) succeeded", n, len(data))
		}
	}
}

// FuzzParseTrie checks that ParseTrie never panics or allocates beyond its input on corrupt tries, and
// that a model it accepts can be scored and converted without panicking. Seeds: the real tries of
// pocketsphinx-testdata and a hand-made unigram trie.
//
//	go test ./lm -run '^$' -fuzz FuzzParseTrie -fuzztime 30s
func FuzzParseTrie(f *testing.F) {
	f.Add(unigramTrie([]string{"</s>", "<s>", "a"}, []float32{-1, -99, -2}))
	for _, name := range smallTries {
		if data, err := os.ReadFile(filepath.Join(testenv.TestData, name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := lm.ParseTrie(data)
		if err != nil {
			return
		}
		v := lm.WordID(tr.Vocab().NumWords())
		for w := lm.WordID(0); w < min(v, 16); w++ {
			for _, hist := range [][]lm.WordID{nil, {w}, {w, (w + 1) % v}, {(w + 2) % v, w, (w + 1) % v}, {-1, w}} {
				tr.Score(hist, (w*7+3)%v)
				tr.SphinxScore(hist, (w*5+1)%v)
			}
		}
		if m, err := tr.Model(); err == nil {
			var buf bytes.Buffer
			if err := lm.WriteARPA(&buf, m); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzReadARPA checks that ReadARPA never panics, that its allocations follow its input (not the
// header's counts), and that what it accepts writes and reads back to the same model. Seeds: a
// hand-made trigram model, the testdata tries converted to ARPA, plain and gzip.
//
//	go test ./lm -run '^$' -fuzz FuzzReadARPA -fuzztime 30s
func FuzzReadARPA(f *testing.F) {
	f.Add([]byte(tinyARPA))
	f.Add([]byte("\\data\\\nngram 1=2000000000\nngram 2=2000000000\n\n\\1-grams:\n-1 a 0\n"))
	for _, name := range smallTries {
		data, err := os.ReadFile(filepath.Join(testenv.TestData, name))
		if err != nil {
			continue
		}
		tr, err := lm.ParseTrie(data)
		if err != nil {
			f.Fatal(err)
		}
		m, err := tr.Model()
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := lm.WriteARPA(&buf, m); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := lm.ReadARPA(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := lm.WriteARPA(&buf, m); err != nil {
			t.Fatal(err)
		}
		m2, err := lm.ReadARPA(&buf)
		if err != nil {
			t.Fatalf("reading back the written model: %v\n%s", err, buf.Bytes())
		}
		assertSameModel(t, m, m2, 0)
	})
}
