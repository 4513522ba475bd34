package memory

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestBudgetAdmission(t *testing.T) {
	b, err := NewBudget(100)
	if err != nil {
		t.Fatal(err)
	}
	b.SetFixed(40)
	r1, err := b.TryReserve(50)
	if err != nil {
		t.Fatalf("TryReserve(50) = %v; want success", err)
	}
	if _, err := b.TryReserve(20); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("TryReserve(20) over budget = %v; want ErrOverBudget", err)
	}
	if _, err := b.Reserve(context.Background(), 61); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("Reserve(61) that can never fit = %v; want ErrOverBudget", err)
	}
	got := make(chan func(), 1)
	go func() {
		r, err := b.Reserve(context.Background(), 30)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	waitFor(t, func() bool { return b.Stats().Waiting == 1 })
	if _, err := b.TryReserve(5); err == nil {
		t.Fatal("TryReserve jumped the queue of a waiting Reserve")
	}
	r1()
	r1() // idempotent
	r2 := <-got
	st := b.Stats()
	if st.Reserved != 30 || st.Peak != 90 || st.Refused != 3 {
		t.Errorf("stats = %+v; want reserved 30, peak 90, refused 3", st)
	}
	r2()
	if st := b.Stats(); st.Reserved != 0 {
		t.Errorf("reserved after release = %d; want 0", st.Reserved)
	}
}

func TestBudgetCancel(t *testing.T) {
	b, _ := NewBudget(10)
	r, _ := b.TryReserve(10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := b.Reserve(ctx, 5)
		done <- err
	}()
	waitFor(t, func() bool { return b.Stats().Waiting == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Reserve = %v", err)
	}
	r()
	if st := b.Stats(); st.Reserved != 0 || st.Waiting != 0 {
		t.Errorf("after cancel: %+v", st)
	}
}

// TestBudgetNeverExceeded hammers the budget from many goroutines and checks the invariant.
func TestBudgetNeverExceeded(t *testing.T) {
	b, _ := NewBudget(1000)
	b.SetFixed(100)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := int64(50 + (g*37+i*11)%400)
				var rel func()
				var err error
				if i%2 == 0 {
					rel, err = b.Reserve(context.Background(), n)
				} else {
					rel, err = b.TryReserve(n)
				}
				if err != nil {
					continue
				}
				if st := b.Stats(); st.Fixed+st.Reserved > st.Limit {
					t.Errorf("budget exceeded: %+v", st)
				}
				runtime.Gosched()
				rel()
			}
		}(g)
	}
	wg.Wait()
	if st := b.Stats(); st.Reserved != 0 || st.Peak > 1000 {
		t.Errorf("final stats %+v", st)
	}
}

func TestIdleReleaser(t *testing.T) {
	r := NewIdleReleaser(time.Minute)
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	r.last = now
	end := r.Begin()
	now = now.Add(2 * time.Minute)
	if r.Check() {
		t.Fatal("released while work was active")
	}
	end()
	if r.Check() {
		t.Fatal("released right after work ended")
	}
	now = now.Add(61 * time.Second)
	if !r.Check() {
		t.Fatal("did not release after a minute idle")
	}
	if r.Check() || r.Releases() != 1 {
		t.Fatal("released twice without work in between")
	}
}

func TestTake(t *testing.T) {
	var c Components
	c.Set("model", func() int64 { return 42 })
	b, _ := NewBudget(1 << 30)
	s := Take(&c, b)
	if s.RSS <= 0 || s.HeapInUse <= 0 || s.GoTotal <= 0 || s.Goroutines <= 0 {
		t.Errorf("snapshot has empty figures: %+v", s)
	}
	if s.Components["model"] != 42 || s.Budget == nil || s.Budget.Limit != 1<<30 {
		t.Errorf("components/budget missing: %+v", s)
	}
	if RSS() <= 0 {
		t.Error("RSS() = 0")
	}
	if n, err := DefaultLimit(); err != nil || n <= 0 {
		t.Errorf("DefaultLimit() = %d, %v", n, err)
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{{"4GiB", 4 << 30}, {"512MB", 512 << 20}, {"1.5g", 3 << 29}, {"1048576", 1 << 20}, {"64 KiB", 64 << 10}} {
		if got, err := ParseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "-1G", "lots", "0", "1e30G"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) succeeded", bad)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestParseMaps(t *testing.T) {
	in := []byte(`55d0c8a00000-55d0c8c00000 r--p 00000000 08:01 123 /usr/bin/hark
7f0000000000-7f0000100000 r--s 00000000 08:01 456 /root/.cache/hark/graphs/x/HCLG.fst
7f0000200000-7f0000300000 rw-p 00000000 00:00 0
garbage
7f0000400000-7f0000300000 r--s 00000000 08:01 7 /bad/range
7f0000500000-7f0000600000 r--s 00000000 08:01 8 /path with spaces/lm.bin
`)
	got := parseMaps(in)
	if len(got) != 4 {
		t.Fatalf("parseMaps: %d mappings; want 4: %+v", len(got), got)
	}
	if got[1].perms != "r--s" || got[1].end-got[1].start != 1<<20 || got[1].path != "/root/.cache/hark/graphs/x/HCLG.fst" {
		t.Errorf("mapping 1 = %+v", got[1])
	}
	if got[2].path != "" || got[3].path != "/path with spaces/lm.bin" {
		t.Errorf("paths: %q %q", got[2].path, got[3].path)
	}
}
