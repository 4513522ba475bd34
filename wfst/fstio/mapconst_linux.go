//go:build linux

package fstio

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"hark/wfst"
)

// MapSupported reports whether OpenConst memory-maps files on this system (Linux).
const MapSupported = true

// mapConst maps path read-only (MAP_SHARED: the pages are the page cache's, shared by every process that
// maps the file) and parses it in place. The mapping is unmapped by a cleanup when the result becomes
// unreachable.
func mapConst(path string, opts MapOptions) (*wfst.Const, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fstio: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("fstio: %w", err)
	}
	size := fi.Size()
	if size == 0 || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is empty or not a regular file", ErrNotMappable, path)
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("fstio: %s: file too large to map (%d bytes)", path, size)
	}
	flags := syscall.MAP_SHARED
	if opts.Populate {
		flags |= syscall.MAP_POPULATE
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, flags)
	if err != nil {
		return nil, fmt.Errorf("fstio: mmap %s: %w", path, err)
	}
	c, err := ConstFromBytes(data, opts)
	if err != nil {
		if uerr := syscall.Munmap(data); uerr != nil {
			return nil, fmt.Errorf("read %s: %w (and munmap: %v)", path, err, uerr)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	runtime.AddCleanup(c, func(d []byte) { _ = syscall.Munmap(d) }, data)
	return c, nil
}
