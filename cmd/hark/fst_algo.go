package main

import (
	"flag"
	"fmt"
	"os"

	"hark/wfst"
	"hark/wfst/fstio"
)

func init() {
	addFSTCommand(fstCommand{
		Name: "arcsort", Usage: "[in.fst [out.fst]]", Short: "Sorts arcs of an FST", MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			sortType := fs.String("sort_type", "ilabel", `Comparison method: one of "ilabel", "olabel"`)
			return func(args []string) error {
				in, out := fstInOut(args)
				var t wfst.SortType
				switch *sortType {
				case "ilabel":
					t = wfst.ILabelSort
				case "olabel":
					t = wfst.OLabelSort
				default:
					return fmt.Errorf("unknown sort type %q", *sortType)
				}
				f, err := readMutableFST(in)
				if err != nil {
					return err
				}
				wfst.ArcSort(f, t)
				return writeFSTFile(f, out, "vector")
			}
		},
	})
}

// simpleFSTCommand registers a "[in.fst [out.fst]]" tool that mutates its input.
func simpleFSTCommand(name, short string, flags func(fs *flag.FlagSet) func(f *wfst.Vector) (wfst.Expanded, error)) {
	addFSTCommand(fstCommand{
		Name: name, Usage: "[in.fst [out.fst]]", Short: short, MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			run := flags(fs)
			return func(args []string) error {
				in, out := fstInOut(args)
				f, err := readMutableFST(in)
				if err != nil {
					return err
				}
				res, err := run(f)
				if err != nil {
					return err
				}
				return writeFSTFile(res, out, "vector")
			}
		},
	})
}

// binaryFSTCommand registers an "in1.fst in2.fst [out.fst]" tool.
func binaryFSTCommand(name, short string, op func(f1 *wfst.Vector, f2 wfst.Expanded) error) {
	addFSTCommand(fstCommand{
		Name: name, Usage: "in1.fst in2.fst [out.fst]", Short: short, MinArgs: 2, MaxArgs: 3,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			return func(args []string) error {
				in1, in2 := args[0], args[1]
				if in1 == "-" && in2 == "-" {
					return fmt.Errorf("both inputs cannot be standard input")
				}
				out := ""
				if len(args) > 2 {
					out = args[2]
				}
				f1, err := readMutableFST(in1)
				if err != nil {
					return err
				}
				f2, err := readFSTFile(in2)
				if err != nil {
					return err
				}
				if f1.Semiring() != f2.Semiring() {
					return fmt.Errorf("arc types do not match: %v and %v", f1.Semiring(), f2.Semiring())
				}
				if err := op(f1, f2); err != nil {
					return err
				}
				return writeFSTFile(f1, out, "vector")
			}
		},
	})
}

// parseWeightFlag parses a --weight value ("" gives def).
func parseWeightFlag(s string, def wfst.Weight) (wfst.Weight, error) {
	if s == "" {
		return def, nil
	}
	w, ok := fstio.ParseWeight(s)
	if !ok {
		return 0, fmt.Errorf("bad weight %q", s)
	}
	return w, nil
}

