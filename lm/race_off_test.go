//go:build !race

package lm_test

const raceEnabled = false
