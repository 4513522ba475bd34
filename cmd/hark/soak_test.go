package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSoakChart(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "rss.csv")
	csv := "series,t_seconds,rss_bytes\n" +
		"pocketsphinx_batch,0,4096\npocketsphinx_batch,0.5,104857600\npocketsphinx_batch,1.0,157286400\n" +
		"hark,0,4096\nhark,0.5,209715200\nhark,1.0,220200960\nhark,1.5,220200960\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	series, err := readSeriesCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 2 || series[0].Name != "pocketsphinx_batch" || len(series[1].X) != 4 || series[1].Y[1] != 209715200 {
		t.Fatalf("series %+v", series)
	}
	for _, bad := range []string{"", "t_seconds,rss_bytes\n0,1\n", "series,t_seconds,rss_bytes\n", "series,t_seconds,rss_bytes\na,x,1\n"} {
		if _, err := readSeriesCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	out := filepath.Join(dir, "chart.png")
	root := newRootCmd()
	root.SetArgs([]string{"soak", "chart", "--csv", in, "--out", out})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() < 600 || r.Dy() < 300 {
		t.Errorf("chart of %v pixels", r)
	}
}
