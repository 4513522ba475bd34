//go:build !race

package sphinx_test

const raceEnabled = false
