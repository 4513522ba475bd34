package memory

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// DefaultLimit returns the memory available to this process: the cgroup (v2, then v1) limit when one is
// set, otherwise physical memory (MemTotal). The caller usually takes a fraction of it as the budget.
func DefaultLimit() (int64, error) {
	if n, ok := cgroupLimit(); ok {
		if m, err := physicalMemory(); err == nil && m < n {
			return m, nil
		}
		return n, nil
	}
	return physicalMemory()
}

func cgroupLimit() (int64, bool) {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // v1 reports "unlimited" as a huge number
			return 0, false
		}
		return n, true
	}
	return 0, false
}

func physicalMemory() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	v, ok := parseKB(b, "MemTotal")
	if !ok {
		return 0, fmt.Errorf("memory: no MemTotal in /proc/meminfo")
	}
	return v, nil
}

// parseKB finds "key: N kB" in a /proc file and returns N in bytes.
func parseKB(b []byte, key string) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		k, rest, ok := strings.Cut(line, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		return n, true
	}
	return 0, false
}

// ParseSize parses a byte size such as "4GiB", "512MB", "1.5G" or "1073741824". Binary and decimal suffixes
// are both read as powers of 1024, as memory limits conventionally are.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, suf := range []struct {
		s string
		m int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, suf.s); ok {
			t, mult = strings.TrimSpace(v), suf.m
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || f*float64(mult) >= 1<<62 {
		return 0, fmt.Errorf("memory: bad size %q (want e.g. 4GiB, 512MiB)", s)
	}
	return int64(f * float64(mult)), nil
}
