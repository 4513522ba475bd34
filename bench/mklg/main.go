// Command mklg writes the inputs of bench/fst-algos-vs-openfst.sh in OpenFST's binary format: the lexicon
// transducer L with disambiguation symbols (phones in, words out; output-label sorted) built from cmudict
// with hark's lexicon package, and the grammar G (words; input-label sorted; backoff arcs on #0) built from
// the en-us LM pruned to -target n-grams with hark's lm package. It also writes G_eps.fst, G with the
// backoff label relabeled to epsilon, and prints the sizes. With -random N it writes only R.fst, a seeded
// random cyclic transducer with epsilons (the rmepsilon row: epsilon removal on a backoff G or on L blows up
// to ~10^8 arcs in both implementations, since every backoff state inherits the unigram arcs).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"hark/lexicon"
	"hark/lm"
	"hark/wfst"
	"hark/wfst/fstio"
	"hark/wfst/wfsttest"
)

func main() {
	dict := flag.String("dict", "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict", "CMU dictionary")
	lmPath := flag.String("lm", "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin", "n-gram LM")
	target := flag.Int("target", 100000, "prune the LM to at most this many n-grams")
	out := flag.String("out", ".", "output directory")
	random := flag.Int("random", 0, "also write R.fst: a seeded random cyclic transducer with this many states and 30% epsilon labels (wfsttest.RandomFST), for rmepsilon")
	flag.Parse()
	if *random > 0 {
		cfg := wfsttest.DefaultConfig(wfst.Tropical)
		cfg.States, cfg.ArcsPerState, cfg.Labels, cfg.EpsProb = *random, 2, 1000, 0.3
		r := wfsttest.RandomFST(rand.New(rand.NewPCG(1, 2)), cfg)
		if err := fstio.WriteFile(filepath.Join(*out, "R.fst"), r, fstio.WriteOptions{}); err != nil {
			fmt.Fprintln(os.Stderr, "mklg:", err)
			os.Exit(1)
		}
		fmt.Printf("R: %d states %d arcs\n", r.NumStates(), wfst.NumArcsTotal(r))
		return
	}
	if err := run(*dict, *lmPath, *target, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mklg:", err)
		os.Exit(1)
	}
}

func run(dict, lmPath string, target int, out string) error {
	s, err := lm.Open(lmPath)
	if err != nil {
		return err
	}
	m, err := lm.AsModel(s)
	if err != nil {
		return err
	}
	if target > 0 && m.NumNGrams() > target {
		cfg := lm.DefaultPruneConfig()
		cfg.TargetNGrams = target
		if m, _, err = lm.Prune(m, cfg); err != nil {
			return err
		}
	}
	syms, backoff := lm.WordSymbols(m)
	g, _, err := lm.BuildG(m, syms, backoff)
	if err != nil {
		return err
	}
	entries, err := readDict(dict)
	if err != nil {
		return err
	}
	l, err := lexicon.BuildL(entries, syms, lexicon.DefaultLConfig())
	if err != nil {
		return err
	}
	wfst.ArcSort(l.FST, wfst.OLabelSort)
	wfst.ArcSort(g, wfst.ILabelSort)
	if err := fstio.WriteFile(filepath.Join(out, "L.fst"), l.FST, fstio.WriteOptions{}); err != nil {
		return err
	}
	if err := fstio.WriteFile(filepath.Join(out, "G.fst"), g, fstio.WriteOptions{}); err != nil {
		return err
	}
	geps := wfst.Copy(g)
	for st := 0; st < geps.NumStates(); st++ {
		arcs := append([]wfst.Arc(nil), geps.Arcs(wfst.StateID(st))...)
		for i := range arcs {
			if arcs[i].ILabel == backoff {
				arcs[i].ILabel, arcs[i].OLabel = wfst.Epsilon, wfst.Epsilon
			}
		}
		geps.SetArcs(wfst.StateID(st), arcs)
	}
	if err := fstio.WriteFile(filepath.Join(out, "G_eps.fst"), geps, fstio.WriteOptions{}); err != nil {
		return err
	}
	fmt.Printf("L: %d states %d arcs (%d disambiguation symbols); G: %d states %d arcs (%v n-grams, backoff label %d)\n",
		l.FST.NumStates(), wfst.NumArcsTotal(l.FST), len(l.Disambig), g.NumStates(), wfst.NumArcsTotal(g), m.Counts(), backoff)
	return nil
}

// readDict reads a CMU-format dictionary ("word PH1 PH2 ...", alternates "word(2)"; BuildL maps them to the
// base word).
func readDict(path string) ([]lexicon.LEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []lexicon.LEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		out = append(out, lexicon.LEntry{Word: fields[0], Phones: fields[1:]})
	}
	return out, sc.Err()
}
