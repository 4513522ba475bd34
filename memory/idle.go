package memory

import (
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// IdleReleaser hands memory back to the operating system (debug.FreeOSMemory, the Go counterpart of
// glibc's malloc_trim) once the process has had no work in progress for a while. Work is bracketed by
// Begin and the function it returns. Safe for concurrent use.
type IdleReleaser struct {
	idle time.Duration
	now  func() time.Time

	mu       sync.Mutex
	active   int
	last     time.Time // when the last work ended
	released bool      // memory already handed back since the last work
	count    int64
	hooks    []func() // run before memory is handed back (drop caches, shrink idle sessions)
}

// OnRelease registers f to run, on the releasing goroutine, every time idle memory is handed back,
// before debug.FreeOSMemory: the place to drop caches and shrink idle sessions so that their memory is
// free when the heap is scavenged. Register hooks before Run starts.
func (r *IdleReleaser) OnRelease(f func()) {
	r.mu.Lock()
	r.hooks = append(r.hooks, f)
	r.mu.Unlock()
}

// NewIdleReleaser returns a releaser that frees memory after idle of no work. idle ≤ 0 disables it.
func NewIdleReleaser(idle time.Duration) *IdleReleaser {
	return &IdleReleaser{idle: idle, now: time.Now, last: time.Now()}
}

// Begin marks the start of a unit of work; call the returned function when it ends.
func (r *IdleReleaser) Begin() (end func()) {
	r.mu.Lock()
	r.active++
	r.released = false
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.active--
			r.last = r.now()
			r.mu.Unlock()
		})
	}
}

// Releases returns how many times memory was handed back.
func (r *IdleReleaser) Releases() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Check frees memory if the process has been idle long enough and has not been freed since; it reports
// whether it did. Run calls it periodically.
func (r *IdleReleaser) Check() bool {
	r.mu.Lock()
	due := r.idle > 0 && r.active == 0 && !r.released && r.now().Sub(r.last) >= r.idle
	if due {
		r.released = true
		r.count++
	}
	hooks := r.hooks
	r.mu.Unlock()
	if due {
		for _, f := range hooks {
			f()
		}
		debug.FreeOSMemory()
	}
	return due
}

// Run checks every idle/4 (at least every second) until ctx ends. It returns when ctx is done.
func (r *IdleReleaser) Run(ctx context.Context) {
	if r.idle <= 0 {
		<-ctx.Done()
		return
	}
	tick := max(r.idle/4, 10*time.Millisecond)
	tick = min(tick, time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Check()
		}
	}
}
