package soak

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// maxProfileBytes bounds a heap profile read from the server.
const maxProfileBytes = 64 << 20

// HeapSite is the live heap attributed to one allocation site: the innermost function of the allocating
// stack that is not in the runtime (Go's heap profile has no types; the allocating function plays the
// role of the class in a Java heap histogram).
type HeapSite struct {
	Func    string `json:"func"`
	Bytes   int64  `json:"inuse_bytes"`
	Objects int64  `json:"inuse_objects"`
}

// HeapProfile is a heap profile summed by allocation site. Figures are pprof's estimates from the
// sampled profile (one sample per 512 KiB allocated by default), scaled to totals.
type HeapProfile struct {
	Sites   map[string]HeapSite `json:"sites"`
	Bytes   int64               `json:"inuse_bytes"`
	Objects int64               `json:"inuse_objects"`
}

// ParseHeapProfile reads a pprof heap profile (protobuf, gzipped or not) and sums inuse_space and
// inuse_objects by allocation site.
func ParseHeapProfile(r io.Reader) (*HeapProfile, error) {
	p, err := profile.Parse(io.LimitReader(r, maxProfileBytes))
	if err != nil {
		return nil, fmt.Errorf("heap profile: %w", err)
	}
	iSpace, iObj := -1, -1
	for i, st := range p.SampleType {
		switch st.Type {
		case "inuse_space":
			iSpace = i
		case "inuse_objects":
			iObj = i
		}
	}
	if iSpace < 0 || iObj < 0 {
		return nil, fmt.Errorf("heap profile: no inuse_space/inuse_objects sample types (a %d-type profile)", len(p.SampleType))
	}
	h := &HeapProfile{Sites: map[string]HeapSite{}}
	for _, s := range p.Sample {
		if len(s.Value) != len(p.SampleType) {
			return nil, fmt.Errorf("heap profile: a sample of %d values for %d types", len(s.Value), len(p.SampleType))
		}
		name := allocSite(s.Location)
		site := h.Sites[name]
		site.Func = name
		site.Bytes += s.Value[iSpace]
		site.Objects += s.Value[iObj]
		h.Sites[name] = site
		h.Bytes += s.Value[iSpace]
		h.Objects += s.Value[iObj]
	}
	return h, nil
}

// allocSite names the innermost non-runtime function of a stack (leaf first), or the leaf when the whole
// stack is in the runtime (goroutine stacks, runtime maps).
func allocSite(locs []*profile.Location) string {
	leaf := ""
	for _, l := range locs {
		for _, ln := range l.Line { // innermost inlined call first
			if ln.Function == nil {
				continue
			}
			name := ln.Function.Name
			if leaf == "" {
				leaf = name
			}
			if !strings.HasPrefix(name, "runtime.") && !strings.HasPrefix(name, "internal/") {
				return name
			}
		}
	}
	if leaf == "" {
		return "(unknown)"
	}
	return leaf
}

// FetchHeapProfile reads url + "/debug/pprof/heap?gc=1" (a collection first, so that in-use figures
// count only live objects).
func FetchHeapProfile(ctx context.Context, c *http.Client, url, key string) (*HeapProfile, error) {
	b, err := get(ctx, c, url+"/debug/pprof/heap?gc=1", key, maxProfileBytes)
	if err != nil {
		return nil, err
	}
	return ParseHeapProfile(strings.NewReader(string(b)))
}

// HeapRow is one allocation site across the phases.
type HeapRow struct {
	Func    string  `json:"func"`
	Bytes   []int64 `json:"inuse_bytes"`   // per phase
	Objects []int64 `json:"inuse_objects"` // per phase
}

// DiffHeaps lines up profiles (one per phase; nil for a phase without one) by allocation site and returns
// the top rows ordered by how much the site grew from the first profile to the largest later one, the
// way a heap-histogram diff is read: the sites that grow and stay grown are the leak suspects. The last
// row is the total of every site.
func DiffHeaps(profiles []*HeapProfile, top int) []HeapRow {
	all := map[string]*HeapRow{}
	total := HeapRow{Func: "(total)", Bytes: make([]int64, len(profiles)), Objects: make([]int64, len(profiles))}
	for i, p := range profiles {
		if p == nil {
			continue
		}
		total.Bytes[i], total.Objects[i] = p.Bytes, p.Objects
		for name, s := range p.Sites {
			r := all[name]
			if r == nil {
				r = &HeapRow{Func: name, Bytes: make([]int64, len(profiles)), Objects: make([]int64, len(profiles))}
				all[name] = r
			}
			r.Bytes[i], r.Objects[i] = s.Bytes, s.Objects
		}
	}
	rows := make([]HeapRow, 0, len(all))
	for _, r := range all {
		if slices.ContainsFunc(r.Bytes, func(b int64) bool { return b != 0 }) {
			rows = append(rows, *r)
		}
	}
	growth := func(r HeapRow) int64 {
		var g int64
		for i := 1; i < len(r.Bytes); i++ {
			g = max(g, r.Bytes[i]-r.Bytes[0])
		}
		return g
	}
	sort.Slice(rows, func(i, j int) bool {
		gi, gj := growth(rows[i]), growth(rows[j])
		if gi != gj {
			return gi > gj
		}
		if rows[i].Bytes[0] != rows[j].Bytes[0] {
			return rows[i].Bytes[0] > rows[j].Bytes[0]
		}
		return rows[i].Func < rows[j].Func
	})
	if len(rows) > top {
		rows = rows[:top]
	}
	return append(rows, total)
}
