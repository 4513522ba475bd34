//go:build race

package lm_test

const raceEnabled = true
