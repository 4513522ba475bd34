package main

import (
	"flag"

	"hark/wfst"
	"hark/wfst/fstio"
)

func init() {
	addFSTCommand(fstCommand{
		Name: "compile", Usage: "[text.fst [binary.fst]]", Short: "Creates binary FSTs from simple text format", MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			acceptor := fs.Bool("acceptor", false, "Input in acceptor format")
			arcType := fs.String("arc_type", "standard", "Output arc type")
			fstType := fs.String("fst_type", "vector", "Output FST type")
			isymbols := fs.String("isymbols", "", "Input label symbol table")
			osymbols := fs.String("osymbols", "", "Output label symbol table")
			ssymbols := fs.String("ssymbols", "", "State label symbol table")
			keepI := fs.Bool("keep_isymbols", false, "Store input label symbol table with FST")
			keepO := fs.Bool("keep_osymbols", false, "Store output label symbol table with FST")
			keepN := fs.Bool("keep_state_numbering", false, "Do not renumber input states")
			allowNeg := fs.Bool("allow_negative_labels", false, "Allow negative labels (not recommended; may cause conflicts)")
			return func(args []string) error {
				in, out := fstInOut(args)
				sr, err := parseSemiringFlag(*arcType)
				if err != nil {
					return err
				}
				opts := fstio.CompileOptions{Semiring: sr, Acceptor: *acceptor, KeepISymbols: *keepI, KeepOSymbols: *keepO,
					KeepStateNumbering: *keepN, AllowNegativeLabels: *allowNeg, Source: in}
				if opts.ISymbols, err = readSymbolsFlag(*isymbols, *allowNeg); err != nil {
					return err
				}
				if opts.OSymbols, err = readSymbolsFlag(*osymbols, *allowNeg); err != nil {
					return err
				}
				if opts.SSymbols, err = readSymbolsFlag(*ssymbols, false); err != nil {
					return err
				}
				r, closeIn, err := openInput(in)
				if err != nil {
					return err
				}
				defer closeIn()
				f, err := fstio.Compile(r, opts)
				if err != nil {
					return err
				}
				return writeFSTFile(f, out, *fstType)
			}
		},
	})
	addFSTCommand(fstCommand{
		Name: "print", Usage: "[binary.fst [text.fst]]", Short: "Prints out binary FSTs in simple text format", MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			acceptor := fs.Bool("acceptor", false, "Input in acceptor format?")
			isymbols := fs.String("isymbols", "", "Input label symbol table")
			osymbols := fs.String("osymbols", "", "Output label symbol table")
			ssymbols := fs.String("ssymbols", "", "State label symbol table")
			numeric := fs.Bool("numeric", false, "Print numeric labels?")
			saveI := fs.String("save_isymbols", "", "Save input symbol table to file")
			saveO := fs.String("save_osymbols", "", "Save output symbol table to file")
			showOne := fs.Bool("show_weight_one", false, "Print/draw arc weights and final weights equal to semiring One?")
			allowNeg := fs.Bool("allow_negative_labels", false, "Allow negative labels (not recommended; may cause conflicts)?")
			missing := fs.String("missing_symbol", "", "Symbol to print when lookup fails (default raises error)")
			return func(args []string) error {
				in, out := fstInOut(args)
				f, err := readFSTFile(in)
				if err != nil {
					return err
				}
				opts := fstio.PrintOptions{Acceptor: *acceptor, Numeric: *numeric, ShowWeightOne: *showOne, MissingSymbol: *missing}
				if !*numeric {
					if opts.ISymbols, err = readSymbolsFlag(*isymbols, *allowNeg); err != nil {
						return err
					}
					if opts.OSymbols, err = readSymbolsFlag(*osymbols, *allowNeg); err != nil {
						return err
					}
					if opts.SSymbols, err = readSymbolsFlag(*ssymbols, false); err != nil {
						return err
					}
				}
				w, closeOut, err := openOutput(out)
				if err != nil {
					return err
				}
				if err := fstio.Print(w, f, opts); err != nil {
					closeOut()
					return err
				}
				if err := closeOut(); err != nil {
					return err
				}
				isyms, osyms := opts.ISymbols, opts.OSymbols
				if sy, ok := f.(wfst.Symbolic); ok && !*numeric {
					if isyms == nil {
						isyms = sy.InputSymbols()
					}
					if osyms == nil {
						osyms = sy.OutputSymbols()
					}
				}
				if isyms != nil && *saveI != "" {
					if err := fstio.WriteSymbolsTextFile(*saveI, isyms); err != nil {
						return err
					}
				}
				if osyms != nil && *saveO != "" {
					if err := fstio.WriteSymbolsTextFile(*saveO, osyms); err != nil {
						return err
					}
				}
				return nil
			}
		},
	})
	addFSTCommand(fstCommand{
		Name: "convert", Usage: "[in.fst [out.fst]]", Short: "Converts an FST to another type", MaxArgs: 2,
		Setup: func(fs *flag.FlagSet) func([]string) error {
			fstType := fs.String("fst_type", "vector", "Output FST type")
			arcType := fs.String("arc_type", "", "Output arc type (hark extension: standard or log; default: the input's)")
			align := fs.Bool("fst_align", false, "Write FST data aligned where appropriate")
			return func(args []string) error {
				in, out := fstInOut(args)
				f, err := readFSTFile(in)
				if err != nil {
					return err
				}
				if *arcType != "" {
					sr, err := parseSemiringFlag(*arcType)
					if err != nil {
						return err
					}
					if sr != f.Semiring() {
						v := wfst.Copy(f)
						v.SetSemiring(sr)
						f = v
					}
				}
				return fstio.WriteFile(out, f, fstio.WriteOptions{FSTType: *fstType, Align: *align})
			}
		},
	})
}
