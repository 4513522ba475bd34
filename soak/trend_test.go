package soak

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// series returns n samples one second apart of level + slope·t + noise, the noise AR(1) with coefficient
// phi and innovation standard deviation sd (phi = 0: white noise).
func series(r *rand.Rand, n int, level, slope, sd, phi float64) (t, y []float64) {
	e := 0.0
	for i := range n {
		e = phi*e + sd*r.NormFloat64()
		t = append(t, float64(i))
		y = append(y, level+slope*float64(i)+e)
	}
	return t, y
}

func TestFitExactLine(t *testing.T) {
	var ts, ys []float64
	for i := range 600 {
		ts = append(ts, float64(i))
		ys = append(ys, 100e6+1000*float64(i))
	}
	tr, err := Fit(ts, ys, 60)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(tr.Slope-1000) > 1e-6 || tr.SE > 1e-6 || tr.Blocks != 10 {
		t.Fatalf("fit of an exact line: %+v, want slope 1000, SE 0, 10 blocks", tr)
	}
	if !tr.Growing(0) || tr.Growing(2000) {
		t.Fatalf("Growing(0)=%v Growing(2000)=%v, want true and false", tr.Growing(0), tr.Growing(2000))
	}
}

func TestFitTooFewBlocks(t *testing.T) {
	for _, n := range []int{0, 1, 150} {
		ts, ys := series(rand.New(rand.NewPCG(1, 2)), n, 1, 0, 1, 0)
		if _, err := Fit(ts, ys, 60); !errors.Is(err, ErrTooFewBlocks) {
			t.Errorf("%d samples in blocks of 60 s: err %v, want ErrTooFewBlocks", n, err)
		}
	}
	if _, err := Fit([]float64{1, 2}, []float64{1}, 1); err == nil {
		t.Error("mismatched lengths: no error")
	}
}

// TestFitFalseGrowth: flat series, white or strongly autocorrelated, must be called "converged" in about
// 97.5% of runs (the interval is two-sided 95%, growth is its lower bound above 0). The autocorrelated
// cases are what a per-second fit gets wrong (TestFitRawSamplesWouldFail).
func TestFitFalseGrowth(t *testing.T) {
	cases := []struct {
		name string
		phi  float64
	}{{"white", 0}, {"ar0.9", 0.9}, {"ar0.98", 0.98}}
	const runs = 400
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(c.phi*100)))
			growing := 0
			for range runs {
				// 25 minutes at 1 s around 400 MB with 2 MB noise.
				ts, ys := series(r, 1500, 400e6, 0, 2e6, c.phi)
				tr, err := Fit(ts, ys, 60)
				if err != nil {
					t.Fatal(err)
				}
				if tr.Growing(0) {
					growing++
				}
			}
			t.Logf("flat %s: called growing in %d/%d runs", c.name, growing, runs)
			if rate := float64(growing) / runs; rate > 0.06 {
				t.Errorf("flat %s series called growing in %.1f%% of runs, want ≤ 6%% (nominal 2.5%%)", c.name, 100*rate)
			}
		})
	}
}

// TestFitRamp: a leak of 20 MB/hour under noise is detected, and the interval covers the true slope in
// about 95% of runs.
func TestFitRamp(t *testing.T) {
	cases := []struct {
		name    string
		phi, sd float64
	}{{"white", 0, 2e6}, {"ar0.9", 0.9, 0.5e6}}
	const runs = 300
	slope := 20e6 / 3600.0 // bytes per second
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, uint64(c.phi*100)))
			detected, covered := 0, 0
			for range runs {
				ts, ys := series(r, 1500, 400e6, slope, c.sd, c.phi)
				tr, err := Fit(ts, ys, 60)
				if err != nil {
					t.Fatal(err)
				}
				if tr.Growing(0) {
					detected++
				}
				if tr.Lo <= slope && slope <= tr.Hi {
					covered++
				}
			}
			t.Logf("ramp %s: detected %d/%d, covered %d/%d", c.name, detected, runs, covered, runs)
			if rate := float64(detected) / runs; rate < 0.95 {
				t.Errorf("a 20 MB/hour ramp detected in %.1f%% of runs, want ≥ 95%%", 100*rate)
			}
			if rate := float64(covered) / runs; rate < 0.88 {
				t.Errorf("the 95%% interval covered the true slope in %.1f%% of runs, want ≥ 88%%", 100*rate)
			}
		})
	}
}

// TestFitRawSamplesWouldFail documents why the fit uses block means: on the same autocorrelated flat
// series a 1-second block (every sample its own block, ρ capped at 0.9) is far less reliable.
func TestFitRawSamplesWouldFail(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	naive := 0
	const runs = 200
	for range runs {
		ts, ys := series(r, 1500, 400e6, 0, 2e6, 0.995)
		tr, err := Fit(ts, ys, 1)
		if err != nil {
			t.Fatal(err)
		}
		// Plain OLS: no inflation.
		q := 1.96
		se := tr.SE / math.Sqrt((1+tr.Rho)/(1-tr.Rho))
		if tr.Slope-q*se > 0 {
			naive++
		}
	}
	t.Logf("plain OLS on raw AR(0.995) samples: growth in %d/%d runs", naive, runs)
	if naive < runs/10 {
		t.Errorf("plain OLS on raw AR(0.995) samples called growth in only %d/%d runs; the test premise fails", naive, runs)
	}
}
