package wfsttest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"hark/internal/testenv"
	"hark/wfst"
	"hark/wfst/fstio"
)

// OpenFST runs OpenFST's command-line tools (Debian's libfst-tools) on our FSTs: inputs are written in
// OpenFST's binary format with fstio, the tool runs in a temporary directory, and its output is read back
// with fstio. Each run costs one process (tens of milliseconds), so tests batch many FSTs into one run with
// [TagUnion].
type OpenFST struct {
	dir string
	n   int
}

// ToolTimeout bounds one run of an OpenFST tool (a non-terminating determinization, for instance).
var ToolTimeout = 60 * time.Second

// NewOpenFST returns a harness for tb, skipping the test when OpenFST's tools are not installed (failing
// under CI, where scripts/deps.sh installs them).
func NewOpenFST(tb testing.TB) *OpenFST {
	tb.Helper()
	testenv.RequireTool(tb, "fstcompose")
	return &OpenFST{dir: tb.TempDir()}
}

// Run runs OpenFST's tool (e.g. "fstdeterminize") with args, then the input FSTs as files, then an output
// file, and returns the output FST. The tool's standard error is part of a returned error.
func (o *OpenFST) Run(tool string, args []string, inputs ...wfst.Expanded) (*wfst.Vector, error) {
	o.n++
	var files []string
	for i, f := range inputs {
		p := filepath.Join(o.dir, "in"+strconv.Itoa(o.n)+"_"+strconv.Itoa(i)+".fst")
		if err := fstio.WriteFile(p, f, fstio.WriteOptions{}); err != nil {
			return nil, fmt.Errorf("write input %d of %s: %w", i, tool, err)
		}
		files = append(files, p)
	}
	out := filepath.Join(o.dir, "out"+strconv.Itoa(o.n)+".fst")
	ctx, cancel := context.WithTimeout(context.Background(), ToolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, append(append(args, files...), out)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %v: %w: %s", tool, args, err, stderr.String())
	}
	if bytes.Contains(stderr.Bytes(), []byte("ERROR")) || bytes.Contains(stderr.Bytes(), []byte("FATAL")) {
		return nil, fmt.Errorf("%s %v: %s", tool, args, stderr.String())
	}
	g, err := fstio.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read output of %s: %w", tool, err)
	}
	for _, p := range append(files, out) {
		os.Remove(p)
	}
	if v, ok := g.(*wfst.Vector); ok {
		return v, nil
	}
	return wfst.Copy(g), nil
}
