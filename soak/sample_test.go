package soak

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hark/memory"
)

// metricsServer serves the Go and process collectors the way hark serve's /metrics does.
func metricsServer(t testing.TB) *httptest.Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestProcSource reads this process through /proc and a real Prometheus exposition and compares with
// memory.Take.
func TestProcSource(t *testing.T) {
	srv := metricsServer(t)
	src := &ProcSource{PID: os.Getpid(), URL: srv.URL, Client: srv.Client()}
	got, err := src.Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := memory.Take(nil, nil)
	if r := float64(got.RSS) / float64(want.RSS); r < 0.8 || r > 1.25 {
		t.Errorf("RSS %d from /proc/PID/status, %d from memory.Take", got.RSS, want.RSS)
	}
	if got.HeapInUse <= 0 || got.Goroutines <= 0 || got.GoTotal < got.HeapInUse {
		t.Errorf("figures from /metrics: heap in use %d, goroutines %d, sys %d", got.HeapInUse, got.Goroutines, got.GoTotal)
	}
	if _, err := ProcRSS(-1); err == nil {
		t.Error("ProcRSS(-1): no error")
	}
}

func TestParseMetrics(t *testing.T) {
	m := ParseMetrics("# HELP x y\n# TYPE x gauge\nx 1.5e+06\nlabelled{a=\"b\"} 3\nbad\nnan_value NaN\ny 2 1700000000\n")
	if m["x"] != 1.5e6 || m["y"] != 2 || len(m) != 3 {
		t.Errorf("parsed %v", m)
	}
}

func FuzzParseMetrics(f *testing.F) {
	srv := metricsServer(f)
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		f.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f.Add(string(b))
	f.Add("x 1\n")
	f.Fuzz(func(t *testing.T, s string) {
		ParseMetrics(s)
	})
}
