package fstio

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"

	"hark/wfst"
)

// CompileOptions are fstcompile's flags (OpenFST names in comments).
type CompileOptions struct {
	Semiring            wfst.Semiring     // --arc_type: Tropical ("standard") or Log ("log")
	Acceptor            bool              // --acceptor: lines "src dst label [weight]"
	ISymbols            *wfst.SymbolTable // --isymbols: input labels are symbols of this table
	OSymbols            *wfst.SymbolTable // --osymbols: output labels are symbols of this table
	SSymbols            *wfst.SymbolTable // --ssymbols: states are symbols of this table
	KeepISymbols        bool              // --keep_isymbols: attach ISymbols to the result
	KeepOSymbols        bool              // --keep_osymbols: attach OSymbols to the result
	KeepStateNumbering  bool              // --keep_state_numbering: do not renumber states densely
	AllowNegativeLabels bool              // --allow_negative_labels
	Source              string            // name of the input in error messages ("standard input")
}

// maxStateIDAt caps the state ids accepted at a given line of text input where ids are kept (compile with
// --keep_state_numbering, potentials): every state up to the id is allocated, so the cap grows with the
// input read so far (2^18 + 256 per line), which bounds memory by the input's size.
func maxStateIDAt(line int) int64 { return 1<<18 + 256*int64(line) }

// Compile reads an FST in AT&T text form, as fstcompile does (FstCompiler): arc lines
// "src dst ilabel olabel [weight]" ("src dst label [weight]" for an acceptor), final-state lines
// "state [weight]", fields separated by tabs or spaces, blank lines skipped. The source state of the first
// line is the start state. States are renumbered densely in order of appearance unless KeepStateNumbering.
// Weights are costs parsed as C's strtod then rounded to float32, or "Infinity"/"-Infinity". With
// KeepStateNumbering, state ids are capped at 2^18 + 256 × (line number) to bound memory. The result's
// property bits are those OpenFST's VectorFst knows after the same construction.
func Compile(r io.Reader, opts CompileOptions) (*wfst.Vector, error) {
	src := opts.Source
	if src == "" {
		src = "standard input"
	}
	f := wfst.NewVector(opts.Semiring)
	lr := newLineReader(r)
	// State renumbering: ids below denseLimit map through a slice, larger ones through a map.
	const denseLimit = 1 << 22
	var dense []wfst.StateID
	sparse := map[int64]wfst.StateID{}
	nstates := wfst.StateID(0)
	started := false
	var cols []string
	fail := func(format string, args ...any) error {
		return fmt.Errorf("fstio: compile %s line %d: %s", src, lr.line, fmt.Sprintf(format, args...))
	}
	toID := func(s string, syms *wfst.SymbolTable, what string, allowNeg bool) (int64, error) {
		if syms != nil {
			k, ok := syms.Find(s)
			if !ok || k == -1 || (!allowNeg && k < 0) {
				return 0, fail("symbol %q is not mapped to any integer %s, symbol table = %s", s, what, syms.Name)
			}
			return k, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || (!allowNeg && n < 0) {
			return 0, fail("bad %s integer = %q", what, s)
		}
		return n, nil
	}
	toState := func(s string) (wfst.StateID, error) {
		n, err := toID(s, opts.SSymbols, "state ID", false)
		if err != nil {
			return 0, err
		}
		if opts.KeepStateNumbering {
			if n > maxStateIDAt(lr.line) {
				return 0, fail("state ID %d above the limit %d for line %d", n, maxStateIDAt(lr.line), lr.line)
			}
			return wfst.StateID(n), nil
		}
		if n < denseLimit {
			for int64(len(dense)) <= n {
				dense = append(dense, wfst.NoStateID)
			}
			if id := dense[n]; id != wfst.NoStateID {
				return id, nil
			}
			dense[n] = nstates
		} else {
			if id, ok := sparse[n]; ok {
				return id, nil
			}
			sparse[n] = nstates
		}
		if nstates == math.MaxInt32 {
			return 0, fail("more than %d states", math.MaxInt32)
		}
		nstates++
		return nstates - 1, nil
	}
	toLabel := func(s string, syms *wfst.SymbolTable, what string) (wfst.Label, error) {
		n, err := toID(s, syms, what, opts.AllowNegativeLabels)
		if err != nil {
			return 0, err
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return 0, fail("%s %d out of the int32 range", what, n)
		}
		return wfst.Label(n), nil
	}
	toWeight := func(s string) (wfst.Weight, error) {
		w, ok := ParseWeight(s)
		if !ok {
			return 0, fail("bad weight = %q", s)
		}
		return w, nil
	}
	for {
		line, err := lr.nextTransient() // fields are parsed, never retained
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fstio: compile %s: %w", src, err)
		}
		cols = splitFields(cols, line)
		if len(cols) == 0 {
			continue
		}
		n := len(cols)
		if n > 5 || (n > 4 && opts.Acceptor) || (n == 3 && !opts.Acceptor) {
			return nil, fail("bad number of columns (%d)", n)
		}
		s, err := toState(cols[0])
		if err != nil {
			return nil, err
		}
		for int(s) >= f.NumStates() {
			f.AddState()
		}
		if !started {
			f.SetStart(s)
			started = true
		}
		d := s
		switch n {
		case 1:
			f.SetFinal(s, wfst.One)
		case 2:
			w, err := toWeight(cols[1])
			if err != nil {
				return nil, err
			}
			f.SetFinal(s, w)
		default:
			var a wfst.Arc
			if d, err = toState(cols[1]); err != nil {
				return nil, err
			}
			a.NextState = d
			if a.ILabel, err = toLabel(cols[2], opts.ISymbols, "arc ilabel"); err != nil {
				return nil, err
			}
			switch {
			case n == 3:
				a.OLabel = a.ILabel
			case n == 4 && opts.Acceptor:
				a.OLabel = a.ILabel
				if a.Weight, err = toWeight(cols[3]); err != nil {
					return nil, err
				}
			default:
				if a.OLabel, err = toLabel(cols[3], opts.OSymbols, "arc olabel"); err != nil {
					return nil, err
				}
				if n == 5 {
					if a.Weight, err = toWeight(cols[4]); err != nil {
						return nil, err
					}
				}
			}
			f.AddArc(s, a)
		}
		for int(d) >= f.NumStates() {
			f.AddState()
		}
	}
	if opts.KeepISymbols {
		f.SetInputSymbols(opts.ISymbols)
	}
	if opts.KeepOSymbols {
		f.SetOutputSymbols(opts.OSymbols)
	}
	return f, nil
}

