package fstio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"unsafe"

	"hark/wfst"
)

// maxLineLen is the longest text line accepted (OpenFST's kLineLen is 8096; we allow longer lines but
// bound them so a file without newlines cannot exhaust memory).
const maxLineLen = 1 << 20

// splitFields splits a line at runs of tabs and spaces (OpenFST's SplitString with omit_empty_strings).
// It appends to dst, which it returns.
func splitFields(dst []string, line string) []string {
	dst = dst[:0]
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		dst = append(dst, line[i:j])
		i = j
	}
	return dst
}

// lineReader yields lines without their newline; it fails on lines longer than maxLineLen.
type lineReader struct {
	br   *bufio.Reader
	buf  []byte
	line int
}

func newLineReader(r io.Reader) *lineReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &lineReader{br: br}
}

// next returns the next line as a new string, or io.EOF.
func (lr *lineReader) next() (string, error) {
	b, err := lr.nextBytes()
	return string(b), err
}

// nextTransient returns the next line as a string that aliases the reader's buffer: it is valid only
// until the following call and must not be retained (parse it, do not store it).
func (lr *lineReader) nextTransient() (string, error) {
	b, err := lr.nextBytes()
	if len(b) == 0 {
		return "", err
	}
	return unsafe.String(&b[0], len(b)), err
}

// nextBytes returns the next line without its newline (valid until the following call), or io.EOF.
func (lr *lineReader) nextBytes() ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		frag, err := lr.br.ReadSlice('\n')
		lr.buf = append(lr.buf, frag...)
		if len(lr.buf) > maxLineLen {
			return nil, fmt.Errorf("line %d longer than %d bytes", lr.line+1, maxLineLen)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(lr.buf) == 0 {
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
		break
	}
	lr.line++
	b := lr.buf
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return b, nil
}

// ReadSymbolsText reads a symbol table in OpenFST's text form: one "symbol key" pair per line, fields
// separated by tabs or spaces, blank lines ignored (SymbolTable::ReadText). The table is named name (OpenFST
// names it after the file). Keys must be non-negative unless allowNegative.
func ReadSymbolsText(r io.Reader, name string, allowNegative bool) (*wfst.SymbolTable, error) {
	t := wfst.NewSymbolTable(name)
	lr := newLineReader(r)
	var cols []string
	for {
		line, err := lr.next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("fstio: symbol table %q: %w", name, err)
		}
		cols = splitFields(cols, line)
		if len(cols) == 0 {
			continue
		}
		if len(cols) != 2 {
			return nil, fmt.Errorf("fstio: symbol table %q line %d: bad number of columns (%d)", name, lr.line, len(cols))
		}
		k, err := strconv.ParseInt(cols[1], 10, 64)
		if err != nil || (!allowNegative && k < 0) || k == -1 {
			return nil, fmt.Errorf("fstio: symbol table %q line %d: bad non-negative integer %q", name, lr.line, cols[1])
		}
		t.AddWithKey(cols[0], k)
	}
}

// ReadSymbolsTextFile reads a text symbol table from path; the table is named path, as OpenFST names it.
func ReadSymbolsTextFile(path string, allowNegative bool) (*wfst.SymbolTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fstio: %w", err)
	}
	defer f.Close()
	return ReadSymbolsText(f, path, allowNegative)
}

// WriteSymbolsText writes t in text form: "symbol<TAB>key" lines in insertion order (SymbolTable::WriteText).
func WriteSymbolsText(w io.Writer, t *wfst.SymbolTable) error {
	if t == nil {
		return errors.New("fstio: nil symbol table")
	}
	bw := bufio.NewWriter(w)
	var b []byte
	for i := 0; i < t.Len(); i++ {
		sym, k := t.Entry(i)
		b = append(b[:0], sym...)
		b = append(b, '\t')
		b = strconv.AppendInt(b, k, 10)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("fstio: write symbol table: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fstio: write symbol table: %w", err)
	}
	return nil
}

// WriteSymbolsTextFile writes t in text form to path.
func WriteSymbolsTextFile(path string, t *wfst.SymbolTable) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("fstio: %w", err)
	}
	if err := WriteSymbolsText(f, t); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("fstio: %w", err)
	}
	return nil
}
