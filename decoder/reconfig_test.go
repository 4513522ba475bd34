package decoder

import (
	"errors"
	"math/rand/v2"
	"testing"

	"hark/lattice"
	"hark/wfst"
)

// TestSetConfig switches one decoder between two configurations utterance by utterance: every result
// (words, weight, partial, raw lattice) is identical to that of a fresh decoder made with the
// configuration in force, a change in the middle of an utterance is refused and leaves the configuration
// alone, and an invalid configuration is refused.
func TestSetConfig(t *testing.T) {
	wide := pruningConfig()
	narrow := pruningConfig()
	narrow.Beam, narrow.MaxActive, narrow.MinActive = 3, 10, 2
	differ := 0 // seeds where the two configurations give different results (else the test proves nothing)
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 77))
		g := wfst.NewConst(randomGraph(rng, 400, 4, 60, 20, 0.15, 0.2))
		m := randomMatrix(rng, 120, 60)
		ref := map[float32]result{}
		for _, c := range []Config{wide, narrow} {
			ref[c.Beam] = decodeChunked(t, mustNew(t, g, c), m, 9, true)
		}
		if ref[wide.Beam].weight != ref[narrow.Beam].weight || sameLattice(ref[wide.Beam].lat, ref[narrow.Beam].lat) != nil {
			differ++
		}
		d := mustNew(t, g, wide)
		for i, c := range []Config{narrow, wide, narrow, narrow, wide} {
			if i == 3 { // after InitDecoding, before any frame
				if err := d.InitDecoding(); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.SetConfig(c); err != nil {
				t.Fatalf("seed %d step %d: SetConfig between utterances: %v", seed, i, err)
			}
			if d.Config() != c {
				t.Fatalf("seed %d step %d: Config() = %+v after SetConfig(%+v)", seed, i, d.Config(), c)
			}
			var got result
			if i == 3 { // go on with the utterance begun before SetConfig
				for n := 0; n < m.NumFrames(); {
					n = min(n+9, m.NumFrames())
					if err := d.AdvanceDecoding(m.Limited(n), -1); err != nil {
						t.Fatal(err)
					}
				}
				got.partial = d.PartialWords(nil)
				if err := d.FinalizeDecoding(); err != nil {
					t.Fatal(err)
				}
				p, err := d.BestPath(true)
				if err != nil {
					t.Fatal(err)
				}
				got.words, got.weight = p.Words(), p.Weight
				got.lat = lattice.New()
				if err := d.RawLattice(got.lat, true); err != nil {
					t.Fatal(err)
				}
			} else {
				got = decodeChunked(t, d, m, 9, true)
			}
			want := ref[c.Beam]
			if !equalLabels(got.words, want.words) || got.weight != want.weight || !equalLabels(got.partial, want.partial) {
				t.Errorf("seed %d step %d (beam %g): %v %v %v; fresh decoder %v %v %v", seed, i, c.Beam,
					got.words, got.weight, got.partial, want.words, want.weight, want.partial)
			}
			if err := sameLattice(got.lat, want.lat); err != nil {
				t.Errorf("seed %d step %d (beam %g): lattice differs from a fresh decoder's: %v", seed, i, c.Beam, err)
			}
			if i == 2 {
				d.Shrink()
			}
		}
		// Mid-utterance: refused, configuration unchanged.
		if err := d.InitDecoding(); err != nil {
			t.Fatal(err)
		}
		if err := d.AdvanceDecoding(m.Limited(20), -1); err != nil {
			t.Fatal(err)
		}
		before := d.Config()
		if err := d.SetConfig(narrow); !errors.Is(err, ErrMidUtterance) {
			t.Errorf("seed %d: SetConfig mid-utterance = %v; want ErrMidUtterance", seed, err)
		}
		if d.Config() != before {
			t.Errorf("seed %d: configuration changed by a refused SetConfig", seed)
		}
	}
	if differ == 0 {
		t.Error("the narrow and the wide configuration decode alike on every seed: the test cannot tell them apart")
	}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"zero beam", func(c *Config) { c.Beam = 0 }},
		{"max-active 1", func(c *Config) { c.MaxActive = 1 }},
		{"min-active above max-active", func(c *Config) { c.MinActive = c.MaxActive + 1 }},
	}
	g := wfst.NewConst(randomGraph(rand.New(rand.NewPCG(9, 9)), 50, 3, 10, 5, 0.1, 0.2))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustNew(t, g, wide)
			c := wide
			tc.edit(&c)
			if err := d.SetConfig(c); !errors.Is(err, ErrConfig) {
				t.Errorf("SetConfig(%+v) = %v; want ErrConfig", c, err)
			}
			if d.Config() != wide {
				t.Errorf("configuration changed by an invalid SetConfig")
			}
		})
	}
}
