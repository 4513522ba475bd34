package server

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"hark/audio"
	"hark/jobs"
	"hark/recognizer"
	"hark/segment"
	"hark/transcript"
)

// control is a text message of vosk-server's protocol: {"config": {...}} or {"eof": 1}.
type control struct {
	Config *streamConfig `json:"config"`
	EOF    *int          `json:"eof"`
}

// streamConfig is the "config" object: sample_rate in Hz of the PCM that follows (default 16000). Other
// vosk fields (words, max_alternatives, phrase_list) are accepted whatever their JSON type, as vosk-server
// reads them loosely (bool(words), int(max_alternatives): its own test_words.py sends "words": 0); words are
// always reported and one alternative is given.
type streamConfig struct {
	SampleRate      float64         `json:"sample_rate"`
	Words           json.RawMessage `json:"words"`
	MaxAlternatives json.RawMessage `json:"max_alternatives"`
	PhraseList      json.RawMessage `json:"phrase_list"`
}

// parseControl parses and checks a text message of the stream protocol.
func parseControl(b []byte) (control, error) {
	var c control
	if len(b) > 64<<10 {
		return c, fmt.Errorf("control message of %d bytes exceeds 64 KiB", len(b))
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("malformed JSON message: %w", err)
	}
	if c.Config == nil && c.EOF == nil {
		return c, errors.New(`want {"config": {...}} or {"eof": 1}`)
	}
	if cf := c.Config; cf != nil {
		if cf.SampleRate == 0 {
			cf.SampleRate = 16000
		}
		if cf.SampleRate != float64(int(cf.SampleRate)) || cf.SampleRate < 4000 || cf.SampleRate > 192000 {
			return c, fmt.Errorf("sample_rate %v: want an integer from 4000 to 192000 Hz", cf.SampleRate)
		}
	}
	return c, nil
}

// voskWord and voskResult are vosk-server's final result shape.
type voskWord struct {
	Conf  float64 `json:"conf"`
	End   float64 `json:"end"`
	Start float64 `json:"start"`
	Word  string  `json:"word"`
}

type voskResult struct {
	Result []voskWord `json:"result,omitempty"`
	Text   string     `json:"text"`
}

func toVosk(ws []transcript.Word) voskResult {
	var r voskResult
	for _, w := range ws {
		if transcript.IsFiller(w.Word) {
			continue
		}
		r.Result = append(r.Result, voskWord{Conf: w.Confidence, End: w.End, Start: w.Start, Word: w.Word})
	}
	r.Text = transcript.SegmentText(ws)
	return r
}

// pcmStream turns the client's 16-bit little-endian PCM at its rate into samples at the model's rate.
type pcmStream struct {
	rate, modelRate int
	rs              *audio.Resampler
	odd             []byte // a byte left over from a message of odd length
	f, out          []float32
	pcm             []int16
}

func newPCMStream(rate, modelRate int) (*pcmStream, error) {
	p := &pcmStream{rate: rate, modelRate: modelRate}
	if rate != modelRate {
		rs, err := audio.NewResampler(rate, modelRate, audio.DefaultResampleConfig(), 4096)
		if err != nil {
			return nil, err
		}
		p.rs = rs
		p.out = make([]float32, 4096)
	}
	return p, nil
}

// convert returns the samples of msg at the model's rate; the slice is reused by the next call.
func (p *pcmStream) convert(msg []byte) []int16 {
	if len(p.odd) > 0 {
		msg = append(p.odd, msg...)
		p.odd = nil
	}
	if len(msg)%2 == 1 {
		p.odd = []byte{msg[len(msg)-1]}
		msg = msg[:len(msg)-1]
	}
	n := len(msg) / 2
	p.pcm = p.pcm[:0]
	if p.rs == nil {
		for i := 0; i < n; i++ {
			p.pcm = append(p.pcm, int16(binary.LittleEndian.Uint16(msg[2*i:])))
		}
		return p.pcm
	}
	p.f = p.f[:0]
	for i := 0; i < n; i++ {
		p.f = append(p.f, float32(int16(binary.LittleEndian.Uint16(msg[2*i:])))/32768)
	}
	src := p.f
	for len(src) > 0 {
		k := p.rs.Push(src[:min(len(src), 4096)])
		src = src[k:]
		for {
			m := p.rs.Pull(p.out)
			if m == 0 {
				break
			}
			p.pcm = recognizer.ToInt16(p.pcm, p.out[:m])
		}
		if k == 0 {
			break
		}
	}
	return p.pcm
}

