package jobs

import (
	"context"
	"fmt"

	"hark/recognizer"
)

// SessionPool hands out recognizer sessions over one shared model, at most Size at a time, and keeps the
// idle ones for reuse. Memory: at most Size sessions (each fixed by the decoder configuration, not by the
// audio).
type SessionPool struct {
	m    *recognizer.Model
	sem  chan struct{}
	idle chan *recognizer.Session
}

// NewSessionPool returns a pool of at most size sessions over m.
func NewSessionPool(m *recognizer.Model, size int) (*SessionPool, error) {
	if size < 1 {
		return nil, fmt.Errorf("jobs: session pool size %d must be positive", size)
	}
	return &SessionPool{m: m, sem: make(chan struct{}, size), idle: make(chan *recognizer.Session, size)}, nil
}

// Model returns the shared model.
func (p *SessionPool) Model() *recognizer.Model { return p.m }

// SampleRate is the model's sample rate in Hz.
func (p *SessionPool) SampleRate() int { return int(p.m.Feat.SampleRate) }

// InUse is the number of sessions handed out.
func (p *SessionPool) InUse() int { return len(p.sem) }

// Size is the most sessions handed out at once.
func (p *SessionPool) Size() int { return cap(p.sem) }

// Get waits for a free session (or ctx) and returns it with the function that gives it back.
func (p *SessionPool) Get(ctx context.Context) (*recognizer.Session, func(), error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	return p.take()
}

// TryGet is Get without waiting: ok is false when all sessions are in use.
func (p *SessionPool) TryGet() (s *recognizer.Session, release func(), ok bool, err error) {
	select {
	case p.sem <- struct{}{}:
	default:
		return nil, nil, false, nil
	}
	s, release, err = p.take()
	return s, release, err == nil, err
}

func (p *SessionPool) take() (*recognizer.Session, func(), error) {
	var s *recognizer.Session
	select {
	case s = <-p.idle:
	default:
		var err error
		if s, err = p.m.NewSession(); err != nil {
			<-p.sem
			return nil, nil, err
		}
	}
	return s, func() {
		p.idle <- s
		<-p.sem
	}, nil
}