// ParseWeight parses a text weight as OpenFST does: "Infinity", "-Infinity", or a number parsed in double
// precision (strtod) and rounded to float32. It reports false on anything else.
func ParseWeight(s string) (wfst.Weight, bool) {
	switch s {
	case "Infinity":
		return wfst.Zero, true
	case "-Infinity":
		return wfst.Weight(math.Inf(-1)), true
	}
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return wfst.Weight(v), true // strtod returns ±HUGE_VAL or 0 on range errors
		}
		return 0, false
	}
	return wfst.Weight(v), true
}

// AppendWeight appends w as OpenFST's text tools print a weight with an ostream of the given precision
// (fstprint uses 9 significant digits, fstdraw 5): "Infinity", "-Infinity", "BadNumber" for NaN, otherwise
// C's %.<prec>g of the value widened to double.
func AppendWeight(b []byte, w wfst.Weight, prec int) []byte {
	switch {
	case math.IsInf(float64(w), 1):
		return append(b, "Infinity"...)
	case math.IsInf(float64(w), -1):
		return append(b, "-Infinity"...)
	case w != w:
		return append(b, "BadNumber"...)
	}
	return appendCFloat(b, float64(w), 'g', prec)
}

// appendCFloat formats v as C's printf %.<prec><verb> (verb 'e', 'f' or 'g'), which ostreams use.
func appendCFloat(b []byte, v float64, verb byte, prec int) []byte {
	if verb == 'g' && prec == 0 {
		prec = 1
	}
	// Go's 'e', 'f' and 'g' with an explicit precision agree with C's, including the two-digit minimum
	// exponent and the removal of trailing zeros by %g.
	return strconv.AppendFloat(b, v, verb, prec, 64)
}

// PrintOptions are fstprint's flags.
type PrintOptions struct {
	Acceptor      bool              // --acceptor: print one label per arc when the FST is an acceptor
	ISymbols      *wfst.SymbolTable // --isymbols (default: the FST's own input table)
	OSymbols      *wfst.SymbolTable // --osymbols (default: the FST's own output table)
	SSymbols      *wfst.SymbolTable // --ssymbols
	Numeric       bool              // --numeric: ignore every symbol table
	ShowWeightOne bool              // --show_weight_one: print weights equal to One
	MissingSymbol string            // --missing_symbol: printed for labels missing from a table ("" = error)
}