func init() {
	simpleFSTCommand("connect", "Removes useless states and arcs from an FST", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			wfst.Connect(f)
			return f, nil
		}
	})
	simpleFSTCommand("project", "Projects a transduction onto its input or output language", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		projOut := fs.Bool("project_output", false, "Project on output (vs. input)")
		projType := fs.String("project_type", "input", `Side to project from, one of: "input", "output"`)
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			t := wfst.ProjectInput
			switch *projType {
			case "input":
			case "output":
				t = wfst.ProjectOutput
			default:
				return nil, fmt.Errorf("unknown projection type %q", *projType)
			}
			if *projOut {
				t = wfst.ProjectOutput
			}
			wfst.Project(f, t)
			return f, nil
		}
	})
	simpleFSTCommand("invert", "Inverts a transduction", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			wfst.Invert(f)
			return f, nil
		}
	})
	simpleFSTCommand("reverse", "Reverses the paths in an FST", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		super := fs.Bool("require_superinitial", true, "Always create a superinitial state")
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			return wfst.Reverse(f, *super), nil
		}
	})
	simpleFSTCommand("closure", "Creates the Kleene closure of an FST", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		plus := fs.Bool("closure_plus", false, "Do not add the empty path (T+ instead of T*)?")
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			t := wfst.ClosureStar
			if *plus {
				t = wfst.ClosurePlus
			}
			wfst.Closure(f, t)
			return f, nil
		}
	})
	simpleFSTCommand("topsort", "Topologically sorts an acyclic FST", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			if !wfst.TopSort(f) {
				fmt.Fprintln(os.Stderr, "WARNING: fsttopsort: Input FST is cyclic")
			}
			return f, nil
		}
	})
	simpleFSTCommand("prune", "Prunes states and arcs of an FST w.r.t. the shortest path weight", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		delta := fs.Float64("delta", wfst.Delta, "Comparison/quantization delta")
		nstate := fs.Int64("nstate", -1, "State number threshold")
		weight := fs.String("weight", "", "Weight threshold")
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			w, err := parseWeightFlag(*weight, wfst.Zero)
			if err != nil {
				return nil, err
			}
			return f, wfst.Prune(f, w, int(*nstate), float32(*delta))
		}
	})
	simpleFSTCommand("shortestpath", "Finds shortest path(s) in an FST", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		delta := fs.Float64("delta", wfst.ShortestDelta, "Comparison/quantization delta")
		nshortest := fs.Int("nshortest", 1, "Return N-shortest paths")
		nstate := fs.Int64("nstate", -1, "State number threshold (only -1 is supported)")
		queueType := fs.String("queue_type", "auto", "Queue type (accepted for compatibility; the search is best-first)")
		unique := fs.Bool("unique", false, "Return unique strings")
		weight := fs.String("weight", "", "Weight threshold")
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			_ = *queueType
			if *nstate != -1 {
				return nil, fmt.Errorf("--nstate is not supported")
			}
			w, err := parseWeightFlag(*weight, wfst.Zero)
			if err != nil {
				return nil, err
			}
			return wfst.ShortestPath(f, wfst.ShortestPathOptions{NShortest: *nshortest, Unique: *unique, Threshold: w, Delta: float32(*delta)})
		}
	})
	simpleFSTCommand("relabel", "Relabels the input and/or the output labels of an FST", func(fs *flag.FlagSet) func(*wfst.Vector) (wfst.Expanded, error) {
		ipairs := fs.String("relabel_ipairs", "", "Input relabel pairs (numeric)")
		opairs := fs.String("relabel_opairs", "", "Output relabel pairs (numeric)")
		isymbols := fs.String("isymbols", "", "Input label symbol table")
		osymbols := fs.String("osymbols", "", "Output label symbol table")
		risymbols := fs.String("relabel_isymbols", "", "Input symbol set to relabel to")
		rosymbols := fs.String("relabel_osymbols", "", "Output symbol set to relabel to")
		unkI := fs.String("unknown_isymbol", "", "Input symbol to use to relabel OOVs (default: OOVs are errors)")
		unkO := fs.String("unknown_osymbol", "", "Output symbol to use to relabel OOVs (default: OOVs are errors)")
		allowNeg := fs.Bool("allow_negative_labels", false, "Allow negative labels (not recommended; may cause conflicts)")
		return func(f *wfst.Vector) (wfst.Expanded, error) {
			if *risymbols != "" || *rosymbols != "" {
				return f, relabelBySymbols(f, *isymbols, *osymbols, *risymbols, *rosymbols, *unkI, *unkO, *allowNeg)
			}
			ip, err := readLabelPairs(*ipairs, *allowNeg)
			if err != nil {
				return nil, err
			}
			op, err := readLabelPairs(*opairs, *allowNeg)
			if err != nil {
				return nil, err
			}
			return f, wfst.Relabel(f, ip, op)
		}
	})
	binaryFSTCommand("union", "Creates the union of two FSTs", func(f1 *wfst.Vector, f2 wfst.Expanded) error {
		wfst.Union(f1, f2)
		return nil
	})
	binaryFSTCommand("concat", "Creates the concatenation of two FSTs", func(f1 *wfst.Vector, f2 wfst.Expanded) error {
		wfst.Concat(f1, f2)
		return nil
	})
	addFSTCommand(fstCommand{
		Name: "shortestdistance", Usage: "[in.fst [distance.txt]]", Short: "Finds shortest distance(s) in an FST", MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			delta := fs.Float64("delta", wfst.ShortestDelta, "Comparison/quantization delta")
			nstate := fs.Int64("nstate", -1, "State number threshold (accepted for compatibility)")
			queueType := fs.String("queue_type", "auto", "Queue type (accepted for compatibility)")
			reverse := fs.Bool("reverse", false, "Perform in the reverse direction")
			return func(args []string) error {
				_, _ = *nstate, *queueType
				in, out := fstInOut(args)
				f, err := readFSTFile(in)
				if err != nil {
					return err
				}
				d := wfst.ShortestDistance(f, *reverse, float32(*delta))
				w, closeOut, err := openOutput(out)
				if err != nil {
					return err
				}
				if err := fstio.WritePotentials(w, d); err != nil {
					closeOut()
					return err
				}
				return closeOut()
			}
		},
	})
}

