package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"hark/soak"
)

func init() { addCommand(newSoakCmd) }

func newSoakCmd() *cobra.Command {
	cfg := soak.DefaultConfig()
	var (
		url, data, audioDir, mix, out string
		serveArgs                     []string
		toleranceMBh                  float64
	)
	cmd := &cobra.Command{
		Use:   "soak [flags]",
		Short: "Drive a server with real load and decide whether its memory converges",
		Long: `soak drives a hark server (--url, or one it starts itself with --data) with a mix of streaming
(WebSocket at real-time pace), job and synchronous transcription load made of real recordings, at the
given concurrency for the given duration. It samples the server's RSS and Go heap every --interval from
/debug/memory (or /proc/PID/status and /metrics for a server it started that lacks it), and snapshots
four phases, each with a heap profile from /debug/pprof/heap:

  start       idle, model loaded (after --idle)
  under load  the warm-up done (--warmup after the load starts)
  steady      the end of the load
  after       idle again (--settle after the last request ended)

It prints the comparison of the four snapshots, the live heap by allocation site across them (largest
growth first), and a verdict from the least-squares slope of RSS after the warm-up, fitted on block
means (--block) with a 95% interval corrected for autocorrelation: "converged", or "growing at N MB/hour
(95% CI [a, b])" when the whole interval lies above --tolerance. The exit status is 1 when growing.
--out receives samples.csv, report.txt, report.json, chart.png, chart.svg and heap-<phase>.pb.gz (for
go tool pprof -diff_base).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if cfg.Mix, err = soak.ParseMix(mix); err != nil {
				return fmt.Errorf("--mix: %w", err)
			}
			if audioDir == "" {
				audioDir = defaultAudioDir()
			}
			if cfg.Clips, err = soak.LoadClips(audioDir); err != nil {
				return fmt.Errorf("--audio: %w", err)
			}
			cfg.Tolerance = toleranceMBh * 1e6 / 3600
			if out == "" {
				out = "soak-" + time.Now().UTC().Format("20060102-150405")
			}
			cfg.Out = out
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			cfg.Logf = func(format string, a ...any) {
				fmt.Fprintf(stderr, "%s soak: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * cfg.Concurrency}}
			switch {
			case url != "" && data != "":
				return errors.New("give --url or --data, not both")
			case url != "":
				cfg.URL = url
			case data != "":
				srv, err := startServer(ctx, data, out, serveArgs, cfg.Logf)
				if err != nil {
					return err
				}
				defer srv.stop(cfg.Logf)
				cfg.URL, cfg.PID = srv.url, srv.cmd.Process.Pid
			default:
				return errors.New("give --url of a running server or --data for one to start")
			}
			rctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // the model load, then the run
			defer cancel()
			if err := soak.WaitReady(rctx, client, cfg.URL, cfg.APIKey); err != nil {
				return err
			}
			rep, err := soak.Run(ctx, cfg, client)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), rep.Text())
			fmt.Fprintf(cmd.OutOrStdout(), "files: %s/{samples.csv,report.txt,report.json,chart.png,chart.svg}\n", out)
			if rep.Growing {
				return fmt.Errorf("memory is %s", rep.Verdict)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&url, "url", "", "base `URL` of a running server (http://host:port)")
	fs.StringVar(&data, "data", "", "start `hark serve` with this data `DIR` on a free loopback port")
	fs.StringArrayVar(&serveArgs, "serve-arg", nil, "extra `FLAG` for the server started with --data (repeatable)")
	fs.StringVar(&cfg.APIKey, "api-key", os.Getenv("HARK_API_KEY"), "Bearer API `KEY` (default $HARK_API_KEY)")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long the load runs")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "requests at once")
	fs.StringVar(&mix, "mix", cfg.Mix.String(), "share of the concurrency per kind of load (stream, job, sync)")
	fs.StringVar(&audioDir, "audio", "", "`DIR` of 16-bit mono WAV recordings (default "+devSetWAV+", else "+librivoxWAV+")")
	fs.StringVar(&out, "out", "", "output `DIR` (default soak-YYYYMMDD-HHMMSS)")
	fs.Float64Var(&cfg.Pace, "pace", cfg.Pace, "streaming speed relative to real time (0 = as fast as possible)")
	fs.DurationVar(&cfg.Chunk, "chunk", cfg.Chunk, "audio per WebSocket message")
	fs.DurationVar(&cfg.Idle, "idle", cfg.Idle, "idle time before the start snapshot")
	fs.DurationVar(&cfg.Warmup, "warmup", 0, "load before the under-load snapshot and the trend window (0 = min(5m, duration/5))")
	fs.DurationVar(&cfg.Drain, "drain", cfg.Drain, "how long requests in flight may finish after the load")
	fs.DurationVar(&cfg.Settle, "settle", cfg.Settle, "idle time after the load before the after snapshot")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "sampling interval")
	fs.DurationVar(&cfg.Block, "block", 0, "block length of the trend fit (0 = min(1m, window/10))")
	fs.Float64Var(&toleranceMBh, "tolerance", 0, "slope in MB/hour (10⁶ bytes) the interval must exceed to call growth")
	fs.Float64Var(&cfg.Baseline, "baseline", cfg.Baseline, "largest accepted ratio of RSS after the load to the idle baseline")
	cmd.AddCommand(newSoakChartCmd())
	return cmd
}

// Default recordings: the project's dev set (relative to the module root) and pocketsphinx-testdata's.
const (
	devSetWAV   = "../shared/eval/dev/wav"
	librivoxWAV = "/usr/share/pocketsphinx/test/data/librivox"
)

// defaultAudioDir is the dev set's WAV directory when present, else pocketsphinx-testdata's recordings.
func defaultAudioDir() string {
	if st, err := os.Stat(devSetWAV); err == nil && st.IsDir() {
		return devSetWAV
	}
	return librivoxWAV
}

// childServer is a `hark serve` child process.
type childServer struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

// startServer runs this executable's serve command on a free loopback port, logging to out/serve.log.
func startServer(ctx context.Context, data, out string, extra []string, logf func(string, ...any)) (*childServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(filepath.Join(out, "serve.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", addr, "--data", data}, extra...)
	c := exec.Command(exe, args...)
	c.Stdout, c.Stderr = log, log
	if err := c.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	s := &childServer{cmd: c, url: "http://" + addr, done: make(chan error, 1)}
	go func() { s.done <- c.Wait(); log.Close() }()
	logf("started %s %v (pid %d), log in %s", exe, args, c.Process.Pid, filepath.Join(out, "serve.log"))
	select {
	case err := <-s.done:
		return nil, fmt.Errorf("the server exited at once: %v (see %s/serve.log)", err, out)
	case <-time.After(200 * time.Millisecond):
	case <-ctx.Done():
	}
	return s, nil
}

// stop sends SIGTERM (graceful shutdown) and kills the server after 30 s.
func (s *childServer) stop(logf func(string, ...any)) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		logf("server stopped: %v", err)
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		logf("server killed after 30 s: %v", <-s.done)
	}
}

func newSoakChartCmd() *cobra.Command {
	var in, out, title string
	cmd := &cobra.Command{
		Use:   "chart --csv FILE --out CHART",
		Short: "Chart memory over time from a CSV of series,t_seconds,rss_bytes rows (one curve per series)",
		Long: `chart draws the memory curves of a CSV whose header is series,t_seconds,rss_bytes (other columns
are ignored), one curve per distinct series, with soak's charting (MiB against time). The output format
follows the extension of --out: .png, .svg or .pdf. bench/memory-vs-pocketsphinx.sh uses it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(in)
			if err != nil {
				return err
			}
			defer f.Close()
			series, err := readSeriesCSV(f)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			return soak.WriteChart(out, soak.ChartSpec{Title: title, Series: series})
		},
	}
	cmd.Flags().StringVar(&in, "csv", "", "input `FILE`")
	cmd.Flags().StringVar(&out, "out", "chart.png", "output `FILE` (.png, .svg, .pdf)")
	cmd.Flags().StringVar(&title, "title", "RSS over time", "chart title")
	return cmd
}

// readSeriesCSV reads series,t_seconds,rss_bytes rows into one Series per name, in order of appearance.
func readSeriesCSV(r io.Reader) ([]soak.Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	is, it, iy := col["series"], col["t_seconds"], col["rss_bytes"]
	if _, ok := col["series"]; !ok || len(col) < 3 {
		return nil, errors.New("want a header with series, t_seconds and rss_bytes")
	}
	if _, ok := col["t_seconds"]; !ok {
		return nil, errors.New("no t_seconds column")
	}
	if _, ok := col["rss_bytes"]; !ok {
		return nil, errors.New("no rss_bytes column")
	}
	var out []soak.Series
	index := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) <= max(is, it, iy) {
			return nil, fmt.Errorf("line %d: %d fields", line, len(rec))
		}
		t, err1 := strconv.ParseFloat(rec[it], 64)
		y, err2 := strconv.ParseFloat(rec[iy], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		k, ok := index[rec[is]]
		if !ok {
			k = len(out)
			index[rec[is]] = k
			out = append(out, soak.Series{Name: rec[is]})
		}
		out[k].X, out[k].Y = append(out[k].X, t), append(out[k].Y, y)
	}
	if len(out) == 0 {
		return nil, errors.New("no rows")
	}
	return out, nil
}
