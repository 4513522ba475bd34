package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// rule is one row of the architecture table: the hark packages a package may import (besides the standard
// library and hark/internal/...) and whether it may import third-party modules.
type rule struct {
	hark       []string // allowed hark packages; a trailing "/..." allows the subtree
	thirdParty bool     // transport, database, codec and CLI libraries are allowed here only
}

// recognizerDeps is "everything above" recognizer in the table.
var recognizerDeps = []string{"audio", "segment", "feature", "wfst/...", "lm", "lexicon", "hmm", "graph",
	"acoustic/...", "align", "decoder", "lattice", "transcript"}

// rules mirrors docs/architecture.md section 2. A package missing here fails the test: add it to the
// architecture table first, then here.
var rules = map[string]rule{
	"audio":           {hark: nil, thirdParty: true}, // codec libraries
	"segment":         {hark: []string{"audio"}},
	"feature":         {},
	"wfst":            {},
	"wfst/fstio":      {hark: []string{"wfst"}},
	"wfst/wfsttest":   {hark: []string{"wfst", "wfst/fstio"}},
	"lm":              {hark: []string{"wfst"}},
	"lexicon":         {hark: []string{"wfst"}},
	"hmm":             {hark: []string{"wfst"}},
	"graph":           {hark: []string{"wfst/...", "lm", "lexicon", "hmm"}},
	"acoustic/sphinx": {},
	"align":           {hark: []string{"acoustic/sphinx", "lexicon"}},
	"decoder":         {hark: []string{"wfst", "lattice"}},
	"lattice":         {hark: []string{"wfst", "lm"}},
	"recognizer":      {hark: recognizerDeps},
	"transcript":      {},
	"jobs":            {hark: []string{"recognizer", "transcript", "audio", "segment", "memory"}, thirdParty: true},
	"store/sqlite":    {hark: []string{"recognizer", "transcript", "jobs"}, thirdParty: true},
	"store/postgres":  {hark: []string{"recognizer", "transcript", "jobs"}, thirdParty: true},
	"memory":          {},
	"server":          {hark: append([]string{"recognizer", "jobs", "memory", "store/...", "audio"}, recognizerDeps...), thirdParty: true},
	"soak":            {hark: []string{"memory"}, thirdParty: true},
	"cmd/hark":        {hark: []string{"..."}, thirdParty: true},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func moduleRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Standard", "./...")
	cmd.Dir = moduleRoot(t)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func allowed(patterns []string, rel string) bool {
	for _, p := range patterns {
		if p == "..." || p == rel {
			return true
		}
		if base, ok := strings.CutSuffix(p, "/..."); ok && (rel == base || strings.HasPrefix(rel, base+"/")) {
			return true
		}
	}
	return false
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestImportEdges fails on any import the architecture table forbids.
func TestImportEdges(t *testing.T) {
	for _, p := range listPackages(t) {
		rel, ok := strings.CutPrefix(p.ImportPath, "hark/")
		if !ok || strings.HasPrefix(rel, "internal/") {
			continue // internal helpers may be used by anyone and import only what their users may
		}
		r, ok := rules[rel]
		if !ok {
			if strings.HasPrefix(rel, "cmd/") || strings.HasPrefix(rel, "bench/") {
				r = rules["cmd/hark"]
			} else {
				t.Errorf("package %s is not in the architecture table (docs/architecture.md section 2)", p.ImportPath)
				continue
			}
		}
		for _, imp := range p.Imports {
			switch {
			case imp == "C":
				t.Errorf("%s imports C: the default build is pure Go", p.ImportPath)
			case strings.HasPrefix(imp, "hark/internal/"):
			case strings.HasPrefix(imp, "hark/"):
				if target := strings.TrimPrefix(imp, "hark/"); !allowed(r.hark, target) {
					t.Errorf("%s imports %s: not allowed by the architecture table", p.ImportPath, imp)
				}
			case isStd(imp):
			case !r.thirdParty:
				t.Errorf("%s imports third-party %s: only audio, jobs, store, server, soak and cmd may", p.ImportPath, imp)
			}
		}
	}
}

// TestAllowedPatterns checks the matcher itself, so the edge test cannot pass vacuously.
func TestAllowedPatterns(t *testing.T) {
	tests := []struct {
		patterns []string
		rel      string
		want     bool
	}{
		{[]string{"wfst"}, "wfst", true},
		{[]string{"wfst"}, "wfst/fstio", false},
		{[]string{"wfst/..."}, "wfst/fstio", true},
		{[]string{"wfst/..."}, "wfstx", false},
		{nil, "lm", false},
		{[]string{"..."}, "server", true},
	}
	for _, tt := range tests {
		if got := allowed(tt.patterns, tt.rel); got != tt.want {
			t.Errorf("allowed(%v, %q) = %v; want %v", tt.patterns, tt.rel, got, tt.want)
		}
	}
	if isStd("github.com/spf13/cobra") || !isStd("net/http") {
		t.Error("isStd misclassifies paths")
	}
}
