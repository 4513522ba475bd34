// Package server is hark's HTTP service: OpenAI-compatible synchronous transcription, durable jobs,
// Vosk-compatible WebSocket streaming, health, Prometheus metrics and profiling, over one shared model.
//
// Memory: the model (shared, read-only), at most Config.Streams live sessions plus Config.Workers job
// sessions (each bounded by recognizer.Model.SessionFootprint, which it reserves from the memory budget
// before it starts), and per request one read buffer: uploads are streamed to files in the data
// directory, never held whole in memory. Idle sessions are dropped and memory handed back to the OS after
// Config.IdleRelease without work. /debug/memory and /metrics show where the memory is.
package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hark/jobs"
	"hark/memory"
	"hark/recognizer"
)

// Config holds the service's settings. DefaultConfig gives the defaults.
type Config struct {
	Addr    string   // listen address
	DataDir string   // uploads and the database live here
	APIKeys []string // Bearer keys accepted; required when Addr is not loopback

	Workers int // jobs decoded at once
	Streams int // live sessions (WebSocket streams and synchronous transcriptions) at once

	MaxUploadBytes   int64         // largest upload accepted
	MaxDuration      time.Duration // longest audio accepted
	MaxSessionsKey   int           // live sessions per API key at once
	MaxMessageBytes  int64         // largest WebSocket message
	StreamIdle       time.Duration // a stream with no message for this long is closed
	UploadIdle       time.Duration // an upload that sends nothing for this long is refused
	SessionWait      time.Duration // how long a synchronous request waits for a free session
	Retention        time.Duration // finished jobs are deleted this long after they end (0 = kept)
	ShutdownTimeout  time.Duration // how long shutdown waits for requests and running segments
	MaxRequestFields int64         // bytes of non-file multipart fields accepted

	// MemoryLimit is the process memory budget in bytes (0 = none): the model and graph count against it
	// once, every session reserves its worst-case footprint first; jobs wait for room, streams and
	// synchronous requests are refused with 503 + Retry-After. The caller sets Go's soft limit to it.
	MemoryLimit int64
	// IdleRelease: after this long without a session in use, idle sessions are dropped and memory is
	// handed back to the operating system (0 = never).
	IdleRelease time.Duration
}

// DefaultConfig returns the defaults: loopback, 2 workers, 8 streams, 2 GiB uploads, 4 h of audio.
func DefaultConfig() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		DataDir:          "hark-data",
		Workers:          2,
		Streams:          8,
		MaxUploadBytes:   2 << 30,
		MaxDuration:      4 * time.Hour,
		MaxSessionsKey:   16,
		MaxMessageBytes:  1 << 20,
		StreamIdle:       30 * time.Second,
		UploadIdle:       30 * time.Second,
		SessionWait:      30 * time.Second,
		Retention:        7 * 24 * time.Hour,
		ShutdownTimeout:  30 * time.Second,
		MaxRequestFields: 64 << 10,
		IdleRelease:      30 * time.Second,
	}
}

// Validate checks the configuration; keys are required unless Addr is a loopback address.
func (c *Config) Validate() error {
	if c.Workers < 0 || c.Streams < 1 || c.MaxSessionsKey < 1 {
		return fmt.Errorf("server: workers %d must be ≥ 0, streams %d and sessions per key %d ≥ 1", c.Workers, c.Streams, c.MaxSessionsKey)
	}
	if c.MaxUploadBytes <= 0 || c.MaxMessageBytes <= 0 || c.MaxDuration <= 0 {
		return errors.New("server: upload, message and duration limits must be positive")
	}
	if c.MemoryLimit < 0 || c.IdleRelease < 0 {
		return errors.New("server: memory limit and idle release must not be negative")
	}
	if c.DataDir == "" {
		return errors.New("server: data directory required")
	}
	for _, k := range c.APIKeys {
		if len(k) < 16 {
			return errors.New("server: API keys must be at least 16 characters")
		}
	}
	if len(c.APIKeys) == 0 && !IsLoopback(c.Addr) {
		return fmt.Errorf("server: address %q is not loopback: API keys are required (--api-key or HARK_API_KEYS)", c.Addr)
	}
	return nil
}