// readLabelPairs reads "old new" label pairs, one per line (OpenFST's ReadLabelPairs); "" gives none.
func readLabelPairs(path string, allowNeg bool) ([][2]wfst.Label, error) {
	if path == "" {
		return nil, nil
	}
	r, closeIn, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	return fstio.ReadLabelPairs(r, allowNeg)
}

// relabelBySymbols relabels f from its (or the given) symbol tables to new ones (fstrelabel's
// --relabel_isymbols/--relabel_osymbols mode): each label maps to the key of its symbol in the new table.
func relabelBySymbols(f *wfst.Vector, isymbols, osymbols, risymbols, rosymbols, unkI, unkO string, allowNeg bool) error {
	pairsFor := func(oldPath string, old *wfst.SymbolTable, newPath, unk string) ([][2]wfst.Label, *wfst.SymbolTable, error) {
		if newPath == "" {
			return nil, nil, nil
		}
		if oldPath != "" {
			t, err := readSymbolsFlag(oldPath, allowNeg)
			if err != nil {
				return nil, nil, err
			}
			old = t
		}
		if old == nil {
			return nil, nil, fmt.Errorf("no symbol table to relabel from")
		}
		nt, err := readSymbolsFlag(newPath, allowNeg)
		if err != nil {
			return nil, nil, err
		}
		var pairs [][2]wfst.Label
		for _, k := range old.Keys() {
			sym, _ := old.Symbol(k)
			nk, ok := nt.Find(sym)
			if !ok {
				if unk == "" {
					continue
				}
				if nk, ok = nt.Find(unk); !ok {
					return nil, nil, fmt.Errorf("unknown symbol %q is not in %s", unk, newPath)
				}
			}
			pairs = append(pairs, [2]wfst.Label{wfst.Label(k), wfst.Label(nk)})
		}
		return pairs, nt, nil
	}
	ip, it, err := pairsFor(isymbols, f.InputSymbols(), risymbols, unkI)
	if err != nil {
		return err
	}
	op, ot, err := pairsFor(osymbols, f.OutputSymbols(), rosymbols, unkO)
	if err != nil {
		return err
	}
	if err := wfst.Relabel(f, ip, op); err != nil {
		return err
	}
	if it != nil {
		f.SetInputSymbols(it)
	}
	if ot != nil {
		f.SetOutputSymbols(ot)
	}
	return nil
}

func init() {
	encodeCmd := func(name string, decodeDefault bool) fstCommand {
		return fstCommand{
			Name: name, Usage: "in.fst mapper [out.fst]", Short: "Encodes or decodes the labels and/or weights of an FST", MinArgs: 2, MaxArgs: 3,
			Setup: func(fs *flag.FlagSet) func([]string) error {
				decode := fs.Bool("decode", decodeDefault, "Decode labels and/or weights")
				labels := fs.Bool("encode_labels", false, "Encode output labels")
				weights := fs.Bool("encode_weights", false, "Encode weights")
				reuse := fs.Bool("encode_reuse", false, "Re-use existing mapper")
				return func(args []string) error {
					in, mapperPath := args[0], args[1]
					out := ""
					if len(args) > 2 {
						out = args[2]
					}
					f, err := readMutableFST(in)
					if err != nil {
						return err
					}
					if *decode {
						m, sr, err := fstio.ReadEncodeMapperFile(mapperPath)
						if err != nil {
							return err
						}
						if sr != f.Semiring() {
							return fmt.Errorf("encoder arc type %v does not match the FST's %v", sr, f.Semiring())
						}
						if err := wfst.Decode(f, m); err != nil {
							return err
						}
						return writeFSTFile(f, out, "vector")
					}
					var m *wfst.EncodeMapper
					if *reuse {
						var sr wfst.Semiring
						if m, sr, err = fstio.ReadEncodeMapperFile(mapperPath); err != nil {
							return err
						}
						if sr != f.Semiring() {
							return fmt.Errorf("encoder arc type %v does not match the FST's %v", sr, f.Semiring())
						}
					} else {
						var flags uint32
						if *labels {
							flags |= wfst.EncodeLabels
						}
						if *weights {
							flags |= wfst.EncodeWeights
						}
						m = wfst.NewEncodeMapper(flags)
					}
					wfst.Encode(f, m)
					if !*reuse {
						if err := fstio.WriteEncodeMapperFile(mapperPath, m, f.Semiring()); err != nil {
							return err
						}
					}
					return writeFSTFile(f, out, "vector")
				}
			},
		}
	}
	addFSTCommand(encodeCmd("encode", false))
	addFSTCommand(encodeCmd("decode", true))
}
