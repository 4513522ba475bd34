//go:build linux

package memory

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// madvPopulateRead is Linux's MADV_POPULATE_READ (5.14 and later): fault in the pages of a range for
// reading, as MAP_POPULATE does at mmap time.
const madvPopulateRead = 22

// PopulateFileMappings faults in every read-only, shared, non-executable mapping of a regular file in this
// process (memory-mapped model files: a decoding graph, an LM trie), so that their pages are resident and
// counted in the RSS from the start rather than creeping in as the search touches them, which a memory
// trend would read as growth. It returns the bytes of the mappings it populated. The pages are the page
// cache's, shared with other processes and reclaimable by the kernel. On kernels without
// MADV_POPULATE_READ it does nothing and returns 0.
func PopulateFileMappings() (int64, error) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	var total int64
	for _, m := range parseMaps(b) {
		if m.perms != "r--s" || !strings.HasPrefix(m.path, "/") || strings.HasSuffix(m.path, " (deleted)") {
			continue
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, madvPopulateRead); e != 0 {
			if e == syscall.EINVAL { // kernel without MADV_POPULATE_READ
				return total, nil
			}
			continue // unmapped meanwhile, or a file that went away
		}
		total += int64(m.end - m.start)
	}
	return total, nil
}

type mapping struct {
	start, end uintptr
	perms      string
	path       string
}

// parseMaps reads /proc/PID/maps lines ("start-end perms offset dev inode path"); malformed lines are
// skipped.
func parseMaps(b []byte) []mapping {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		m := mapping{start: uintptr(start), end: uintptr(end), perms: f[1]}
		if len(f) >= 6 {
			m.path = strings.Join(f[5:], " ")
		}
		out = append(out, m)
	}
	return out
}
