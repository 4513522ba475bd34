package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Kind is a kind of load.
type Kind string

const (
	Stream Kind = "stream" // GET /v1/stream: vosk-server's WebSocket protocol at real-time pace
	Job    Kind = "job"    // POST /v1/jobs, poll GET /v1/jobs/{id}, fetch the transcript, DELETE
	Sync   Kind = "sync"   // POST /v1/audio/transcriptions (OpenAI multipart)
)

var kinds = []Kind{Stream, Job, Sync}

// Mix is the weight of each kind of load.
type Mix map[Kind]int

// ParseMix parses "stream=2,job=1,sync=1".
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("mix %q: want kind=weight", part)
		}
		if !isKind(Kind(k)) {
			return nil, fmt.Errorf("mix %q: kind %q: want stream, job or sync", part, k)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("mix %q: weight %q: want a count ≥ 0", part, v)
		}
		m[Kind(k)] = n
	}
	if len(m.Workers(1)) == 0 {
		return nil, fmt.Errorf("mix %q: every weight is 0", s)
	}
	return m, nil
}

func isKind(k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (m Mix) String() string {
	var parts []string
	for _, k := range kinds {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
		}
	}
	return strings.Join(parts, ",")
}

// Workers apportions n concurrent workers to the kinds in proportion to the weights (largest
// remainders; ties to the order stream, job, sync), so that each kind keeps a steady share of the
// concurrency whatever its request length. Weights summing to 0 give none.
func (m Mix) Workers(n int) []Kind {
	sum := 0
	for _, k := range kinds {
		sum += m[k]
	}
	if sum == 0 {
		return nil
	}
	type share struct {
		k    Kind
		n    int
		frac float64
	}
	var sh []share
	given := 0
	for _, k := range kinds {
		exact := float64(n*m[k]) / float64(sum)
		sh = append(sh, share{k, int(exact), exact - float64(int(exact))})
		given += int(exact)
	}
	order := make([]int, len(sh))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sh[order[a]].frac > sh[order[b]].frac })
	for i := 0; given < n; i++ {
		sh[order[i%len(order)]].n++
		given++
	}
	var out []Kind
	for _, s := range sh {
		for range s.n {
			out = append(out, s.k)
		}
	}
	return out
}

// LoadConfig configures a Generator.
type LoadConfig struct {
	URL         string // the server's base URL, http://host:port
	APIKey      string // Bearer key, "" for none
	Concurrency int
	Mix         Mix
	Clips       []Clip
	// Pace is the streaming speed relative to real time: 1 sends each second of audio in one second,
	// 0 sends as fast as the server reads.
	Pace  float64
	Chunk time.Duration // audio per WebSocket message (vosk's clients send 0.1 to 0.5 s)
	Poll  time.Duration // job status polling interval
}

// KindStats counts one kind's requests. Safe for concurrent use.
type KindStats struct {
	OK       atomic.Int64 // finished with a transcript
	Failed   atomic.Int64 // errors (including the load stopping mid-request)
	Refused  atomic.Int64 // 503/429 from admission control
	AudioMS  atomic.Int64 // milliseconds of audio in finished requests
	LatentMS atomic.Int64 // total wall milliseconds of finished requests
}

// KindReport is a snapshot of KindStats.
type KindReport struct {
	Workers      int     `json:"workers"`
	OK           int64   `json:"ok"`
	Failed       int64   `json:"failed"`
	Refused      int64   `json:"refused"`
	AudioSeconds float64 `json:"audio_seconds"`
	MeanLatency  float64 `json:"mean_latency_seconds"`
}

// Generator drives the load. Memory: the clips, one buffer per worker, and the first 10 error messages.
type Generator struct {
	cfg     LoadConfig
	client  *http.Client
	workers []Kind
	stats   map[Kind]*KindStats
	active  atomic.Int64
	done    atomic.Int64

	mu     sync.Mutex
	errors []string
}

