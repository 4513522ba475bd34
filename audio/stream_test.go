package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hark/audio"
)

// synthPCM returns seconds of 16-bit little-endian PCM: a chirp plus a tone per channel.
func synthPCM(rate, channels int, seconds float64) []byte {
	n := int(float64(rate) * seconds)
	b := make([]byte, 0, n*channels*2)
	for i := range n {
		tm := float64(i) / float64(rate)
		for c := range channels {
			v := 0.4*math.Sin(2*math.Pi*(100+2000*tm)*tm) + 0.2*math.Sin(2*math.Pi*float64(300*(c+1))*tm)
			b = binary.LittleEndian.AppendUint16(b, uint16(int16(v*32767)))
		}
	}
	return b
}

// wavHeader returns a 44-byte header for 16-bit PCM; dataSize 0xFFFFFFFF marks a stream of unknown length.
func wavHeader(rate, channels int, dataSize uint32) []byte {
	riff := dataSize + 36
	if dataSize == 0xFFFFFFFF {
		riff = dataSize
	}
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, riff)
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = append(b, fmtBody(1, uint16(channels), uint32(rate), 16)...)
	b = append(b, "data"...)
	return binary.LittleEndian.AppendUint32(b, dataSize)
}

// loopReader yields head, then body over and over: an endless stream.
type loopReader struct {
	head, body []byte
	pos        int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if l.pos < len(l.head) {
		n := copy(p, l.head[l.pos:])
		l.pos += n
		return n, nil
	}
	off := (l.pos - len(l.head)) % len(l.body)
	n := copy(p, l.body[off:])
	l.pos += n
	return n, nil
}

// TestStreamZeroAllocs checks that the steady-state read + downmix + resample loop allocates nothing.
func TestStreamZeroAllocs(t *testing.T) {
	cases := []struct {
		name     string
		rate, ch int
		raw      *audio.RawFormat
	}{
		{"wav-44k-stereo", 44100, 2, nil},
		{"wav-48k-6ch", 48000, 6, nil},
		{"wav-16k-mono-passthrough", 16000, 1, nil},
		{"wav-22k-mono", 22050, 1, nil},
		{"raw-8k-mono", 8000, 1, &audio.RawFormat{SampleRateHz: 8000, Channels: 1, BitsPerSample: 16, Encoding: audio.EncodingSigned}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := wavHeader(c.rate, c.ch, 0xFFFFFFFF)
			if c.raw != nil {
				head = nil
			}
			src := &loopReader{head: head, body: synthPCM(c.rate, c.ch, 0.5)}
			s, err := audio.Open(src, "", audio.Options{SampleRateHz: 16000, Raw: c.raw})
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, 1600)
			for range 5 {
				if _, err := s.Read(dst); err != nil {
					t.Fatal(err)
				}
			}
			if a := testing.AllocsPerRun(30, func() {
				if _, err := s.Read(dst); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("%v allocations per Read of 100 ms; want 0", a)
			}
		})
	}
}

// TestStreamPipeline checks Open on a 44.1 kHz stereo WAV against decoding, downmixing and resampling by
// hand with the exported pieces, and ReadInt16 against Read.
func TestStreamPipeline(t *testing.T) {
	pcm := synthPCM(44100, 2, 1.3)
	in := append(wavHeader(44100, 2, uint32(len(pcm))), pcm...)
	s, err := audio.Open(bytes.NewReader(in), "", audio.Options{SampleRateHz: 16000, BlockFrames: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := readStream(t, s)
	if s.Frames() != int64(len(got)) {
		t.Errorf("Frames() = %d; read %d", s.Frames(), len(got))
	}
	d, err := audio.NewWAVReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	inter := readAll(t, d, "wav")
	mono := make([]float32, len(inter)/2)
	for i := range mono {
		mono[i] = (inter[2*i] + inter[2*i+1]) * 0.5
	}
	r, err := audio.NewResampler(44100, 16000, audio.ResampleConfig{}, len(mono))
	if err != nil {
		t.Fatal(err)
	}
	r.Push(mono)
	r.Flush()
	want := make([]float32, len(mono))
	want = want[:r.Pull(want)]
	if i := firstDiff(got, want, 0); i >= 0 {
		t.Fatalf("Stream differs from the pieces at %d (len %d vs %d)", i, len(got), len(want))
	}
	if want := (int64(len(mono))*160 + 440) / 441; int64(len(got)) != want {
		t.Errorf("%d samples; want ceil(%d × 160/441) = %d", len(got), len(mono), want)
	}

	s2, err := audio.Open(bytes.NewReader(in), "", audio.Options{SampleRateHz: 16000})
	if err != nil {
		t.Fatal(err)
	}
	var ints []int16
	buf := make([]int16, 500)
	for {
		n, err := s2.ReadInt16(buf)
		ints = append(ints, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(ints) != len(got) {
		t.Fatalf("ReadInt16 gave %d samples; Read %d", len(ints), len(got))
	}
	for i, v := range ints {
		if d := float64(v) - float64(got[i])*32768; d > 0.5001 || d < -0.5001 {
			t.Fatalf("ReadInt16[%d] = %d; Read gives %g", i, v, got[i]*32768)
		}
	}
}

// TestProbe checks Probe on each container against the parameters sox wrote.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "a.wav")
	runSox(t, "-n", "-r", "22050", "-c", "2", "-b", "24", wav, "synth", "1.5", "sine", "440")
	flac := filepath.Join(dir, "a.flac")
	runSox(t, wav, flac)
	wav44 := filepath.Join(dir, "b.wav")
	runSox(t, "-n", "-r", "44100", "-c", "1", "-b", "16", wav44, "synth", "1.5", "sine", "440")
	mp3 := filepath.Join(dir, "b.mp3")
	run(t, "lame", "--quiet", wav44, mp3) // with a LAME Info header: the frame count
	cases := []struct {
		path string
		want audio.Format
	}{
		{wav, audio.Format{Container: audio.ContainerWAV, Codec: "pcm_s24le", SampleRateHz: 22050, Channels: 2, BitsPerSample: 24, Frames: 33075}},
		{flac, audio.Format{Container: audio.ContainerFLAC, Codec: "flac", SampleRateHz: 22050, Channels: 2, BitsPerSample: 24, Frames: 33075}},
		{mp3, audio.Format{Container: audio.ContainerMP3, Codec: "mp3", SampleRateHz: 44100, Channels: 1, Frames: -2}}, // -2: as decoded (Xing header)
	}
	for _, c := range cases {
		f, err := os.Open(c.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := audio.Probe(f, c.path, audio.Options{})
		f.Close()
		if err != nil {
			t.Fatalf("Probe(%s): %v", c.path, err)
		}
		if c.want.Frames == -2 {
			dec, _ := decodeFile(t, c.path, nil)
			c.want.Frames = int64(len(dec))
		}
		if got != c.want {
			t.Errorf("Probe(%s) = %+v; want %+v", filepath.Base(c.path), got, c.want)
		}
	}
	if d, ok := cases[0].want.Duration(); !ok || d != 1500*time.Millisecond {
		t.Errorf("Duration() = %v, %v; want 1.5s", d, ok)
	}
}
