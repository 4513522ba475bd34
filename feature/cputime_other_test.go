//go:build !linux

package feature_test

import (
	"testing"
	"time"
)

// measureCPU falls back to wall time where RUSAGE_THREAD is not available.
func measureCPU(_ *testing.B, f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
