// Command hark is speech recognition in pure Go and a transcription service for long audio whose memory
// stays flat under load. Each subcommand lives in its own file and registers itself with addCommand.
package main

import (
	"fmt"
	"os"
)

func main() {
	root := newRootCmd()
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "hark:", err)
		os.Exit(1)
	}
}
