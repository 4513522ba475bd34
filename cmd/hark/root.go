package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"

	"github.com/spf13/cobra"
)

// commandFactories holds the constructors of every subcommand. Files register theirs from init with
// addCommand, so adding a subcommand never edits this file.
var commandFactories []func() *cobra.Command

// addCommand registers a subcommand constructor; call it from an init function.
func addCommand(f func() *cobra.Command) { commandFactories = append(commandFactories, f) }

// profileFlags are the --cpuprofile/--memprofile flags every subcommand inherits from the root.
type profileFlags struct {
	cpu, mem string
	cpuFile  *os.File
}

func (p *profileFlags) start() error {
	if p.cpu == "" {
		return nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	p.cpuFile = f
	return nil
}

func (p *profileFlags) stop() error {
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := p.cpuFile.Close(); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		p.cpuFile = nil
	}
	if p.mem == "" {
		return nil
	}
	f, err := os.Create(p.mem)
	if err != nil {
		return fmt.Errorf("memory profile: %w", err)
	}
	runtime.GC() // up-to-date statistics
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("memory profile: %w", err)
	}
	return f.Close()
}

func newRootCmd() *cobra.Command {
	var prof profileFlags
	root := &cobra.Command{
		Use:   "hark",
		Short: "Speech recognition in pure Go, with memory that stays flat on long audio",
		Long: `hark is a speech recognizer built the Kaldi + OpenFST way in pure Go (WFSTs, HCLG graphs,
lattice beam search over CMU Sphinx acoustic models), and a transcription service for long audio
whose memory is bounded by design.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return prof.start()
		},
		PersistentPostRunE: func(cmd *cobra.Command, args []string) error {
			return prof.stop()
		},
	}
	root.PersistentFlags().StringVar(&prof.cpu, "cpuprofile", "", "write a CPU profile to `FILE`")
	root.PersistentFlags().StringVar(&prof.mem, "memprofile", "", "write a heap profile to `FILE` on exit")
	cmds := make([]*cobra.Command, 0, len(commandFactories))
	for _, f := range commandFactories {
		cmds = append(cmds, f())
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	root.AddCommand(cmds...)
	return root
}

func init() { addCommand(newVersionCmd) }

// version is set at link time with -ldflags "-X main.version=..."; otherwise it comes from the build info.
var version = ""

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print hark's version and build information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := version
			bi, ok := debug.ReadBuildInfo()
			rev, dirty := "", false
			if ok {
				for _, s := range bi.Settings {
					switch s.Key {
					case "vcs.revision":
						rev = s.Value
					case "vcs.modified":
						dirty = s.Value == "true"
					}
				}
				if v == "" {
					v = bi.Main.Version
				}
			}
			if v == "" || v == "(devel)" {
				v = "devel"
			}
			if rev != "" {
				if len(rev) > 12 {
					rev = rev[:12]
				}
				v += " " + rev
				if dirty {
					v += "-dirty"
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "hark %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
