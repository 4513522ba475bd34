package server

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hark/audio"
	"hark/internal/cpusched"
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
// gets one reply, {"partial": "..."} or, when final results are ready, {"result": [...], "text": "..."};
// {"eof": 1} gets the last result and closes the connection.
//
// The pipeline, with two sessions (the usual case):
//   - the live session decodes every chunk as it arrives (narrow search: Config.PartialDecoder(), running
//     CMN) for the partial results, in the reading goroutine, at CPU priority cpusched.Interactive;
//   - the final session decodes the segments that package segment cuts from the stream at pauses, exactly
//     as batch transcription does (each with its own CMN, full search), so the words equal `hark
//     transcribe`'s; it runs in the stream's own goroutine (segmentDecoder), one segment at a time in
//     order, at priority cpusched.Stream, so partial replies keep flowing while a segment is decoded. A
//     final result is the reply to the first message after it is ready (several ready segments are sent
//     as one result); at eof the reply waits for the last segments and carries all their words.
//
// With one free session only, it decodes live at the model's full search and its finals (at endpoints)
// are the live decoder's.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	releaseKey, ok := s.acquireKey(r)
	if !ok {
		httpError(w, http.StatusTooManyRequests, "too_many_sessions", fmt.Sprintf("more than %d concurrent sessions for this API key", s.cfg.MaxSessionsKey))
		return
	}
	// The sessions and the key's count are given back before the final result is sent (a client that
	// starts its next stream on receiving it must find them free, or it would get live finals), or at
	// the latest when the handler returns.
	puts := []func(){releaseKey}
	var relOnce sync.Once
	releaseAll := func() {
		relOnce.Do(func() {
			for i := len(puts) - 1; i >= 0; i-- {
				puts[i]()
			}
		})
	}
	defer releaseAll()
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
	puts = append(puts, put)
	// A second session decodes the final results the way batch transcription does (segments cut at pauses
	// by package segment, each decoded with utterance CMN), so a stream's words match `hark transcribe`'s;
	// the first gives the partial results. Without a free second session the live decoder's finals are used.
	batch, putBatch, err := s.live.Load().TryGet()
	if err == nil {
		puts = append(puts, putBatch)
	} else {
		batch = nil
	}
	// The stream's audio buffers: the splitter's (at most one segment, float32) and the segment being
	// decoded (int16).
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
	code, reason := s.serveStream(r.Context(), conn, sess, batch, releaseAll)
	conn.Close(code, reason)
}

