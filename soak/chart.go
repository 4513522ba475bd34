package soak

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one curve of a chart: X in seconds, Y in bytes.
type Series struct {
	Name string
	X, Y []float64
	Dash bool
}

// Mark is a labelled vertical line on a chart at X seconds (a phase).
type Mark struct {
	X     float64
	Label string
}

// ChartSpec is a chart of memory over time.
type ChartSpec struct {
	Title  string
	Series []Series
	Marks  []Mark
	// Fit, when set, is drawn as a straight line y = Fit.Intercept + Fit.Slope·(x − FitStart) over
	// [FitStart, FitStart+Fit.Window].
	Fit      *Trend
	FitStart float64
}

// WriteChart draws spec as memory (MiB) against time (minutes, or seconds for runs under 3 minutes)
// and saves it to path; the extension chooses the format (.png, .svg, .pdf).
func WriteChart(path string, spec ChartSpec) error {
	p := plot.New()
	p.Title.Text = spec.Title
	xmax := 0.0
	for _, s := range spec.Series {
		for _, x := range s.X {
			xmax = max(xmax, x)
		}
	}
	unit, div := "minutes", 60.0
	if xmax < 180 {
		unit, div = "seconds", 1
	}
	p.X.Label.Text = "time (" + unit + ")"
	p.Y.Label.Text = "MiB"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	ymax := 0.0
	for i, s := range spec.Series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("chart: series %q has %d times but %d values", s.Name, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xy[j] = plotter.XY{X: s.X[j] / div, Y: s.Y[j] / (1 << 20)}
			ymax = max(ymax, xy[j].Y)
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("chart: series %q: %w", s.Name, err)
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.2)
		if s.Dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	if f := spec.Fit; f != nil && f.Window > 0 {
		y0, y1 := f.Intercept, f.Intercept+f.Slope*f.Window
		l, err := plotter.NewLine(plotter.XYs{{X: spec.FitStart / div, Y: y0 / (1 << 20)},
			{X: (spec.FitStart + f.Window) / div, Y: y1 / (1 << 20)}})
		if err != nil {
			return err
		}
		l.Color = color.Black
		l.Width = vg.Points(1.5)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add("RSS trend (block means)", l)
	}
	ymax = max(ymax*1.3, 1) // headroom for the legend and the phase labels
	p.Y.Max = ymax
	for _, m := range spec.Marks {
		x := m.X / div
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: ymax}})
		if err != nil {
			return err
		}
		l.Color = color.Gray{Y: 110}
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: ymax * 0.97}}, Labels: []string{" " + m.Label}})
		if err != nil {
			return err
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Font.Size = vg.Points(8)
			lab.TextStyle[i].XAlign = draw.XLeft
			if m.X > 0.85*xmax { // near the right edge: the label goes left of its line
				lab.TextStyle[i].XAlign = draw.XRight
				lab.Labels[0] = m.Label + " "
			}
		}
		p.Add(lab)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.YOffs = -vg.Points(14)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	if math.IsNaN(ymax) {
		return fmt.Errorf("chart: no finite values")
	}
	if err := p.Save(24*vg.Centimeter, 13*vg.Centimeter, path); err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	return nil
}