// Print writes f in AT&T text form exactly as fstprint does: the start state first, then the other states
// in order; for each state its arcs, then a final line when it is final or has no arcs; fields separated by
// tabs; weights with 9 significant digits; weights equal to One omitted unless ShowWeightOne.
func Print(w io.Writer, f wfst.Expanded, opts PrintOptions) error {
	isyms, osyms, ssyms := opts.ISymbols, opts.OSymbols, opts.SSymbols
	if sy, ok := f.(wfst.Symbolic); ok && !opts.Numeric {
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
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	var perr error
	id := func(b []byte, n int64, syms *wfst.SymbolTable, what string) []byte {
		if syms == nil {
			return strconv.AppendInt(b, n, 10)
		}
		sym, ok := syms.Symbol(n)
		if !ok || sym == "" {
			if opts.MissingSymbol == "" {
				if perr == nil {
					perr = fmt.Errorf("fstio: print: integer %d is not mapped to any textual symbol, symbol table = %s (%s)", n, syms.Name, what)
				}
				return append(b, '?')
			}
			return append(b, opts.MissingSymbol...)
		}
		return append(b, sym...)
	}
	printState := func(s wfst.StateID) error {
		arcs := f.Arcs(s)
		for _, a := range arcs {
			b = id(b[:0], int64(s), ssyms, "state ID")
			b = append(b, '\t')
			b = id(b, int64(a.NextState), ssyms, "state ID")
			b = append(b, '\t')
			b = id(b, int64(a.ILabel), isyms, "arc input label")
			if !accep {
				b = append(b, '\t')
				b = id(b, int64(a.OLabel), osyms, "arc output label")
			}
			if opts.ShowWeightOne || a.Weight != wfst.One {
				b = append(b, '\t')
				b = AppendWeight(b, a.Weight, 9)
			}
			b = append(b, '\n')
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		fw := f.Final(s)
		if !wfst.IsZero(fw) || len(arcs) == 0 {
			b = id(b[:0], int64(s), ssyms, "state ID")
			if opts.ShowWeightOne || fw != wfst.One {
				b = append(b, '\t')
				b = AppendWeight(b, fw, 9)
			}
			b = append(b, '\n')
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
	start := f.Start()
	if start != wfst.NoStateID {
		if err := printState(start); err != nil {
			return fmt.Errorf("fstio: print: %w", err)
		}
		for s := 0; s < f.NumStates(); s++ {
			if wfst.StateID(s) != start {
				if err := printState(wfst.StateID(s)); err != nil {
					return fmt.Errorf("fstio: print: %w", err)
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fstio: print: %w", err)
	}
	return perr
}

// WritePotentials writes one "state<TAB>weight" line per entry of d, weights with 9 significant digits,
// as fstshortestdistance writes distances (OpenFST's WritePotentials).
func WritePotentials(w io.Writer, d []wfst.Weight) error {
	bw := bufio.NewWriter(w)
	var b []byte
	for s, x := range d {
		b = strconv.AppendInt(b[:0], int64(s), 10)
		b = append(b, '\t')
		b = AppendWeight(b, x, 9)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("fstio: write potentials: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fstio: write potentials: %w", err)
	}
	return nil
}

// ReadPotentials reads "state weight" lines as WritePotentials writes them (OpenFST's ReadPotentials):
// the result has one entry per state up to the highest listed, Zero for states not listed.
func ReadPotentials(r io.Reader) ([]wfst.Weight, error) {
	lr := newLineReader(r)
	var d []wfst.Weight
	var cols []string
	for {
		line, err := lr.nextTransient()
		if err == io.EOF {
			return d, nil
		}
		if err != nil {
			return nil, fmt.Errorf("fstio: read potentials: %w", err)
		}
		cols = splitFields(cols, line)
		if len(cols) == 0 {
			continue
		}
		if len(cols) != 2 {
			return nil, fmt.Errorf("fstio: read potentials line %d: bad number of columns (%d)", lr.line, len(cols))
		}
		s, err := strconv.ParseInt(cols[0], 10, 32)
		if err != nil || s < 0 || s > maxStateIDAt(lr.line) {
			return nil, fmt.Errorf("fstio: read potentials line %d: bad state %q", lr.line, cols[0])
		}
		w, ok := ParseWeight(cols[1])
		if !ok {
			return nil, fmt.Errorf("fstio: read potentials line %d: bad weight %q", lr.line, cols[1])
		}
		for int64(len(d)) <= s {
			d = append(d, wfst.Zero)
		}
		d[s] = w
	}
}

// ReadLabelPairs reads "old new" label pairs, one per line (OpenFST's ReadLabelPairs), as fstrelabel's
// --relabel_ipairs and --relabel_opairs files hold them.
func ReadLabelPairs(r io.Reader, allowNegative bool) ([][2]wfst.Label, error) {
	lr := newLineReader(r)
	var pairs [][2]wfst.Label
	var cols []string
	for {
		line, err := lr.nextTransient()
		if err == io.EOF {
			return pairs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("fstio: read label pairs: %w", err)
		}
		cols = splitFields(cols, line)
		if len(cols) == 0 {
			continue
		}
		if len(cols) != 2 {
			return nil, fmt.Errorf("fstio: read label pairs line %d: bad number of columns (%d)", lr.line, len(cols))
		}
		var p [2]wfst.Label
		for i, c := range cols {
			v, err := strconv.ParseInt(c, 10, 32)
			if err != nil || (!allowNegative && v < 0) {
				return nil, fmt.Errorf("fstio: read label pairs line %d: bad label %q", lr.line, c)
			}
			p[i] = wfst.Label(v)
		}
		pairs = append(pairs, p)
	}
}
