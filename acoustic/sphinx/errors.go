package sphinx

import (
	"errors"
	"fmt"
)

// ErrFormat is wrapped by every error about malformed model files.
var ErrFormat = errors.New("sphinx: malformed model file")

// ErrChecksum is wrapped when an s3 file's trailing checksum does not match its contents.
var ErrChecksum = errors.New("sphinx: checksum mismatch")

// FormatError reports a problem with one field of one model file.
type FormatError struct {
	File  string // file name (path as given to the reader, or a description)
	Field string // the field being read, e.g. "n_density" or "cd_tree[12]"
	Err   error  // the underlying problem; wraps ErrFormat or ErrChecksum (or an I/O error)
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("sphinx: %s: %s: %v", e.File, e.Field, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a FormatError wrapping ErrFormat with a formatted message.
func formatErr(file, field, format string, args ...any) error {
	return &FormatError{File: file, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)}
}
