package soak

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Trend is a least-squares slope of a series over time with its 95% confidence interval. Units: the
// series' unit per second (bytes per second for memory).
type Trend struct {
	Slope     float64 `json:"slope_per_s"`
	Lo        float64 `json:"ci95_lo_per_s"`
	Hi        float64 `json:"ci95_hi_per_s"`
	SE        float64 `json:"se_per_s"`       // standard error after the autocorrelation correction
	Intercept float64 `json:"intercept"`      // value at the start of the fitted window
	Mean      float64 `json:"mean"`           // mean of the block means
	Blocks    int     `json:"blocks"`         // block means fitted
	Rho       float64 `json:"rho"`            // lag-1 autocorrelation of the residuals of the block means
	DF        float64 `json:"df"`             // degrees of freedom of the t interval
	Window    float64 `json:"window_seconds"` // span from the first to the last sample fitted
}

// Growing reports whether the whole 95% interval lies above tol (units per second): the series rises,
// and by more than tol, beyond reasonable doubt.
func (t Trend) Growing(tol float64) bool { return t.Lo > tol }

// String formats a byte trend the way the verdict reads: MB = 10⁶ bytes.
func (t Trend) String() string {
	return fmt.Sprintf("%+.2f MB/hour (95%% CI [%+.2f, %+.2f], %d blocks, ρ=%.2f)",
		t.Slope*3600/1e6, t.Lo*3600/1e6, t.Hi*3600/1e6, t.Blocks, t.Rho)
}

// ErrTooFewBlocks is returned by Fit when the window holds fewer than 4 blocks.
var ErrTooFewBlocks = errors.New("fewer than 4 blocks to fit a trend")

// Fit fits y = a + b·t by least squares on the means of consecutive blocks of block seconds (t in
// seconds, ascending; y in any unit) and returns b with a 95% interval. Blocks are counted from t[0];
// a final block holding less than half the average samples per block is dropped (its mean is noisier
// than the others'). The variance of b is inflated by (1+ρ)/(1−ρ), ρ ∈ [0, 0.9] the lag-1
// autocorrelation of the residuals, and the t quantile uses the effective number of blocks
// m(1−ρ)/(1+ρ) − 2 degrees of freedom (at least 1).
func Fit(t, y []float64, block float64) (Trend, error) {
	if len(t) != len(y) {
		return Trend{}, fmt.Errorf("fit: %d times but %d values", len(t), len(y))
	}
	if len(t) == 0 || !(block > 0) {
		return Trend{}, ErrTooFewBlocks
	}
	var bt, by []float64
	var n []int
	t0 := t[0]
	for i := range t {
		k := int((t[i] - t0) / block)
		for len(bt) <= k {
			bt, by, n = append(bt, 0), append(by, 0), append(n, 0)
		}
		bt[k] += t[i] - t0
		by[k] += y[i]
		n[k]++
	}
	var mt, my []float64
	for k := range bt {
		if n[k] > 0 {
			mt, my = append(mt, bt[k]/float64(n[k])), append(my, by[k]/float64(n[k]))
		}
	}
	if m := len(mt); m > 1 && float64(n[len(n)-1]) < 0.5*float64(len(t))/float64(len(n)) {
		mt, my = mt[:m-1], my[:m-1]
	}
	m := len(mt)
	if m < 4 {
		return Trend{}, fmt.Errorf("%w: %d blocks of %gs in %gs", ErrTooFewBlocks, m, block, t[len(t)-1]-t0)
	}
	var st, sy float64
	for i := range mt {
		st += mt[i]
		sy += my[i]
	}
	tbar, ybar := st/float64(m), sy/float64(m)
	var sxx, sxy float64
	for i := range mt {
		sxx += (mt[i] - tbar) * (mt[i] - tbar)
		sxy += (mt[i] - tbar) * (my[i] - ybar)
	}
	tr := Trend{Blocks: m, Mean: ybar, Window: t[len(t)-1] - t0}
	if sxx == 0 {
		return Trend{}, fmt.Errorf("%w: all samples at one time", ErrTooFewBlocks)
	}
	tr.Slope = sxy / sxx
	tr.Intercept = ybar - tr.Slope*tbar
	var sse, lag, e0 float64
	for i := range mt {
		e := my[i] - tr.Intercept - tr.Slope*mt[i]
		sse += e * e
		if i > 0 {
			lag += e * e0
		}
		e0 = e
	}
	if sse > 0 {
		tr.Rho = min(max(lag/sse, 0), 0.9)
	}
	inflate := (1 + tr.Rho) / (1 - tr.Rho)
	tr.SE = math.Sqrt(sse / float64(m-2) / sxx * inflate)
	tr.DF = max(float64(m)/inflate-2, 1)
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: tr.DF}.Quantile(0.975)
	tr.Lo, tr.Hi = tr.Slope-q*tr.SE, tr.Slope+q*tr.SE
	return tr, nil
}
