package soak

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hark/internal/testenv"
)

// wavHeader builds a canonical 44-byte header for n data bytes.
func wavHeader(format, channels uint16, rate uint32, bits uint16, n uint32) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00")
	binary.LittleEndian.PutUint32(b[4:], 36+n)
	b = binary.LittleEndian.AppendUint16(b, format)
	b = binary.LittleEndian.AppendUint16(b, channels)
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, rate*uint32(channels*bits/8))
	b = binary.LittleEndian.AppendUint16(b, channels*bits/8)
	b = binary.LittleEndian.AppendUint16(b, bits)
	b = append(b, "data"...)
	return binary.LittleEndian.AppendUint32(b, n)
}

func TestParseWAV(t *testing.T) {
	pcm := []byte{1, 0, 2, 0, 3, 0}
	cases := []struct {
		name    string
		b       []byte
		rate    int
		n       int
		wantErr string
	}{
		{"canonical", append(wavHeader(1, 1, 16000, 16, 6), pcm...), 16000, 6, ""},
		{"extensible", append(wavHeader(0xFFFE, 1, 8000, 16, 6), pcm...), 8000, 6, ""},
		{"streamed size", append(wavHeader(1, 1, 16000, 16, 0xFFFFFFFF), pcm...), 16000, 6, ""},
		{"odd bytes", append(wavHeader(1, 1, 16000, 16, 5), pcm[:5]...), 16000, 4, ""},
		{"stereo", append(wavHeader(1, 2, 16000, 16, 6), pcm...), 0, 0, "2 channels"},
		{"8-bit", append(wavHeader(1, 1, 16000, 8, 6), pcm...), 0, 0, "8 bits"},
		{"float", append(wavHeader(3, 1, 16000, 16, 6), pcm...), 0, 0, "format tag"},
		{"rate", append(wavHeader(1, 1, 100, 16, 6), pcm...), 0, 0, "sample rate"},
		{"not riff", []byte("RIFX0000WAVE"), 0, 0, "RIFF"},
		{"short", []byte("RIF"), 0, 0, "RIFF"},
		{"no data", wavHeader(1, 1, 16000, 16, 0)[:36], 0, 0, "without a data chunk"},
		{"data first", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x00"), 0, 0, "before the fmt"},
		{"fmt past end", []byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\x00\x00\x00\x01\x00"), 0, 0, "fmt chunk"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rate, got, err := ParseWAV(c.b)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || rate != c.rate || len(got) != c.n {
				t.Fatalf("got rate %d, %d bytes, err %v; want %d, %d", rate, len(got), err, c.rate, c.n)
			}
		})
	}
}

// TestLoadClipsSoxi checks every clip's sample count and rate against soxi.
func TestLoadClipsSoxi(t *testing.T) {
	soxi := testenv.RequireTool(t, "soxi")
	dir := testenv.RequireFile(t, filepath.Join(testenv.TestData, "librivox"))
	clips, err := LoadClips(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(clips) != 5 {
		t.Fatalf("%d clips, want librivox's 5", len(clips))
	}
	for _, c := range clips {
		path := filepath.Join(dir, c.Name+".wav")
		s, err := exec.Command(soxi, "-s", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		r, err := exec.Command(soxi, "-r", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		ns, _ := strconv.Atoi(strings.TrimSpace(string(s)))
		rate, _ := strconv.Atoi(strings.TrimSpace(string(r)))
		if len(c.PCM)/2 != ns || c.SampleRate != rate {
			t.Errorf("%s: %d samples at %d Hz, soxi says %d at %d", c.Name, len(c.PCM)/2, c.SampleRate, ns, rate)
		}
	}
	if _, err := LoadClips(t.TempDir()); err == nil {
		t.Error("an empty directory: no error")
	}
}

func FuzzParseWAV(f *testing.F) {
	for _, p := range []string{
		filepath.Join(testenv.TestData, "librivox", "sense_and_sensibility_01_austen_64kb-0880.wav"),
		filepath.Join(testenv.TestData, "cards", "001.wav"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), 2048)])
		}
	}
	f.Add(append(wavHeader(1, 1, 16000, 16, 4), 1, 2, 3, 4))
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, pcm, err := ParseWAV(b)
		if err != nil {
			return
		}
		if rate < 4000 || rate > 192000 || len(pcm)%2 != 0 || len(pcm) > len(b) {
			t.Fatalf("rate %d, %d PCM bytes of %d", rate, len(pcm), len(b))
		}
	})
}
