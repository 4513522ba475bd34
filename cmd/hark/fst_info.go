package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"hark/wfst"
	"hark/wfst/fstio"
)

func init() {
	addFSTCommand(fstCommand{
		Name: "info", Usage: "[in.fst]", Short: "Prints out information about an FST", MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			arcFilter := fs.String("arc_filter", "any", `Arc filter: one of "any", "epsilon", "iepsilon", "oepsilon"`)
			infoType := fs.String("info_type", "auto", `Info format: one of "auto", "long", "short"`)
			testProps := fs.Bool("test_properties", true, "Compute property values (if unknown to FST)")
			verify := fs.Bool("fst_verify", true, "Verify FST sanity")
			pipe := fs.Bool("pipe", false, "Send info to stderr, input to stdout")
			return func(args []string) error {
				_ = *verify
				in, _ := fstInOut(args)
				if *pipe {
					return fmt.Errorf("--pipe is not supported")
				}
				f, err := readFSTFile(in)
				if err != nil {
					return err
				}
				typ := "vector"
				if _, ok := f.(*wfst.Const); ok {
					typ = "const"
				}
				return printFSTInfo(os.Stdout, f, typ, *arcFilter, *infoType, *testProps)
			}
		},
	})
	addFSTCommand(fstCommand{
		Name: "draw", Usage: "[binary.fst [text.dot]]", Short: "Prints out binary FSTs in dot text format", MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			d := fstio.DefaultDrawOptions()
			acceptor := fs.Bool("acceptor", false, "Input in acceptor format")
			isymbols := fs.String("isymbols", "", "Input label symbol table")
			osymbols := fs.String("osymbols", "", "Output label symbol table")
			ssymbols := fs.String("ssymbols", "", "State label symbol table")
			fs.BoolVar(&d.Numeric, "numeric", false, "Print numeric labels")
			fs.IntVar(&d.Precision, "precision", d.Precision, "Set precision (number of char/float)")
			fs.StringVar(&d.FloatFormat, "float_format", d.FloatFormat, `Floating-point format: one of "e", "f", or "g"`)
			fs.BoolVar(&d.ShowWeightOne, "show_weight_one", false, "Print/draw arc weights and final weights equal to Weight::One()")
			fs.StringVar(&d.Title, "title", "", "Set figure title")
			fs.BoolVar(&d.Portrait, "portrait", false, "Portrait mode (def: landscape)")
			fs.BoolVar(&d.Vertical, "vertical", false, "Draw bottom-to-top instead of left-to-right")
			fs.IntVar(&d.FontSize, "fontsize", d.FontSize, "Set fontsize")
			fs.Float64Var(&d.Height, "height", d.Height, "Set height")
			fs.Float64Var(&d.Width, "width", d.Width, "Set width")
			fs.Float64Var(&d.NodeSep, "nodesep", d.NodeSep, "Set minimum separation between nodes (see dot documentation)")
			fs.Float64Var(&d.RankSep, "ranksep", d.RankSep, "Set minimum separation between ranks (see dot documentation)")
			allowNeg := fs.Bool("allow_negative_labels", false, "Allow negative labels (not recommended; may cause conflicts)")
			return func(args []string) error {
				in, out := fstInOut(args)
				f, err := readFSTFile(in)
				if err != nil {
					return err
				}
				d.Acceptor = *acceptor
				if !d.Numeric {
					if d.ISymbols, err = readSymbolsFlag(*isymbols, *allowNeg); err != nil {
						return err
					}
					if d.OSymbols, err = readSymbolsFlag(*osymbols, *allowNeg); err != nil {
						return err
					}
					if d.SSymbols, err = readSymbolsFlag(*ssymbols, false); err != nil {
						return err
					}
				}
				d.Dest = out
				w, closeOut, err := openOutput(out)
				if err != nil {
					return err
				}
				if err := fstio.Draw(w, f, d); err != nil {
					closeOut()
					return err
				}
				return closeOut()
			}
		},
	})
}

// propertyNames are OpenFST's PropertyNames for the binary bits and the positive trinary bits, by bit.
var propertyNames = map[int]string{
	0: "expanded", 1: "mutable", 2: "error",
	16: "acceptor", 18: "input deterministic", 20: "output deterministic", 22: "input/output epsilons",
	24: "input epsilons", 26: "output epsilons", 28: "input label sorted", 30: "output label sorted",
	32: "weighted", 34: "cyclic", 36: "cyclic at initial state", 38: "top sorted", 40: "accessible",
	42: "coaccessible", 44: "string", 46: "weighted cycles",
}

