package lm

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Open loads the model at path: a Sphinx trie binary (memory-mapped; returned as *Trie) or an ARPA file,
// plain or gzip-compressed (returned as *Model). The format is detected from the first bytes.
func Open(path string) (Scorer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(trieMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("lm: read %s: %w", path, err)
	}
	if bytes.Equal(head[:n], []byte(trieMagic)) {
		return OpenTrie(path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("lm: read %s: %w", path, err)
	}
	m, err := ReadARPA(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return m, nil
}

// AsModel returns s as an in-memory Model: s itself, or the conversion of a Trie.
func AsModel(s Scorer) (*Model, error) {
	switch s := s.(type) {
	case *Model:
		return s, nil
	case *Trie:
		return s.Model()
	}
	return nil, fmt.Errorf("lm: cannot convert %T to a Model", s)
}
