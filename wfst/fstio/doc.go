// Package fstio reads and writes FSTs in OpenFST's file formats, bit-compatibly with OpenFST 1.7.9:
//
//   - binary files (Read, Write): the "vector" and "const" FST types (const in its unaligned version 2 and
//     aligned version 1), "standard" (tropical) and "log" arcs, with embedded symbol tables;
//   - const files used in place (ConstFromBytes, OpenConst): memory-mapped on Linux, the state and arc
//     arrays aliasing the file's pages, off the Go heap;
//   - AT&T text (Compile, Print), as fstcompile and fstprint read and write it, with text symbol tables
//     (ReadSymbolsText, WriteSymbolsText).
//
// Every reader of external bytes checks each size it reads (state and arc counts, string lengths, symbol
// counts) against the input that remains and against hard caps before it allocates, so a corrupt or hostile
// file costs at most memory proportional to its own size.
package fstio
