package soak

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"hark/memory"
)

// Config configures a soak run.
type Config struct {
	URL    string // the server's base URL
	APIKey string
	PID    int // the server's process ID when it runs on this machine (for /proc when /debug/memory is missing), else 0

	Concurrency int
	Mix         Mix
	Clips       []Clip
	Pace        float64       // streaming speed relative to real time (1 = real time, 0 = as fast as possible)
	Chunk       time.Duration // audio per WebSocket message

	Idle     time.Duration // idle wait before the "start" snapshot (the baseline with the model loaded)
	Duration time.Duration // how long the load runs
	Warmup   time.Duration // from the start of load to the "under load" snapshot; the trend is fitted after it (0: min(5m, Duration/5))
	Drain    time.Duration // how long requests in flight may finish after the load stops
	Settle   time.Duration // idle wait after the load before the "after" snapshot (let the server release memory)
	Interval time.Duration // sampling interval
	Block    time.Duration // block length of the trend fit (0: min(1m, fit window/10))
	// Tolerance in bytes per second: memory is "growing" only when the whole 95% interval of the slope lies
	// above it. 0 asks for a slope statistically indistinguishable from zero.
	Tolerance float64
	// Baseline is the largest accepted ratio of RSS after the load to the idle baseline (1.10 = within 10%).
	Baseline float64

	Out  string                        // directory for samples.csv, report.txt/json, chart.png/svg, heap-*.pb.gz ("" = none)
	Logf func(format string, a ...any) // progress, nil for none
}

// DefaultConfig returns the soak: 30 minutes at concurrency 4, mix stream=2,job=1,sync=1.
func DefaultConfig() Config {
	return Config{Concurrency: 4, Mix: Mix{Stream: 2, Job: 1, Sync: 1}, Pace: 1, Chunk: 200 * time.Millisecond,
		Idle: 15 * time.Second, Duration: 30 * time.Minute, Drain: 2 * time.Minute, Settle: time.Minute,
		Interval: time.Second, Baseline: 1.10}
}

// Phase names of the four snapshots.
const (
	PhaseStart  = "start"      // idle with the model loaded
	PhaseUnder  = "under load" // ramp-up done
	PhaseSteady = "steady"     // end of the load
	PhaseAfter  = "after"      // idle again after the load
)

// PhaseSnapshot is the server's memory at one of the four phases.
type PhaseSnapshot struct {
	Name      string          `json:"name"`
	Elapsed   float64         `json:"t_seconds"`
	Mem       memory.Snapshot `json:"memory"`
	Heap      *HeapProfile    `json:"-"`
	HeapError string          `json:"heap_error,omitempty"`
}

// Report is the outcome of a soak run.
type Report struct {
	URL         string              `json:"url"`
	Source      string              `json:"source"`
	Concurrency int                 `json:"concurrency"`
	Mix         string              `json:"mix"`
	Clips       int                 `json:"clips"`
	Duration    float64             `json:"load_seconds"`
	Warmup      float64             `json:"warmup_seconds"`
	Block       float64             `json:"block_seconds"`
	Load        map[Kind]KindReport `json:"load"`
	Errors      []string            `json:"errors,omitempty"`
	Phases      []PhaseSnapshot     `json:"phases"`
	Heap        []HeapRow           `json:"heap_by_site"`
	RSSTrend    *Trend              `json:"rss_trend,omitempty"`
	HeapTrend   *Trend              `json:"heap_trend,omitempty"`
	FitStart    float64             `json:"fit_start_seconds"`
	Growing     bool                `json:"growing"`
	Verdict     string              `json:"verdict"`
	AfterRatio  float64             `json:"after_over_start_rss"`
	BaselineOK  bool                `json:"after_within_baseline"`
	Samples     []Sample            `json:"-"`
}

