package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hark/internal/testenv"
)

// voskResult is vosk-server's reply: a partial or a final result.
type voskResult struct {
	Partial *string `json:"partial"`
	Text    *string `json:"text"`
	Result  []struct {
		Word  string  `json:"word"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Conf  float64 `json:"conf"`
	} `json:"result"`
}

// voskSession follows vosk-server's websocket/test.py: config with the file's sample rate, the PCM in
// chunks of 8000 bytes each answered by one reply, then {"eof" : 1} answered by the final result. It
// returns the text of all final results joined and the replies.
func voskSession(t testing.TB, base string, pcm []byte, rate int) (string, []voskResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http://", "ws://", 1)+"/v1/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{ "config" : { "sample_rate" : %d } }`, rate))); err != nil {
		t.Fatal(err)
	}
	var texts []string
	var replies []voskResult
	read := func() voskResult {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var r voskResult
		if typ != websocket.MessageText || json.Unmarshal(b, &r) != nil || r.Partial == nil && r.Text == nil {
			t.Fatalf("reply %q", b)
		}
		if r.Text != nil && *r.Text != "" {
			texts = append(texts, *r.Text)
		}
		replies = append(replies, r)
		return r
	}
	for len(pcm) > 0 {
		n := min(8000, len(pcm))
		if err := c.Write(ctx, websocket.MessageBinary, pcm[:n]); err != nil {
			t.Fatal(err)
		}
		pcm = pcm[n:]
		read()
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"eof" : 1}`)); err != nil {
		t.Fatal(err)
	}
	if r := read(); r.Text == nil {
		t.Fatalf("eof answered with a partial")
	}
	return strings.Join(texts, " "), replies
}

// rawPCM converts a WAV to headerless 16-bit PCM at rate with sox.
func rawPCM(t testing.TB, wav string, rate int) []byte {
	t.Helper()
	sox := testenv.RequireTool(t, "sox")
	out, err := exec.Command(sox, wav, "-t", "raw", "-r", fmt.Sprint(rate), "-e", "signed", "-b", "16", "-c", "1", "-").Output()
	if err != nil {
		t.Fatalf("sox: %v", err)
	}
	return out
}

// TestVoskProtocol: a client speaking vosk-server's protocol as its test.py does gets the words, at the
// model's rate and at 8 kHz (resampled by the server).
func TestVoskProtocol(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServer(t, filepath.Join(dir, "data"), filepath.Join(dir, "cache"))
	gf := goForward(t, dir)
	for _, rate := range []int{16000, 8000, 44100} {
		text, replies := voskSession(t, p.base, rawPCM(t, gf, rate), rate)
		// At the model's rate the words are exact; resampled audio (8 kHz lacks the upper band the model
		// was trained on) may differ in a word.
		if rate == 16000 && text != "go forward ten meters" || !strings.HasPrefix(text, "go forward") || !strings.Contains(text, "meters") {
			t.Errorf("%d Hz: text %q", rate, text)
		}
		last := replies[len(replies)-1]
		for _, w := range last.Result {
			if w.Word == "" || w.End < w.Start || w.Conf < 0 || w.Conf > 1 {
				t.Errorf("%d Hz: word %+v", rate, w)
			}
		}
		partials := 0
		for _, r := range replies {
			if r.Partial != nil && *r.Partial != "" {
				partials++
			}
		}
		if partials == 0 {
			t.Errorf("%d Hz: no non-empty partial result in %d replies", rate, len(replies))
		}
	}
}

// TestBadInput: malformed requests get a 4xx naming the problem, the server keeps serving, and a job
// accepted before them completes.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServer(t, filepath.Join(dir, "data"), filepath.Join(dir, "cache"),
		"--max-message", "64KiB", "--upload-idle", "1s", "--max-upload", "8MiB")
	gf := goForward(t, dir)
	job := submitJob(t, p.base, longRecording(t, dir, 2))

	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	garbage := make([]byte, 5000)
	rand.Read(garbage)
	wav, _ := os.ReadFile(gf)
	files := []struct {
		name, path string
		status     int
		code       string
	}{
		{"garbage", write("garbage.wav", garbage), 415, "unsupported_format"},
		{"truncated", write("cut.wav", wav[:len(wav)/3]), 400, "truncated_audio"},
		{"ogg", write("x.ogg", append([]byte("OggS\x00\x02"), garbage[:2000]...)), 415, "unsupported_format"},
		{"header only", write("hdr.wav", wav[:44]), 400, ""},
		{"empty", write("empty.wav", nil), 400, "empty_file"},
	}
	for _, ep := range []string{"/v1/jobs", "/v1/audio/transcriptions"} {
		for _, f := range files {
			resp, body := upload(t, p.base+ep, f.path, nil)
			if resp.StatusCode != f.status || !strings.Contains(string(body), f.code) || !strings.Contains(string(body), "message") {
				t.Errorf("%s %s: %s %s, want %d %s", ep, f.name, resp.Status, body, f.status, f.code)
			}
		}
	}
	// bad form fields
	for _, tc := range []struct {
		fields map[string][]string
		code   string
	}{
		{map[string][]string{"response_format": {"mp4"}}, "invalid_response_format"},
		{map[string][]string{"language": {"fr"}}, "unsupported_language"},
		{map[string][]string{"timestamp_granularities[]": {"char"}}, "invalid_timestamp_granularity"},
	} {
		resp, body := upload(t, p.base+"/v1/audio/transcriptions", gf, tc.fields)
		if resp.StatusCode != 400 || !strings.Contains(string(body), tc.code) {
			t.Errorf("%v: %s %s", tc.fields, resp.Status, body)
		}
	}
	// not multipart; malformed multipart
	if r, _ := http.Post(p.base+"/v1/audio/transcriptions", "application/json", strings.NewReader(`{"file":1}`)); r.StatusCode != 415 {
		t.Errorf("json body: %s", r.Status)
	}
	if r, _ := http.Post(p.base+"/v1/audio/transcriptions", "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\nbroken")); r.StatusCode != 400 {
		t.Errorf("broken multipart: %s", r.Status)
	}
	host := strings.TrimPrefix(p.base, "http://")
	rawRequest := func(req string, wait time.Duration) string {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, req)
		c.SetReadDeadline(time.Now().Add(wait))
		b, _ := io.ReadAll(c)
		return string(b)
	}
	// a huge Content-Length claim is refused before reading
	if got := rawRequest("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: 999999999999\r\n\r\nRIFF", 5*time.Second); !strings.Contains(got, " 413 ") || !strings.Contains(got, "exceeds the limit") {
		t.Errorf("huge Content-Length: %q", got)
	}
	// a client that stalls mid-upload is cut off with 408
	t0 := time.Now()
	if got := rawRequest("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: 100000\r\n\r\n"+string(wav[:1000]), 10*time.Second); !strings.Contains(got, " 408 ") {
		t.Errorf("stalled upload after %v: %q", time.Since(t0), got)
	}
	// WebSocket: malformed JSON, oversized message
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ws := strings.Replace(p.base, "http://", "ws://", 1) + "/v1/stream"
	for _, tc := range []struct {
		name string
		typ  websocket.MessageType
		msg  []byte
		code websocket.StatusCode
	}{
		{"malformed json", websocket.MessageText, []byte(`{"config": {"sample_rate": `), websocket.StatusInvalidFramePayloadData},
		{"bad rate", websocket.MessageText, []byte(`{"config": {"sample_rate": -5}}`), websocket.StatusInvalidFramePayloadData},
		{"unknown message", websocket.MessageText, []byte(`{"hello": 1}`), websocket.StatusInvalidFramePayloadData},
		{"oversized", websocket.MessageBinary, make([]byte, 200<<10), websocket.StatusMessageTooBig},
	} {
		c, _, err := websocket.Dial(ctx, ws, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(ctx, tc.typ, tc.msg)
		var rerr error
		for rerr == nil {
			_, _, rerr = c.Read(ctx)
		}
		if websocket.CloseStatus(rerr) != tc.code {
			t.Errorf("%s: closed with %v, want %v", tc.name, rerr, tc.code)
		}
		c.CloseNow()
	}
	// still serving everyone, and the job accepted before all this completes
	if text, _ := voskSession(t, p.base, rawPCM(t, gf, 16000), 16000); text != "go forward ten meters" {
		t.Errorf("after bad input: %q", text)
	}
	if j := waitJob(t, p.base, job, 5*time.Minute, func(jobJSON) bool { return false }); j.State != "succeeded" {
		t.Errorf("job accepted before the bad input: %+v", j)
	}
}

// TestAPIKeys: with keys, requests without a valid Bearer key are refused; a non-loopback address without
// keys does not start.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := "test-key-0123456789abcdef"
	p := startServer(t, filepath.Join(dir, "data"), filepath.Join(dir, "cache"), "--api-key", key)
	for _, tc := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong-key-0123456789", 401}, {"Bearer " + key, 200}} {
		req, _ := http.NewRequest("GET", p.base+"/v1/jobs", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != tc.want {
			t.Errorf("auth %q: %s, want %d", tc.auth, r.Status, tc.want)
		}
	}
	out, err := exec.Command(harkBin, "serve", "--addr", "0.0.0.0:0", "--data", filepath.Join(dir, "d2")).CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("API keys are required")) {
		t.Errorf("non-loopback without keys: %v %s", err, out)
	}
}

// TestOpenAIClient: the official OpenAI Node client (npm openai) transcribes against hark in every
// response format. Needs node and npm (and the npm registry, or HARK_OPENAI_NODE_MODULES pointing at a
// node_modules with openai).
func TestOpenAIClient(t *testing.T) {
	t.Parallel()
	node := testenv.RequireTool(t, "node")
	dir := t.TempDir()
	mods := os.Getenv("HARK_OPENAI_NODE_MODULES")
	if mods == "" {
		npm := testenv.RequireTool(t, "npm")
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--silent", "openai@5")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			if testenv.InCI() {
				t.Fatalf("npm install openai: %v\n%s", err, out)
			}
			t.Skipf("npm install openai: %v\n%s", err, out)
		}
		mods = filepath.Join(dir, "node_modules")
	}
	p := startServer(t, filepath.Join(dir, "data"), filepath.Join(dir, "cache"))
	gf := goForward(t, dir)
	script := filepath.Join(dir, "client.mjs")
	os.WriteFile(script, []byte(`
import OpenAI from "openai";
import fs from "node:fs";
const client = new OpenAI({ baseURL: process.env.BASE + "/v1", apiKey: "unused-on-loopback" });
const out = {};
for (const f of ["text", "json", "verbose_json", "srt", "vtt"]) {
  const params = { file: fs.createReadStream(process.env.WAV), model: "whisper-1", response_format: f };
  if (f === "verbose_json") params.timestamp_granularities = ["word", "segment"];
  out[f] = await client.audio.transcriptions.create(params);
}
console.log(JSON.stringify(out));
`), 0o600)
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BASE="+p.base, "WAV="+gf, "NODE_PATH="+mods)
	// ESM ignores NODE_PATH: link node_modules next to the script
	if mods != filepath.Join(dir, "node_modules") {
		os.Symlink(mods, filepath.Join(dir, "node_modules"))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node client: %v\n%s", err, out)
	}
	var res struct {
		Text    string                `json:"text"`
		JSON    struct{ Text string } `json:"json"`
		Verbose struct {
			Text     string
			Duration float64
			Words    []struct {
				Word       string
				Start, End float64
			}
			Segments []struct{ Text string }
		} `json:"verbose_json"`
		SRT string `json:"srt"`
		VTT string `json:"vtt"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "go forward ten meters"
	if strings.TrimSpace(res.Text) != want || res.JSON.Text != want || res.Verbose.Text != want {
		t.Errorf("text %q json %q verbose %q", res.Text, res.JSON.Text, res.Verbose.Text)
	}
	if len(res.Verbose.Words) != 4 || res.Verbose.Words[1].Word != "forward" || !(res.Verbose.Words[1].Start < res.Verbose.Words[1].End) || len(res.Verbose.Segments) != 1 || res.Verbose.Duration < 2 {
		t.Errorf("verbose_json: %+v", res.Verbose)
	}
	if !regexp.MustCompile(`^1\n00:00:00,\d{3} --> 00:00:02,\d{3}\ngo forward ten meters\n`).MatchString(res.SRT) {
		t.Errorf("srt: %q", res.SRT)
	}
	if !strings.HasPrefix(res.VTT, "WEBVTT") || !strings.Contains(res.VTT, want) {
		t.Errorf("vtt: %q", res.VTT)
	}
}
