package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"hark/audio"
)

type chunk struct {
	id   string
	body []byte
	size int64 // declared size; -1 = len(body)
}

func ck(id string, body []byte) chunk { return chunk{id, body, -1} }

// buildWAV lays out a RIFF file; riffSize -1 computes the right one. Odd chunks get their pad byte.
func buildWAV(magic string, riffSize int64, chunks ...chunk) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.Write([]byte{0, 0, 0, 0})
	b.WriteString("WAVE")
	for _, c := range chunks {
		b.WriteString(c.id)
		size := c.size
		if size < 0 {
			size = int64(len(c.body))
		}
		binary.Write(&b, binary.LittleEndian, uint32(size))
		b.Write(c.body)
		if len(c.body)%2 == 1 {
			b.WriteByte(0)
		}
	}
	out := b.Bytes()
	if riffSize < 0 {
		riffSize = int64(len(out) - 8)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(riffSize))
	return out
}

func fmtBody(tag, channels uint16, rate uint32, bits uint16) []byte {
	b := make([]byte, 16)
	ba := channels * ((bits + 7) / 8)
	binary.LittleEndian.PutUint16(b[0:], tag)
	binary.LittleEndian.PutUint16(b[2:], channels)
	binary.LittleEndian.PutUint32(b[4:], rate)
	binary.LittleEndian.PutUint32(b[8:], rate*uint32(ba))
	binary.LittleEndian.PutUint16(b[12:], ba)
	binary.LittleEndian.PutUint16(b[14:], bits)
	return b
}

func extensibleBody(channels uint16, rate uint32, container, valid, subTag uint16) []byte {
	b := fmtBody(0xFFFE, channels, rate, container)
	b = append(b, 22, 0)
	b = binary.LittleEndian.AppendUint16(b, valid)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint16(b, subTag)
	return append(b, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71)
}

var testPCM = []int16{0, 1000, -1000, 32767, -32768, 5, -5, 12345, -23456, 7}

func s16Bytes(v []int16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, uint16(x))
	}
	return b
}

func s16Float(v []int16) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x) / 32768
	}
	return out
}

// readerOnly hides Seek.
type readerOnly struct{ r io.Reader }

func (r readerOnly) Read(p []byte) (int, error) { return r.r.Read(p) }

// TestWAVChunkLayouts decodes the same samples in every chunk layout the reader must accept.
func TestWAVChunkLayouts(t *testing.T) {
	data := s16Bytes(testPCM)
	fmt16 := fmtBody(1, 1, 16000, 16)
	list := ck("LIST", []byte("INFOISFT\x05\x00\x00\x00hark\x00")) // 17 bytes: odd, padded
	want := s16Float(testPCM)
	hdr := buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("data", nil))[:44]
	cases := []struct {
		name     string
		in       []byte
		seekable bool
		want     []float32
		frames   int64
	}{
		{"plain", buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("data", data)), false, want, 10},
		{"odd-list-before-fmt-and-data", buildWAV("RIFF", -1, list, ck("fmt ", fmt16), ck("JUNK", make([]byte, 3)), list, ck("data", data)), false, want, 10},
		{"fact-and-trailing-list", buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("fact", []byte{10, 0, 0, 0}), ck("data", data), list), false, want, 10},
		{"big-skipped-chunk", buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("bext", make([]byte, 100001)), ck("data", data)), false, want, 10},
		{"big-skipped-chunk-seek", buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("bext", make([]byte, 100001)), ck("data", data)), true, want, 10},
		{"data-size-ffffffff", buildWAV("RIFF", 0xFFFFFFFF, ck("fmt ", fmt16), chunk{"data", data, 0xFFFFFFFF}), false, want, -1},
		{"data-size-ffffffff-seekable", buildWAV("RIFF", 0xFFFFFFFF, ck("fmt ", fmt16), chunk{"data", data, 0xFFFFFFFF}), true, want, 10},
		{"data-size-0-streaming", append(append([]byte{}, hdr...), data...), false, want, -1},
		{"data-size-sox-pipe", buildWAV("RIFF", 0x7FFFF024, ck("fmt ", fmt16), chunk{"data", data, 0x7FFFF000}), false, want, -1},
		{"data-size-0-really-empty", buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("data", nil), list), false, nil, 0},
		{"data-before-fmt-seekable", buildWAV("RIFF", -1, list, ck("data", data), ck("fmt ", fmt16)), true, want, 10},
		{"odd-u8-data-then-list", buildWAV("RIFF", -1, ck("fmt ", fmtBody(1, 1, 8000, 8)), ck("data", []byte{128, 255, 0}), list), false,
			[]float32{0, 127.0 / 128, -1}, 3},
		{"partial-frame-ignored", buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("data", append(append([]byte{}, data...), 1))), false, want, 10},
		{"extensible-20-in-24", buildWAV("RIFF", -1, ck("fmt ", extensibleBody(1, 16000, 24, 20, 1)), ck("data", []byte{0x00, 0x10, 0x80, 0xf0, 0xff, 0x7f})), false,
			[]float32{-1 + 1.0/(1<<11), 1 - 1.0/(1<<19)}, 2},
	}
	rf64 := buildWAV("RF64", 0xFFFFFFFF, chunk{"ds64", make([]byte, 28), -1}, ck("fmt ", fmt16), chunk{"data", data, 0xFFFFFFFF})
	binary.LittleEndian.PutUint64(rf64[20:], uint64(len(rf64)-8))
	binary.LittleEndian.PutUint64(rf64[28:], uint64(len(data)))
	rf64 = append(rf64, "LIST\x00\x00\x00\x00"...) // must not be read as samples
	cases = append(cases, struct {
		name     string
		in       []byte
		seekable bool
		want     []float32
		frames   int64
	}{"rf64-ds64", rf64, false, want, 10})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(c.in)
			if !c.seekable {
				r = readerOnly{r}
			}
			d, err := audio.NewWAVReader(r)
			if err != nil {
				t.Fatalf("NewWAVReader: %v", err)
			}
			if f := d.Format(); f.Frames != c.frames {
				t.Errorf("Frames = %d; want %d", f.Frames, c.frames)
			}
			got := readAll(t, d, c.name)
			if i := firstDiff(got, c.want, 0); i >= 0 {
				t.Fatalf("samples = %v; want %v", got, c.want)
			}
		})
	}
	t.Run("data-before-fmt-not-seekable", func(t *testing.T) {
		_, err := audio.NewWAVReader(readerOnly{bytes.NewReader(buildWAV("RIFF", -1, ck("data", data), ck("fmt ", fmt16)))})
		if !errors.Is(err, audio.ErrUnsupported) || !strings.Contains(err.Error(), "before fmt") {
			t.Fatalf("err = %v; want ErrUnsupported naming data before fmt", err)
		}
	})
}

