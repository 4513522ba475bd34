// Package cpusched shares the process's CPUs among kinds of decoding work by priority: a Scheduler hands
// out a fixed number of slots (by default GOMAXPROCS: one per CPU the Go runtime uses), and when a slot is
// given back it goes to the oldest waiter of the most urgent class. Work takes a slot for a short chunk at
// a time (the recognizer: at most about one second of audio), so urgent work waits at most for one chunk
// of less urgent work, never for a whole job. Go's own scheduler knows no priorities; this is a layer above
// it for the CPU-bound decoding only (network, database and other goroutines take no slot). Interactive
// work may also take a few burst slots beyond the count (SetBurst), so that it never waits for a chunk of
// other work to end.
//
// Memory: one waiter (a channel and a list element) per goroutine waiting, and fixed counters.
package cpusched

import (
	"container/list"
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Class is a priority class: lower values are more urgent.
type Class int

// The classes of hark's decoding work, most urgent first.
const (
	// Interactive is the live decoding of streams (their partial results): short chunks, someone waits
	// for every reply.
	Interactive Class = iota
	// Stream is the decoding of streams' final results.
	Stream
	// Batch is the decoding of jobs and synchronous transcriptions.
	Batch
	// NumClasses is the number of classes.
	NumClasses
)

func (c Class) String() string {
	switch c {
	case Interactive:
		return "interactive"
	case Stream:
		return "stream"
	case Batch:
		return "batch"
	}
	return fmt.Sprintf("class%d", int(c))
}

// WaitBuckets are the upper bounds, in seconds, of the wait-time histogram of Stats.
var WaitBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ClassStats are the counters of one class since the scheduler was made.
type ClassStats struct {
	Acquired    uint64   // slots granted
	Waiting     int      // goroutines waiting now
	WaitSeconds float64  // total time spent waiting for slots (granted or given up)
	HoldSeconds float64  // total time slots were held (wall time: CPU time when the machine is not oversubscribed)
	Buckets     []uint64 // cumulative counts of granted waits ≤ WaitBuckets[i]
}

type waiter struct {
	since   time.Time     // when it began to wait
	key     time.Time     // its place in the class's queue: older first
	ready   chan struct{} // closed when granted
	granted bool          // under mu
	extra   bool          // granted a burst slot (under mu)
	elem    *list.Element
}

// Scheduler hands out slots to classes by priority (FIFO within a class). Safe for concurrent use.
type Scheduler struct {
	mu        sync.Mutex
	slots     int
	free      int
	burst     int // extra slots for Interactive work (SetBurst)
	burstFree int
	queue     [NumClasses]list.List // of *waiter
	stats     [NumClasses]ClassStats
}

// New returns a Scheduler with slots slots (at least 1).
func New(slots int) *Scheduler {
	slots = max(slots, 1)
	s := &Scheduler{slots: slots, free: slots}
	for i := range s.stats {
		s.stats[i].Buckets = make([]uint64, len(WaitBuckets))
	}
	return s
}

var (
	defOnce sync.Once
	def     *Scheduler
)

// Default returns the process-wide scheduler with GOMAXPROCS slots (read at the first call) and a burst of
// one for Interactive work: CPUs are a process-wide resource, so every user of the process's decoding
// shares it.
func Default() *Scheduler {
	defOnce.Do(func() {
		def = New(runtime.GOMAXPROCS(0))
		def.SetBurst(1)
	})
	return def
}

// SetBurst lets Interactive work hold up to n slots beyond Slots when all are taken: its chunks are short
// and someone waits for each, so rather than wait for a running chunk of other work to end (up to a second
// of audio) it then shares the CPUs with it through Go's scheduler (time slices of about 10 ms). Call it
// before the scheduler is used.
func (s *Scheduler) SetBurst(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.burst, s.burstFree = max(n, 0), max(n, 0)
}

// Slots returns the number of slots.
func (s *Scheduler) Slots() int { return s.slots }

// Acquire waits for a slot for work of class c (in the order of arrival within the class: AcquireSince
// with the time now), or until ctx ends (then it returns ctx's error and holds
// nothing, unless the slot was granted before it noticed: then it returns the slot). It returns the
// function that gives the slot back; call it exactly once (later calls do nothing).
func (s *Scheduler) Acquire(ctx context.Context, c Class) (release func(), err error) {
	return s.AcquireSince(ctx, c, time.Time{})
}

// AcquireSince is Acquire with the waiter placed in its class's queue by since (older first; the zero time
// means now) rather than by arrival: a piece of work that takes many slots one chunk after another passes
// the time it began as since for all of them, so that pieces of one class complete in the order they
// began rather than advancing round-robin and all completing late.
func (s *Scheduler) AcquireSince(ctx context.Context, c Class, since time.Time) (release func(), err error) {
	if c < 0 || c >= NumClasses {
		return nil, fmt.Errorf("cpusched: class %d out of range [0, %d)", c, NumClasses)
	}
	t0 := time.Now()
	s.mu.Lock()
	if s.free > 0 && s.noneWaitingBefore(c) {
		s.free--
		s.granted(c, 0)
		s.mu.Unlock()
		return s.releaser(c, t0, false), nil
	}
	if c == Interactive && s.burstFree > 0 && s.queue[Interactive].Len() == 0 {
		s.burstFree--
		s.granted(c, 0)
		s.mu.Unlock()
		return s.releaser(c, t0, true), nil
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if since.IsZero() {
		since = t0
	}
	w := &waiter{since: t0, key: since, ready: make(chan struct{})}
	q := &s.queue[c]
	e := q.Back()
	for e != nil && e.Value.(*waiter).key.After(since) {
		e = e.Prev()
	}
	if e == nil {
		w.elem = q.PushFront(w)
	} else {
		w.elem = q.InsertAfter(w, e)
	}
	s.stats[c].Waiting++
	s.mu.Unlock()
	select {
	case <-w.ready:
		s.mu.Lock()
		extra := w.extra
		s.mu.Unlock()
		return s.releaser(c, time.Now(), extra), nil
	case <-ctx.Done():
		s.mu.Lock()
		if w.granted { // granted meanwhile: take it (the grant came first)
			extra := w.extra
			s.mu.Unlock()
			return s.releaser(c, time.Now(), extra), nil
		}
		s.queue[c].Remove(w.elem)
		s.stats[c].Waiting--
		s.mu.Unlock()
		return nil, ctx.Err()
	}
}

// noneWaitingBefore reports whether no waiter of class c or a more urgent one is queued (a newcomer must
// not overtake them). Called with mu held.
func (s *Scheduler) noneWaitingBefore(c Class) bool {
	for k := Class(0); k <= c; k++ {
		if s.queue[k].Len() > 0 {
			return false
		}
	}
	return true
}

// granted counts a grant to class c after waiting wait. Called with mu held.
func (s *Scheduler) granted(c Class, wait time.Duration) {
	st := &s.stats[c]
	st.Acquired++
	sec := wait.Seconds()
	st.WaitSeconds += sec
	for i, b := range WaitBuckets {
		if sec <= b {
			st.Buckets[i]++
		}
	}
}

func (s *Scheduler) releaser(c Class, held time.Time, extra bool) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.stats[c].HoldSeconds += time.Since(held).Seconds()
			if extra {
				s.handOnBurst()
			} else {
				s.handOn()
			}
		})
	}
}

