package memory

import (
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Snapshot is where the process's memory is at one moment. Byte counts throughout.
type Snapshot struct {
	Time time.Time `json:"time"`
	// From /proc/self/smaps_rollup (or statm when that is missing).
	RSS       int64 `json:"rss_bytes"`
	PSS       int64 `json:"pss_bytes"`
	Anonymous int64 `json:"anonymous_bytes"`
	FileBack  int64 `json:"file_backed_bytes"` // RSS − anonymous: mapped files such as a memory-mapped graph
	Swap      int64 `json:"swap_bytes"`
	// From the Go runtime.
	HeapInUse    int64            `json:"heap_inuse_bytes"`
	HeapIdle     int64            `json:"heap_idle_bytes"`
	HeapReleased int64            `json:"heap_released_bytes"`
	HeapObjects  int64            `json:"heap_objects"`
	GoTotal      int64            `json:"go_total_bytes"` // all memory mapped by the Go runtime
	StackInUse   int64            `json:"stack_inuse_bytes"`
	Goroutines   int              `json:"goroutines"`
	GCCycles     int64            `json:"gc_cycles"`
	SoftLimit    int64            `json:"soft_limit_bytes"`
	Components   map[string]int64 `json:"components"`
	Budget       *BudgetStats     `json:"budget,omitempty"`
	// Reservation is what one unit of work (a recognizer session) reserves from the budget; set by the
	// caller of Take (0 = not known).
	Reservation int64 `json:"reservation_bytes,omitempty"`
	// IdleReleases counts the times idle memory was handed back to the OS; set by the caller of Take.
	IdleReleases int64 `json:"idle_releases,omitempty"`
}

// Components tracks bytes per named component (model, graph, sessions, audio buffers). Each component is
// a function so that the figure is current when sampled. Memory: one map entry per name. Safe for
// concurrent use.
type Components struct {
	mu sync.Mutex
	fn map[string]func() int64
}

// Set registers or replaces a component's byte counter.
func (c *Components) Set(name string, bytes func() int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fn == nil {
		c.fn = map[string]func() int64{}
	}
	c.fn[name] = bytes
}

// Read returns the current figure of every component.
func (c *Components) Read() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.fn))
	for k, f := range c.fn {
		out[k] = f()
	}
	return out
}

// Names returns the component names, sorted.
func (c *Components) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.fn))
	for k := range c.fn {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

var sampleNames = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/gc/heap/objects:objects",
	"/gc/cycles/total:gc-cycles",
	"/gc/gomemlimit:bytes",
}

// Take samples the process now. comps and budget may be nil.
func Take(comps *Components, budget *Budget) Snapshot {
	s := Snapshot{Time: time.Now(), Goroutines: runtime.NumGoroutine()}
	readProc(&s)
	samples := make([]metrics.Sample, len(sampleNames))
	for i, n := range sampleNames {
		samples[i].Name = n
	}
	metrics.Read(samples)
	v := func(i int) int64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(samples[i].Value.Uint64())
	}
	s.HeapInUse = v(0) + v(1)
	s.HeapIdle = v(2) + v(3)
	s.HeapReleased = v(3)
	s.GoTotal = v(4)
	s.StackInUse = v(5)
	s.HeapObjects = v(6)
	s.GCCycles = v(7)
	s.SoftLimit = v(8)
	if comps != nil {
		s.Components = comps.Read()
	}
	if budget != nil {
		st := budget.Stats()
		s.Budget = &st
	}
	return s
}

func readProc(s *Snapshot) {
	if b, err := os.ReadFile("/proc/self/smaps_rollup"); err == nil {
		s.RSS, _ = parseKB(b, "Rss")
		s.PSS, _ = parseKB(b, "Pss")
		s.Anonymous, _ = parseKB(b, "Anonymous")
		s.Swap, _ = parseKB(b, "Swap")
		s.FileBack = s.RSS - s.Anonymous
		return
	}
	s.RSS = RSS()
}

// RSS returns the resident set size of this process in bytes from /proc/self/statm (cheap enough to
// sample every second), or 0 when it cannot be read.
func RSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