// printFSTInfo prints what fstinfo prints (FstInfo and PrintFstInfoImpl): counts, label multiplicities,
// (co)accessible and connected states, connected and strongly connected components (arcs filtered by
// arcFilter), matchers and every property.
func printFSTInfo(w io.Writer, f wfst.Expanded, fstType, arcFilter, infoType string, testProps bool) error {
	bw := bufio.NewWriter(w)
	line := func(name, value string) { fmt.Fprintf(bw, "%-50s%s\n", name, value) }
	symName := func(t *wfst.SymbolTable) string {
		if t == nil {
			return "none"
		}
		return t.Name
	}
	var isyms, osyms *wfst.SymbolTable
	if sy, ok := f.(wfst.Symbolic); ok {
		isyms, osyms = sy.InputSymbols(), sy.OutputSymbols()
	}
	keep, ok := arcFilters[arcFilter]
	if !ok {
		return fmt.Errorf("bad arc filter type %q", arcFilter)
	}
	switch infoType {
	case "auto", "long", "short":
	default:
		return fmt.Errorf("bad info type %q", infoType)
	}
	line("fst type", fstType)
	line("arc type", f.Semiring().String())
	line("input symbol table", symName(isyms))
	line("output symbol table", symName(osyms))
	if infoType == "short" {
		return bw.Flush()
	}
	props := wfst.Properties(f, wfst.PropFST, testProps)
	n := f.NumStates()
	var narcs, nfinal, neps, nieps, noeps int
	var imult, omult float64
	var labels []wfst.Label
	for s := 0; s < n; s++ {
		st := wfst.StateID(s)
		if !wfst.IsZero(f.Final(st)) {
			nfinal++
		}
		arcs := f.Arcs(st)
		for _, a := range arcs {
			narcs++
			if a.ILabel == 0 && a.OLabel == 0 {
				neps++
			}
			if a.ILabel == 0 {
				nieps++
			}
			if a.OLabel == 0 {
				noeps++
			}
		}
		// Sum over labels of (count of arcs with that label)²: sort the labels and count runs.
		for side := 0; side < 2; side++ {
			labels = labels[:0]
			for _, a := range arcs {
				if side == 0 {
					labels = append(labels, a.ILabel)
				} else {
					labels = append(labels, a.OLabel)
				}
			}
			slices.Sort(labels)
			var sum float64
			for i := 0; i < len(labels); {
				j := i + 1
				for j < len(labels) && labels[j] == labels[i] {
					j++
				}
				sum += float64((j - i) * (j - i))
				i = j
			}
			if side == 0 {
				imult += sum
			} else {
				omult += sum
			}
		}
	}
	if narcs > 0 {
		imult /= float64(narcs)
		omult /= float64(narcs)
	}
	filtered := f
	if arcFilter != "any" {
		filtered = filterArcs(f, keep)
	}
	ncc := connectedComponents(filtered)
	access, coaccess := wfst.AccessibleStates(filtered)
	_, nscc := wfst.SCC(filtered)
	var nacc, ncoacc, nconn int
	for s := range access {
		if access[s] {
			nacc++
		}
		if coaccess[s] {
			ncoacc++
		}
		if access[s] && coaccess[s] {
			nconn++
		}
	}
	itoa := func(v int) string { return strconv.Itoa(v) }
	line("# of states", itoa(n))
	line("# of arcs", itoa(narcs))
	line("initial state", itoa(int(f.Start())))
	line("# of final states", itoa(nfinal))
	line("# of input/output epsilons", itoa(neps))
	line("# of input epsilons", itoa(nieps))
	line("# of output epsilons", itoa(noeps))
	line("input label multiplicity", strconv.FormatFloat(imult, 'g', 6, 64))
	line("output label multiplicity", strconv.FormatFloat(omult, 'g', 6, 64))
	prefix := map[string]string{"any": "", "epsilon": "epsilon ", "iepsilon": "input-epsilon ", "oepsilon": "output-epsilon "}[arcFilter]
	line("# of "+prefix+"accessible states", itoa(nacc))
	line("# of "+prefix+"coaccessible states", itoa(ncoacc))
	line("# of "+prefix+"connected states", itoa(nconn))
	line("# of "+prefix+"connected components", itoa(ncc))
	line("# of "+prefix+"strongly conn components", itoa(nscc))
	yn := func(b bool) string {
		if b {
			return "y"
		}
		return "n"
	}
	sortedProps := wfst.Properties(f, wfst.PropILabelSorted|wfst.PropOLabelSorted, testProps)
	line("input matcher", yn(sortedProps&wfst.PropILabelSorted != 0))
	line("output matcher", yn(sortedProps&wfst.PropOLabelSorted != 0))
	line("input lookahead", "n")
	line("output lookahead", "n")
	for bit := 0; bit < 64; bit++ {
		p := uint64(1) << bit
		name, ok := propertyNames[bit]
		if !ok {
			continue
		}
		v := "?"
		switch {
		case p&wfst.PropBinary != 0:
			v = yn(props&p != 0)
		case props&p != 0:
			v = "y"
		case props&(p<<1) != 0:
			v = "n"
		}
		line(name, v)
	}
	return bw.Flush()
}

// arcFilters are fstinfo's --arc_filter values: which arcs the connectivity counts follow.
var arcFilters = map[string]func(wfst.Arc) bool{
	"any":      func(wfst.Arc) bool { return true },
	"epsilon":  func(a wfst.Arc) bool { return a.ILabel == 0 && a.OLabel == 0 },
	"iepsilon": func(a wfst.Arc) bool { return a.ILabel == 0 },
	"oepsilon": func(a wfst.Arc) bool { return a.OLabel == 0 },
}

// filterArcs returns a copy of f keeping only the arcs for which keep is true.
func filterArcs(f wfst.Expanded, keep func(wfst.Arc) bool) *wfst.Vector {
	v := wfst.NewVector(f.Semiring())
	v.AddStates(f.NumStates())
	v.SetStart(f.Start())
	for s := 0; s < f.NumStates(); s++ {
		st := wfst.StateID(s)
		v.SetFinal(st, f.Final(st))
		for _, a := range f.Arcs(st) {
			if keep(a) {
				v.AddArc(st, a)
			}
		}
	}
	return v
}

// connectedComponents counts the weakly connected components of f (OpenFST's CcVisitor), 0 when f has no
// start state.
func connectedComponents(f wfst.Expanded) int {
	n := f.NumStates()
	if f.Start() == wfst.NoStateID || n == 0 {
		return 0
	}
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	comps := n
	for s := 0; s < n; s++ {
		for _, a := range f.Arcs(wfst.StateID(s)) {
			x, y := find(int32(s)), find(int32(a.NextState))
			if x != y {
				parent[x] = y
				comps--
			}
		}
	}
	return comps
}
