package lm

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxPrealloc caps how many entries a header count may reserve before the entries are read: tables
// grow with the input beyond it, so a lying header cannot make the reader allocate.
const maxPrealloc = 1 << 12

// maxLine is the longest ARPA line accepted.
const maxLine = 1 << 16

// ParseError is an error at a line of an ARPA file.
type ParseError struct {
	Line int // 1-based
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("arpa line %d: %v", e.Line, e.Err) }

func (e *ParseError) Unwrap() error { return e.Err }

// ReadARPA reads an ARPA backoff model, plain or gzip-compressed (detected from the first bytes).
// Words get ids in the order of the \1-grams: section. Values stay log10. It checks that the sections
// match the \data\ counts, that every word of a higher-order n-gram is a unigram, and that no n-gram
// repeats. Memory grows with the input read, never with the header's counts.
func ReadARPA(r io.Reader) (*Model, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("lm: arpa gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	p := arpaParser{sc: bufio.NewScanner(br)}
	p.sc.Buffer(make([]byte, 0, 4096), maxLine)
	m, err := p.parse()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			err = &ParseError{Line: p.line, Err: err}
		}
		return nil, err
	}
	return m, nil
}

type arpaParser struct {
	sc   *bufio.Scanner
	line int
}

// next returns the next line with surrounding white space removed, and false at EOF.
func (p *arpaParser) next() (string, bool, error) {
	if !p.sc.Scan() {
		return "", false, p.sc.Err()
	}
	p.line++
	return strings.TrimSpace(p.sc.Text()), true, nil
}

// nextNonEmpty skips empty lines.
func (p *arpaParser) nextNonEmpty() (string, bool, error) {
	for {
		s, ok, err := p.next()
		if !ok || err != nil || s != "" {
			return s, ok, err
		}
	}
}

