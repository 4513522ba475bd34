//go:build linux

package memory

import (
	"os"
	"syscall"
	"testing"
)

func TestPopulateFileMappings(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "map")
	if err != nil {
		t.Fatal(err)
	}
	const size = 8 << 20
	if _, err := f.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	f.Close()
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer syscall.Munmap(data)
	before := RSS()
	n, err := PopulateFileMappings()
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Skip("MADV_POPULATE_READ not supported by this kernel")
	}
	if n < size {
		t.Errorf("populated %d bytes; want at least the %d mapped", n, size)
	}
	if grew := RSS() - before; grew < size*9/10 {
		t.Errorf("RSS grew by %d after populating an %d-byte mapping", grew, size)
	}
}
