package feature_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
)

// readPCM reads 16-bit little-endian mono PCM from a .raw file or a PCM WAV file (test helper; package
// audio owns real decoding).
func readPCM(t testing.TB, path string) []int16 {
	t.Helper()
	pcm, err := loadPCM(path)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// loadPCM is readPCM for goroutines other than the test's.
func loadPCM(path string) ([]int16, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".wav") {
		if data, err = wavData(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	pcm := make([]int16, len(data)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return pcm, nil
}

func wavData(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("not a RIFF WAVE file")
	}
	b = b[12:]
	for len(b) >= 8 {
		id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:8]))
		b = b[8:]
		if n > len(b) {
			n = len(b)
		}
		if id == "fmt " {
			if n < 16 || binary.LittleEndian.Uint16(b) != 1 || binary.LittleEndian.Uint16(b[2:]) != 1 ||
				binary.LittleEndian.Uint16(b[14:]) != 16 {
				return nil, fmt.Errorf("not 16-bit mono PCM")
			}
		}
		if id == "data" {
			return b[:n], nil
		}
		b = b[n+n%2:]
	}
	return nil, fmt.Errorf("no data chunk")
}
