package cpusched

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitQueued waits until n goroutines wait in class c.
func waitQueued(t *testing.T, s *Scheduler, c Class, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); s.Stats(c).Waiting != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%v: %d waiting; want %d", c, s.Stats(c).Waiting, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPriorityOrder fills the slots, queues waiters of every class in a scrambled order, and checks the
// freed slots go to the most urgent class first and in arrival order within a class.
func TestPriorityOrder(t *testing.T) {
	tests := []struct {
		name  string
		slots int
		order []Class // arrival order of the waiters
	}{
		{"one slot", 1, []Class{Batch, Stream, Interactive, Batch, Interactive, Stream}},
		{"two slots", 2, []Class{Batch, Batch, Stream, Interactive, Stream, Interactive, Batch}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.slots)
			ctx := context.Background()
			var held []func()
			for range tc.slots {
				r, err := s.Acquire(ctx, Batch)
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, r)
			}
			var mu sync.Mutex
			var got []int // indices into tc.order, in grant order
			var wg sync.WaitGroup
			releases := make(chan func(), len(tc.order))
			queued := [NumClasses]int{}
			for i, c := range tc.order {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := s.Acquire(ctx, c)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, i)
					mu.Unlock()
					releases <- r
				}()
				queued[c]++
				waitQueued(t, s, c, queued[c]) // fixes the arrival order
			}
			if s.InUse() != tc.slots {
				t.Fatalf("InUse %d; want %d", s.InUse(), tc.slots)
			}
			// Free one slot at a time (the others stay held) and wait for its grant: each goes to the next
			// waiter by priority.
			held[0]()
			for range tc.order {
				r := <-releases
				r()
			}
			for _, r := range held[1:] {
				r()
			}
			wg.Wait()
			var want []int
			for c := Class(0); c < NumClasses; c++ {
				for i, k := range tc.order {
					if k == c {
						want = append(want, i)
					}
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("grant order %v; want %v", got, want)
				}
			}
			if s.InUse() != 0 {
				t.Errorf("InUse %d after all released", s.InUse())
			}
		})
	}
}

// TestNoOvertaking: a newcomer of a class does not take a free slot while an older waiter of its own or
// a more urgent class waits; a more urgent newcomer is queued ahead of older less urgent waiters.
func TestNoOvertaking(t *testing.T) {
	s := New(1)
	ctx := context.Background()
	r0, _ := s.Acquire(ctx, Batch)
	done := make(chan Class, 2)
	go func() {
		r, _ := s.Acquire(ctx, Batch)
		done <- Batch
		r()
	}()
	waitQueued(t, s, Batch, 1)
	go func() {
		r, _ := s.Acquire(ctx, Interactive)
		done <- Interactive
		r()
	}()
	waitQueued(t, s, Interactive, 1)
	r0()
	if first := <-done; first != Interactive {
		t.Errorf("first granted %v; want interactive", first)
	}
	<-done
}

// TestCancelWhileWaiting: a waiter whose context ends gets its error, holds nothing and leaves the
// queue; a canceled context with a free slot still gets the slot (no wait needed).
func TestCancelWhileWaiting(t *testing.T) {
	s := New(1)
	r0, err := s.Acquire(context.Background(), Stream)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := s.Acquire(ctx, Interactive)
		errc <- err
	}()
	waitQueued(t, s, Interactive, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire after cancel = %v; want context.Canceled", err)
	}
	if st := s.Stats(Interactive); st.Waiting != 0 || st.Acquired != 0 {
		t.Errorf("stats after cancel %+v; want none waiting or acquired", st)
	}
	r0()
	r0() // a second call does nothing
	if s.InUse() != 0 {
		t.Fatalf("InUse %d; want 0", s.InUse())
	}
	r, err := s.Acquire(ctx, Batch)
	if err != nil {
		t.Fatalf("free slot with a canceled context: %v", err)
	}
	r()
	if _, err := s.Acquire(context.Background(), NumClasses); err == nil {
		t.Error("class out of range accepted")
	}
}

