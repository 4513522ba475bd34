//go:build unix

package lm

import (
	"fmt"
	"os"
	"syscall"
)

// OpenTrie memory-maps the trie model at path (read-only, shared) and parses it. The mapping stays until
// Close. Pages are read by the kernel on first access, so loading costs little RSS and time.
func OpenTrie(path string) (*Trie, error) {
	data, release, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParseTrie(data)
	if err != nil {
		if rerr := release(); rerr != nil {
			return nil, fmt.Errorf("read %s: %w (and unmap: %v)", path, err, rerr)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	t.release = release
	return t, nil
}

// mapFile maps path read-only; release unmaps it.
func mapFile(path string) (data []byte, release func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("lm: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("lm: %w", err)
	}
	size := fi.Size()
	if size == 0 {
		return nil, nil, fmt.Errorf("lm: %s: %w: empty file", path, ErrFormat)
	}
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("lm: %s: file too large to map (%d bytes)", path, size)
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("lm: mmap %s: %w", path, err)
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
