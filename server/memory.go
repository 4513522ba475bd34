package server

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"hark/jobs"
	"hark/memory"
	"hark/recognizer"
)

// retryAfterBudget is the Retry-After (seconds) of a request refused because the memory budget is full:
// about one 30 s segment's decoding on a loaded machine.
const retryAfterBudget = 10

// goHeapLive returns the bytes the Go runtime holds for live data after a full collection: heap objects,
// stacks and the runtime's own structures, leaving out free and released heap (what debug.SetMemoryLimit
// counts, less the garbage).
func goHeapLive() int64 {
	runtime.GC()
	s := []rtmetrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	rtmetrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() != rtmetrics.KindUint64 {
			return 0
		}
		return int64(s[i].Value.Uint64())
	}
	return v(0) - v(1) - v(2) - v(3)
}

// setupMemory builds the budget (when cfg.MemoryLimit > 0), the idle releaser and the component counters.
// It measures the process's RSS before the model so that SetModel can tell the model's bytes.
func (s *Server) setupMemory() error {
	if s.cfg.MemoryLimit > 0 {
		b, err := memory.NewBudget(s.cfg.MemoryLimit)
		if err != nil {
			return err
		}
		s.budget = b
	}
	s.idle = memory.NewIdleReleaser(s.cfg.IdleRelease)
	s.idle.OnRelease(s.trimSessions)
	debug.FreeOSMemory()
	s.baseRSS = memory.RSS()
	s.comps.Set("model", func() int64 { return s.modelBytes.Load() })
	s.comps.Set("graph", func() int64 { return s.graphBytes.Load() })
	s.comps.Set("sessions", func() int64 {
		var n int64
		if p := s.jobPool.Load(); p != nil {
			n += p.HeldBytes()
		}
		if p := s.live.Load(); p != nil {
			n += p.HeldBytes()
		}
		return n
	})
	s.comps.Set("audio_buffers", func() int64 { return s.runner.AudioBytes() + s.streamAudio.Load() })
	return nil
}

// admit measures the loaded model and puts both session pools under the budget. The model's memory-mapped
// files (graph, LM) are faulted in and the loading garbage handed back to the OS first, so that the RSS
// measured then is the process idle with its model: it becomes the budget's fixed part (counted once),
// and its growth since New is split into the graph (its arrays, on the heap or mapped) and the rest of the
// model. Every session reserves m.SessionFootprint().
func (s *Server) admit(m *recognizer.Model, pools ...*jobs.SessionPool) {
	if _, err := memory.PopulateFileMappings(); err != nil {
		s.log.Warn("memory: fault in mapped model files", "err", err)
	}
	debug.FreeOSMemory() // the garbage of loading (graph building, file buffers)
	rss := max(memory.RSS(), goHeapLive())
	graph := m.GraphBytes()
	s.graphBytes.Store(graph)
	s.modelBytes.Store(max(rss-s.baseRSS-graph, 0))
	fp := m.SessionFootprint()
	s.footprint.Store(fp)
	if s.budget != nil {
		s.budget.SetFixed(rss)
	}
	for _, p := range pools {
		p.Admit(s.budget, fp, s.idle)
	}
	s.log.Info("memory", "limit", s.cfg.MemoryLimit, "fixed", rss, "model", s.modelBytes.Load(), "graph", graph,
		"session_footprint", fp, "idle_release", s.cfg.IdleRelease)
}

// trimSessions drops the idle sessions of both pools (the IdleReleaser runs it before handing memory
// back to the operating system).
func (s *Server) trimSessions() {
	var n int
	var freed int64
	for _, p := range []*jobs.SessionPool{s.jobPool.Load(), s.live.Load()} {
		if p != nil {
			k, f := p.Trim()
			n, freed = n+k, freed+f
		}
	}
	s.log.Info("idle: memory released", "sessions_dropped", n, "session_bytes_freed", freed)
}

// Budget returns the memory budget (nil without Config.MemoryLimit). The caller applies it as Go's soft
// limit (memory.Budget.ApplySoftLimit) when the server is the process.
func (s *Server) Budget() *memory.Budget { return s.budget }

// runIdle runs the idle releaser until ctx ends.
func (s *Server) runIdle(ctx context.Context) { s.idle.Run(ctx) }

