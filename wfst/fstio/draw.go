package fstio

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"hark/wfst"
)

// DrawOptions are fstdraw's flags, with its defaults in DefaultDrawOptions.
type DrawOptions struct {
	Acceptor      bool
	ISymbols      *wfst.SymbolTable
	OSymbols      *wfst.SymbolTable
	SSymbols      *wfst.SymbolTable
	Numeric       bool
	Precision     int    // significant digits of weights (--precision, 5)
	FloatFormat   string // "g", "e" or "f" (--float_format)
	ShowWeightOne bool
	Title         string
	Portrait      bool
	Vertical      bool
	FontSize      int     // --fontsize, 14
	Height, Width float64 // --height 11, --width 8.5
	NodeSep       float64 // --nodesep 0.25
	RankSep       float64 // --ranksep 0.40
	// Dest is the output name; as fstdraw, a label line with Title is written only when it is not empty.
	Dest string
}

// DefaultDrawOptions returns fstdraw's defaults.
func DefaultDrawOptions() DrawOptions {
	return DrawOptions{Precision: 5, FloatFormat: "g", FontSize: 14, Height: 11, Width: 8.5, NodeSep: 0.25, RankSep: 0.40}
}

// Draw writes f as a Graphviz dot graph exactly as fstdraw does.
func Draw(w io.Writer, f wfst.Expanded, opts DrawOptions) error {
	isyms, osyms, ssyms := opts.ISymbols, opts.OSymbols, opts.SSymbols
	if sy, ok := f.(wfst.Symbolic); ok {
		if isyms == nil {
			isyms = sy.InputSymbols()
		}
		if osyms == nil {
			osyms = sy.OutputSymbols()
		}
	}
	if opts.Numeric {
		isyms, osyms, ssyms = nil, nil, nil
	}
	accep := opts.Acceptor && wfst.Properties(f, wfst.PropAcceptor, true) != 0
	start := f.Start()
	if start == wfst.NoStateID {
		return nil
	}
	bw := bufio.NewWriter(w)
	verb := byte('g')
	switch opts.FloatFormat {
	case "e", "f":
		verb = opts.FloatFormat[0]
	}
	num := func(v float64) string { return string(appendCFloat(nil, v, verb, opts.Precision)) }
	weight := func(x wfst.Weight) string {
		switch {
		case wfst.IsZero(x):
			return "Infinity"
		case x != x:
			return "BadNumber"
		case x < 0 && wfst.IsZero(-x):
			return "-Infinity"
		}
		return escapeDot(num(float64(x)))
	}
	var perr error
	id := func(n int64, syms *wfst.SymbolTable) string {
		if syms == nil {
			return strconv.FormatInt(n, 10)
		}
		s, ok := syms.Symbol(n)
		if !ok || s == "" {
			if perr == nil {
				perr = fmt.Errorf("fstio: draw: integer %d is not mapped to any textual symbol, symbol table = %s", n, syms.Name)
			}
			s = "?"
		}
		return escapeDot(s)
	}
	bw.WriteString("digraph FST {\n")
	if opts.Vertical {
		bw.WriteString("rankdir = BT;\n")
	} else {
		bw.WriteString("rankdir = LR;\n")
	}
	fmt.Fprintf(bw, "size = \"%s,%s\";\n", num(opts.Width), num(opts.Height))
	if opts.Dest != "" {
		fmt.Fprintf(bw, "label = \"%s\";\n", opts.Title)
	}
	bw.WriteString("center = 1;\n")
	if opts.Portrait {
		bw.WriteString("orientation = Portrait;\n")
	} else {
		bw.WriteString("orientation = Landscape;\n")
	}
	fmt.Fprintf(bw, "ranksep = \"%s\";\nnodesep = \"%s\";\n", num(opts.RankSep), num(opts.NodeSep))
	drawState := func(s wfst.StateID) {
		fmt.Fprintf(bw, "%d [label = \"%s", s, id(int64(s), ssyms))
		if fw := f.Final(s); !wfst.IsZero(fw) {
			if opts.ShowWeightOne || fw != wfst.One {
				bw.WriteString("/" + weight(fw))
			}
			bw.WriteString("\", shape = doublecircle,")
		} else {
			bw.WriteString("\", shape = circle,")
		}
		if s == start {
			bw.WriteString(" style = bold,")
		} else {
			bw.WriteString(" style = solid,")
		}
		fmt.Fprintf(bw, " fontsize = %d]\n", opts.FontSize)
		for _, a := range f.Arcs(s) {
			fmt.Fprintf(bw, "\t%d -> %d [label = \"%s", s, a.NextState, id(int64(a.ILabel), isyms))
			if !accep {
				bw.WriteString(":" + id(int64(a.OLabel), osyms))
			}
			if opts.ShowWeightOne || a.Weight != wfst.One {
				bw.WriteString("/" + weight(a.Weight))
			}
			fmt.Fprintf(bw, "\", fontsize = %d];\n", opts.FontSize)
		}
	}
	drawState(start)
	for s := 0; s < f.NumStates(); s++ {
		if wfst.StateID(s) != start {
			drawState(wfst.StateID(s))
		}
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fstio: draw: %w", err)
	}
	return perr
}

func escapeDot(s string) string {
	if !strings.ContainsAny(s, `\"`) {
		return s
	}
	var sb strings.Builder
	for _, c := range []byte(s) {
		if c == '\\' || c == '"' {
			sb.WriteByte('\\')
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
