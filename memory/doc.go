// Package memory keeps hark's memory bounded and visible: a process budget with admission control,
// reservations sized from each session's worst case, release of idle memory to the operating system, and
// snapshots of where the memory is (RSS from /proc, the Go heap, named components).
//
// The budget is set once per process (--memory-limit, by default the cgroup limit or physical memory).
// It becomes Go's soft memory limit (debug.SetMemoryLimit), and every unit of work reserves its worst-case
// footprint before it starts: a job waits (Reserve) and a stream is refused (TryReserve) when the
// reservation does not fit. Shared read-only data (models, graphs) is counted once as a fixed component.
package memory
