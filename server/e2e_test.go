package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"hark/internal/testenv"
	"hark/transcript"
)

// The end-to-end tests build cmd/hark once and run real `hark serve` processes on loopback with the small
// turtle model (its graph builds in about a second).

var (
	harkBin   string
	buildOnce sync.Once
	buildErr  error
	binDir    string
)

// buildHark builds cmd/hark once per test binary (on first use, so fuzzing workers do not build it).
func buildHark(t testing.TB) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "hark-e2e-")
		if buildErr != nil {
			return
		}
		harkBin = filepath.Join(binDir, "hark")
		cmd := exec.Command("go", "build", "-o", harkBin, "./cmd/hark")
		cmd.Dir = moduleRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/hark: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// turtleArgs are the model flags of the small test model.
// HARK_E2E_ENUS=1 uses the default en-us model and graph cache instead (for the long runs).
func turtleArgs(t testing.TB, cache string) []string {
	if os.Getenv("HARK_E2E_ENUS") != "" {
		return nil
	}
	lm := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.lm.bin"))
	dict := testenv.RequireFile(t, filepath.Join(testenv.TestData, "turtle.dic"))
	testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	return []string{"--lm", lm, "--dict", dict, "--graph-cache", cache}
}

type proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  *syncBuf
	done chan error
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer runs `hark serve` on a free loopback port over data and waits until it is ready.
func startServer(t testing.TB, data, cache string, extra ...string) *proc {
	t.Helper()
	buildHark(t)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, turtleArgs(t, cache)...)
	args = append(args, extra...)
	p := &proc{t: t, log: &syncBuf{}, done: make(chan error, 1)}
	p.cmd = exec.Command(harkBin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(p.log.String()); m != nil && p.base == "" {
			p.base = "http://" + m[1]
		}
		if p.base != "" {
			if resp, err := http.Get(p.base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return p
				}
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("hark serve exited: %v\n%s", err, p.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("hark serve not ready after 60s:\n%s", p.log.String())
	return nil
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
	}
}

// term sends SIGTERM and waits for a clean exit.
func (p *proc) term(t testing.TB) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		p.done <- nil
		if err != nil {
			t.Fatalf("hark serve exit after SIGTERM: %v\n%s", err, p.log.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("hark serve did not stop within 60s of SIGTERM")
	}
}

// upload posts a multipart form with the file at path and the fields.
func upload(t testing.TB, url, path string, fields map[string][]string) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(b)
	mw.Close()
	resp, err := http.Post(url, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

type jobJSON struct {
	ID       string  `json:"id"`
	State    string  `json:"state"`
	Segments int     `json:"segments_total"`
	Done     int     `json:"segments_done"`
	Progress float64 `json:"progress"`
	Error    string  `json:"error"`
}

func getJob(t testing.TB, base, id string) jobJSON {
	t.Helper()
	resp, err := http.Get(base + "/v1/jobs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j jobJSON
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		t.Fatal(err)
	}
	return j
}

func submitJob(t testing.TB, base, path string) string {
	t.Helper()
	resp, body := upload(t, base+"/v1/jobs", path, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/jobs: %s: %s", resp.Status, body)
	}
	var j jobJSON
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	return j.ID
}

// waitJob polls until the job is final or cond holds.
func waitJob(t testing.TB, base, id string, timeout time.Duration, cond func(jobJSON) bool) jobJSON {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j := getJob(t, base, id)
		if cond(j) || j.State == "succeeded" || j.State == "failed" || j.State == "canceled" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v after %v", id, j, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jobTranscript(t testing.TB, base, id, format string) []byte {
	t.Helper()
	resp, err := http.Get(base + "/v1/jobs/" + id + "/transcript?format=" + format)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("transcript of %s: %s: %s", id, resp.Status, b)
	}
	return b
}

// longRecording concatenates the first n dev-set files with 1.5 s pauses (sox) into a WAV in dir.
func longRecording(t testing.TB, dir string, n int) string {
	t.Helper()
	sox := testenv.RequireTool(t, "sox")
	wavs, _ := filepath.Glob(filepath.Join(moduleRoot(), testenv.DevSet, "wav", "*.wav"))
	if len(wavs) == 0 {
		testenv.RequireFile(t, filepath.Join(moduleRoot(), testenv.DevSet, "wav"))
		t.Skip("no dev-set recordings")
	}
	if n > 0 && n < len(wavs) {
		wavs = wavs[:n]
	}
	pause := filepath.Join(dir, "pause.wav")
	if out, err := exec.Command(sox, "-n", "-r", "16000", "-c", "1", "-b", "16", pause, "trim", "0", "1.5").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	var args []string
	for _, w := range wavs {
		args = append(args, w, pause)
	}
	out := filepath.Join(dir, fmt.Sprintf("long%d.wav", n))
	args = append(args, out)
	if b, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, b)
	}
	return out
}

