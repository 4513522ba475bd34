package soak

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxClipBytes bounds a recording the load generator keeps in memory (all clips are held for the run).
const maxClipBytes = 256 << 20

// Clip is one recording used as load: the WAV file as sent to the job and synchronous endpoints, and its
// PCM samples as streamed over the WebSocket.
type Clip struct {
	Name       string
	File       []byte // the whole WAV file
	PCM        []byte // 16-bit little-endian mono samples; aliases File
	SampleRate int    // Hz
}

// Duration returns the clip's length in seconds.
func (c Clip) Duration() float64 { return float64(len(c.PCM)/2) / float64(c.SampleRate) }

// ParseWAV checks that b is a RIFF/WAVE file of 16-bit PCM mono (WAVE_FORMAT_PCM or EXTENSIBLE) and
// returns its sample rate in Hz and its sample bytes, which alias b. A data chunk whose size runs past the
// end of b (streamed WAV headers carry 0 or 0xFFFFFFFF) is cut at the end of b.
func ParseWAV(b []byte) (rate int, pcm []byte, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, nil, errors.New("not a RIFF/WAVE file")
	}
	var haveFmt bool
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int64(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if size < 16 || int64(body)+size > int64(len(b)) {
				return 0, nil, fmt.Errorf("fmt chunk of %d bytes: want at least 16 inside the file", size)
			}
			f := b[body:]
			format := binary.LittleEndian.Uint16(f[0:2])
			channels := binary.LittleEndian.Uint16(f[2:4])
			rate = int(binary.LittleEndian.Uint32(f[4:8]))
			bits := binary.LittleEndian.Uint16(f[14:16])
			if format != 1 && format != 0xFFFE {
				return 0, nil, fmt.Errorf("WAV format tag %#x: want PCM", format)
			}
			if channels != 1 || bits != 16 {
				return 0, nil, fmt.Errorf("WAV of %d channels × %d bits: want mono 16-bit", channels, bits)
			}
			if rate < 4000 || rate > 192000 {
				return 0, nil, fmt.Errorf("WAV sample rate %d Hz: want 4000 to 192000", rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return 0, nil, errors.New("WAV data chunk before the fmt chunk")
			}
			end := int64(body) + size
			if end > int64(len(b)) {
				end = int64(len(b))
			}
			pcm = b[body:end]
			return rate, pcm[:len(pcm)&^1], nil
		}
		next := int64(body) + size + size&1
		if next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	return 0, nil, errors.New("WAV file without a data chunk")
}

// LoadClips reads every *.wav file of dir (sorted by name) as load. Files that are not 16-bit mono PCM
// are an error: the load must be what the server is meant to decode.
func LoadClips(dir string) ([]Clip, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("no *.wav files in %s", dir)
	}
	clips := make([]Clip, 0, len(names))
	for _, n := range names {
		st, err := os.Stat(n)
		if err != nil {
			return nil, err
		}
		if st.Size() > maxClipBytes {
			return nil, fmt.Errorf("%s: %d bytes exceeds the clip limit of %d", n, st.Size(), maxClipBytes)
		}
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		rate, pcm, err := ParseWAV(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		clips = append(clips, Clip{Name: strings.TrimSuffix(filepath.Base(n), ".wav"), File: b, PCM: pcm, SampleRate: rate})
	}
	return clips, nil
}
