package memory

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// ErrOverBudget is returned by TryReserve when a reservation does not fit now, and by Reserve when it can
// never fit (larger than the whole budget).
var ErrOverBudget = errors.New("memory: reservation exceeds the memory budget")

// Budget is a process memory budget in bytes with admission control. Fixed (shared) memory such as
// models and graphs is set with SetFixed; work reserves its worst case with Reserve or TryReserve and
// releases it when done. Waiters are served in FIFO order, so a large reservation is not starved by small
// ones. Memory: one list element per waiting caller. Safe for concurrent use.
type Budget struct {
	mu       sync.Mutex
	limit    int64
	fixed    int64
	reserved int64
	peak     int64
	waiters  list.List // of *waiter, FIFO
	refused  int64
	granted  int64
}

type waiter struct {
	n     int64
	ready chan struct{}
}

// NewBudget returns a budget of limit bytes. It does not touch the Go runtime: call ApplySoftLimit for
// the process-wide budget.
func NewBudget(limit int64) (*Budget, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("memory: budget %d must be positive", limit)
	}
	return &Budget{limit: limit}, nil
}

// ApplySoftLimit sets Go's soft memory limit to the budget (debug.SetMemoryLimit) and returns the
// previous limit.
func (b *Budget) ApplySoftLimit() int64 {
	return debug.SetMemoryLimit(b.Limit())
}

// Limit returns the budget in bytes.
func (b *Budget) Limit() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limit
}

// SetFixed records the bytes of shared, long-lived data (model, graph, runtime baseline) that count against
// the budget before any reservation. It may make the budget over-committed; new reservations then wait.
func (b *Budget) SetFixed(n int64) {
	b.mu.Lock()
	b.fixed = n
	b.wakeLocked()
	b.mu.Unlock()
}

func (b *Budget) fitsLocked(n int64) bool { return b.fixed+b.reserved+n <= b.limit }

// TryReserve reserves n bytes if they fit now, without waiting, and returns a release function that must
// be called exactly once when the work ends. It fails with ErrOverBudget when they do not fit or when
// others are already waiting (a streaming client is then told to retry later).
func (b *Budget) TryReserve(n int64) (release func(), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 0 {
		return nil, fmt.Errorf("memory: negative reservation %d", n)
	}
	if b.waiters.Len() > 0 || !b.fitsLocked(n) {
		b.refused++
		return nil, fmt.Errorf("%w: need %d bytes, %d of %d in use", ErrOverBudget, n, b.fixed+b.reserved, b.limit)
	}
	b.grantLocked(n)
	return b.releaser(n), nil
}

// Reserve waits until n bytes fit, in FIFO order with other waiters, or until ctx ends. It fails at once
// with ErrOverBudget when n can never fit (n > limit − fixed).
func (b *Budget) Reserve(ctx context.Context, n int64) (release func(), err error) {
	b.mu.Lock()
	if n < 0 {
		b.mu.Unlock()
		return nil, fmt.Errorf("memory: negative reservation %d", n)
	}
	if n > b.limit-b.fixed {
		b.refused++
		b.mu.Unlock()
		return nil, fmt.Errorf("%w: need %d bytes, budget %d with %d fixed", ErrOverBudget, n, b.limit, b.fixed)
	}
	if b.waiters.Len() == 0 && b.fitsLocked(n) {
		b.grantLocked(n)
		b.mu.Unlock()
		return b.releaser(n), nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return b.releaser(n), nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready: // granted while we were cancelled: give it back
			b.reserved -= n
		default:
			b.waiters.Remove(e)
		}
		b.wakeLocked()
		b.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (b *Budget) grantLocked(n int64) {
	b.reserved += n
	b.granted++
	if u := b.fixed + b.reserved; u > b.peak {
		b.peak = u
	}
}

// wakeLocked grants waiting reservations in order while the first one fits.
func (b *Budget) wakeLocked() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*waiter)
		if !b.fitsLocked(w.n) {
			return
		}
		b.waiters.Remove(e)
		b.grantLocked(w.n)
		close(w.ready)
	}
}

func (b *Budget) releaser(n int64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.reserved -= n
			b.wakeLocked()
			b.mu.Unlock()
		})
	}
}

// BudgetStats is a snapshot of a budget.
type BudgetStats struct {
	Limit    int64 `json:"limit_bytes"`
	Fixed    int64 `json:"fixed_bytes"`
	Reserved int64 `json:"reserved_bytes"`
	Peak     int64 `json:"peak_bytes"` // highest fixed+reserved so far
	Waiting  int   `json:"waiting"`    // callers queued in Reserve
	Granted  int64 `json:"granted_total"`
	Refused  int64 `json:"refused_total"`
}

// Stats returns a snapshot.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BudgetStats{Limit: b.limit, Fixed: b.fixed, Reserved: b.reserved, Peak: b.peak,
		Waiting: b.waiters.Len(), Granted: b.granted, Refused: b.refused}
}
