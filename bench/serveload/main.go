// Command serveload drives a running `hark serve`: N WebSocket clients stream dev-set recordings at
// real-time pace with vosk-server's protocol while M jobs run, and it reports the streams' WER against
// the references (and writes their hypotheses for ../shared/eval/wer.py), the p50/p95 latency of the
// replies to audio chunks (partial results), how far behind real time the clients fell (a client sends
// the next chunk when its time has come and the previous reply has arrived, as vosk-server's examples
// do, so a slow server makes it lag), the latency of the final result after eof, and the jobs' wall time.
// See bench/serve-load.sh.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hark/audio"
	"hark/internal/wer"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "server URL")
	dev := flag.String("dev", "../shared/eval/dev", "dev set directory (wav/, refs.txt)")
	streams := flag.Int("streams", 8, "concurrent WebSocket clients")
	files := flag.Int("files", 4, "recordings per stream client")
	jobFiles := flag.String("jobs", "", "comma-separated recordings to submit as jobs at the start")
	chunk := flag.Duration("chunk", 200*time.Millisecond, "audio per message (sent at real-time pace)")
	hypPath := flag.String("hyp", "serveload.hyp", "where to write the streams' hypotheses (\"words (id)\" lines)")
	flag.Parse()
	if err := run(*base, *dev, *streams, *files, *jobFiles, *chunk, *hypPath); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func readRefs(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	refs := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, text, _ := strings.Cut(sc.Text(), " ")
		refs[id] = text
	}
	return refs, sc.Err()
}

func pcm16(path string) ([]byte, error) {
	st, err := audio.OpenFile(path, audio.Options{SampleRateHz: 16000})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out bytes.Buffer
	buf := make([]int16, 4096)
	for {
		n, err := st.ReadInt16(buf)
		binary.Write(&out, binary.LittleEndian, buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

type streamResult struct {
	id        string
	text      string
	latencies []time.Duration // send of each audio chunk to its reply
	lags      []time.Duration // how late each chunk was sent after its real-time moment
	final     time.Duration   // eof to the final result
	audio     time.Duration   // length of the recording
}

func streamFile(ctx context.Context, base, path string, chunk time.Duration) (streamResult, error) {
	res := streamResult{id: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))}
	pcm, err := pcm16(path)
	if err != nil {
		return res, err
	}
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/v1/stream", nil)
	if err != nil {
		return res, err
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"config": {"sample_rate": 16000}}`)); err != nil {
		return res, err
	}
	step := int(chunk.Seconds()*16000) * 2
	var texts []string
	read := func() error {
		_, b, err := c.Read(ctx)
		if err != nil {
			return err
		}
		var r struct {
			Text *string `json:"text"`
		}
		json.Unmarshal(b, &r)
		if r.Text != nil && *r.Text != "" {
			texts = append(texts, *r.Text)
		}
		return nil
	}
	res.audio = time.Duration(len(pcm)/2) * time.Second / 16000
	next := time.Now()
	for off := 0; off < len(pcm); off += step {
		time.Sleep(time.Until(next))
		t0 := time.Now()
		res.lags = append(res.lags, max(0, t0.Sub(next)))
		next = next.Add(chunk)
		if err := c.Write(ctx, websocket.MessageBinary, pcm[off:min(off+step, len(pcm))]); err != nil {
			return res, err
		}
		if err := read(); err != nil {
			return res, err
		}
		res.latencies = append(res.latencies, time.Since(t0))
	}
	time.Sleep(time.Until(next)) // the end of the recording, in real time
	t0 := time.Now()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"eof": 1}`)); err != nil {
		return res, err
	}
	if err := read(); err != nil {
		return res, err
	}
	res.final = time.Since(t0)
	c.Close(websocket.StatusNormalClosure, "")
	res.text = strings.Join(texts, " ")
	return res, nil
}

func submit(base, path string) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("file", filepath.Base(path))
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		io.Copy(fw, f)
		f.Close()
		pw.CloseWithError(mw.Close())
	}()
	resp, err := http.Post(base+"/v1/jobs", mw.FormDataContentType(), pr)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var j struct{ ID string }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || json.Unmarshal(b, &j) != nil {
		return "", fmt.Errorf("submit %s: %s %s", path, resp.Status, b)
	}
	return j.ID, nil
}

