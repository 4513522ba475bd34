package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hark/internal/cpusched"
	"hark/jobs"
)

// metrics are the service's Prometheus series, in their own registry. Memory: one series per route ×
// status code, per session kind, per job state: a fixed handful.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	rtf         *prometheus.HistogramVec
	audioSec    *prometheus.CounterVec
	active      *prometheus.GaugeVec
	jobsCreated prometheus.Counter
	jobsDeleted prometheus.Counter
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hark_http_requests_total",
		Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hark_http_request_duration_seconds",
		Help: "HTTP request latency by route (for streams: the session's length).", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 14)},
		[]string{"route"})
	m.rtf = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hark_real_time_factor",
		Help:    "Decoding time divided by audio time, per job segment, synchronous request or stream segment (its final decoding).",
		Buckets: []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 4}}, []string{"kind"})
	m.audioSec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hark_audio_seconds_total",
		Help: "Seconds of audio decoded."}, []string{"kind"})
	m.active = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hark_active_sessions",
		Help: "Recognizer sessions in use by kind (stream, sync)."}, []string{"kind"})
	m.jobsCreated = prometheus.NewCounter(prometheus.CounterOpts{Name: "hark_jobs_created_total", Help: "Jobs created."})
	m.jobsDeleted = prometheus.NewCounter(prometheus.CounterOpts{Name: "hark_jobs_deleted_total", Help: "Jobs deleted by clients."})
	m.reg.MustRegister(m.requests, m.latency, m.rtf, m.audioSec, m.active, m.jobsCreated, m.jobsDeleted,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&jobCollector{s: s}, &memoryCollector{s: s}, cpuCollector{cpusched.Default()})
	m.active.WithLabelValues("stream")
	m.active.WithLabelValues("sync")
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) observeRTF(kind string, audioSeconds, wallSeconds float64) {
	if audioSeconds <= 0 {
		return
	}
	m.rtf.WithLabelValues(kind).Observe(wallSeconds / audioSeconds)
	m.audioSec.WithLabelValues(kind).Add(audioSeconds)
}

// jobCollector reads the job counts from the store at scrape time.
type jobCollector struct{ s *Server }

var (
	jobsDesc  = prometheus.NewDesc("hark_jobs", "Jobs by state.", []string{"state"}, nil)
	queueDesc = prometheus.NewDesc("hark_queue_depth", "Jobs waiting or running (queued + running).", nil, nil)
	workDesc  = prometheus.NewDesc("hark_job_sessions_in_use", "Job worker sessions decoding now.", nil, nil)
)

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- queueDesc
	ch <- workDesc
}

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.s.store.Counts(ctx)
	if err != nil {
		return
	}
	for _, st := range []jobs.State{jobs.Queued, jobs.Running, jobs.Succeeded, jobs.Failed, jobs.Canceled} {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(counts[jobs.Queued]+counts[jobs.Running]))
	if p := c.s.runner.Sessions; p != nil {
		ch <- prometheus.MustNewConstMetric(workDesc, prometheus.GaugeValue, float64(p.InUse()))
	}
}

// cpuCollector reads the CPU scheduler's counters at scrape time: per priority class (interactive = live
// partial decoding, stream = streams' final results, batch = jobs and synchronous requests) the waits for
// a slot, the time slots were held, the slots granted and the goroutines waiting now.
type cpuCollector struct{ s *cpusched.Scheduler }

var (
	cpuWaitDesc = prometheus.NewDesc("hark_cpu_wait_seconds", "Time decoding work waited for a CPU slot, by priority class (one observation per slot granted).",
		[]string{"class"}, nil)
	cpuHoldDesc = prometheus.NewDesc("hark_cpu_busy_seconds_total", "Time CPU slots were held by decoding work, by priority class (wall time).",
		[]string{"class"}, nil)
	cpuWaitingDesc = prometheus.NewDesc("hark_cpu_waiting", "Decoding goroutines waiting for a CPU slot now, by priority class.",
		[]string{"class"}, nil)
	cpuSlotsDesc = prometheus.NewDesc("hark_cpu_slots", "CPU slots of the scheduler (GOMAXPROCS) and those in use.", []string{"kind"}, nil)
)

func (c cpuCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cpuWaitDesc
	ch <- cpuHoldDesc
	ch <- cpuWaitingDesc
	ch <- cpuSlotsDesc
}

func (c cpuCollector) Collect(ch chan<- prometheus.Metric) {
	for k := cpusched.Class(0); k < cpusched.NumClasses; k++ {
		st := c.s.Stats(k)
		buckets := make(map[float64]uint64, len(cpusched.WaitBuckets))
		for i, b := range cpusched.WaitBuckets {
			buckets[b] = st.Buckets[i]
		}
		ch <- prometheus.MustNewConstHistogram(cpuWaitDesc, st.Acquired, st.WaitSeconds, buckets, k.String())
		ch <- prometheus.MustNewConstMetric(cpuHoldDesc, prometheus.CounterValue, st.HoldSeconds, k.String())
		ch <- prometheus.MustNewConstMetric(cpuWaitingDesc, prometheus.GaugeValue, float64(st.Waiting), k.String())
	}
	ch <- prometheus.MustNewConstMetric(cpuSlotsDesc, prometheus.GaugeValue, float64(c.s.Slots()), "total")
	ch <- prometheus.MustNewConstMetric(cpuSlotsDesc, prometheus.GaugeValue, float64(c.s.InUse()), "in_use")
}

// statusWriter records the status code for the request metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// instrument counts requests and their latency under route.
func (s *Server) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		code := sw.code
		if code == 0 {
			code = http.StatusSwitchingProtocols // hijacked (WebSocket)
		}
		s.met.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
		s.met.latency.WithLabelValues(route).Observe(time.Since(t0).Seconds())
	})
}