// snapshot is /debug/memory's figures.
func (s *Server) snapshot() memory.Snapshot {
	sn := memory.Take(&s.comps, s.budget)
	sn.Reservation = s.footprint.Load()
	sn.IdleReleases = s.idle.Releases()
	return sn
}

func (s *Server) debugMemory(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.snapshot())
}

// overBudget answers 503 with Retry-After for a request refused by the memory budget.
func overBudget(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterBudget))
	httpError(w, http.StatusServiceUnavailable, "memory_budget", "the server's memory budget is fully reserved; retry later ("+err.Error()+")")
}

// isOverBudget reports whether err is a refusal by the memory budget.
func isOverBudget(err error) bool { return errors.Is(err, memory.ErrOverBudget) }

// memoryCollector exports the /debug/memory figures as Prometheus metrics at scrape time.
type memoryCollector struct{ s *Server }

var (
	memProcDesc   = prometheus.NewDesc("hark_memory_process_bytes", "Process memory from /proc/self/smaps_rollup by kind (rss, pss, anonymous, file_backed, swap).", []string{"kind"}, nil)
	memGoDesc     = prometheus.NewDesc("hark_memory_go_bytes", "Go runtime memory by kind (heap_inuse, heap_idle, heap_released, stacks, total, soft_limit).", []string{"kind"}, nil)
	memCompDesc   = prometheus.NewDesc("hark_memory_component_bytes", "Bytes per component (model, graph, sessions, audio_buffers).", []string{"component"}, nil)
	memBudgetDesc = prometheus.NewDesc("hark_memory_budget_bytes", "Memory budget: limit, fixed (model, graph, runtime), reserved by sessions, peak of fixed+reserved.", []string{"kind"}, nil)
	memWaitDesc   = prometheus.NewDesc("hark_memory_budget_waiting", "Sessions waiting for the memory budget (jobs).", nil, nil)
	memAdmitDesc  = prometheus.NewDesc("hark_memory_admissions_total", "Reservations granted and refused by the memory budget.", []string{"result"}, nil)
	memGorDesc    = prometheus.NewDesc("hark_goroutines", "Goroutines.", nil, nil)
	memIdleDesc   = prometheus.NewDesc("hark_memory_idle_releases_total", "Times idle memory was handed back to the operating system.", nil, nil)
)

func (c *memoryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{memProcDesc, memGoDesc, memCompDesc, memBudgetDesc, memWaitDesc, memAdmitDesc, memGorDesc, memIdleDesc} {
		ch <- d
	}
}

func (c *memoryCollector) Collect(ch chan<- prometheus.Metric) {
	sn := c.s.snapshot()
	g := func(d *prometheus.Desc, v int64, label ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), label...)
	}
	g(memProcDesc, sn.RSS, "rss")
	g(memProcDesc, sn.PSS, "pss")
	g(memProcDesc, sn.Anonymous, "anonymous")
	g(memProcDesc, sn.FileBack, "file_backed")
	g(memProcDesc, sn.Swap, "swap")
	g(memGoDesc, sn.HeapInUse, "heap_inuse")
	g(memGoDesc, sn.HeapIdle, "heap_idle")
	g(memGoDesc, sn.HeapReleased, "heap_released")
	g(memGoDesc, sn.StackInUse, "stacks")
	g(memGoDesc, sn.GoTotal, "total")
	g(memGoDesc, sn.SoftLimit, "soft_limit")
	for k, v := range sn.Components {
		g(memCompDesc, v, k)
	}
	if b := sn.Budget; b != nil {
		g(memBudgetDesc, b.Limit, "limit")
		g(memBudgetDesc, b.Fixed, "fixed")
		g(memBudgetDesc, b.Reserved, "reserved")
		g(memBudgetDesc, b.Peak, "peak")
		g(memWaitDesc, int64(b.Waiting))
		ch <- prometheus.MustNewConstMetric(memAdmitDesc, prometheus.CounterValue, float64(b.Granted), "granted")
		ch <- prometheus.MustNewConstMetric(memAdmitDesc, prometheus.CounterValue, float64(b.Refused), "refused")
	}
	g(memGorDesc, int64(sn.Goroutines))
	ch <- prometheus.MustNewConstMetric(memIdleDesc, prometheus.CounterValue, float64(c.s.idle.Releases()))
}