// IsLoopback reports whether addr (host:port) listens on loopback only. An empty host (all interfaces)
// is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server is the service. Create with New, then Serve.
type Server struct {
	cfg    Config
	log    *slog.Logger
	store  jobs.Store
	runner *jobs.Runner
	met    *metrics
	mux    *http.ServeMux

	model    atomic.Pointer[recognizer.Model]
	live     atomic.Pointer[jobs.SessionPool]
	jobPool  atomic.Pointer[jobs.SessionPool]
	loadErr  atomic.Pointer[error]
	audioDir string
	tmpDir   string

	keyMu    sync.Mutex
	keyLive  map[string]int // live sessions per key hash
	streamWG sync.WaitGroup
	baseCtx  context.Context
	stopAll  context.CancelFunc

	// Memory (memory.go): the budget (nil without cfg.MemoryLimit), the idle releaser, the components of
	// /debug/memory, and the figures measured when the model was set.
	budget      *memory.Budget
	idle        *memory.IdleReleaser
	comps       memory.Components
	baseRSS     int64
	modelBytes  atomic.Int64
	graphBytes  atomic.Int64
	footprint   atomic.Int64 // what each session reserves
	streamAudio atomic.Int64 // audio buffer bytes of live streams (their bound, counted while they run)
}

// New returns a server over store. The model is supplied later with SetModel (so the process listens,
// and answers /healthz and /readyz, while a graph is being built).
func New(cfg Config, store jobs.Store, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, store: store, keyLive: map[string]int{}}
	s.audioDir = filepath.Join(cfg.DataDir, "audio")
	s.tmpDir = filepath.Join(cfg.DataDir, "tmp")
	for _, d := range []string{s.audioDir, s.tmpDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	// Uploads that never got their job recorded (a crash between the file and the transaction).
	if ents, err := os.ReadDir(s.tmpDir); err == nil {
		for _, e := range ents {
			os.Remove(filepath.Join(s.tmpDir, e.Name()))
		}
	}
	s.baseCtx, s.stopAll = context.WithCancel(context.Background())
	s.met = newMetrics(s)
	s.runner = &jobs.Runner{Store: store, AudioDir: s.audioDir, MaxDuration: cfg.MaxDuration,
		OnSegment: func(a, w float64) { s.met.observeRTF("job", a, w) }}
	if err := s.setupMemory(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// SetModel makes the server ready: it builds the session pools over m, puts them under the memory budget
// (the model and graph measured and counted once), and starts the job workers.
func (s *Server) SetModel(ctx context.Context, m *recognizer.Model) error {
	workers := max(s.cfg.Workers, 1)
	jp, err := jobs.NewSessionPool(m, workers)
	if err != nil {
		return err
	}
	lp, err := jobs.NewSessionPool(m, s.cfg.Streams)
	if err != nil {
		return err
	}
	s.admit(m, jp, lp)
	s.runner.Sessions = jp
	s.jobPool.Store(jp)
	s.live.Store(lp)
	s.model.Store(m)
	if s.cfg.Workers > 0 {
		if err := s.store.Start(ctx, s.runner.Run); err != nil {
			return err
		}
	}
	return nil
}

// SetLoadError records that the model failed to load (readyz reports it).
func (s *Server) SetLoadError(err error) { s.loadErr.Store(&err) }

// Handler returns the HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	m := http.NewServeMux()
	s.mux = m
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.auth(s.met.handler()))
	m.Handle("POST /v1/audio/transcriptions", s.instrument("transcriptions", s.auth(s.ready(http.HandlerFunc(s.transcriptions)))))
	m.Handle("POST /v1/jobs", s.instrument("jobs_create", s.auth(http.HandlerFunc(s.createJob))))
	m.Handle("GET /v1/jobs", s.instrument("jobs_list", s.auth(http.HandlerFunc(s.listJobs))))
	m.Handle("GET /v1/jobs/{id}", s.instrument("jobs_get", s.auth(http.HandlerFunc(s.getJob))))
	m.Handle("GET /v1/jobs/{id}/transcript", s.instrument("jobs_transcript", s.auth(s.ready(http.HandlerFunc(s.jobTranscript)))))
	m.Handle("GET /v1/jobs/{id}/events", s.instrument("jobs_events", s.auth(http.HandlerFunc(s.jobEvents))))
	m.Handle("POST /v1/jobs/{id}/cancel", s.instrument("jobs_cancel", s.auth(http.HandlerFunc(s.cancelJob))))
	m.Handle("DELETE /v1/jobs/{id}", s.instrument("jobs_delete", s.auth(http.HandlerFunc(s.deleteJob))))
	m.Handle("GET /v1/stream", s.instrument("stream", s.auth(s.ready(http.HandlerFunc(s.stream)))))
	m.Handle("GET /debug/memory", s.auth(http.HandlerFunc(s.debugMemory)))
	m.Handle("/debug/pprof/", s.auth(http.HandlerFunc(pprof.Index)))
	m.Handle("/debug/pprof/cmdline", s.auth(http.HandlerFunc(pprof.Cmdline)))
	m.Handle("/debug/pprof/profile", s.auth(http.HandlerFunc(pprof.Profile)))
	m.Handle("/debug/pprof/symbol", s.auth(http.HandlerFunc(pprof.Symbol)))
	m.Handle("/debug/pprof/trace", s.auth(http.HandlerFunc(pprof.Trace)))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if p := s.loadErr.Load(); p != nil {
		httpError(w, http.StatusServiceUnavailable, "model_error", (*p).Error())
		return
	}
	if s.model.Load() == nil {
		httpError(w, http.StatusServiceUnavailable, "loading", "the model is loading")
		return
	}
	if _, err := s.store.Counts(r.Context()); err != nil {
		httpError(w, http.StatusServiceUnavailable, "store_error", err.Error())
		return
	}
	fmt.Fprintln(w, "ready")
}

