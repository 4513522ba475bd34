// Command partials measures the live (partial-result) decoder of hark serve's streams at several search
// widths: each dev-set recording is streamed through a recognizer Session as the server does (0.2 s
// chunks, a partial result after each, the utterance ended at each endpoint with EndUtteranceText), and
// for every beam/max-active pair it prints the CPU seconds (user+sys of this process, measured with
// getrusage: meaningful on shared cores) per second of audio, and the quality of the live text: its WER
// against the references and its word disagreement with the final results (the batch-style decode of
// each recording at the model's full beam, which is what a stream's final results are). See
// bench/partial-beam.sh.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hark/audio"
	"hark/internal/wer"
	"hark/recognizer"
)

func main() {
	dev := flag.String("dev", "../shared/eval/dev", "dev set directory (wav/, refs.txt)")
	n := flag.Int("n", 40, "recordings (the first N in name order)")
	widths := flag.String("widths", "13/7000,12/3000,11/2000,10/1000,9/700,8/500", "BEAM/MAX-ACTIVE pairs to measure, comma-separated")
	flag.Parse()
	if err := run(*dev, *n, *widths); err != nil {
		fmt.Fprintln(os.Stderr, "partials:", err)
		os.Exit(1)
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func readPCM(path string) ([]int16, error) {
	st, err := audio.OpenFile(path, audio.Options{SampleRateHz: 16000})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []int16
	buf := make([]int16, 4096)
	for {
		k, err := st.ReadInt16(buf)
		out = append(out, buf[:k]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

type width struct {
	beam      float32
	maxActive int
}

func parseWidths(s string) ([]width, error) {
	var ws []width
	for _, f := range strings.Split(s, ",") {
		b, m, ok := strings.Cut(f, "/")
		bv, err1 := strconv.ParseFloat(b, 32)
		mv, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("width %q: want BEAM/MAX-ACTIVE", f)
		}
		ws = append(ws, width{float32(bv), mv})
	}
	return ws, nil
}

// live streams pcm through sess as hark serve's live decoder does and returns the text it shows.
func live(sess *recognizer.Session, pcm []int16) (string, error) {
	if err := sess.StartStream(); err != nil {
		return "", err
	}
	var parts []string
	const chunk = 16000 / 5
	for off := 0; off < len(pcm); off += chunk {
		if err := sess.AcceptPCM(pcm[off:min(off+chunk, len(pcm))]); err != nil {
			return "", err
		}
		if sess.Endpoint() {
			t, err := sess.EndUtteranceText()
			if err != nil {
				return "", err
			}
			parts = append(parts, t)
		} else {
			_ = sess.Partial()
		}
	}
	t, err := sess.EndUtteranceText()
	if err != nil {
		return "", err
	}
	parts = append(parts, t)
	sess.FinishStream()
	return strings.Join(parts, " "), nil
}

func run(dev string, n int, widthList string) error {
	ws, err := parseWidths(widthList)
	if err != nil {
		return err
	}
	refs := map[string]string{}
	f, err := os.Open(filepath.Join(dev, "refs.txt"))
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, text, _ := strings.Cut(sc.Text(), " ")
		refs[id] = text
	}
	f.Close()
	wavs, _ := filepath.Glob(filepath.Join(dev, "wav", "*.wav"))
	sort.Strings(wavs)
	wavs = wavs[:min(n, len(wavs))]
	m, err := recognizer.Load(recognizer.DefaultConfig(""), nil)
	if err != nil {
		return err
	}
	sess, err := m.NewSession()
	if err != nil {
		return err
	}
	var pcms [][]int16
	var ids []string
	var audioSec float64
	for _, w := range wavs {
		p, err := readPCM(w)
		if err != nil {
			return err
		}
		pcms = append(pcms, p)
		ids = append(ids, strings.TrimSuffix(filepath.Base(w), ".wav"))
		audioSec += float64(len(p)) / 16000
	}
	// The finals: each recording decoded batch-style at the full beam (one segment each: dev recordings
	// are shorter than the 30 s segment cap).
	finals := make([][]string, len(pcms))
	var fw wer.Counts
	c0 := cpuSeconds()
	for i, p := range pcms {
		if err := sess.StartStream(); err != nil {
			return err
		}
		words, err := sess.DecodeUtterance(p)
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, w := range words {
			b.WriteString(w.Word + " ")
		}
		finals[i] = wer.Normalize(b.String())
		fw = fw.Add(wer.Align(wer.Normalize(refs[ids[i]]), finals[i]))
	}
	fmt.Printf("%d recordings, %.1f s of audio; finals (batch-style, beam %g, max-active %d): WER %.2f %%, CPU %.3f s per audio s\n",
		len(pcms), audioSec, m.Config.Decoder.Beam, m.Config.Decoder.MaxActive, fw.Rate(), (cpuSeconds()-c0)/audioSec)
	fmt.Printf("%-6s %-10s %-22s %-14s %s\n", "beam", "max-active", "CPU s per audio s", "live WER %", "live vs final: word disagreement %")
	for _, w := range ws {
		c := m.Config.Decoder
		c.Beam, c.MaxActive = w.beam, w.maxActive
		c.MinActive = min(c.MinActive, c.MaxActive)
		var lw, agree wer.Counts
		c0 := cpuSeconds()
		for i, p := range pcms {
			if err := sess.SetDecoderConfig(c); err != nil {
				return err
			}
			text, err := live(sess, p)
			if err != nil {
				return err
			}
			hyp := wer.Normalize(text)
			lw = lw.Add(wer.Align(wer.Normalize(refs[ids[i]]), hyp))
			agree = agree.Add(wer.Align(finals[i], hyp))
		}
		cpu := cpuSeconds() - c0
		fmt.Printf("%-6g %-10d %-22.3f %-14.2f %.2f\n", w.beam, w.maxActive, cpu/audioSec, lw.Rate(), agree.Rate())
	}
	return nil
}