// Run drives the soak: idle baseline, load with a warm-up, drain, settle; it samples memory throughout,
// takes the four snapshots and returns the report (also written to cfg.Out when set).
func Run(ctx context.Context, cfg Config, client *http.Client) (*Report, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Warmup <= 0 {
		cfg.Warmup = min(5*time.Minute, cfg.Duration/5)
	}
	if cfg.Warmup >= cfg.Duration {
		return nil, fmt.Errorf("warm-up %v leaves no load to fit in %v", cfg.Warmup, cfg.Duration)
	}
	if cfg.Block <= 0 {
		cfg.Block = min(time.Minute, (cfg.Duration-cfg.Warmup)/10)
	}
	if cfg.Baseline <= 0 {
		cfg.Baseline = 1.10
	}
	gen, err := NewGenerator(LoadConfig{URL: cfg.URL, APIKey: cfg.APIKey, Concurrency: cfg.Concurrency, Mix: cfg.Mix,
		Clips: cfg.Clips, Pace: cfg.Pace, Chunk: cfg.Chunk}, client)
	if err != nil {
		return nil, err
	}
	if err := WaitReady(ctx, client, cfg.URL, cfg.APIKey); err != nil {
		return nil, err
	}
	src, err := chooseSource(ctx, cfg, client)
	if err != nil {
		return nil, err
	}
	rep := &Report{URL: cfg.URL, Source: src.Name(), Concurrency: cfg.Concurrency, Mix: cfg.Mix.String(),
		Clips: len(cfg.Clips), Duration: cfg.Duration.Seconds(), Warmup: cfg.Warmup.Seconds(), Block: cfg.Block.Seconds()}
	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return nil, err
		}
	}

	t0 := time.Now()
	smp := &sampler{src: src, gen: gen, t0: t0, phase: "idle"}
	sctx, stopSampling := context.WithCancel(ctx)
	var swg sync.WaitGroup
	swg.Go(func() { smp.run(sctx, cfg.Interval) })
	defer func() { stopSampling(); swg.Wait() }()

	snapshot := func(name string) {
		ps := PhaseSnapshot{Name: name, Elapsed: time.Since(t0).Seconds()}
		// The profile first: ?gc=1 collects, so the snapshot after it shows the live heap.
		b, err := get(ctx, client, cfg.URL+"/debug/pprof/heap?gc=1", cfg.APIKey, maxProfileBytes)
		if err == nil {
			ps.Heap, err = ParseHeapProfile(bytes.NewReader(b))
			if err == nil && cfg.Out != "" {
				err = os.WriteFile(filepath.Join(cfg.Out, "heap-"+fileName(name)+".pb.gz"), b, 0o644)
			}
		}
		if err != nil {
			ps.HeapError = err.Error()
			logf("heap profile at %s: %v", name, err)
		}
		if ps.Mem, err = src.Read(ctx); err != nil {
			logf("memory at %s: %v", name, err)
		}
		rep.Phases = append(rep.Phases, ps)
		logf("%s: RSS %.1f MiB, heap in use %.1f MiB", name, mib(ps.Mem.RSS), mib(ps.Mem.HeapInUse))
	}
	sleep := func(d time.Duration) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
			return nil
		}
	}

	logf("idle %v with the model loaded", cfg.Idle)
	if err := sleep(cfg.Idle); err != nil {
		return nil, err
	}
	snapshot(PhaseStart)

	logf("load: %d workers (%s) for %v, warm-up %v", cfg.Concurrency, cfg.Mix, cfg.Duration, cfg.Warmup)
	smp.setPhase("warm-up")
	stopLoad, endLoad := context.WithCancel(ctx)
	defer endLoad()
	loadCtx, abort := context.WithCancel(ctx)
	defer abort()
	var lwg sync.WaitGroup
	lwg.Go(func() { gen.Run(loadCtx, stopLoad) })
	if err := sleep(cfg.Warmup); err != nil {
		return nil, err
	}
	snapshot(PhaseUnder)
	smp.setPhase("load")
	rep.FitStart = time.Since(t0).Seconds()
	if err := sleep(cfg.Duration - cfg.Warmup); err != nil {
		return nil, err
	}
	fitEnd := time.Since(t0).Seconds() // before the snapshot: its forced collection is not steady load
	snapshot(PhaseSteady)
	smp.setPhase("drain")
	endLoad()
	drained := make(chan struct{})
	go func() { lwg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(cfg.Drain):
		logf("requests still running %v after the load stopped: aborting them", cfg.Drain)
		abort()
		<-drained
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	smp.setPhase("after")
	logf("load done; idle %v before the last snapshot", cfg.Settle)
	if err := sleep(cfg.Settle); err != nil {
		return nil, err
	}
	snapshot(PhaseAfter)
	stopSampling()
	swg.Wait()

	rep.Samples = smp.all()
	rep.Load = gen.Report()
	rep.Errors = gen.Errors()
	profiles := make([]*HeapProfile, len(rep.Phases))
	for i, p := range rep.Phases {
		profiles[i] = p.Heap
	}
	rep.Heap = DiffHeaps(profiles, 15)
	rep.analyse(fitEnd, cfg)
	if cfg.Out != "" {
		if err := rep.WriteFiles(cfg.Out); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// analyse fits the trends on the samples between FitStart and fitEnd and writes the verdict.
func (r *Report) analyse(fitEnd float64, cfg Config) {
	var t, rss, heap []float64
	for _, s := range r.Samples {
		if s.Elapsed >= r.FitStart && s.Elapsed <= fitEnd && s.RSS > 0 {
			t, rss = append(t, s.Elapsed), append(rss, float64(s.RSS))
			heap = append(heap, float64(s.HeapInUse))
		}
	}
	if tr, err := Fit(t, rss, r.Block); err == nil {
		r.RSSTrend = &tr
	} else {
		r.Verdict = "no verdict: " + err.Error()
	}
	if tr, err := Fit(t, heap, r.Block); err == nil {
		r.HeapTrend = &tr
	}
	if tr := r.RSSTrend; tr != nil {
		r.Growing = tr.Growing(cfg.Tolerance)
		if r.Growing {
			r.Verdict = fmt.Sprintf("growing at %.2f MB/hour (95%% CI [%.2f, %.2f])",
				tr.Slope*3600/1e6, tr.Lo*3600/1e6, tr.Hi*3600/1e6)
		} else {
			r.Verdict = fmt.Sprintf("converged (RSS slope %+.2f MB/hour, 95%% CI [%+.2f, %+.2f])",
				tr.Slope*3600/1e6, tr.Lo*3600/1e6, tr.Hi*3600/1e6)
		}
		if cfg.Tolerance > 0 {
			r.Verdict += fmt.Sprintf(" at a tolerance of %.2f MB/hour", cfg.Tolerance*3600/1e6)
		}
	}
	if len(r.Phases) == 4 && r.Phases[0].Mem.RSS > 0 {
		r.AfterRatio = float64(r.Phases[3].Mem.RSS) / float64(r.Phases[0].Mem.RSS)
		r.BaselineOK = r.AfterRatio <= cfg.Baseline
	}
}

// WaitReady polls /readyz until the server answers 200 (the model is loaded) or ctx ends.
func WaitReady(ctx context.Context, c *http.Client, url, key string) error {
	for {
		_, err := get(ctx, c, url+"/readyz", key, 1<<16)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s not ready: %w (last: %v)", url, ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// chooseSource prefers /debug/memory and falls back to /proc/PID/status with /metrics.
func chooseSource(ctx context.Context, cfg Config, c *http.Client) (Source, error) {
	h := &HTTPSource{URL: cfg.URL, Client: c, APIKey: cfg.APIKey}
	_, err := h.Read(ctx)
	if err == nil {
		return h, nil
	}
	if cfg.PID > 0 {
		p := &ProcSource{PID: cfg.PID, URL: cfg.URL, Client: c, APIKey: cfg.APIKey}
		if _, perr := p.Read(ctx); perr == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no memory source: %w (and no local server process to read /proc of)", err)
}

// sampler reads the source every interval. Memory: one Sample per interval.
type sampler struct {
	src Source
	gen *Generator
	t0  time.Time

	mu      sync.Mutex
	phase   string
	samples []Sample
}

func (s *sampler) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

func (s *sampler) all() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...)
}

func (s *sampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, max(every, 5*time.Second))
		m, err := s.src.Read(rctx)
		cancel()
		if err == nil {
			active, done := s.gen.Counts()
			s.mu.Lock()
			s.samples = append(s.samples, Sample{Elapsed: time.Since(s.t0).Seconds(), Phase: s.phase, RSS: m.RSS,
				HeapInUse: m.HeapInUse, HeapIdle: m.HeapIdle, HeapReleased: m.HeapReleased, GoTotal: m.GoTotal,
				Goroutines: m.Goroutines, Active: active, Done: done})
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// WriteFiles writes samples.csv, report.txt, report.json, chart.png and chart.svg to dir.
func (r *Report) WriteFiles(dir string) error {
	if err := WriteSamplesCSV(filepath.Join(dir, "samples.csv"), r.Samples); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(r.Text()), 0o644); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	spec := r.Chart()
	return errors.Join(WriteChart(filepath.Join(dir, "chart.png"), spec), WriteChart(filepath.Join(dir, "chart.svg"), spec))
}

// Chart returns the chart of RSS and Go heap over the run with the four phases marked and the RSS trend.
func (r *Report) Chart() ChartSpec {
	rss := Series{Name: "RSS"}
	heap := Series{Name: "Go heap in use"}
	for _, s := range r.Samples {
		rss.X, rss.Y = append(rss.X, s.Elapsed), append(rss.Y, float64(s.RSS))
		if s.HeapInUse > 0 {
			heap.X, heap.Y = append(heap.X, s.Elapsed), append(heap.Y, float64(s.HeapInUse))
		}
	}
	spec := ChartSpec{Title: fmt.Sprintf("hark soak: %d workers (%s) — %s", r.Concurrency, r.Mix, r.Verdict),
		Series: []Series{rss, heap}, Fit: r.RSSTrend, FitStart: r.FitStart}
	for _, p := range r.Phases {
		spec.Marks = append(spec.Marks, Mark{X: p.Elapsed, Label: p.Name})
	}
	return spec
}

// WriteSamplesCSV writes one row per sample.
func WriteSamplesCSV(path string, samples []Sample) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"t_seconds", "phase", "rss_bytes", "heap_inuse_bytes", "heap_idle_bytes", "heap_released_bytes",
		"go_total_bytes", "goroutines", "active_requests", "done_requests"})
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, s := range samples {
		w.Write([]string{strconv.FormatFloat(s.Elapsed, 'f', 3, 64), s.Phase, i(s.RSS), i(s.HeapInUse), i(s.HeapIdle),
			i(s.HeapReleased), i(s.GoTotal), strconv.Itoa(s.Goroutines), i(s.Active), i(s.Done)})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

func fileName(phase string) string {
	b := []byte(phase)
	for i, c := range b {
		if c == ' ' {
			b[i] = '-'
		}
	}
	return string(b)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