// TestStress: many goroutines of all classes acquire and release with random cancellations under -race:
// never more than the slots are held, everything is released at the end, the counters add up.
func TestStress(t *testing.T) {
	const slots, burst, workers, rounds = 3, 1, 24, 200
	s := New(slots)
	s.SetBurst(burst)
	var holding, peak atomic.Int32
	var wg sync.WaitGroup
	var granted [NumClasses]atomic.Uint64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Class(w % int(NumClasses))
			for i := range rounds {
				ctx, cancel := context.WithCancel(context.Background())
				if (w+i)%7 == 0 {
					go cancel()
				}
				r, err := s.Acquire(ctx, c)
				if err == nil {
					granted[c].Add(1)
					n := holding.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					if n > slots+burst {
						t.Errorf("%d slots held; at most %d + %d", n, slots, burst)
					}
					if i%4 == 0 {
						time.Sleep(100 * time.Microsecond) // hold it a while: slots overlap
					}
					holding.Add(-1)
					r()
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	if s.InUse() != 0 {
		t.Errorf("InUse %d at the end", s.InUse())
	}
	for c := Class(0); c < NumClasses; c++ {
		st := s.Stats(c)
		if st.Waiting != 0 || st.Acquired != granted[c].Load() {
			t.Errorf("%v: stats %+v; granted %d", c, st, granted[c].Load())
		}
		if st.Buckets[len(st.Buckets)-1] > st.Acquired {
			t.Errorf("%v: histogram counts %d > %d acquired", c, st.Buckets[len(st.Buckets)-1], st.Acquired)
		}
	}
	if peak.Load() < 2 {
		t.Errorf("peak %d slots held at once; the test should have used several", peak.Load())
	}
}

// TestWaitStats: a waiter that waits about 50 ms has that wait recorded in its class's histogram.
func TestWaitStats(t *testing.T) {
	s := New(1)
	r0, _ := s.Acquire(context.Background(), Batch)
	go func() {
		time.Sleep(50 * time.Millisecond)
		r0()
	}()
	r, err := s.Acquire(context.Background(), Stream)
	if err != nil {
		t.Fatal(err)
	}
	r()
	st := s.Stats(Stream)
	if st.Acquired != 1 || st.WaitSeconds < 0.04 || st.Buckets[3] != 0 || st.Buckets[len(st.Buckets)-1] != 1 {
		t.Errorf("stats %+v; want one grant after about 50 ms", st)
	}
	if b := s.Stats(Batch); b.HoldSeconds < 0.04 {
		t.Errorf("batch hold %.3f s; want about 0.05", b.HoldSeconds)
	}
}

// TestBurst: with every slot taken, Interactive work gets a burst slot at once (other classes wait), a
// second Interactive request waits for a slot, and a freed burst slot goes to an Interactive waiter only.
func TestBurst(t *testing.T) {
	s := New(1)
	s.SetBurst(1)
	ctx := context.Background()
	rb, _ := s.Acquire(ctx, Batch)
	ri, err := s.Acquire(ctx, Interactive) // burst slot
	if err != nil {
		t.Fatal(err)
	}
	if s.InUse() != 2 {
		t.Fatalf("InUse %d; want 2", s.InUse())
	}
	got := make(chan Class, 3)
	for _, c := range []Class{Stream, Interactive} {
		go func() {
			r, err := s.Acquire(ctx, c)
			if err != nil {
				t.Error(err)
				return
			}
			got <- c
			r()
		}()
		waitQueued(t, s, c, 1)
	}
	ri() // the burst slot goes to the waiting Interactive request, not to Stream
	if c := <-got; c != Interactive {
		t.Fatalf("freed burst slot went to %v; want interactive", c)
	}
	select {
	case c := <-got:
		t.Fatalf("%v granted while the only normal slot is held", c)
	case <-time.After(20 * time.Millisecond):
	}
	rb()
	if c := <-got; c != Stream {
		t.Fatalf("freed slot went to %v; want stream", c)
	}
	if s.InUse() != 0 {
		t.Errorf("InUse %d at the end", s.InUse())
	}
	// Without a burst, Interactive waits like the others.
	s2 := New(1)
	r, _ := s2.Acquire(ctx, Batch)
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s2.Acquire(tctx, Interactive); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("interactive without burst: %v; want to wait", err)
	}
	r()
}

// TestAcquireSince: within a class, waiters are granted in the order of their since time, not of their
// arrival; the zero time means the time of arrival.
func TestAcquireSince(t *testing.T) {
	s := New(1)
	ctx := context.Background()
	r0, _ := s.Acquire(ctx, Stream)
	base := time.Now().Add(-time.Hour)
	keys := []time.Duration{30, 10, 20, -1, 5} // minutes after base; -1: zero time (now: last)
	got := make(chan int, len(keys))
	for i, k := range keys {
		h := s.Class(Stream)
		if k >= 0 {
			h = h.Since(base.Add(k * time.Minute))
		}
		go func() {
			r, err := h.Acquire(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			got <- i
			r()
		}()
		waitQueued(t, s, Stream, i+1)
	}
	r0()
	want := []int{4, 1, 2, 0, 3}
	for _, w := range want {
		if g := <-got; g != w {
			t.Fatalf("granted waiter %d; want %d (order %v)", g, w, want)
		}
	}
}