// NewGenerator checks cfg and returns a generator.
func NewGenerator(cfg LoadConfig, client *http.Client) (*Generator, error) {
	if cfg.Concurrency < 1 {
		return nil, fmt.Errorf("concurrency %d: want ≥ 1", cfg.Concurrency)
	}
	if len(cfg.Clips) == 0 {
		return nil, errors.New("no clips to send")
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 200 * time.Millisecond
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	g := &Generator{cfg: cfg, client: client, workers: cfg.Mix.Workers(cfg.Concurrency), stats: map[Kind]*KindStats{}}
	if len(g.workers) == 0 {
		return nil, errors.New("the mix has no load")
	}
	for _, k := range kinds {
		g.stats[k] = &KindStats{}
	}
	return g, nil
}

// Counts returns the requests in flight and finished so far.
func (g *Generator) Counts() (active, done int64) { return g.active.Load(), g.done.Load() }

// Report returns the counts per kind.
func (g *Generator) Report() map[Kind]KindReport {
	out := map[Kind]KindReport{}
	for _, k := range kinds {
		s := g.stats[k]
		r := KindReport{OK: s.OK.Load(), Failed: s.Failed.Load(), Refused: s.Refused.Load(),
			AudioSeconds: float64(s.AudioMS.Load()) / 1000}
		for _, w := range g.workers {
			if w == k {
				r.Workers++
			}
		}
		if r.OK > 0 {
			r.MeanLatency = float64(s.LatentMS.Load()) / 1000 / float64(r.OK)
		}
		if r.Workers > 0 || r.OK+r.Failed+r.Refused > 0 {
			out[k] = r
		}
	}
	return out
}

// Errors returns the first error messages seen (at most 10).
func (g *Generator) Errors() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.errors...)
}

// Run runs the workers until stop is done, then lets the requests in flight finish (each worker ends
// after its current request) until ctx is done, which aborts them.
func (g *Generator) Run(ctx, stop context.Context) {
	var wg sync.WaitGroup
	for i, k := range g.workers {
		wg.Go(func() {
			for n := i; stop.Err() == nil && ctx.Err() == nil; n++ {
				clip := g.cfg.Clips[n%len(g.cfg.Clips)]
				g.one(ctx, stop, k, clip)
			}
		})
	}
	wg.Wait()
}

// one runs one request and counts it.
func (g *Generator) one(ctx, stop context.Context, k Kind, clip Clip) {
	g.active.Add(1)
	defer g.active.Add(-1)
	defer g.done.Add(1)
	start := time.Now()
	var err error
	switch k {
	case Stream:
		err = g.stream(ctx, clip)
	case Job:
		err = g.job(ctx, clip)
	case Sync:
		err = g.sync(ctx, clip)
	}
	st := g.stats[k]
	var refused *refusedError
	switch {
	case err == nil:
		st.OK.Add(1)
		st.AudioMS.Add(int64(clip.Duration() * 1000))
		st.LatentMS.Add(time.Since(start).Milliseconds())
	case errors.As(err, &refused):
		st.Refused.Add(1)
		wait := min(max(refused.retryAfter, 100*time.Millisecond), 5*time.Second)
		select {
		case <-time.After(wait):
		case <-stop.Done():
		}
	default:
		st.Failed.Add(1)
		g.note(fmt.Errorf("%s %s: %w", k, clip.Name, err))
		select { // no hot loop against a failing server
		case <-time.After(time.Second):
		case <-stop.Done():
		}
	}
}

func (g *Generator) note(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.errors) < 10 {
		g.errors = append(g.errors, err.Error())
	}
}

// refusedError is a 503 or 429: admission control said no.
type refusedError struct {
	code       int
	retryAfter time.Duration
}

func (e *refusedError) Error() string { return fmt.Sprintf("refused with status %d", e.code) }