// stream serves GET /v1/stream: a WebSocket speaking vosk-server's protocol. Every binary message (PCM)
// gets one reply, {"partial": "..."} or, at an endpoint, {"result": [...], "text": "..."}; {"eof": 1}
// gets the last result and closes the connection.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	release, ok := s.acquireKey(r)
	if !ok {
		httpError(w, http.StatusTooManyRequests, "too_many_sessions", fmt.Sprintf("more than %d concurrent sessions for this API key", s.cfg.MaxSessionsKey))
		return
	}
	defer release()
	sess, put, err := s.live.Load().TryGet()
	switch {
	case errors.Is(err, jobs.ErrBusy):
		w.Header().Set("Retry-After", "5")
		httpError(w, http.StatusServiceUnavailable, "busy", "all streaming sessions are in use; retry later")
		return
	case isOverBudget(err):
		overBudget(w, err)
		return
	case err != nil:
		writeError(w, err)
		return
	}
	defer put()
	// A second session decodes the final results the way batch transcription does (segments cut at pauses
	// by package segment, each decoded with utterance CMN), so a stream's words match `hark transcribe`'s;
	// the first gives the partial results. Without a free second session the live decoder's finals are used.
	batch, putBatch, err := s.live.Load().TryGet()
	if err == nil {
		defer putBatch()
	} else {
		batch = nil
	}
	// The stream's audio buffers: at most one segment in the splitter, as float32 and as int16.
	m := sess.Model()
	audioBound := int64(m.Config.Segment.MaxSegment.Seconds()*float64(m.Feat.SampleRate)) * (4 + 2)
	s.streamAudio.Add(audioBound)
	defer s.streamAudio.Add(-audioBound)
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered the client
	}
	s.streamWG.Add(1)
	defer s.streamWG.Done()
	s.met.active.WithLabelValues("stream").Inc()
	defer s.met.active.WithLabelValues("stream").Dec()
	conn.SetReadLimit(s.cfg.MaxMessageBytes)
	code, reason := s.serveStream(r.Context(), conn, sess, batch)
	conn.Close(code, reason)
}