// handOnBurst gives a freed burst slot to the oldest Interactive waiter, or returns it. Called with mu
// held.
func (s *Scheduler) handOnBurst() {
	q := &s.queue[Interactive]
	if e := q.Front(); e != nil {
		w := q.Remove(e).(*waiter)
		w.granted, w.extra = true, true
		s.stats[Interactive].Waiting--
		s.granted(Interactive, time.Since(w.since))
		close(w.ready)
		return
	}
	s.burstFree++
}

// handOn gives a freed slot to the oldest waiter of the most urgent class, or returns it to the free
// count. Called with mu held.
func (s *Scheduler) handOn() {
	for k := range s.queue {
		q := &s.queue[k]
		if e := q.Front(); e != nil {
			w := q.Remove(e).(*waiter)
			w.granted = true
			s.stats[k].Waiting--
			s.granted(Class(k), time.Since(w.since))
			close(w.ready)
			return
		}
	}
	s.free++
}

// Stats returns the counters of class c (zero for a class out of range).
func (s *Scheduler) Stats(c Class) ClassStats {
	if c < 0 || c >= NumClasses {
		return ClassStats{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[c]
	st.Buckets = append([]uint64(nil), st.Buckets...)
	return st
}

// InUse returns the number of slots held now (burst slots included).
func (s *Scheduler) InUse() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slots - s.free + s.burst - s.burstFree
}

// Handle is a class of a scheduler: its Acquire takes a slot of that class (it satisfies
// recognizer.Scheduler).
type Handle struct {
	s     *Scheduler
	c     Class
	since time.Time
}

// Class returns the handle of class c.
func (s *Scheduler) Class(c Class) Handle { return Handle{s: s, c: c} }

// Since returns the handle whose requests are queued by t (see Scheduler.AcquireSince).
func (h Handle) Since(t time.Time) Handle {
	h.since = t
	return h
}

// Acquire waits for a slot of the handle's class (see Scheduler.AcquireSince).
func (h Handle) Acquire(ctx context.Context) (func(), error) {
	return h.s.AcquireSince(ctx, h.c, h.since)
}
