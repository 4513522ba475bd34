package decoder

import (
	"errors"
	"fmt"
)

// Decodable is the acoustic side of the search (the non-blocking half of Kaldi's DecodableInterface):
// frames × indices of log-likelihoods. The decoder only ever asks for frames below NumFramesReady, and
// indices in [1, NumIndices] (graph input labels are 1-based acoustic indices: senone + 1; 0 is epsilon).
//
// LogLikelihood returns a natural-log likelihood (higher is better, unscaled): the decoder applies the
// acoustic scale. NumFramesReady may grow between calls to AdvanceDecoding as audio arrives; it must
// never shrink. In one utterance the decoder asks for each frame and index at most once (it caches the
// scaled values of the frame it is expanding). Implementations need not be safe for concurrent use unless
// they are shared.
type Decodable interface {
	NumFramesReady() int
	LogLikelihood(frame int, index int32) float32
	NumIndices() int
}

// Matrix is a Decodable over a dense row-major matrix of log-likelihoods (Kaldi's DecodableMatrixMapped
// with the identity map): row = frame, column = index-1. It keeps the slice it was given (no copy) and is
// read-only, so one Matrix may be shared by any number of decoders. Memory: the caller's slice.
type Matrix struct {
	data   []float32
	cols   int
	frames int
	ready  int
}

// ErrShape reports a matrix whose data length is not frames × indices.
var ErrShape = errors.New("decoder: matrix shape mismatch")

// NewMatrix returns a Matrix over data with numIndices columns; all rows are ready.
func NewMatrix(data []float32, numIndices int) (*Matrix, error) {
	if numIndices <= 0 || len(data)%numIndices != 0 {
		return nil, fmt.Errorf("%w: %d values for %d indices", ErrShape, len(data), numIndices)
	}
	f := len(data) / numIndices
	return &Matrix{data: data, cols: numIndices, frames: f, ready: f}, nil
}

// NumFramesReady returns the number of rows made ready (all rows unless limited by Limit).
func (m *Matrix) NumFramesReady() int { return m.ready }

// NumIndices returns the number of columns.
func (m *Matrix) NumIndices() int { return m.cols }

// LogLikelihood returns data[frame × NumIndices + index − 1].
func (m *Matrix) LogLikelihood(frame int, index int32) float32 {
	return m.data[frame*m.cols+int(index)-1]
}

// Limited returns a view of m with only the first n frames ready (n clamped to the row count): a way to
// simulate frames arriving over time. The view shares m's data.
func (m *Matrix) Limited(n int) *Matrix {
	v := *m
	v.ready = max(0, min(n, m.frames))
	return &v
}

// NumFrames returns the number of rows.
func (m *Matrix) NumFrames() int { return m.frames }