// TestJobSurvivesKill submits a long recording, kills the server with SIGKILL in the middle of the job,
// restarts it, and checks that the job completes with every segment once and a transcript identical to
// an uninterrupted run's. HARK_E2E_LONG=1 uses the whole dev set (about 20 minutes of audio).
func TestJobSurvivesKill(t *testing.T) {
	n := 5
	if os.Getenv("HARK_E2E_LONG") != "" {
		n = 0 // the whole dev set
	}
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	rec := longRecording(t, dir, n)

	data := filepath.Join(dir, "data1")
	p := startServer(t, data, cache)
	id := submitJob(t, p.base, rec)
	j := waitJob(t, p.base, id, 30*time.Minute, func(j jobJSON) bool { return j.Done >= 2 })
	if j.State != "running" || j.Done >= j.Segments {
		t.Fatalf("job finished before the kill: %+v", j)
	}
	p.cmd.Process.Kill() // SIGKILL, mid-job
	<-p.done
	p.done <- nil
	t.Logf("killed with %d of %d segments done", j.Done, j.Segments)

	p2 := startServer(t, data, cache)
	j = waitJob(t, p2.base, id, 30*time.Minute, func(jobJSON) bool { return false })
	if j.State != "succeeded" || j.Done != j.Segments {
		t.Fatalf("after restart: %+v", j)
	}
	resumed := jobTranscript(t, p2.base, id, "hark_json")
	p2.term(t)

	// the uninterrupted run
	p3 := startServer(t, filepath.Join(dir, "data2"), cache)
	id2 := submitJob(t, p3.base, rec)
	waitJob(t, p3.base, id2, 30*time.Minute, func(jobJSON) bool { return false })
	clean := jobTranscript(t, p3.base, id2, "hark_json")

	var a, b transcript.Transcript
	if err := json.Unmarshal(resumed, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(clean, &b); err != nil {
		t.Fatal(err)
	}
	if len(a.Segments) != j.Segments {
		t.Errorf("resumed transcript has %d segments, the job %d", len(a.Segments), j.Segments)
	}
	a.ID, b.ID = "", ""
	if !equalJSON(a, b) {
		t.Errorf("resumed transcript differs from the uninterrupted run:\n%s\n---\n%s", resumed, clean)
	}
	for i := 1; i < len(a.Segments); i++ {
		if a.Segments[i].Start < a.Segments[i-1].End {
			t.Errorf("segment %d starts at %v before segment %d ends at %v", i, a.Segments[i].Start, i-1, a.Segments[i-1].End)
		}
	}

	for _, sg := range a.Segments {
		for _, w := range sg.Words {
			if w.Start < sg.Start-0.01 || w.End > sg.End+0.01 {
				t.Errorf("word %+v outside its segment [%v, %v]", w, sg.Start, sg.End)
			}
		}
	}
	t.Logf("%d segments, %d words, %.0f s of audio", len(a.Segments), len(a.Words()), a.Duration)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestJobLifecycle covers list, progress events, transcript formats, cancel and delete.
func TestJobLifecycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServer(t, filepath.Join(dir, "data"), filepath.Join(dir, "cache"))
	gf := goForward(t, dir)
	id := submitJob(t, p.base, gf)

	// server-sent events end with the final state
	resp, err := http.Get(p.base + "/v1/jobs/" + id + "/events")
	if err != nil {
		t.Fatal(err)
	}
	var last jobJSON
	sc := bufio.NewScanner(resp.Body)
	events := 0
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events++
			if err := json.Unmarshal([]byte(d), &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	resp.Body.Close()
	if last.State != "succeeded" || last.Progress != 1 || events < 1 {
		t.Fatalf("last event %+v after %d events", last, events)
	}
	for _, f := range []string{"text", "json", "verbose_json", "srt", "vtt", "hark_json", "hyp"} {
		b := jobTranscript(t, p.base, id, f)
		if !strings.Contains(strings.ToLower(string(b)), "go forward ten meters") {
			t.Errorf("format %s: %s", f, b)
		}
	}
	// list
	r2, _ := http.Get(p.base + "/v1/jobs")
	var list struct{ Data []jobJSON }
	json.NewDecoder(r2.Body).Decode(&list)
	r2.Body.Close()
	if len(list.Data) != 1 || list.Data[0].ID != id {
		t.Errorf("list: %+v", list)
	}
	// cancel a queued job of a long recording, then delete both
	rec := longRecording(t, dir, 4)
	id2 := submitJob(t, p.base, rec)
	req, _ := http.NewRequest("POST", p.base+"/v1/jobs/"+id2+"/cancel", nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("cancel: %v %v", err, r.Status)
	}
	if j := waitJob(t, p.base, id2, time.Minute, func(jobJSON) bool { return false }); j.State != "canceled" {
		t.Errorf("canceled job: %+v", j)
	}
	for _, jid := range []string{id, id2} {
		req, _ := http.NewRequest("DELETE", p.base+"/v1/jobs/"+jid, nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %v %v", err, r.Status)
		}
		if r, _ := http.Get(p.base + "/v1/jobs/" + jid); r.StatusCode != 404 {
			t.Errorf("deleted job: %s", r.Status)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "data", "audio")); len(ents) != 0 {
		t.Errorf("audio left after delete: %d files", len(ents))
	}
	p.term(t)
}

// goForward writes pocketsphinx-testdata's goforward.raw ("go forward ten meters") as a 16 kHz WAV.
func goForward(t testing.TB, dir string) string {
	t.Helper()
	sox := testenv.RequireTool(t, "sox")
	raw := testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw"))
	out := filepath.Join(dir, "goforward.wav")
	if b, err := exec.Command(sox, "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", raw, out).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, b)
	}
	return out
}

var _ = context.Background

// TestGracefulShutdown: SIGTERM mid-job exits cleanly with the done segments kept, and the job completes
// after a restart.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	data := filepath.Join(dir, "data")
	rec := longRecording(t, dir, 3)
	p := startServer(t, data, cache)
	id := submitJob(t, p.base, rec)
	j := waitJob(t, p.base, id, 5*time.Minute, func(j jobJSON) bool { return j.Done >= 1 })
	if j.State != "running" {
		t.Fatalf("job finished before SIGTERM: %+v", j)
	}
	t0 := time.Now()
	p.term(t)
	t.Logf("stopped in %v with %d of %d segments done", time.Since(t0).Round(time.Millisecond), j.Done, j.Segments)
	p2 := startServer(t, data, cache)
	if j := waitJob(t, p2.base, id, 5*time.Minute, func(jobJSON) bool { return false }); j.State != "succeeded" || j.Done != j.Segments {
		t.Fatalf("after restart: %+v", j)
	}
	p2.term(t)
}
