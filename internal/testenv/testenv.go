// Package testenv lets tests that compare hark with reference tools (sox, OpenFST, sphinxbase,
// pocketsphinx) and Debian's data files find them. Where a tool or file is missing a test is skipped on a
// developer's machine, but fails under CI (CI=true), where scripts/deps.sh installs everything: a reference
// test can never pass silently in CI by not running.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Well-known paths of Debian's packages.
const (
	// ModelDir is the en-us acoustic model directory (pocketsphinx-en-us).
	ModelDir = "/usr/share/pocketsphinx/model/en-us/en-us"
	// ModelRoot holds the dictionary and LMs of pocketsphinx-en-us.
	ModelRoot = "/usr/share/pocketsphinx/model/en-us"
	// TestData is pocketsphinx-testdata's data directory.
	TestData = "/usr/share/pocketsphinx/test/data"
	// DevSet is the project's dev set, relative to the module root (../shared/eval/dev).
	DevSet = "../shared/eval/dev"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

func missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is missing: scripts/deps.sh test must install it", what)
	}
	t.Skipf("%s is missing (run scripts/deps.sh test)", what)
}

// RequireTool returns the path of a command-line tool, or skips (fails under CI) when it is not installed.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, "tool "+name)
	}
	return p
}

// RequireFile skips (fails under CI) when path does not exist, and returns it.
func RequireFile(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, "file "+path)
	}
	return path
}
