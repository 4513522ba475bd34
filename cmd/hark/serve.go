package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"hark/jobs"
	"hark/memory"
	"hark/recognizer"
	"hark/server"
	"hark/store/sqlite"
)

func init() { addCommand(newServeCmd) }

func newServeCmd() *cobra.Command {
	var (
		mf        modelFlags
		cfg       = server.DefaultConfig()
		db        string
		keys      []string
		maxUpload string
		maxMsg    string
		memLimit  string
		partial   = recognizer.DefaultConfig("")
	)
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the transcription service (OpenAI-compatible API, durable jobs, Vosk-compatible streaming)",
		Long: `serve runs hark's HTTP service over one shared model:

  POST /v1/audio/transcriptions   OpenAI-compatible, synchronous (json, text, srt, vtt, verbose_json)
  POST /v1/jobs, GET /v1/jobs, GET|DELETE /v1/jobs/{id}, GET /v1/jobs/{id}/transcript?format=...,
  GET /v1/jobs/{id}/events        durable jobs for long recordings (survive restarts and crashes)
  GET /v1/stream                  WebSocket, vosk-server's protocol
  /healthz /readyz /metrics /debug/pprof/ /debug/memory

Jobs and their results live in a SQLite database in the data directory (--db overrides it). API keys
(--api-key, or HARK_API_KEYS separated by commas) are required unless --addr is a loopback address.
SIGTERM or SIGINT shuts down gracefully: running job segments finish and their jobs resume next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if env := os.Getenv("HARK_API_KEYS"); env != "" {
				for _, k := range strings.Split(env, ",") {
					if k = strings.TrimSpace(k); k != "" {
						keys = append(keys, k)
					}
				}
			}
			cfg.APIKeys = keys
			var err error
			if cfg.MaxUploadBytes, err = memory.ParseSize(maxUpload); err != nil {
				return fmt.Errorf("--max-upload: %w", err)
			}
			if cfg.MaxMessageBytes, err = memory.ParseSize(maxMsg); err != nil {
				return fmt.Errorf("--max-message: %w", err)
			}
			switch memLimit {
			case "":
				if cfg.MemoryLimit, err = memory.DefaultLimit(); err != nil {
					return fmt.Errorf("--memory-limit: no default (%w): give one", err)
				}
			case "0", "none":
				cfg.MemoryLimit = 0
			default:
				if cfg.MemoryLimit, err = memory.ParseSize(memLimit); err != nil {
					return fmt.Errorf("--memory-limit: %w", err)
				}
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			// The partial decoder's flags, checked against the model's search flags before loading.
			pc := mf.config()
			pc.PartialBeam, pc.PartialMaxActive = partial.PartialBeam, partial.PartialMaxActive
			if err := pc.Validate(); err != nil {
				return fmt.Errorf("--partial-beam, --partial-max-active: %w", err)
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()

			store, err := openStore(ctx, db, cfg, log)
			if err != nil {
				return err
			}
			defer store.Close()
			srv, err := server.New(cfg, store, log)
			if err != nil {
				return err
			}
			if b := srv.Budget(); b != nil {
				b.ApplySoftLimit() // Go's soft memory limit = the budget
			}
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return err
			}
			log.Info("listening", "addr", ln.Addr().String(), "data", cfg.DataDir, "keys", len(keys))
			go func() {
				m, err := mf.load(cmd.ErrOrStderr())
				if err != nil {
					log.Error("model", "err", err)
					srv.SetLoadError(err)
					return
				}
				m.Config.PartialBeam, m.Config.PartialMaxActive = partial.PartialBeam, partial.PartialMaxActive
				if err := srv.SetModel(ctx, m); err != nil {
					log.Error("start workers", "err", err)
					srv.SetLoadError(err)
					return
				}
				log.Info("ready")
			}()
			err = srv.Serve(ctx, ln)
			log.Info("stopped", "err", err)
			return err
		},
	}
	mf.register(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen `HOST:PORT` (keys are required unless it is loopback)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data `DIR`: uploads and the database")
	fs.StringVar(&db, "db", "", "database `URL`: sqlite:PATH (default DATA/hark.db); postgres:// is planned")
	fs.StringArrayVar(&keys, "api-key", nil, "accepted Bearer API `KEY` (repeatable; also HARK_API_KEYS)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "jobs decoded at once (0 = API only)")
	fs.IntVar(&cfg.Streams, "streams", cfg.Streams, "live sessions at once (WebSocket streams and synchronous requests)")
	fs.IntVar(&cfg.MaxSessionsKey, "sessions-per-key", cfg.MaxSessionsKey, "live sessions at once per API key")
	fs.StringVar(&maxUpload, "max-upload", "2GiB", "largest upload `SIZE`")
	fs.StringVar(&maxMsg, "max-message", "1MiB", "largest WebSocket message `SIZE`")
	fs.DurationVar(&cfg.MaxDuration, "max-duration", cfg.MaxDuration, "longest audio accepted")
	fs.DurationVar(&cfg.Retention, "retention", cfg.Retention, "delete finished jobs this long after they end (0 = keep)")
	fs.DurationVar(&cfg.StreamIdle, "stream-idle", cfg.StreamIdle, "close streams silent for this long")
	fs.DurationVar(&cfg.UploadIdle, "upload-idle", cfg.UploadIdle, "refuse uploads that stall for this long")
	fs.StringVar(&memLimit, "memory-limit", "", "process memory budget `SIZE` (e.g. 4GiB; default the cgroup limit or physical memory; 0 = none):\n"+
		"Go's soft memory limit, and every session reserves its worst case from it first (jobs wait, streams get 503)")
	fs.DurationVar(&cfg.IdleRelease, "idle-release", cfg.IdleRelease, "after this long with no session in use, shrink idle sessions and return memory to the OS (0 = never)")
	fs.Float32Var(&partial.PartialBeam, "partial-beam", partial.PartialBeam, "decoding beam of streams' live decoders, which give the partial results (0 = --beam);\n"+
		"final results are decoded again at --beam from the segments cut at pauses")
	fs.IntVar(&partial.PartialMaxActive, "partial-max-active", partial.PartialMaxActive, "max active tokens of streams' live decoders (0 = --max-active)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long shutdown waits")
	return cmd
}

// openStore opens the job store named by db ("" = SQLite in the data directory).
func openStore(ctx context.Context, db string, cfg server.Config, log *slog.Logger) (jobs.Store, error) {
	path := filepath.Join(cfg.DataDir, "hark.db")
	switch {
	case db == "":
	case strings.HasPrefix(db, "sqlite:"):
		path = strings.TrimPrefix(strings.TrimPrefix(db, "sqlite:"), "//")
	case strings.HasPrefix(db, "postgres:"), strings.HasPrefix(db, "postgresql:"):
		return nil, fmt.Errorf("--db %s: the PostgreSQL store (store/postgres) is not built yet; use sqlite:PATH", redact(db))
	default:
		return nil, fmt.Errorf("--db %q: want sqlite:PATH", db)
	}
	return sqlite.Open(ctx, sqlite.Options{Path: path, Workers: cfg.Workers,
		Logger: log.With("component", "river")})
}

// redact hides a password in a database URL.
func redact(u string) string {
	if at := strings.LastIndex(u, "@"); at > 0 {
		if s := strings.Index(u, "://"); s > 0 && s < at {
			return u[:s+3] + "…" + u[at:]
		}
	}
	return u
}
