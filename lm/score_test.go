package lm_test

import (
	"sync"
	"testing"

	"hark/lm"
)

// TestScoreAllocs: scoring allocates nothing, on the trie and on the in-memory model.
func TestScoreAllocs(t *testing.T) {
	tr := openEnUS(t)
	v := tr.Vocab()
	hist := []lm.WordID{v.ID("<s>"), v.ID("in"), v.ID("the")}
	w := v.ID("exhibition")
	m := mustReadARPA(t, tinyARPA)
	mh := []lm.WordID{m.Vocab().ID("<s>"), m.Vocab().ID("a")}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"trie", func() { tr.Score(hist, w) }},
		{"trie-sphinx", func() { tr.SphinxScore(hist[1:], w) }},
		{"model", func() { m.Score(mh, m.Vocab().ID("b")) }},
	} {
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s: %v allocations per Score; want 0", c.name, n)
		}
	}
}

// TestTrieConcurrent scores from several goroutines on one shared trie (run with -race).
func TestTrieConcurrent(t *testing.T) {
	tr := openEnUS(t)
	sents := devSentences(t)
	want := make([]lm.EvalResult, len(sents))
	for i, s := range sents {
		want[i] = lm.Eval(tr, s)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(sents); i += 4 {
				if got := lm.Eval(tr, sents[i]); got != want[i] {
					t.Errorf("sentence %d: %+v; want %+v", i, got, want[i])
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkTrieScore(b *testing.B) {
	tr := openEnUS(b)
	sents := devSentences(b)
	var ids [][]lm.WordID
	words := 0
	for _, s := range sents {
		ids = append(ids, tr.Vocab().IDs(nil, s))
		words += len(s)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, s := range ids {
			for i, w := range s {
				tr.Score(s[:i], w)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*words), "ns/score")
}

func BenchmarkOpenTrie(b *testing.B) {
	openEnUS(b) // skip when missing
	b.ReportAllocs()
	for range b.N {
		tr, err := lm.OpenTrie(enUSLM)
		if err != nil {
			b.Fatal(err)
		}
		tr.Close()
	}
}

// BenchmarkPruneBuildG converts en-us.lm.bin, prunes it to 400,000 n-grams (the graph builder's default)
// and builds G, reporting G's size.
//
//	go test ./lm -run '^$' -bench PruneBuildG -benchtime 1x
func BenchmarkPruneBuildG(b *testing.B) {
	tr := openEnUS(b)
	b.ReportAllocs()
	for range b.N {
		m, err := tr.Model()
		if err != nil {
			b.Fatal(err)
		}
		cfg := lm.DefaultPruneConfig()
		cfg.TargetNGrams = 400000
		p, _, err := lm.Prune(m, cfg)
		if err != nil {
			b.Fatal(err)
		}
		syms, backoff := lm.WordSymbols(p)
		_, st, err := lm.BuildG(p, syms, backoff)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.States), "states")
		b.ReportMetric(float64(st.Arcs), "arcs")
	}
}