func (s *Server) serveStream(ctx context.Context, conn *websocket.Conn, sess, batch *recognizer.Session) (websocket.StatusCode, string) {
	modelRate := int(sess.Model().Feat.SampleRate)
	pcm, _ := newPCMStream(modelRate, modelRate)
	if err := sess.StartStream(); err != nil {
		return websocket.StatusInternalError, "cannot start the recognizer"
	}
	var fin *batchFinals
	if batch != nil {
		var err error
		if fin, err = newBatchFinals(batch); err != nil {
			return websocket.StatusInternalError, "cannot start the segmenter"
		}
	}
	var audioSamples int64
	uttStart := time.Now()
	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return conn.Write(wctx, websocket.MessageText, b)
	}
	final := func() (websocket.StatusCode, string) {
		words, err := sess.FinishStream()
		if err != nil {
			return websocket.StatusInternalError, "decoding failed"
		}
		if fin != nil {
			if words, err = fin.flush(); err != nil {
				return websocket.StatusInternalError, "decoding failed"
			}
		}
		s.met.observeRTF("stream", float64(audioSamples)/float64(modelRate), time.Since(uttStart).Seconds())
		if err := send(toVosk(words)); err != nil {
			return websocket.StatusGoingAway, ""
		}
		return websocket.StatusNormalClosure, ""
	}
	for {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.StreamIdle)
		typ, msg, err := conn.Read(rctx)
		cancel()
		if err != nil {
			switch {
			case websocket.CloseStatus(err) != -1:
				sess.FinishStream()
				return websocket.StatusNormalClosure, ""
			case errors.Is(err, websocket.ErrMessageTooBig):
				sess.FinishStream()
				return websocket.StatusMessageTooBig, fmt.Sprintf("message larger than %d bytes", s.cfg.MaxMessageBytes)
			case ctx.Err() != nil: // shutting down: the final result, then close
				code, _ := final()
				if code == websocket.StatusNormalClosure {
					code = websocket.StatusGoingAway
				}
				return code, "server shutting down"
			case errors.Is(err, context.DeadlineExceeded):
				sess.FinishStream()
				return websocket.StatusPolicyViolation, fmt.Sprintf("no message for %v", s.cfg.StreamIdle)
			}
			sess.FinishStream()
			return websocket.StatusProtocolError, "read failed"
		}
		if typ == websocket.MessageText {
			c, err := parseControl(msg)
			if err != nil {
				send(map[string]string{"error": err.Error()})
				sess.FinishStream()
				return websocket.StatusInvalidFramePayloadData, truncate(err.Error(), 120)
			}
			if c.Config != nil {
				p, err := newPCMStream(int(c.Config.SampleRate), modelRate)
				if err != nil {
					sess.FinishStream()
					return websocket.StatusInvalidFramePayloadData, truncate(err.Error(), 120)
				}
				pcm = p
			}
			if c.EOF != nil {
				return final()
			}
			continue
		}
		samples := pcm.convert(msg)
		audioSamples += int64(len(samples))
		if err := sess.AcceptPCM(samples); err != nil {
			return websocket.StatusInternalError, "decoding failed"
		}
		var reply any
		if fin != nil {
			words, n, err := fin.write(samples)
			if err != nil {
				return websocket.StatusInternalError, "decoding failed"
			}
			if sess.Endpoint() || n > 0 {
				if _, err := sess.EndUtterance(); err != nil { // keep the live decoder's utterances short
					return websocket.StatusInternalError, "decoding failed"
				}
			}
			if n > 0 {
				el := time.Since(uttStart).Seconds()
				s.met.observeRTF("stream", float64(audioSamples)/float64(modelRate), el)
				audioSamples, uttStart = 0, time.Now()
				reply = toVosk(words)
			} else {
				reply = map[string]string{"partial": sess.Partial()}
			}
		} else if sess.Endpoint() {
			words, err := sess.EndUtterance()
			if err != nil {
				return websocket.StatusInternalError, "decoding failed"
			}
			el := time.Since(uttStart).Seconds()
			s.met.observeRTF("stream", float64(audioSamples)/float64(modelRate), el)
			audioSamples, uttStart = 0, time.Now()
			reply = toVosk(words)
		} else {
			reply = map[string]string{"partial": sess.Partial()}
		}
		if err := send(reply); err != nil {
			sess.FinishStream()
			return websocket.StatusGoingAway, ""
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// batchFinals cuts a live stream into segments at pauses exactly as batch transcription does (package
// segment) and decodes each from its own samples. Memory: the splitter's buffer (at most one segment,
// 30 s) and one segment's PCM.
type batchFinals struct {
	sess  *recognizer.Session
	sp    *segment.Splitter
	rate  float64
	f     []float32
	pcm   []int16
	words []transcript.Word
	n     int
}

func newBatchFinals(sess *recognizer.Session) (*batchFinals, error) {
	cfg := sess.Model().Config.Segment
	cfg.SampleRate = int(sess.Model().Feat.SampleRate)
	sp, err := segment.NewSplitter(cfg)
	if err != nil {
		return nil, err
	}
	return &batchFinals{sess: sess, sp: sp, rate: float64(cfg.SampleRate)}, nil
}

func (b *batchFinals) emit(seg segment.Segment) error {
	b.pcm = recognizer.ToInt16(b.pcm[:0], seg.Samples)
	if err := b.sess.StartStream(); err != nil {
		return err
	}
	ws, err := b.sess.DecodeUtterance(b.pcm)
	if err != nil {
		return err
	}
	off := float64(seg.Start) / b.rate
	for i := range ws {
		ws[i].Start = math.Round((ws[i].Start+off)*1000) / 1000
		ws[i].End = math.Round((ws[i].End+off)*1000) / 1000
	}
	b.words = append(b.words, ws...)
	b.n++
	return nil
}

// write adds samples (at the model's rate) and returns the words of the segments they complete and the
// number of those segments.
func (b *batchFinals) write(pcm []int16) ([]transcript.Word, int, error) {
	b.f = b.f[:0]
	for _, v := range pcm {
		b.f = append(b.f, float32(v)/32768)
	}
	b.words, b.n = b.words[:0], 0
	err := b.sp.Write(b.f, b.emit)
	return b.words, b.n, err
}

// flush ends the stream and returns the words of the last segments.
func (b *batchFinals) flush() ([]transcript.Word, error) {
	b.words, b.n = b.words[:0], 0
	err := b.sp.Flush(b.emit)
	return b.words, err
}
