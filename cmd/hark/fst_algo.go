package main

import (
	"flag"
	"fmt"

	"hark/wfst"
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
