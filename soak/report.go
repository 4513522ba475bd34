package soak

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Text formats the report: the load, the four-phase comparison, the heap by allocation site and the
// verdict.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hark soak against %s: %d workers (%s), %d clips, load %.0f s (warm-up %.0f s), memory from %s\n\n",
		r.URL, r.Concurrency, r.Mix, r.Clips, r.Duration, r.Warmup, r.Source)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "load\tworkers\tok\tfailed\trefused\taudio s\tmean latency s\t")
	for _, k := range kinds {
		if s, ok := r.Load[k]; ok {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f\t%.2f\t\n", k, s.Workers, s.OK, s.Failed, s.Refused, s.AudioSeconds, s.MeanLatency)
		}
	}
	tw.Flush()
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  error: %s\n", e)
	}

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "memory (MiB)\t")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "%s\t", p.Name)
	}
	fmt.Fprintln(tw, "after−start\t")
	row := func(name string, f func(p PhaseSnapshot) int64, scale float64, format string) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, p := range r.Phases {
			fmt.Fprintf(tw, format+"\t", float64(f(p))/scale)
		}
		if n := len(r.Phases); n > 1 {
			fmt.Fprintf(tw, "%+"+format[1:]+"\t", float64(f(r.Phases[n-1])-f(r.Phases[0]))/scale)
		}
		fmt.Fprintln(tw)
	}
	const m = 1 << 20
	row("RSS", func(p PhaseSnapshot) int64 { return p.Mem.RSS }, m, "%.1f")
	row("  anonymous", func(p PhaseSnapshot) int64 { return p.Mem.Anonymous }, m, "%.1f")
	row("  file-backed", func(p PhaseSnapshot) int64 { return p.Mem.FileBack }, m, "%.1f")
	row("Go heap in use", func(p PhaseSnapshot) int64 { return p.Mem.HeapInUse }, m, "%.1f")
	row("Go heap idle", func(p PhaseSnapshot) int64 { return p.Mem.HeapIdle }, m, "%.1f")
	row("  released to OS", func(p PhaseSnapshot) int64 { return p.Mem.HeapReleased }, m, "%.1f")
	row("Go total mapped", func(p PhaseSnapshot) int64 { return p.Mem.GoTotal }, m, "%.1f")
	row("stacks", func(p PhaseSnapshot) int64 { return p.Mem.StackInUse }, m, "%.1f")
	row("heap objects (k)", func(p PhaseSnapshot) int64 { return p.Mem.HeapObjects }, 1000, "%.1f")
	row("goroutines", func(p PhaseSnapshot) int64 { return int64(p.Mem.Goroutines) }, 1, "%.0f")
	tw.Flush()

	if len(r.Heap) > 1 {
		b.WriteString("\nlive heap by allocation site (MiB, from /debug/pprof/heap?gc=1), largest growth first\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, p := range r.Phases {
			fmt.Fprintf(tw, "%s\t", p.Name)
		}
		fmt.Fprintln(tw, "after−start\tobjects after−start\t site")
		for _, h := range r.Heap {
			for _, v := range h.Bytes {
				fmt.Fprintf(tw, "%.2f\t", float64(v)/m)
			}
			n := len(h.Bytes) - 1
			fmt.Fprintf(tw, "%+.2f\t%+d\t %s\n", float64(h.Bytes[n]-h.Bytes[0])/m, h.Objects[n]-h.Objects[0], h.Func)
		}
		tw.Flush()
	}

	b.WriteString("\n")
	if t := r.RSSTrend; t != nil {
		fmt.Fprintf(&b, "RSS trend after warm-up:  %s\n", t)
	}
	if t := r.HeapTrend; t != nil {
		fmt.Fprintf(&b, "heap trend after warm-up: %s\n", t)
	}
	if r.AfterRatio > 0 {
		ok := "yes"
		if !r.BaselineOK {
			ok = "NO"
		}
		fmt.Fprintf(&b, "after load: RSS is %.1f%% of the idle baseline (within bound: %s)\n", 100*r.AfterRatio, ok)
	}
	fmt.Fprintf(&b, "verdict: %s\n", r.Verdict)
	return b.String()
}
