package fstio_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"hark/wfst/fstio"
)

// Compile an FST from AT&T text, write it as an OpenFST const file, read it back and print it as fstprint
// would.
func Example() {
	text := "0 1 1 2 0.5\n1 2 3 4\n2 0.25\n"
	f, err := fstio.Compile(strings.NewReader(text), fstio.CompileOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var bin bytes.Buffer
	if err := fstio.Write(&bin, f, fstio.WriteOptions{FSTType: "const"}); err != nil {
		fmt.Println(err)
		return
	}
	g, err := fstio.Read(&bin)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := fstio.Print(os.Stdout, g, fstio.PrintOptions{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 0	1	1	2	0.5
	// 1	2	3	4
	// 2	0.25
}
