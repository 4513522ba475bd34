//go:build race

package sphinx_test

// raceEnabled reports a -race build; the slowest reference comparisons then check fewer frames.
const raceEnabled = true