// allocBytes returns the bytes f allocates.
func allocBytes(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestBadInput checks that malformed and unsupported input fails with an error that names the problem,
// never panics, and never allocates more than a small constant.
func TestBadInput(t *testing.T) {
	fmt16 := fmtBody(1, 1, 16000, 16)
	data := s16Bytes(testPCM)
	good := buildWAV("RIFF", -1, ck("fmt ", fmt16), ck("LIST", []byte("INFO")), ck("data", data))
	fmtWith := func(off int, v uint16) []byte {
		b := append([]byte{}, fmt16...)
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	fmtRate0 := append([]byte{}, fmt16...)
	binary.LittleEndian.PutUint32(fmtRate0[4:], 0)
	badGUID := extensibleBody(1, 16000, 16, 16, 1)
	badGUID[len(badGUID)-1] = 0
	id3Huge := append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), make([]byte, 100)...)
	cases := []struct {
		name   string
		in     []byte
		target error
		substr string
	}{
		{"empty", nil, audio.ErrFormat, "empty"},
		{"wrong-magic", []byte("\x00\x01garbage\x00\x00\x00\x00\x00\x00\x00"), audio.ErrUnknownFormat, "magic 00 01 67"},
		{"ogg", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), audio.ErrUnsupported, "Ogg"},
		{"m4a", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), audio.ErrUnsupported, "MP4"},
		{"aac-adts", []byte{0xFF, 0xF1, 0x50, 0x80, 0, 0, 0}, audio.ErrUnsupported, "AAC"},
		{"not-wave", []byte("RIFF\x04\x00\x00\x00AVI LIST"), audio.ErrUnsupported, "not WAVE"},
		{"riff-only", []byte("RIFF\x04\x00\x00\x00WAVE"), audio.ErrFormat, "no fmt chunk"},
		{"no-data", buildWAV("RIFF", -1, ck("fmt ", fmt16)), audio.ErrFormat, "no data chunk"},
		{"header-truncated", good[:20], audio.ErrTruncated, "fmt"},
		{"fmt-claims-4GiB", buildWAV("RIFF", -1, chunk{"fmt ", fmt16, 0xFFFFFFF0}), audio.ErrFormat, "fmt chunk of 4294967280 bytes"},
		{"fmt-too-small", buildWAV("RIFF", -1, ck("fmt ", fmt16[:8]), ck("data", data)), audio.ErrFormat, "fmt chunk of 8 bytes"},
		{"list-claims-4GiB", buildWAV("RIFF", -1, ck("fmt ", fmt16), chunk{"LIST", []byte("INFO"), 0xFFFFFF00}), audio.ErrTruncated, "runs past the end"},
		{"ima-adpcm", buildWAV("RIFF", -1, ck("fmt ", fmtWith(0, 0x11)), ck("data", data)), audio.ErrUnsupported, "IMA ADPCM"},
		{"unknown-codec", buildWAV("RIFF", -1, ck("fmt ", fmtWith(0, 0x1234)), ck("data", data)), audio.ErrUnsupported, "0x1234"},
		{"zero-channels", buildWAV("RIFF", -1, ck("fmt ", fmtWith(2, 0)), ck("data", data)), audio.ErrFormat, "0 channels"},
		{"too-many-channels", buildWAV("RIFF", -1, ck("fmt ", fmtWith(2, 5000)), ck("data", data)), audio.ErrUnsupported, "5000 channels"},
		{"zero-rate", buildWAV("RIFF", -1, ck("fmt ", fmtRate0), ck("data", data)), audio.ErrFormat, "sample rate 0"},
		{"zero-bits", buildWAV("RIFF", -1, ck("fmt ", fmtWith(14, 0)), ck("data", data)), audio.ErrFormat, "bits"},
		{"float16", buildWAV("RIFF", -1, ck("fmt ", fmtBody(3, 1, 16000, 16)), ck("data", data)), audio.ErrUnsupported, "16-bit float"},
		{"block-align-mismatch", buildWAV("RIFF", -1, ck("fmt ", fmtWith(12, 3)), ck("data", data)), audio.ErrFormat, "block align 3"},
		{"extensible-bad-guid", buildWAV("RIFF", -1, ck("fmt ", badGUID), ck("data", data)), audio.ErrUnsupported, "GUID"},
		{"extensible-short", buildWAV("RIFF", -1, ck("fmt ", badGUID[:30]), ck("data", data)), audio.ErrFormat, "EXTENSIBLE"},
		{"flac-garbage", []byte("fLaC\x00\x00\x00\x22garbage"), audio.ErrFormat, "flac"},
		{"flac-signature-only", []byte("fLaC"), audio.ErrFormat, "flac"},
		{"mp3-layer2", []byte{0xFF, 0xFD, 0x90, 0x00, 1, 2, 3, 4}, audio.ErrUnsupported, "layer 2"},
		{"id3-claims-256MiB", id3Huge, audio.ErrTruncated, "ID3 tag of 268435465 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocBytes(func() {
				var d audio.Reader
				d, err = audio.NewReader(bytes.NewReader(c.in), "x.wav", nil)
				if err == nil {
					_, err = d.ReadFrames(make([]float32, 64))
				}
			})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.target) || !strings.Contains(err.Error(), c.substr) {
				t.Errorf("err = %v; want %v naming %q", err, c.target, c.substr)
			}
			if n > 128<<10 {
				t.Errorf("allocated %d bytes for %d bytes of input", n, len(c.in))
			}
		})
	}
	t.Run("data-truncated", func(t *testing.T) {
		in := buildWAV("RIFF", -1, ck("fmt ", fmt16), chunk{"data", data, 0x40000000})
		var err error
		var got []float32
		n := allocBytes(func() {
			d, e := audio.NewReader(readerOnly{bytes.NewReader(in)}, "", nil)
			if e != nil {
				err = e
				return
			}
			buf := make([]float32, 4)
			for {
				k, e := d.ReadFrames(buf)
				got = append(got, buf[:k]...)
				if e != nil {
					err = e
					return
				}
			}
		})
		if !errors.Is(err, audio.ErrTruncated) || !strings.Contains(err.Error(), "short of its declared size") {
			t.Errorf("err = %v; want ErrTruncated", err)
		}
		if i := firstDiff(got, s16Float(testPCM), 0); i >= 0 {
			t.Errorf("samples before the error = %v", got)
		}
		if n > 128<<10 {
			t.Errorf("allocated %d bytes", n)
		}
	})
	t.Run("every-prefix", func(t *testing.T) {
		for i := range len(good) {
			d, err := audio.NewReader(bytes.NewReader(good[:i]), "", nil)
			if err != nil {
				continue
			}
			buf := make([]float32, 64)
			for {
				if _, err := d.ReadFrames(buf); err != nil {
					break
				}
			}
		}
	})
}

func TestRawFormatValidate(t *testing.T) {
	cases := []struct {
		name string
		f    audio.RawFormat
		ok   bool
	}{
		{"default", audio.DefaultRawFormat(), true},
		{"s24be-stereo", audio.RawFormat{SampleRateHz: 48000, Channels: 2, BitsPerSample: 24, Encoding: audio.EncodingSigned, BigEndian: true}, true},
		{"f64", audio.RawFormat{SampleRateHz: 8000, Channels: 1, BitsPerSample: 64, Encoding: audio.EncodingFloat}, true},
		{"zero-rate", audio.RawFormat{Channels: 1, BitsPerSample: 16, Encoding: audio.EncodingSigned}, false},
		{"zero-channels", audio.RawFormat{SampleRateHz: 16000, BitsPerSample: 16, Encoding: audio.EncodingSigned}, false},
		{"12-bit", audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 12, Encoding: audio.EncodingSigned}, false},
		{"alaw-16", audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 16, Encoding: audio.EncodingALaw}, false},
		{"no-encoding", audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 16}, false},
	}
	for _, c := range cases {
		if err := c.f.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate() = %v; want ok=%v", c.name, err, c.ok)
		}
	}
}
