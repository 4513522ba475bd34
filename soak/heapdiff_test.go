package soak

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"testing"
)

var retained [][]byte

// heapTestAlloc makes exactly eight 1 MiB allocations. The slice holding them is made by the caller: were
// it grown here, its small backing arrays could be sampled and scaled up to the sampling interval,
// attributing a ninth "object" of about 512 KiB to this function.
//
//go:noinline
func heapTestAlloc() {
	for i := range retained {
		retained[i] = make([]byte, 1<<20)
	}
}

func heapProfileBytes(t testing.TB) []byte {
	runtime.GC()
	runtime.GC() // the profile shows the heap as of the last completed collection
	var b bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestParseHeapProfile reads this process's own heap profile and finds 8 MiB retained by heapTestAlloc.
// Profiling every allocation (MemProfileRate 1) keeps the figures exact: at the default 512 KiB rate each
// 1 MiB sample is scaled up by 1/(1−e^−2) when the profile is written, giving 9.25 "objects".
func TestParseHeapProfile(t *testing.T) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	retained = make([][]byte, 8)
	heapTestAlloc()
	defer func() { retained = nil }()
	h, err := ParseHeapProfile(bytes.NewReader(heapProfileBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := h.Sites["hark/soak.heapTestAlloc"]
	// The eight 1 MiB blocks, plus at most a few small runtime objects the profile attributes to the same
	// frame (seen: one of 112 bytes).
	if s.Bytes < 8<<20 || s.Bytes > 8<<20+64<<10 || s.Objects < 8 || s.Objects > 10 {
		t.Fatalf("heapTestAlloc: %d bytes in %d objects, want 8 MiB in 8 (sites: %d)", s.Bytes, s.Objects, len(h.Sites))
	}
	if h.Bytes < s.Bytes {
		t.Fatalf("total %d below one site's %d", h.Bytes, s.Bytes)
	}
	if _, err := ParseHeapProfile(bytes.NewReader([]byte("not a profile"))); err == nil {
		t.Error("garbage parsed")
	}
}

func TestDiffHeaps(t *testing.T) {
	p := func(sites map[string]int64) *HeapProfile {
		h := &HeapProfile{Sites: map[string]HeapSite{}}
		for f, b := range sites {
			h.Sites[f] = HeapSite{Func: f, Bytes: b, Objects: b / 100}
			h.Bytes += b
			h.Objects += b / 100
		}
		return h
	}
	rows := DiffHeaps([]*HeapProfile{
		p(map[string]int64{"model": 1000, "pool": 100, "gone": 50}),
		p(map[string]int64{"model": 1000, "pool": 300, "leak": 200, "zero": 0}),
		nil, // a phase whose profile failed
		p(map[string]int64{"model": 1000, "pool": 150, "leak": 900}),
	}, 3)
	var got []string
	for _, r := range rows {
		got = append(got, r.Func)
	}
	want := []string{"leak", "pool", "model", "(total)"}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rows %v, want %v", got, want)
		}
	}
	if tot := rows[3]; tot.Bytes[0] != 1150 || tot.Bytes[2] != 0 || tot.Bytes[3] != 2050 {
		t.Errorf("total %v", tot.Bytes)
	}
}

func FuzzParseHeapProfile(f *testing.F) {
	f.Add(heapProfileBytes(f))
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeapProfile(bytes.NewReader(b))
		if err != nil {
			return
		}
		var sum int64
		for _, s := range h.Sites {
			sum += s.Bytes
		}
		if sum != h.Bytes {
			t.Fatalf("sites sum to %d, total %d", sum, h.Bytes)
		}
	})
}