// checkStatus turns an unexpected status into an error, and 503/429 into a refusedError.
func checkStatus(resp *http.Response, want int) error {
	if resp.StatusCode == want {
		return nil
	}
	if resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests {
		ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &refusedError{resp.StatusCode, time.Duration(ra) * time.Second}
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return fmt.Errorf("status %d (want %d): %s", resp.StatusCode, want, strings.TrimSpace(string(b)))
}

func (g *Generator) do(req *http.Request, want int, out any) error {
	if g.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+g.cfg.APIKey)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := checkStatus(resp, want); err != nil {
		return err
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBytes)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// sync posts the clip to the OpenAI-compatible endpoint.
func (g *Generator) sync(ctx context.Context, clip Clip) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("model", "default")
	mw.WriteField("response_format", "json")
	fw, err := mw.CreateFormFile("file", clip.Name+".wav")
	if err != nil {
		return err
	}
	fw.Write(clip.File)
	if err := mw.Close(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.URL+"/v1/audio/transcriptions", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var out struct {
		Text *string `json:"text"`
	}
	if err := g.do(req, http.StatusOK, &out); err != nil {
		return err
	}
	if out.Text == nil {
		return errors.New("transcription answer without text")
	}
	return nil
}

// job uploads the clip as a job, waits for it to end, reads its transcript and deletes it.
func (g *Generator) job(ctx context.Context, clip Clip) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		g.cfg.URL+"/v1/jobs?filename="+url.QueryEscape(clip.Name+".wav"), bytes.NewReader(clip.File))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "audio/wav")
	var j struct {
		ID    string `json:"id"`
		State string `json:"state"`
		Error string `json:"error"`
	}
	if err := g.do(req, http.StatusCreated, &j); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if j.ID == "" {
		return errors.New("create: answer without an id")
	}
	jobURL := g.cfg.URL + "/v1/jobs/" + url.PathEscape(j.ID)
	defer func() { // a deleted job frees its audio and results: the store must not grow with the soak
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if req, err := http.NewRequestWithContext(dctx, http.MethodDelete, jobURL, nil); err == nil {
			if g.cfg.APIKey != "" {
				req.Header.Set("Authorization", "Bearer "+g.cfg.APIKey)
			}
			if resp, err := g.client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	t := time.NewTicker(g.cfg.Poll)
	defer t.Stop()
	for {
		switch j.State {
		case "succeeded":
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, jobURL+"/transcript?format=json", nil)
			if err != nil {
				return err
			}
			return g.do(req, http.StatusOK, nil)
		case "failed", "canceled":
			return fmt.Errorf("job %s %s: %s", j.ID, j.State, j.Error)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, jobURL, nil)
		if err != nil {
			return err
		}
		if err := g.do(req, http.StatusOK, &j); err != nil {
			return fmt.Errorf("status: %w", err)
		}
	}
}

// stream sends the clip over the WebSocket in Chunk-long binary messages at Pace × real time, then
// {"eof":1}, and reads replies until the server's final result and close.
func (g *Generator) stream(ctx context.Context, clip Clip) error {
	ws := "ws" + strings.TrimPrefix(g.cfg.URL, "http") + "/v1/stream"
	opts := &websocket.DialOptions{HTTPClient: g.client, HTTPHeader: http.Header{}}
	if g.cfg.APIKey != "" {
		opts.HTTPHeader.Set("Authorization", "Bearer "+g.cfg.APIKey)
	}
	conn, resp, err := websocket.Dial(ctx, ws, opts)
	if err != nil {
		if resp != nil {
			if serr := checkStatus(resp, http.StatusSwitchingProtocols); serr != nil {
				return serr
			}
		}
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxJSONBytes)
	cfg := fmt.Sprintf(`{"config":{"sample_rate":%d}}`, clip.SampleRate)
	if err := conn.Write(ctx, websocket.MessageText, []byte(cfg)); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	// The server answers every binary message; read concurrently so that neither side blocks.
	final := make(chan error, 1)
	go func() {
		got := false
		for {
			typ, msg, err := conn.Read(ctx)
			if err != nil {
				if got { // the final result came before the close
					final <- nil
				} else {
					final <- fmt.Errorf("closed before the final result: %w", err)
				}
				return
			}
			if typ != websocket.MessageText {
				continue
			}
			var r struct {
				Partial *string         `json:"partial"`
				Text    *string         `json:"text"`
				Error   string          `json:"error"`
				Result  json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(msg, &r); err != nil {
				final <- fmt.Errorf("reply %q: %w", msg[:min(len(msg), 80)], err)
				return
			}
			if r.Error != "" {
				final <- fmt.Errorf("server: %s", r.Error)
				return
			}
			if r.Text != nil {
				got = true // a result; the last one follows eof
			}
		}
	}()
	step := int(g.cfg.Chunk.Seconds()*float64(clip.SampleRate)) * 2
	step = max(step, 2)
	start := time.Now()
	for off := 0; off < len(clip.PCM); off += step {
		end := min(off+step, len(clip.PCM))
		if err := conn.Write(ctx, websocket.MessageBinary, clip.PCM[off:end]); err != nil {
			return fmt.Errorf("audio: %w", err)
		}
		if g.cfg.Pace > 0 {
			due := start.Add(time.Duration(float64(end/2) / float64(clip.SampleRate) / g.cfg.Pace * float64(time.Second)))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Until(due)):
			}
		}
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"eof":1}`)); err != nil {
		return fmt.Errorf("eof: %w", err)
	}
	select {
	case err := <-final:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
