package sphinx_test

import (
	"math"
	"path/filepath"
	"sort"
	"testing"

	"hark/acoustic/sphinx"
	"hark/internal/testenv"
)

// refScorer is a straightforward float64 computation of PTM senone log likelihoods: every Gaussian of every
// codebook in float64, the exact top-N per codebook and stream, and the log of the mixture over them with
// weights decoded from sendump's bytes (w = 1.0001^−(byte·1024)).
//
// With quantized set, the Gaussians' parameters are first rounded as pocketsphinx stores them (per
// dimension, 1/(2·var) and log(1/sqrt(2π·var)) truncated to integers in base-1.0001 units); the arithmetic
// stays float64 with exact log-sums, so the comparison isolates the scorer's integer arithmetic (float32
// accumulation, >>10 shift, 8-bit log-add, the cap at 96).
type refScorer struct {
	m         *sphinx.Model
	topN      int
	quantized bool
	dens      [][]float64 // [cb*nFeat+f][d] log density, nats
	top       [][]int     // exact top-N per codebook and stream, best first
}

func newRefScorer(m *sphinx.Model, topN int, quantized bool) *refScorer {
	g := m.Gauden
	r := &refScorer{m: m, topN: topN, quantized: quantized, dens: make([][]float64, g.NMgau*g.NFeat), top: make([][]int, g.NMgau*g.NFeat)}
	for i := range r.dens {
		r.dens[i] = make([]float64, g.NDensity)
	}
	return r
}

// frame computes the densities of one 39-dimensional (contiguous-stream) frame.
func (r *refScorer) frame(x []float32) {
	g := r.m.Gauden
	const varFloor = float32(1e-4)
	for cb := 0; cb < g.NMgau; cb++ {
		off := 0
		for f := 0; f < g.NFeat; f++ {
			d := r.dens[cb*g.NFeat+f]
			for k := range d {
				o := g.Offset(cb, f, k)
				s := 0.0
				for i := 0; i < g.VecLen[f]; i++ {
					v := float64(max(g.Var[o+i], varFloor))
					diff := float64(x[off+i]) - float64(g.Mean[o+i])
					if r.quantized {
						lb := math.Log(float64(float32(1.0001))) // pocketsphinx's -logbase is a float32
						det := float64(int32(math.Log(1/math.Sqrt(2*math.Pi*v))/lb)) * lb
						prec := float64(int32(1/(2*v)/lb)) * lb
						s += det - diff*diff*prec
					} else {
						s += -0.5*math.Log(2*math.Pi*v) - diff*diff/(2*v)
					}
				}
				d[k] = s
			}
			idx := make([]int, len(d))
			for k := range idx {
				idx[k] = k
			}
			sort.SliceStable(idx, func(a, b int) bool { return d[idx[a]] > d[idx[b]] })
			r.top[cb*g.NFeat+f] = idx[:r.topN]
			off += g.VecLen[f]
		}
	}
}

// logLik returns the senone's log likelihood in nats.
func (r *refScorer) logLik(sen int) float64 {
	g, mw := r.m.Gauden, r.m.Mixw
	cb := int(r.m.Sen2CB[sen])
	ll := 0.0
	for f := 0; f < g.NFeat; f++ {
		d := r.dens[cb*g.NFeat+f]
		best := d[r.top[cb*g.NFeat+f][0]]
		sum := 0.0
		for _, k := range r.top[cb*g.NFeat+f] {
			w := -float64(mw.W[(sen*g.NFeat+f)*g.NDensity+k]) * 1024 * math.Log(1.0001)
			sum += math.Exp(w + d[k] - best)
		}
		ll += best + math.Log(sum)
	}
	return ll
}

// goforwardFeatures computes the en-us model's features of goforward.raw with package feature, configured
// by the model's feat.params.
func goforwardFeatures(t testing.TB) [][]float32 {
	t.Helper()
	return modelFeatures(t, testenv.ModelDir, goforwardRaw)
}

// TestScoresAgreeWithReference compares the integer-logmath scorer with the float64 reference on every
// frame of goforward.raw: the best senone, the spread of scores, the top-N sets and the score of every
// senone within 5 nats of the best.
func TestScoresAgreeWithReference(t *testing.T) {
	m := mustLoad(t, testenv.ModelDir)
	feats := goforwardFeatures(t)
	for _, c := range []struct {
		name      string
		quantized bool
		minBest   float64 // fraction of frames with the same best senone (ties under quantisation differ; every frame's best must score within maxErr of the reference best)
		maxErr    float64 // nats
		minTopN   float64 // fraction of identical top-N sets
	}{
		{"pocketsphinx-parameters", true, 0.7, 0.8, 0.999},
		{"exact-float64", false, 0.7, 3.5, 0.95},
	} {
		t.Run(c.name, func(t *testing.T) {
			compareWithReference(t, m, feats, newRefScorer(m, 4, c.quantized), c.minBest, c.maxErr, c.minTopN)
		})
	}
}