func waitJob(base, id string) (string, error) {
	for {
		resp, err := http.Get(base + "/v1/jobs/" + id)
		if err != nil {
			return "", err
		}
		var j struct {
			State    string
			Duration float64
		}
		json.NewDecoder(resp.Body).Decode(&j)
		resp.Body.Close()
		if j.State == "succeeded" || j.State == "failed" || j.State == "canceled" {
			return fmt.Sprintf("%s, %.0f s of audio", j.State, j.Duration), nil
		}
		time.Sleep(time.Second)
	}
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

func sortDurations(ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
}

func run(base, dev string, nstreams, nfiles int, jobList string, chunk time.Duration, hypPath string) error {
	refs, err := readRefs(filepath.Join(dev, "refs.txt"))
	if err != nil {
		return err
	}
	wavs, _ := filepath.Glob(filepath.Join(dev, "wav", "*.wav"))
	if len(wavs) < nstreams*nfiles {
		return fmt.Errorf("need %d recordings, have %d", nstreams*nfiles, len(wavs))
	}
	ctx := context.Background()
	t0 := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var jobLines []string
	if jobList != "" {
		for _, p := range strings.Split(jobList, ",") {
			id, err := submit(base, p)
			if err != nil {
				return err
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := waitJob(base, id)
				mu.Lock()
				jobLines = append(jobLines, fmt.Sprintf("job %s (%s): %s %v after %v", id, filepath.Base(p), st, err, time.Since(t0).Round(time.Second)))
				mu.Unlock()
			}()
		}
	}
	var results []streamResult
	var errs []error
	var swg sync.WaitGroup
	for i := range nstreams {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for k := range nfiles {
				r, err := streamFile(ctx, base, wavs[i*nfiles+k], chunk)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					results = append(results, r)
				}
				mu.Unlock()
			}
		}()
	}
	swg.Wait()
	streamWall := time.Since(t0)
	var total wer.Counts
	var lat, lags, finals []time.Duration
	var audioLen time.Duration
	var hyp strings.Builder
	for _, r := range results {
		total = total.Add(wer.Align(wer.Normalize(refs[r.id]), wer.Normalize(r.text)))
		lat = append(lat, r.latencies...)
		lags = append(lags, r.lags...)
		finals = append(finals, r.final)
		audioLen += r.audio
		fmt.Fprintf(&hyp, "%s (%s)\n", strings.ToLower(r.text), r.id)
	}
	sortDurations(lat)
	sortDurations(lags)
	sortDurations(finals)
	if err := os.WriteFile(hypPath, []byte(hyp.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("streams: %d clients x %d files, %d done, %d errors, wall %v\n", nstreams, nfiles, len(results), len(errs), streamWall.Round(time.Second))
	for _, e := range errs {
		fmt.Println("  error:", e)
	}
	fmt.Printf("stream WER %.2f%% (%d ref words, S %d D %d I %d)\n", total.Rate(), total.Ref, total.Sub, total.Del, total.Ins)
	fmt.Printf("reply latency per %v chunk: p50 %v p95 %v max %v (%d replies)\n", chunk, pct(lat, 0.5).Round(time.Millisecond),
		pct(lat, 0.95).Round(time.Millisecond), pct(lat, 1).Round(time.Millisecond), len(lat))
	fmt.Printf("lag behind real time when sending a chunk: p50 %v p95 %v max %v (%v of audio per client on average)\n",
		pct(lags, 0.5).Round(time.Millisecond), pct(lags, 0.95).Round(time.Millisecond), pct(lags, 1).Round(time.Millisecond),
		(audioLen / time.Duration(max(1, nstreams))).Round(100*time.Millisecond))
	fmt.Printf("final result after eof: p50 %v max %v\n", pct(finals, 0.5).Round(time.Millisecond), pct(finals, 1).Round(time.Millisecond))
	wg.Wait()
	for _, l := range jobLines {
		fmt.Println(l)
	}
	return nil
}
