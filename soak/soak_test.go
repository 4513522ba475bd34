package soak

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hark/internal/testenv"
	"hark/memory"
)

// fakeServer speaks hark's API (the parts the load generator uses) without decoding anything: each
// request takes work (100 ms, as if decoding), so that the request rate, and with it the leak's rate, is
// the same with and without the race detector. With leak set it retains leakBytes of every request's
// audio for good: the leak the soak must find. Its /debug/memory reports this test process, which is
// where the leak lives.
type fakeServer struct {
	leak      bool
	leakBytes int

	mu   sync.Mutex
	kept [][]byte
	jobs atomic.Int64
}

// retain is the leaking allocation site the heap diff must name.
func (f *fakeServer) retain(audio []byte) {
	if !f.leak {
		return
	}
	b := make([]byte, f.leakBytes)
	copy(b, audio)
	f.mu.Lock()
	f.kept = append(f.kept, b)
	f.mu.Unlock()
}

// work is how long the fake takes per request.
const work = 100 * time.Millisecond

func (f *fakeServer) handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ready\n") })
	m.HandleFunc("GET /debug/memory", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(memory.Take(nil, nil))
	})
	m.Handle("GET /debug/pprof/heap", pprof.Handler("heap"))
	m.HandleFunc("POST /v1/audio/transcriptions", func(w http.ResponseWriter, r *http.Request) {
		file, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(file)
		if _, _, err := ParseWAV(b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.retain(b)
		time.Sleep(work)
		fmt.Fprintf(w, `{"text":"%d bytes"}`, len(b))
	})
	m.HandleFunc("POST /v1/jobs", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if _, _, err := ParseWAV(b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.retain(b)
		time.Sleep(work)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"j%d","state":"queued"}`, f.jobs.Add(1))
	})
	m.HandleFunc("GET /v1/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"id":%q,"state":"succeeded"}`, r.PathValue("id"))
	})
	m.HandleFunc("GET /v1/jobs/{id}/transcript", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"text":""}`)
	})
	m.HandleFunc("DELETE /v1/jobs/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	m.HandleFunc("GET /v1/stream", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		var audio bytes.Buffer
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if typ == websocket.MessageBinary {
				audio.Write(msg)
				c.Write(r.Context(), websocket.MessageText, []byte(`{"partial":""}`))
				continue
			}
			if strings.Contains(string(msg), `"eof"`) {
				f.retain(audio.Bytes())
				time.Sleep(work)
				c.Write(r.Context(), websocket.MessageText, fmt.Appendf(nil, `{"result":[],"text":"%d bytes"}`, audio.Len()))
				c.Close(websocket.StatusNormalClosure, "")
				return
			}
		}
	})
	return m
}

func testClips(t *testing.T) []Clip {
	dir := testenv.RequireFile(t, filepath.Join(testenv.TestData, "librivox"))
	clips, err := LoadClips(dir)
	if err != nil {
		t.Fatal(err)
	}
	return clips
}

// shortRun soaks the fake server for a few seconds. A run of seconds cannot show "statistically flat"
// in the absolute (the runtime is still growing its heap to the working set, a few MiB), so the verdict
// uses a tolerance of 2.5 MB/s (9 GB/hour): below half the leak's rate (the fake leaks ~15 MB/s), and above
// the drift of a settled process (up to ~1.6 MB/s measured under the race detector, whose shadow memory
// grows with every new heap address).
func shortRun(t *testing.T, f *fakeServer, clips []Clip) *Report {
	srv := httptest.NewServer(f.handler())
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.URL, cfg.Clips = srv.URL, clips
	cfg.Pace = 10 // streams at 10× real time: many requests in seconds
	cfg.Chunk = 100 * time.Millisecond
	cfg.Idle, cfg.Duration, cfg.Warmup = 300*time.Millisecond, 6*time.Second, 2*time.Second
	cfg.Tolerance = 2.5e6
	cfg.Drain, cfg.Settle = 5*time.Second, 300*time.Millisecond
	cfg.Interval, cfg.Block = 20*time.Millisecond, 200*time.Millisecond
	cfg.Out = t.TempDir()
	if dir := os.Getenv("SOAK_TEST_OUT"); dir != "" { // keep the files to look at
		cfg.Out = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-"))
	}
	rep, err := Run(t.Context(), cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep.Text())
	for _, name := range []string{"samples.csv", "report.txt", "report.json", "chart.png", "chart.svg", "heap-start.pb.gz", "heap-after.pb.gz"} {
		if st, err := os.Stat(filepath.Join(cfg.Out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	for _, k := range kinds {
		if rep.Load[k].OK == 0 {
			t.Errorf("no %s request succeeded: %+v %v", k, rep.Load, rep.Errors)
		}
	}
	if len(rep.Phases) != 4 {
		t.Fatalf("%d phase snapshots, want 4", len(rep.Phases))
	}
	return rep
}

// TestSoakLeak drives the fake server with the soak's load generator, first without and then with a
// leak of 512 KiB per request, and checks the verdict: converged, then growing with the leaking
// function at the top of the heap diff. The run without the leak comes first: a leak would stay in the
// process's RSS.
func TestSoakLeak(t *testing.T) {
	clips := testClips(t)
	t.Run("no leak", func(t *testing.T) {
		rep := shortRun(t, &fakeServer{}, clips)
		if rep.Growing || rep.RSSTrend == nil {
			t.Errorf("verdict without a leak: %s", rep.Verdict)
		}
	})
	t.Run("leak", func(t *testing.T) {
		f := &fakeServer{leak: true, leakBytes: 512 << 10}
		rep := shortRun(t, f, clips)
		if !rep.Growing || !strings.HasPrefix(rep.Verdict, "growing at ") {
			t.Errorf("verdict with a leak: %s", rep.Verdict)
		}
		if top := rep.Heap[0].Func; !strings.HasSuffix(top, "fakeServer).retain") {
			t.Errorf("the heap diff's top site is %s, want the leak's (*fakeServer).retain", top)
		}
		f.mu.Lock()
		leaked := len(f.kept) * f.leakBytes
		f.mu.Unlock()
		// Bytes retained while the trend was fitted, against the fitted slope: the same order of magnitude.
		t.Logf("leaked %d MiB in all; RSS trend %s", leaked>>20, rep.RSSTrend)
	})
}
