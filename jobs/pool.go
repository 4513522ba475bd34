package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"hark/internal/cpusched"
	"hark/memory"
	"hark/recognizer"
)

// ErrBusy is returned by TryGet when every session of the pool is in use.
var ErrBusy = errors.New("jobs: all sessions are in use")

// SessionPool hands out recognizer sessions over one shared model, at most Size at a time, and keeps the
// idle ones for reuse. With a memory budget (Admit), every session handed out first reserves its
// worst-case footprint (recognizer.Model.SessionFootprint) and gives it back when returned.
//
// Memory: at most Size sessions, each bounded by the footprint (fixed by the decoder configuration and the
// longest segment, not by the audio). A session is shrunk when it is returned (recognizer.Session.Shrink:
// its decoder arenas and lattice freed), so it holds them only while in use and never keeps the
// high-water mark of the hardest segment it ever decoded; idle sessions keep only their small fixed
// structures until Trim drops them. Safe for concurrent use.
//
// CPU: every session handed out takes a slot of the pool's scheduler (by default the process-wide
// cpusched.Default(), class Batch: jobs and synchronous transcriptions yield to live streams) per chunk of
// its work; a user may change its session's scheduler and decoder configuration (live streams do), and
// both are reset when the session is returned.
type SessionPool struct {
	m     *recognizer.Model
	sem   chan struct{}
	idle  chan *recognizer.Session
	sched recognizer.Scheduler

	budget    *memory.Budget // nil: no admission control
	footprint int64
	activity  *memory.IdleReleaser // nil: not tracked

	mu   sync.Mutex
	held map[*recognizer.Session]int64 // bytes each session held when last returned or trimmed
}

// NewSessionPool returns a pool of at most size sessions over m.
func NewSessionPool(m *recognizer.Model, size int) (*SessionPool, error) {
	if size < 1 {
		return nil, fmt.Errorf("jobs: session pool size %d must be positive", size)
	}
	return &SessionPool{m: m, sem: make(chan struct{}, size), idle: make(chan *recognizer.Session, size),
		sched: cpusched.Default().Class(cpusched.Batch), held: map[*recognizer.Session]int64{}}, nil
}

// SetScheduler sets the scheduler the sessions handed out from now on take CPU slots from (nil: none).
// Call it before the pool is used.
func (p *SessionPool) SetScheduler(sch recognizer.Scheduler) { p.sched = sch }

// Admit puts the pool under budget b: each session handed out reserves footprint bytes first. activity,
// if not nil, is told when sessions are in use (so that idle memory is released only when none is).
// Call it before the pool is used.
func (p *SessionPool) Admit(b *memory.Budget, footprint int64, activity *memory.IdleReleaser) {
	p.budget, p.footprint, p.activity = b, footprint, activity
}

// Footprint is the bytes each session reserves from the budget (0 without one).
func (p *SessionPool) Footprint() int64 {
	if p.budget == nil {
		return 0
	}
	return p.footprint
}

// Model returns the shared model.
func (p *SessionPool) Model() *recognizer.Model { return p.m }

// SampleRate is the model's sample rate in Hz.
func (p *SessionPool) SampleRate() int { return int(p.m.Feat.SampleRate) }

// InUse is the number of sessions handed out.
func (p *SessionPool) InUse() int { return len(p.sem) }

// Size is the most sessions handed out at once.
func (p *SessionPool) Size() int { return cap(p.sem) }

// HeldBytes is the bytes the pool's sessions held when last measured (each measured by its owner when it
// is returned, and by Trim): the arenas of idle sessions and the last figure of those in use.
func (p *SessionPool) HeldBytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, b := range p.held {
		n += b
	}
	return n
}

// Get waits for a free session and, under a budget, for its reservation to fit (in FIFO order with other
// waiters), or until ctx ends. It returns the session with the function that gives it back (call it once,
// from the goroutine that used the session). A reservation larger than the whole budget fails at once with
// an error wrapping memory.ErrOverBudget.
func (p *SessionPool) Get(ctx context.Context) (*recognizer.Session, func(), error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	var unreserve func()
	if p.budget != nil {
		var err error
		if unreserve, err = p.budget.Reserve(ctx, p.footprint); err != nil {
			<-p.sem
			return nil, nil, err
		}
	}
	return p.take(unreserve)
}

// GetNow waits for a free session like Get, but does not wait for the budget: when the reservation does
// not fit now it fails with an error wrapping memory.ErrOverBudget (for requests that answer 503 and
// Retry-After rather than queue).
func (p *SessionPool) GetNow(ctx context.Context) (*recognizer.Session, func(), error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	return p.reserveNow()
}

// TryGet neither waits for a session nor for the budget: it fails with ErrBusy when all sessions are in
// use and with an error wrapping memory.ErrOverBudget when the reservation does not fit now.
func (p *SessionPool) TryGet() (*recognizer.Session, func(), error) {
	select {
	case p.sem <- struct{}{}:
	default:
		return nil, nil, ErrBusy
	}
	return p.reserveNow()
}

func (p *SessionPool) reserveNow() (*recognizer.Session, func(), error) {
	var unreserve func()
	if p.budget != nil {
		var err error
		if unreserve, err = p.budget.TryReserve(p.footprint); err != nil {
			<-p.sem
			return nil, nil, err
		}
	}
	return p.take(unreserve)
}

func (p *SessionPool) take(unreserve func()) (*recognizer.Session, func(), error) {
	var s *recognizer.Session
	select {
	case s = <-p.idle:
	default:
		var err error
		if s, err = p.m.NewSession(); err != nil {
			if unreserve != nil {
				unreserve()
			}
			<-p.sem
			return nil, nil, err
		}
	}
	var end func()
	if p.activity != nil {
		end = p.activity.Begin()
	}
	s.SetScheduler(context.Background(), p.sched)
	var once sync.Once
	return s, func() {
		once.Do(func() {
			s.Shrink() // hold arenas only while in use: no high-water mark kept across requests
			s.SetScheduler(context.Background(), nil)
			// Back to the model's search configuration (a live stream may have narrowed it); after Shrink
			// the session is between utterances, so this cannot fail; if it did, the session is dropped.
			keep := s.SetDecoderConfig(p.m.Config.Decoder) == nil
			b := s.Bytes()
			p.mu.Lock()
			if keep {
				p.held[s] = b
			} else {
				delete(p.held, s)
			}
			p.mu.Unlock()
			if keep {
				p.idle <- s
			}
			if unreserve != nil {
				unreserve()
			}
			<-p.sem
			if end != nil {
				end()
			}
		})
	}, nil
}

// Trim drops the idle sessions (their decoder arenas, lattices, front end and scorer become garbage, for
// the caller to hand back to the OS) and returns how many it dropped and the bytes they held. Sessions in
// use are left alone, and new ones are made on demand. It never waits.
func (p *SessionPool) Trim() (sessions int, freed int64) {
	for {
		select {
		case s := <-p.idle:
			p.mu.Lock()
			freed += p.held[s]
			delete(p.held, s)
			p.mu.Unlock()
			sessions++
		default:
			return sessions, freed
		}
	}
}
