package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hark/internal/testenv"
)

// pacedStream streams 16 kHz PCM to /v1/stream at real-time pace in 0.2 s messages, as a live vosk
// client does (each message's reply read before the next is sent), and returns the final results' text
// joined and the latency of each reply.
func pacedStream(ctx context.Context, base string, pcm []byte) (string, []time.Duration, error) {
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http://", "ws://", 1)+"/v1/stream", nil)
	if err != nil {
		return "", nil, err
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"config": {"sample_rate": 16000}}`)); err != nil {
		return "", nil, err
	}
	var finals []string
	read := func() error {
		_, b, err := c.Read(ctx)
		if err != nil {
			return err
		}
		var r voskResult
		if err := json.Unmarshal(b, &r); err != nil || r.Partial == nil && r.Text == nil {
			return fmt.Errorf("reply %q", b)
		}
		if r.Text != nil && *r.Text != "" {
			finals = append(finals, *r.Text)
		}
		return nil
	}
	const chunk = 200 * time.Millisecond
	step := 2 * 16000 / 5
	var lat []time.Duration
	next := time.Now()
	for off := 0; off < len(pcm); off += step {
		time.Sleep(time.Until(next))
		next = next.Add(chunk)
		t0 := time.Now()
		if err := c.Write(ctx, websocket.MessageBinary, pcm[off:min(off+step, len(pcm))]); err != nil {
			return "", nil, err
		}
		if err := read(); err != nil {
			return "", nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"eof": 1}`)); err != nil {
		return "", nil, err
	}
	if err := read(); err != nil {
		return "", nil, err
	}
	return strings.Join(finals, " "), lat, nil
}

// hypWords parses `hark transcribe --format hyp` output ("words (id)" lines) into id -> words.
func hypWords(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		i := strings.LastIndex(line, " (")
		if i < 0 || !strings.HasSuffix(line, ")") {
			i = -1
		}
		if i >= 0 {
			m[line[i+2:len(line)-1]] = strings.Join(strings.Fields(line[:i]), " ")
		} else if id, ok := strings.CutPrefix(line, "("); ok { // no words
			m[strings.TrimSuffix(id, ")")] = ""
		}
	}
	return m
}

// TestStreamsAndJobsAtOnce is the short version of bench/serve-load.sh (issue 7: 8 streams at real-time
// pace plus 4 jobs, results within 1 WER point of `hark transcribe`): 4 WebSocket clients stream dev-set
// recordings at real-time pace while 2 jobs run, and every stream's final text and every job's
// transcript must equal `hark transcribe` of the same file word for word (stream finals are decoded the
// way batch transcription decodes, so the WER difference is 0). Logs the reply latency p50/p95.
func TestStreamsAndJobsAtOnce(t *testing.T) {
	t.Parallel()
	const streams = 4
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	rec := longRecording(t, dir, 3)
	wavs, _ := filepath.Glob(filepath.Join(moduleRoot(), testenv.DevSet, "wav", "*.wav"))
	if len(wavs) < streams+3 {
		t.Skipf("need %d dev-set recordings, have %d", streams+3, len(wavs))
	}
	wavs = wavs[len(wavs)-streams:] // not those in the jobs
	t0 := time.Now()
	p := startServer(t, filepath.Join(dir, "data"), cache, "--streams", fmt.Sprint(2*streams+1), "--workers", "2")
	t1 := time.Now()

	jobIDs := []string{submitJob(t, p.base, rec), submitJob(t, p.base, rec)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	texts := make([]string, streams)
	errs := make([]error, streams)
	var lat []time.Duration
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, w := range wavs {
		pcm := rawPCM(t, w, 16000)
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, l, err := pacedStream(ctx, p.base, pcm)
			mu.Lock()
			texts[i], errs[i] = text, err
			lat = append(lat, l...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	t2 := time.Now()
	busy := 0
	for _, id := range jobIDs {
		if j := getJob(t, p.base, id); j.State == "running" || j.State == "queued" {
			busy++
		}
	}
	for _, id := range jobIDs {
		if j := waitJob(t, p.base, id, 5*time.Minute, func(jobJSON) bool { return false }); j.State != "succeeded" {
			t.Fatalf("job %s: %+v", id, j)
		}
	}

	args := append([]string{"transcribe", "--format", "hyp"}, turtleArgs(t, cache)...)
	out, err := exec.Command(harkBin, append(append(args, wavs...), rec)...).Output()
	if err != nil {
		t.Fatalf("hark transcribe: %v", err)
	}
	t3 := time.Now()
	t.Logf("server start %v, streams %v, jobs and hark transcribe %v", t1.Sub(t0).Round(time.Second), t2.Sub(t1).Round(time.Second), t3.Sub(t2).Round(time.Second))
	batch := hypWords(string(out))
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for i, w := range wavs {
		id := strings.TrimSuffix(filepath.Base(w), ".wav")
		if errs[i] != nil {
			t.Errorf("stream %s: %v", id, errs[i])
		} else if want, ok := batch[id]; !ok || norm(texts[i]) != norm(want) {
			t.Errorf("stream %s: %q, hark transcribe %q", id, texts[i], want)
		}
	}
	want := batch[strings.TrimSuffix(filepath.Base(rec), ".wav")]
	for _, id := range jobIDs {
		got := hypWords(string(jobTranscript(t, p.base, id, "hyp")))[id]
		if norm(got) != norm(want) {
			t.Errorf("job %s: %q, hark transcribe %q", id, got, want)
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		t.Fatal("no replies")
	}
	t.Logf("%d streams at real-time pace (%d jobs still running when they ended): reply latency p50 %v p95 %v max %v (%d replies)",
		streams, busy, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*95/100].Round(time.Millisecond),
		lat[len(lat)-1].Round(time.Millisecond), len(lat))
}
