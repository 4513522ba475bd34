package audio_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"hark/audio"
	"hark/internal/testenv"
)

// addSeeds adds the committed seed files with one of exts, and the first 512 bytes of Debian's
// pocketsphinx-testdata recordings when they are installed.
func addSeeds(f *testing.F, exts ...string) {
	for _, ext := range exts {
		files, _ := filepath.Glob(filepath.Join("testdata", "seed", "*"+ext))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
		if ext == ".wav" || ext == ".raw" {
			debian, _ := filepath.Glob(filepath.Join(testenv.TestData, "*", "*"+ext))
			for _, p := range debian[:min(len(debian), 3)] {
				fh, err := os.Open(p)
				if err != nil {
					continue
				}
				b := make([]byte, 512)
				n, _ := io.ReadFull(fh, b)
				fh.Close()
				f.Add(b[:n])
			}
		}
	}
}

// drain reads d to its end and checks that it yields no more sample frames than maxFrames.
func drain(t *testing.T, d audio.Reader, maxFrames int) {
	t.Helper()
	ch := d.Format().Channels
	if ch < 1 || ch > audio.MaxChannels || d.Format().SampleRateHz <= 0 {
		t.Fatalf("format %+v accepted", d.Format())
	}
	buf := make([]float32, 256*ch)
	total := 0
	for range 1 << 20 {
		n, err := d.ReadFrames(buf)
		if n < 0 || n*ch > len(buf) {
			t.Fatalf("ReadFrames returned %d frames into %d samples", n, len(buf))
		}
		total += n
		if maxFrames >= 0 && total > maxFrames {
			t.Fatalf("%d frames from input that holds at most %d", total, maxFrames)
		}
		if err != nil {
			return
		}
		if n == 0 {
			t.Fatal("ReadFrames made no progress and returned no error")
		}
	}
	t.Fatal("ReadFrames never ended")
}

// checkAlloc fails when f allocates more than a fixed budget plus a multiple of the input size.
func checkAlloc(t *testing.T, in []byte, budget uint64, f func()) {
	t.Helper()
	if n := allocBytes(f); n > budget+uint64(4*len(in)) {
		t.Fatalf("allocated %d bytes for %d bytes of input", n, len(in))
	}
}

// FuzzWAV feeds arbitrary bytes to the WAV parser, seekable and not.
//
//	go test ./audio -run '^$' -fuzz FuzzWAV -fuzztime 60s -fuzzminimizetime 5s
func FuzzWAV(f *testing.F) {
	addSeeds(f, ".wav")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, seekable := range []bool{false, true} {
			checkAlloc(t, data, 128<<10, func() {
				var r io.Reader = bytes.NewReader(data)
				if !seekable {
					r = readerOnly{r}
				}
				d, err := audio.NewWAVReader(r)
				if err != nil {
					if !errors.Is(err, audio.ErrFormat) && !errors.Is(err, audio.ErrUnsupported) && !errors.Is(err, audio.ErrTruncated) {
						t.Fatalf("error %v wraps none of the sentinels", err)
					}
					return
				}
				frameBytes := max(1, d.Format().BitsPerSample/8*d.Format().Channels)
				drain(t, d, len(data)/frameBytes)
			})
		}
	})
}

// FuzzRaw decodes arbitrary bytes with arbitrary raw parameters: either Validate rejects them, or every
// whole frame decodes.
//
//	go test ./audio -run '^$' -fuzz FuzzRaw -fuzztime 60s -fuzzminimizetime 5s
func FuzzRaw(f *testing.F) {
	for _, b := range [][]byte{{1, 2, 3, 4, 5}, nil} {
		f.Add(b, 16000, 1, 16, 1, false)
		f.Add(b, 8000, 3, 24, 1, true)
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seed", "*.raw"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, 16000, 1, 16, int(audio.EncodingSigned), false)
			f.Add(b, 44100, 2, 32, int(audio.EncodingFloat), true)
			f.Add(b, 8000, 1, 8, int(audio.EncodingMuLaw), false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, rate, channels, bits, enc int, bigEndian bool) {
		rf := audio.RawFormat{SampleRateHz: rate, Channels: channels, BitsPerSample: bits, Encoding: audio.Encoding(enc), BigEndian: bigEndian}
		d, err := audio.NewRawReader(bytes.NewReader(data), rf, int64(len(data)))
		if (err == nil) != (rf.Validate() == nil) {
			t.Fatalf("NewRawReader error %v but Validate %v", err, rf.Validate())
		}
		if err != nil {
			return
		}
		frameBytes := bits / 8 * channels
		want := len(data) / frameBytes
		if d.Format().Frames != int64(want) {
			t.Fatalf("Frames = %d; want %d", d.Format().Frames, want)
		}
		got := readAll(t, d, "raw")
		if len(got) != want*channels {
			t.Fatalf("decoded %d samples; want %d", len(got), want*channels)
		}
	})
}

// FuzzFLAC checks that the FLAC wrapper turns anything the decoder meets into an error, never a panic.
//
//	go test ./audio -run '^$' -fuzz FuzzFLAC -fuzztime 60s -fuzzminimizetime 5s
func FuzzFLAC(f *testing.F) {
	addSeeds(f, ".flac")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := audio.NewFLACReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		drain(t, d, -1)
	})
}

// FuzzMP3 checks that the MP3 wrapper turns anything the decoder meets into an error, never a panic.
//
//	go test ./audio -run '^$' -fuzz FuzzMP3 -fuzztime 60s -fuzzminimizetime 5s
func FuzzMP3(f *testing.F) {
	addSeeds(f, ".mp3")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := audio.NewMP3Reader(bytes.NewReader(data))
		if err != nil {
			return
		}
		drain(t, d, -1)
	})
}

// FuzzOpen runs format detection and the whole pipeline (downmix, resampling to 16 kHz) on arbitrary bytes.
//
//	go test ./audio -run '^$' -fuzz FuzzOpen -fuzztime 60s -fuzzminimizetime 5s
func FuzzOpen(f *testing.F) {
	addSeeds(f, ".wav", ".flac", ".mp3")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := audio.Open(bytes.NewReader(data), "x.raw", audio.Options{SampleRateHz: 16000})
		if err != nil {
			return
		}
		buf := make([]float32, 1000)
		for range 1 << 20 {
			if _, err := s.Read(buf); err != nil {
				return
			}
		}
		t.Fatal("Read never ended")
	})
}
