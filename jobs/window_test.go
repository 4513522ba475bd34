package jobs

import (
	"fmt"
	"strings"

	"hark/transcript"
	"io"
	"testing"
)

// sliceSource is a Source over a slice that returns at most step samples per Read.
type sliceSource struct {
	x    []float32
	step int
}

func (s *sliceSource) Read(dst []float32) (int, error) {
	if len(s.x) == 0 {
		return 0, io.EOF
	}
	n := copy(dst[:min(len(dst), s.step)], s.x)
	s.x = s.x[n:]
	return n, nil
}

// TestWindowTake checks that take returns exactly the samples of each range, whether the ranges overlap,
// leave gaps, skip far ahead or run past the end.
func TestWindowTake(t *testing.T) {
	x := make([]float32, 50000)
	for i := range x {
		x[i] = float32(i)
	}
	tests := []struct {
		name   string
		ranges [][2]int64
	}{
		{"contiguous", [][2]int64{{0, 100}, {100, 5000}, {5000, 20000}}},
		{"gaps", [][2]int64{{10, 100}, {9000, 9100}, {30000, 49000}}},
		{"skip first", [][2]int64{{22880, 38880}, {38880, 40000}}},
		{"overlap", [][2]int64{{0, 8000}, {7000, 9000}, {8999, 12000}}},
		{"past end", [][2]int64{{49000, 60000}}},
	}
	for _, tc := range tests {
		for _, step := range []int{1000, 4096, 7} {
			w := window{src: &sliceSource{x: x, step: step}}
			for _, r := range tc.ranges {
				got, err := w.take(r[0], r[1])
				if err != nil {
					t.Fatalf("%s step %d: take%v: %v", tc.name, step, r, err)
				}
				want := x[r[0]:min(r[1], int64(len(x)))]
				if len(got) != len(want) {
					t.Fatalf("%s step %d: take%v: %d samples, want %d", tc.name, step, r, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s step %d: take%v: sample %d = %v, want %v", tc.name, step, r, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func formatWords(ws []transcript.Word) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "%s %.3f %.3f %.3f\n", w.Word, w.Start, w.End, w.Confidence)
	}
	return b.String()
}