func compareWithReference(t *testing.T, m *sphinx.Model, feats [][]float32, ref *refScorer, minBest, maxAllowed, minTopN float64) {
	s, err := sphinx.NewScorer(m, sphinx.DefaultScorerConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptFrames(feats); err != nil {
		t.Fatal(err)
	}
	nSen := m.Mdef.NSen
	var bestSame, topnSame, topnTotal int
	var maxErr, sumSpreadRef, sumSpreadGot float64
	refLL := make([]float64, nSen)
	var cw []int32
	step := 3 // the float64 reference is slow; compare every third frame (the scorer runs on all)
	if raceEnabled {
		step = 15
	}
	var compared int
	for fr := range feats {
		if fr%step != 0 {
			s.LogLikelihood(fr, 1) // keep the top-N history as in a real run
			continue
		}
		compared++
		ref.frame(feats[fr])
		bestRef, bestGot := 0, 0
		got := make([]float64, nSen)
		for sen := 0; sen < nSen; sen++ {
			refLL[sen] = ref.logLik(sen)
			got[sen] = float64(s.LogLikelihood(fr, int32(sen+1)))
			if refLL[sen] > refLL[bestRef] {
				bestRef = sen
			}
			if got[sen] > got[bestGot] {
				bestGot = sen
			}
		}
		if bestRef == bestGot {
			bestSame++
		} else if d := refLL[bestRef] - refLL[bestGot]; d > maxAllowed {
			t.Errorf("frame %d: best senone %d (ref %d); its reference log likelihood is %.3f nats below the best", fr, bestGot, bestRef, d)
		}
		minRef, minGot := refLL[0], got[0]
		for sen := range got {
			minRef, minGot = min(minRef, refLL[sen]), min(minGot, got[sen])
			// Relative scores near the top must agree (quantisation: 0.1024-nat units, truncation).
			if rr := refLL[sen] - refLL[bestRef]; rr > -5 {
				e := math.Abs((got[sen] - got[bestGot]) - rr)
				maxErr = max(maxErr, e)
				if e > maxAllowed {
					t.Errorf("frame %d senone %d: relative log likelihood %.3f, reference %.3f", fr, sen, got[sen]-got[bestGot], rr)
				}
			}
		}
		sumSpreadRef += refLL[bestRef] - minRef
		sumSpreadGot += got[bestGot] - minGot
		g := m.Gauden
		for cb := 0; cb < g.NMgau; cb++ {
			for f := 0; f < g.NFeat; f++ {
				cw = s.TopN(cb, f, cw[:0])
				want := ref.top[cb*g.NFeat+f]
				topnTotal++
				if sameSet(cw, want) {
					topnSame++
				}
			}
		}
	}
	n := float64(compared)
	t.Logf("%d frames: best senone identical in %d; max |relative score error| within 5 nats of the best %.3f nats; "+
		"mean spread %.2f nats (reference %.2f); top-N sets identical %d/%d",
		compared, bestSame, maxErr, sumSpreadGot/n, sumSpreadRef/n, topnSame, topnTotal)
	if float64(bestSame) < minBest*n {
		t.Errorf("best senone agrees in only %d of %d frames", bestSame, compared)
	}
	if float64(topnSame) < minTopN*float64(topnTotal) {
		t.Errorf("top-N sets agree in only %d of %d codebook-frames", topnSame, topnTotal)
	}
}

func sameSet(a []int32, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if int(x) == y {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestOtherModelTypesScore scores goforward.raw with the semi-continuous tidigits model (s2_4x features)
// and the continuous an4 CI model (1s_c_d_dd), each front end configured from the model's feat.params,
// against the float64 reference with pocketsphinx-rounded parameters.
func TestOtherModelTypesScore(t *testing.T) {
	for _, c := range []struct {
		dir     string
		maxErr  float64
		minBest float64
	}{
		{filepath.Join(testenv.TestData, "tidigits/hmm"), 1.0, 0.7},
		{filepath.Join(testenv.TestData, "an4_ci_cont"), 0.8, 0.7},
	} {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			m := mustLoad(t, c.dir)
			feats := modelFeatures(t, c.dir, goforwardRaw)
			compareWithReference(t, m, feats, newRefScorer(m, min(4, m.Gauden.NDensity), true), c.minBest, c.maxErr, 0.99)
		})
	}
}