func (p *arpaParser) parse() (*Model, error) {
	// Header: skip to \data\, then "ngram k=n" lines.
	for {
		s, ok, err := p.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: no \\data\\ section", ErrFormat)
		}
		if s == `\data\` {
			break
		}
	}
	var counts []int
	var s string
	for {
		var ok bool
		var err error
		s, ok, err = p.nextNonEmpty()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: end of file in \\data\\", ErrFormat)
		}
		rest, found := strings.CutPrefix(s, "ngram ")
		if !found {
			break
		}
		ks, ns, found := strings.Cut(strings.TrimSpace(rest), "=")
		k, err1 := strconv.Atoi(strings.TrimSpace(ks))
		n, err2 := strconv.Atoi(strings.TrimSpace(ns))
		if !found || err1 != nil || err2 != nil || n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%w: bad count line %q", ErrFormat, s)
		}
		if k != len(counts)+1 || k > MaxOrder {
			return nil, fmt.Errorf("%w: count for order %d after order %d (max %d)", ErrFormat, k, len(counts), MaxOrder)
		}
		counts = append(counts, n)
	}
	if len(counts) == 0 || counts[0] == 0 {
		return nil, fmt.Errorf("%w: no unigrams in \\data\\", ErrFormat)
	}
	order := len(counts)
	var m *Model
	wordIDs := make(map[string]WordID, min(counts[0], maxPrealloc))
	var fields [MaxOrder + 2]string
	for k := 1; k <= order; k++ {
		if want := fmt.Sprintf(`\%d-grams:`, k); s != want {
			return nil, fmt.Errorf("%w: %q where %s was expected", ErrFormat, s, want)
		}
		var words []string
		var tb *ngramTable
		if k == 1 {
			words = make([]string, 0, min(counts[0], maxPrealloc))
			tb = &ngramTable{k: 1, prob: make([]float32, 0, min(counts[0], maxPrealloc))}
			if order > 1 {
				tb.bo = make([]float32, 0, cap(tb.prob))
			}
		} else {
			tb = &m.tables[k-1]
			c := min(counts[k-1], maxPrealloc)
			tb.words = make([]WordID, 0, c*k)
			tb.prob = make([]float32, 0, c)
			if k < order {
				tb.bo = make([]float32, 0, c)
			}
		}
		for {
			var ok bool
			var err error
			s, ok, err = p.nextNonEmpty()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("%w: end of file in the %d-grams", ErrFormat, k)
			}
			if s[0] == '\\' {
				break
			}
			if tb.len() == counts[k-1] {
				return nil, fmt.Errorf("%w: more than %d %d-grams", ErrFormat, counts[k-1], k)
			}
			nf := splitFields(s, fields[:])
			if nf != k+1 && nf != k+2 {
				return nil, fmt.Errorf("%w: %d fields in a %d-gram line", ErrFormat, nf, k)
			}
			prob, err := parseLog10(fields[0])
			if err != nil {
				return nil, err
			}
			bo := float32(0)
			if nf == k+2 {
				if k == order {
					return nil, fmt.Errorf("%w: backoff weight on a %d-gram of the highest order", ErrFormat, k)
				}
				if bo, err = parseLog10(fields[k+1]); err != nil {
					return nil, err
				}
			}
			if k == 1 {
				w := fields[1]
				if _, dup := wordIDs[w]; dup {
					return nil, fmt.Errorf("%w: duplicate unigram %q", ErrFormat, w)
				}
				wordIDs[w] = WordID(len(words))
				words = append(words, w)
				tb.words = append(tb.words, WordID(len(words)-1))
			} else {
				for _, w := range fields[1 : k+1] {
					id, known := wordIDs[w]
					if !known {
						return nil, fmt.Errorf("%w: %d-gram word %q is not a unigram", ErrFormat, k, w)
					}
					tb.words = append(tb.words, id)
				}
			}
			tb.prob = append(tb.prob, prob)
			if tb.bo != nil {
				tb.bo = append(tb.bo, bo)
			}
		}
		if tb.len() != counts[k-1] {
			return nil, fmt.Errorf("%w: %d %d-grams; \\data\\ says %d", ErrFormat, tb.len(), k, counts[k-1])
		}
		if k == 1 {
			vocab, _, _ := NewVocab(words) // duplicates were rejected above
			m = &Model{vocab: vocab, tables: make([]ngramTable, order)}
			m.tables[0] = *tb
			for j := range m.tables {
				m.tables[j].k = j + 1
			}
		} else if err := tb.sortUnique(); err != nil {
			return nil, err
		}
	}
	if s != `\end\` {
		return nil, fmt.Errorf("%w: %q where \\end\\ was expected", ErrFormat, s)
	}
	return m, nil
}

// splitFields splits s at white space into f and returns the number of fields (len(f)+1 when there are
// more than len(f)).
func splitFields(s string, f []string) int {
	n := 0
	for {
		i := 0
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		s = s[i:]
		if s == "" {
			return n
		}
		j := 0
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if n == len(f) {
			return n + 1
		}
		f[n] = s[:j]
		n++
		s = s[j:]
	}
}

// parseLog10 parses a log10 value; −inf (probability 0) is allowed, NaN and +Inf are not.
func parseLog10(s string) (float32, error) {
	v, err := strconv.ParseFloat(s, 32)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 1) {
		return 0, fmt.Errorf("%w: bad log10 value %q", ErrFormat, s)
	}
	return float32(v), nil
}

// WriteARPA writes m as an ARPA file: counts, then each order's n-grams in lexicographic order of word
// ids, "log10prob<TAB>words[<TAB>log10backoff]", values in the shortest form that reads back to the same
// float32. The backoff is written for every n-gram below the highest order.
func WriteARPA(w io.Writer, m *Model) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "\\data\\\n")
	for k, n := range m.Counts() {
		fmt.Fprintf(bw, "ngram %d=%d\n", k+1, n)
	}
	words := m.vocab.Words()
	var buf []byte
	for k := 1; k <= m.Order(); k++ {
		fmt.Fprintf(bw, "\n\\%d-grams:\n", k)
		tb := &m.tables[k-1]
		for i := 0; i < tb.len(); i++ {
			buf = appendLog10(buf[:0], tb.prob[i])
			for j, id := range tb.key(i) {
				if j == 0 {
					buf = append(buf, '\t')
				} else {
					buf = append(buf, ' ')
				}
				buf = append(buf, words[id]...)
			}
			if tb.bo != nil {
				buf = append(buf, '\t')
				buf = appendLog10(buf, tb.bo[i])
			}
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return fmt.Errorf("lm: write arpa: %w", err)
			}
		}
	}
	fmt.Fprintf(bw, "\n\\end\\\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("lm: write arpa: %w", err)
	}
	return nil
}

func appendLog10(b []byte, v float32) []byte {
	if math.IsInf(float64(v), -1) {
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, float64(v), 'f', -1, 32)
}
