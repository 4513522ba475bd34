//go:build !unix

package lm

import (
	"fmt"
	"os"
)

// OpenTrie reads the trie model at path into memory and parses it.
func OpenTrie(path string) (*Trie, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	t, err := ParseTrie(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, nil
}