// ready refuses requests that need the model while it loads.
func (s *Server) ready(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.model.Load() == nil {
			w.Header().Set("Retry-After", "10")
			httpError(w, http.StatusServiceUnavailable, "loading", "the model is loading; retry later")
			return
		}
		h.ServeHTTP(w, r)
	})
}

type ctxKey struct{}

// keyOf returns the identity of the request's API key (a hash prefix; "" without keys).
func keyOf(r *http.Request) string {
	k, _ := r.Context().Value(ctxKey{}).(string)
	return k
}

// auth checks the Bearer key when keys are configured. WebSocket clients that cannot set headers may pass
// the key as the api_key query parameter.
func (s *Server) auth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.cfg.APIKeys) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			tok = r.URL.Query().Get("api_key")
		}
		tok = strings.TrimSpace(tok)
		for _, k := range s.cfg.APIKeys {
			if tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(k)) == 1 {
				sum := sha256.Sum256([]byte(k))
				ctx := context.WithValue(r.Context(), ctxKey{}, hex.EncodeToString(sum[:8]))
				h.ServeHTTP(w, r.WithContext(ctx))
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="hark"`)
		httpError(w, http.StatusUnauthorized, "invalid_api_key", "a valid API key is required (Authorization: Bearer KEY)")
	})
}

// acquireKey counts a live session against the request's key; ok is false over the per-key limit.
func (s *Server) acquireKey(r *http.Request) (release func(), ok bool) {
	k := keyOf(r)
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.keyLive[k] >= s.cfg.MaxSessionsKey {
		return nil, false
	}
	s.keyLive[k]++
	return func() {
		s.keyMu.Lock()
		s.keyLive[k]--
		if s.keyLive[k] == 0 {
			delete(s.keyLive, k)
		}
		s.keyMu.Unlock()
	}, true
}

// apiError is the OpenAI error shape: {"error": {"message", "type", "code"}}.
type apiError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code,omitempty"`
	} `json:"error"`
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Message = msg
	e.Error.Code = code
	e.Error.Type = "invalid_request_error"
	if status >= 500 {
		e.Error.Type = "server_error"
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// newID returns a random job ID: 20 lowercase base-32 characters (100 bits).
func newID() string {
	var b [13]byte
	rand.Read(b[:])
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	out := make([]byte, 20)
	for i := range out {
		bit := i * 5
		v := (uint(b[bit/8])<<8 | uint(b[bit/8+1])) >> (11 - bit%8) & 31
		out[i] = alphabet[v]
	}
	return string(out)
}

// Serve listens on cfg.Addr and serves until ctx ends, then shuts down gracefully: it stops accepting,
// ends live streams with their final results, lets running job segments finish (their jobs resume at the
// next start), and closes the store.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
	}
	go s.retention(ctx)
	go s.runIdle(ctx)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	hs.SetKeepAlivesEnabled(false)
	herr := make(chan error, 1)
	go func() { herr <- hs.Shutdown(sctx) }()
	serr := s.store.Stop(sctx) // running segments finish; the rest of their jobs waits for the next start
	s.stopAll()                // streams: final result, then close
	s.streamWG.Wait()
	err := <-herr
	return errors.Join(err, serr)
}

// retention deletes finished jobs older than cfg.Retention, hourly (and at start).
func (s *Server) retention(ctx context.Context) {
	if s.cfg.Retention <= 0 {
		return
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) sweep(ctx context.Context) {
	ids, err := s.store.Expired(ctx, time.Now().Add(-s.cfg.Retention))
	if err != nil {
		s.log.Warn("retention", "err", err)
		return
	}
	for _, id := range ids {
		if err := s.store.Delete(ctx, id); err != nil {
			s.log.Warn("retention", "job", id, "err", err)
			continue
		}
		os.Remove(jobs.AudioPath(s.audioDir, id))
	}
}
