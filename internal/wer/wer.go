// Package wer computes word error rates: a Levenshtein alignment of reference and hypothesis words with
// unit costs, counting substitutions, deletions and insertions. Normalisation follows
// ../shared/eval/wer.py so that figures agree with the project's independent scorer.
package wer

import (
	"regexp"
	"strings"
)

// Counts are the edit counts of one or more alignments.
type Counts struct {
	Ref, Sub, Del, Ins int
}

// Errors returns S + D + I.
func (c Counts) Errors() int { return c.Sub + c.Del + c.Ins }

// Rate returns (S + D + I) / N as a percentage (0 when N is 0 and there are no errors).
func (c Counts) Rate() float64 {
	if c.Ref == 0 {
		if c.Errors() == 0 {
			return 0
		}
		return 100
	}
	return 100 * float64(c.Errors()) / float64(c.Ref)
}

// Add returns the sum of two counts.
func (c Counts) Add(d Counts) Counts {
	return Counts{c.Ref + d.Ref, c.Sub + d.Sub, c.Del + d.Del, c.Ins + d.Ins}
}

var (
	filler  = regexp.MustCompile(`^(<.*>|\[.*\]|\+\+.*\+\+|\+.*\+)$`)
	variant = regexp.MustCompile(`\(\d+\)$`)
	punct   = regexp.MustCompile(`[^\w\s']`)
)

// Normalize lower-cases text, drops sentence and filler tokens and pronunciation-variant suffixes, turns
// hyphens into spaces and removes punctuation except apostrophes inside words.
func Normalize(text string) []string {
	var out []string
	for _, tok := range strings.Fields(strings.ToLower(text)) {
		if filler.MatchString(tok) {
			continue
		}
		tok = variant.ReplaceAllString(tok, "")
		tok = strings.ReplaceAll(tok, "-", " ")
		tok = punct.ReplaceAllString(tok, "")
		for _, w := range strings.Fields(tok) {
			w = strings.Trim(w, "'")
			if w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}

// Align counts the edits that turn ref into hyp with the fewest errors. Memory is O(len(hyp)).
func Align(ref, hyp []string) Counts {
	type cell struct{ cost, sub, del, ins int }
	prev := make([]cell, len(hyp)+1)
	cur := make([]cell, len(hyp)+1)
	for j := range prev {
		prev[j] = cell{cost: j, ins: j}
	}
	for i := 1; i <= len(ref); i++ {
		cur[0] = cell{cost: i, del: i}
		for j := 1; j <= len(hyp); j++ {
			best := prev[j-1]
			if ref[i-1] != hyp[j-1] {
				best.cost++
				best.sub++
			}
			if d := prev[j]; d.cost+1 < best.cost {
				best = d
				best.cost++
				best.del++
			}
			if in := cur[j-1]; in.cost+1 < best.cost {
				best = in
				best.cost++
				best.ins++
			}
			cur[j] = best
		}
		prev, cur = cur, prev
	}
	c := prev[len(hyp)]
	return Counts{Ref: len(ref), Sub: c.sub, Del: c.del, Ins: c.ins}
}
