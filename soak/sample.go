package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"hark/memory"
)

// Sample is the server's memory at one moment, with the load in progress. Byte counts.
type Sample struct {
	Elapsed      float64 `json:"t_seconds"` // since the run started
	Phase        string  `json:"phase"`
	RSS          int64   `json:"rss_bytes"`
	HeapInUse    int64   `json:"heap_inuse_bytes"` // 0 when the source has no Go heap figures
	HeapIdle     int64   `json:"heap_idle_bytes"`
	HeapReleased int64   `json:"heap_released_bytes"`
	GoTotal      int64   `json:"go_total_bytes"`
	Goroutines   int     `json:"goroutines"`
	Active       int64   `json:"active_requests"` // load-generator requests in flight
	Done         int64   `json:"done_requests"`   // load-generator requests finished (any outcome)
}

// Source reads the server's memory.
type Source interface {
	// Read returns the server's memory now: a memory.Snapshot with at least RSS set.
	Read(ctx context.Context) (memory.Snapshot, error)
	// Name says where the figures come from, for the report.
	Name() string
}

// maxJSONBytes bounds a /debug/memory answer.
const maxJSONBytes = 1 << 20

// HTTPSource reads /debug/memory (the JSON of memory.Snapshot).
type HTTPSource struct {
	URL    string // the server's base URL
	Client *http.Client
	APIKey string
}

func (s *HTTPSource) Name() string { return s.URL + "/debug/memory" }

func (s *HTTPSource) Read(ctx context.Context) (memory.Snapshot, error) {
	var snap memory.Snapshot
	b, err := get(ctx, s.Client, s.URL+"/debug/memory", s.APIKey, maxJSONBytes)
	if err != nil {
		return snap, err
	}
	if err := json.Unmarshal(b, &snap); err != nil {
		return snap, fmt.Errorf("/debug/memory: %w", err)
	}
	if snap.RSS <= 0 {
		return snap, errors.New("/debug/memory: no rss_bytes")
	}
	return snap, nil
}

// ProcSource reads a local server process's VmRSS from /proc/PID/status and, when URL is set, the Go
// heap from its Prometheus /metrics (go_memstats_heap_inuse_bytes and friends), for servers without
// /debug/memory.
type ProcSource struct {
	PID    int
	URL    string // "" for RSS only
	Client *http.Client
	APIKey string
}

func (s *ProcSource) Name() string { return fmt.Sprintf("/proc/%d/status", s.PID) }

func (s *ProcSource) Read(ctx context.Context) (memory.Snapshot, error) {
	snap := memory.Snapshot{Time: time.Now()}
	rss, err := ProcRSS(s.PID)
	if err != nil {
		return snap, err
	}
	snap.RSS = rss
	if s.URL == "" {
		return snap, nil
	}
	b, err := get(ctx, s.Client, s.URL+"/metrics", s.APIKey, 8<<20)
	if err != nil {
		return snap, nil // RSS alone is still a sample
	}
	m := ParseMetrics(string(b))
	snap.HeapInUse = int64(m["go_memstats_heap_inuse_bytes"])
	snap.HeapIdle = int64(m["go_memstats_heap_idle_bytes"])
	snap.HeapReleased = int64(m["go_memstats_heap_released_bytes"])
	snap.GoTotal = int64(m["go_memstats_sys_bytes"])
	snap.StackInUse = int64(m["go_memstats_stack_inuse_bytes"])
	snap.HeapObjects = int64(m["go_memstats_heap_objects"])
	snap.Goroutines = int(m["go_goroutines"])
	return snap, nil
}

// ProcRSS returns VmRSS of process pid in bytes, from /proc/PID/status.
func ProcRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("/proc/%d/status: malformed VmRSS line %q", pid, strings.TrimSpace(line))
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: VmRSS: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS (a kernel thread or a zombie?)", pid)
}

// ParseMetrics reads the unlabelled samples of a Prometheus text exposition: name → value. Labelled
// samples and comments are skipped.
func ParseMetrics(text string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}

// get fetches url and returns at most limit bytes of a 200 answer.
func get(ctx context.Context, c *http.Client, url, key string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{url, resp.StatusCode, strings.TrimSpace(string(b[:min(len(b), 200)]))}
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: answer exceeds %d bytes", url, limit)
	}
	return b, nil
}

// statusError is a non-200 answer.
type statusError struct {
	url  string
	code int
	body string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s: status %d: %s", e.url, e.code, e.body)
}