// serveStream runs the protocol on conn until the client ends the stream, goes away or the server shuts
// down (ctx ends: the final result is still sent). It calls done, which hands the sessions back, once it
// no longer uses them, before the final result is sent. It returns only after the stream's segment decoder
// has stopped, so the caller may hand the sessions back.
func (s *Server) serveStream(ctx context.Context, conn *websocket.Conn, sess, batch *recognizer.Session, done func()) (websocket.StatusCode, string) {
	m := sess.Model()
	modelRate := int(m.Feat.SampleRate)
	pcm, _ := newPCMStream(modelRate, modelRate)
	// CPU waits end when the stream does, not when the server begins to shut down (the final result is
	// still decoded then).
	cpuCtx, cancelCPU := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCPU()
	sched := cpusched.Default()
	sess.SetScheduler(cpuCtx, sched.Class(cpusched.Interactive))
	if batch != nil {
		if err := sess.SetDecoderConfig(m.Config.PartialDecoder()); err != nil {
			return websocket.StatusInternalError, "cannot configure the recognizer"
		}
	}
	if err := sess.StartStream(); err != nil {
		return websocket.StatusInternalError, "cannot start the recognizer"
	}
	var fin *segmentDecoder
	if batch != nil {
		var err error
		// A segment's chunks queue by the time it was cut: of several streams' segments waiting for the
		// CPU, the oldest is finished first instead of all advancing round-robin and finishing late.
		schedule := func(cut time.Time) { batch.SetScheduler(cpuCtx, sched.Class(cpusched.Stream).Since(cut)) }
		fin, err = newSegmentDecoder(batch, func(audioSec, wallSec float64) { s.met.observeRTF("stream", audioSec, wallSec) }, schedule)
		if err != nil {
			return websocket.StatusInternalError, "cannot start the segmenter"
		}
		defer fin.stop(cancelCPU)
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
		var words []transcript.Word
		var err error
		if fin != nil {
			words, err = fin.flush()
			fin.stop(cancelCPU)
		} else {
			words, err = sess.FinishStream()
			s.met.observeRTF("stream", float64(audioSamples)/float64(modelRate), time.Since(uttStart).Seconds())
		}
		if err != nil {
			return websocket.StatusInternalError, "decoding failed"
		}
		done()
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
				return websocket.StatusNormalClosure, ""
			case errors.Is(err, websocket.ErrMessageTooBig):
				return websocket.StatusMessageTooBig, fmt.Sprintf("message larger than %d bytes", s.cfg.MaxMessageBytes)
			case ctx.Err() != nil: // shutting down: the final result, then close
				code, _ := final()
				if code == websocket.StatusNormalClosure {
					code = websocket.StatusGoingAway
				}
				return code, "server shutting down"
			case errors.Is(err, context.DeadlineExceeded):
				return websocket.StatusPolicyViolation, fmt.Sprintf("no message for %v", s.cfg.StreamIdle)
			}
			return websocket.StatusProtocolError, "read failed"
		}
		if typ == websocket.MessageText {
			c, err := parseControl(msg)
			if err != nil {
				send(map[string]string{"error": err.Error()})
				return websocket.StatusInvalidFramePayloadData, truncate(err.Error(), 120)
			}
			if c.Config != nil {
				p, err := newPCMStream(int(c.Config.SampleRate), modelRate)
				if err != nil {
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
			cut, err := fin.write(samples)
			if err != nil {
				return websocket.StatusInternalError, "decoding failed"
			}
			// End the live utterance at its endpoints and where the segmenter cut (its text then
			// belongs to the segment being finalized): the live decoder's utterances stay short.
			if sess.Endpoint() || cut {
				text, err := sess.EndUtteranceText()
				if err != nil {
					return websocket.StatusInternalError, "decoding failed"
				}
				fin.addLiveText(text, cut)
			}
			if words, ok := fin.ready(); ok {
				reply = toVosk(words)
			} else {
				reply = map[string]string{"partial": fin.partial(sess.Partial())}
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

// segmentDecoder cuts a live stream into segments at pauses exactly as batch transcription does (package
// segment) and decodes each from its own samples in its own goroutine, one segment at a time and in order,
// while the caller goes on reading the stream. Its methods are called from the stream's goroutine only.
//
// Memory: the splitter's buffer (at most one segment, Config.Segment.MaxSegment: 30 s, float32) and one
// segment's int16 samples, the one being decoded: when a segment is cut while the previous one is still
// being decoded, write waits for it (the client is then held back, as when the CPU cannot keep up), so
// segments never queue. Plus the words of decoded segments not yet sent and the live text of at most
// two segments (the one decoded and the current one).
type segmentDecoder struct {
	sess  *recognizer.Session
	sp    *segment.Splitter
	rate  float64
	f     []float32
	pcm   []int16 // the segment handed to the goroutine; its own while busy
	busy  bool
	work  chan segWork
	done  chan segDone // capacity 1: one segment in flight
	exit  chan struct{}
	words []transcript.Word // decoded, not yet sent
	err   error             // the first decoding error
	cut   bool              // write: a segment was cut

	pendingText []string // live text of the segments cut and not yet sent, oldest first
	segText     []string // live text of the current (not yet cut) segment's ended live utterances
	decoded     int      // segments whose words are in words (decoded, not yet sent)
	observe     func(audioSec, wallSec float64)
	schedule    func(cut time.Time)
	stopped     bool
}

type segWork struct {
	pcm   []int16
	start int64     // first sample in the stream
	cut   time.Time // when the splitter cut it
}

type segDone struct {
	words []transcript.Word
	err   error
}

// newSegmentDecoder starts the goroutine decoding the segments of sess's stream. observe, if not nil, is
// told each segment's length and decoding wall time; schedule, if not nil, is called before each segment
// is decoded with the time it was cut (both from the goroutine).
func newSegmentDecoder(sess *recognizer.Session, observe func(audioSec, wallSec float64), schedule func(cut time.Time)) (*segmentDecoder, error) {
	cfg := sess.Model().Config.Segment
	cfg.SampleRate = int(sess.Model().Feat.SampleRate)
	sp, err := segment.NewSplitter(cfg)
	if err != nil {
		return nil, err
	}
	d := &segmentDecoder{sess: sess, sp: sp, rate: float64(cfg.SampleRate), observe: observe, schedule: schedule,
		work: make(chan segWork), done: make(chan segDone, 1), exit: make(chan struct{})}
	go d.run()
	return d, nil
}

// run decodes the segments handed to it until work is closed.
func (d *segmentDecoder) run() {
	defer close(d.exit)
	for w := range d.work {
		if d.schedule != nil {
			d.schedule(w.cut)
		}
		t0 := time.Now()
		ws, err := d.decode(w)
		if err == nil && d.observe != nil {
			d.observe(float64(len(w.pcm))/d.rate, time.Since(t0).Seconds())
		}
		d.done <- segDone{ws, err}
	}
}

func (d *segmentDecoder) decode(w segWork) ([]transcript.Word, error) {
	if err := d.sess.StartStream(); err != nil {
		return nil, err
	}
	ws, err := d.sess.DecodeUtterance(w.pcm)
	if err != nil {
		return nil, err
	}
	off := float64(w.start) / d.rate
	for i := range ws {
		ws[i].Start = math.Round((ws[i].Start+off)*1000) / 1000
		ws[i].End = math.Round((ws[i].End+off)*1000) / 1000
	}
	return ws, nil
}

// collect takes the result of the segment in flight: waiting for it when wait is set, else only if it is
// done. It reports whether there is none in flight afterwards.
func (d *segmentDecoder) collect(wait bool) bool {
	if !d.busy {
		return true
	}
	var r segDone
	if wait {
		r = <-d.done
	} else {
		select {
		case r = <-d.done:
		default:
			return false
		}
	}
	d.busy = false
	if r.err != nil && d.err == nil {
		d.err = r.err
	}
	d.words = append(d.words, r.words...)
	d.decoded++
	return true
}

// emit hands a segment cut by the splitter to the goroutine, after the previous one is decoded.
func (d *segmentDecoder) emit(seg segment.Segment) error {
	d.collect(true)
	if d.err != nil {
		return d.err
	}
	d.pcm = recognizer.ToInt16(d.pcm[:0], seg.Samples)
	d.busy = true
	d.work <- segWork{pcm: d.pcm, start: seg.Start, cut: time.Now()}
	d.cut = true
	d.pendingText = append(d.pendingText, "")
	return nil
}

// write adds samples (at the model's rate) and reports whether a segment was cut.
func (d *segmentDecoder) write(pcm []int16) (bool, error) {
	d.f = d.f[:0]
	for _, v := range pcm {
		d.f = append(d.f, float32(v)/32768)
	}
	d.cut = false
	err := d.sp.Write(d.f, d.emit)
	if err == nil {
		err = d.err
	}
	return d.cut, err
}

// addLiveText records the text of a live utterance just ended; cut says it ended where the segmenter cut,
// so it belongs with the texts before it to the segment cut last.
func (d *segmentDecoder) addLiveText(text string, cut bool) {
	if text != "" {
		d.segText = append(d.segText, text)
	}
	if cut && len(d.pendingText) > 0 {
		d.pendingText[len(d.pendingText)-1] = strings.Join(d.segText, " ")
		d.segText = d.segText[:0]
	}
}

// ready returns the words of the segments decoded since the last call (a final result to send), if any.
func (d *segmentDecoder) ready() ([]transcript.Word, bool) {
	d.collect(false)
	if d.decoded == 0 {
		return nil, false
	}
	ws := d.words
	d.words = nil
	d.pendingText = d.pendingText[min(d.decoded, len(d.pendingText)):]
	d.decoded = 0
	return ws, true
}

// partial returns the text shown as the partial result: the live text of the segments cut but not yet
// sent as final results, of the current segment's ended live utterances, and live, the current live
// utterance's partial result.
func (d *segmentDecoder) partial(live string) string {
	var b strings.Builder
	add := func(t string) {
		if t == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	for _, t := range d.pendingText {
		add(t)
	}
	for _, t := range d.segText {
		add(t)
	}
	add(live)
	return b.String()
}

// flush ends the stream: the splitter's last segments are decoded, and the words of every segment not yet
// sent are returned.
func (d *segmentDecoder) flush() ([]transcript.Word, error) {
	err := d.sp.Flush(d.emit)
	d.collect(true)
	if err == nil {
		err = d.err
	}
	ws := d.words
	d.words, d.decoded, d.pendingText, d.segText = nil, 0, nil, nil
	return ws, err
}

// stop ends the goroutine: cancel makes a decoding in progress give up at its next CPU slot (after at most
// about one second of audio), and stop returns once the goroutine has exited, so the session can be
// handed back. Later calls do nothing.
func (d *segmentDecoder) stop(cancel func()) {
	if d.stopped {
		return
	}
	d.stopped = true
	close(d.work)
	if d.busy {
		cancel()
	}
	<-d.exit
}
