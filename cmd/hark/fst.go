package main

// The `hark fst` framework: OpenFST-style tools as subcommands, argument for argument, so a script can swap
// `fstcompose a b c` for `hark fst compose a b c`.
//
// Adding a tool: in your own file cmd/hark/fst_xxx.go,
//
//	func init() {
//		addFSTCommand(fstCommand{
//			Name: "invert", Usage: "[in.fst [out.fst]]", Short: "Inverts an FST", MaxArgs: 2,
//			Setup: func(fs *flag.FlagSet) func(args []string) error {
//				// define flags on fs (OpenFST's names), then:
//				return func(args []string) error {
//					in, out := fstInOut(args)
//					f, err := readMutableFST(in)
//					...
//					return writeFSTFile(f, out, "vector")
//				}
//			},
//		})
//	}
//
// Flags are parsed with Go's flag package, like gflags: -flag and --flag, -flag=value, -flag value for
// non-boolean flags, --noflag for a false boolean, flags before, between or after the positional
// arguments, "--" ends the flags, and "-" is a positional argument (standard input or output).
// Every tool also takes -cpuprofile FILE and -memprofile FILE.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"hark/wfst"
	"hark/wfst/fstio"
)

// fstCommand describes one `hark fst` tool.
type fstCommand struct {
	Name    string // the OpenFST tool name without "fst": "compose" for fstcompose
	Usage   string // positional arguments, as OpenFST prints them: "in1.fst in2.fst [out.fst]"
	Short   string // one-line description
	MinArgs int    // minimum number of positional arguments
	MaxArgs int    // maximum number of positional arguments
	// Setup defines the tool's flags on fs (OpenFST's names and defaults) and returns the function that
	// runs the tool on the positional arguments once the flags are parsed.
	Setup func(fs *flag.FlagSet) func(args []string) error
}

var fstCommands []fstCommand

// addFSTCommand registers a `hark fst` tool; call it from an init function.
func addFSTCommand(c fstCommand) { fstCommands = append(fstCommands, c) }

func init() { addCommand(newFSTCmd) }

func newFSTCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fst TOOL [flags] [args]",
		Short: "OpenFST-compatible tools (compile, print, info, arcsort, compose, ...)",
		Long: `hark fst runs OpenFST's command-line tools in pure Go, with OpenFST's arguments, flags and file
formats: "hark fst compile a.txt a.fst" is "fstcompile a.txt a.fst". Files written by one are read by the other.`,
	}
	cmds := append([]fstCommand(nil), fstCommands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	for _, c := range cmds {
		cmd.AddCommand(c.cobra())
	}
	return cmd
}

func (c fstCommand) cobra() *cobra.Command {
	return &cobra.Command{
		Use:                c.Name + " " + c.Usage,
		Short:              c.Short,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd.OutOrStdout(), args)
		},
	}
}

// run parses args like gflags and runs the tool.
func (c fstCommand) run(stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("fst"+c.Name, flag.ContinueOnError)
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `FILE`")
	memProfile := fs.String("memprofile", "", "write a heap profile to `FILE` on exit")
	runTool := c.Setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(&usage, "%s.\n\n  Usage: hark fst %s %s\n\nFlags:\n", c.Short, c.Name, c.Usage)
		fs.PrintDefaults()
	}
	pos, err := parseGFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		_, werr := stdout.Write(usage.Bytes())
		return werr
	}
	if err != nil {
		return fmt.Errorf("fst %s: %w\n%s", c.Name, err, usage.String())
	}
	if len(pos) < c.MinArgs || len(pos) > c.MaxArgs {
		fs.Usage()
		return fmt.Errorf("fst %s: wrong number of arguments (%d)\n%s", c.Name, len(pos), usage.String())
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			pf.Close()
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			pf.Close()
		}()
	}
	if err := runTool(pos); err != nil {
		return fmt.Errorf("fst %s: %w", c.Name, err)
	}
	if *memProfile != "" {
		pf, err := os.Create(*memProfile)
		if err != nil {
			return fmt.Errorf("memory profile: %w", err)
		}
		runtime.GC()
		if err := pprof.WriteHeapProfile(pf); err != nil {
			pf.Close()
			return fmt.Errorf("memory profile: %w", err)
		}
		return pf.Close()
	}
	return nil
}

// parseGFlags parses flags anywhere among the arguments, as gflags does, and returns the positional ones.
// "--noname" sets boolean flag name to false.
func parseGFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	norm := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			norm = append(norm, args[i:]...)
			break
		}
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && strings.HasPrefix(name, "no") && !strings.Contains(name, "=") && fs.Lookup(name) == nil {
			if fl := fs.Lookup(name[2:]); fl != nil {
				if bf, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
					a = "--" + name[2:] + "=false"
				}
			}
		}
		norm = append(norm, a)
	}
	var pos []string
	for {
		if err := fs.Parse(norm); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(norm) > 0 && len(rest) < len(norm) && norm[len(norm)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		norm = rest[1:]
	}
}

// fstInOut returns the input and output paths of a "[in.fst [out.fst]]" tool; "" means standard input or
// output (as does "-" for the input).
func fstInOut(args []string) (in, out string) {
	if len(args) > 0 {
		in = args[0]
	}
	if len(args) > 1 {
		out = args[1]
	}
	if in == "-" {
		in = ""
	}
	return in, out
}

// readFSTFile reads a binary FST (vector or const, standard or log arcs) from path; "" or "-" reads
// standard input.
func readFSTFile(path string) (wfst.Expanded, error) {
	return fstio.ReadFile(path)
}

// readMutableFST reads an FST as readFSTFile and returns it as a *wfst.Vector (a copy when the file holds a
// const FST), as OpenFST's tools that mutate their input read a MutableFst.
func readMutableFST(path string) (*wfst.Vector, error) {
	f, err := readFSTFile(path)
	if err != nil {
		return nil, err
	}
	return toVector(f), nil
}

// toVector returns f itself when it is a *wfst.Vector, otherwise a copy as a Vector with f's symbol tables
// and known properties.
func toVector(f wfst.Expanded) *wfst.Vector {
	if v, ok := f.(*wfst.Vector); ok {
		return v
	}
	v := wfst.Copy(f)
	if k, ok := f.(interface{ KnownProperties() uint64 }); ok {
		v.SetProperties(k.KnownProperties()&wfst.PropCopy|wfst.PropExpanded|wfst.PropMutable, wfst.PropFST)
	}
	return v
}

// writeFSTFile writes f in binary form to path ("" or "-": standard output) as fst type fstType ("vector",
// "const"; "" means vector).
func writeFSTFile(f wfst.Expanded, path, fstType string) error {
	return fstio.WriteFile(path, f, fstio.WriteOptions{FSTType: fstType})
}

// openOutput opens path for writing ("" or "-": standard output); close it with the returned function.
func openOutput(path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// openInput opens path for reading ("" or "-": standard input).
func openInput(path string) (io.Reader, func() error, error) {
	if path == "" || path == "-" {
		return os.Stdin, func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// readSymbolsFlag reads the text symbol table named by a --isymbols-style flag ("" → nil).
func readSymbolsFlag(path string, allowNegative bool) (*wfst.SymbolTable, error) {
	if path == "" {
		return nil, nil
	}
	return fstio.ReadSymbolsTextFile(path, allowNegative)
}

// parseSemiringFlag maps an --arc_type value to a semiring.
func parseSemiringFlag(arcType string) (wfst.Semiring, error) {
	if arcType == "tropical" {
		return 0, fmt.Errorf("unsupported arc type %q (want standard or log)", arcType)
	}
	return wfst.ParseSemiring(arcType)
}
