package sphinx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// MaxNegMixw is pocketsphinx's MAX_NEG_MIXW: the largest quantised negated mixture weight read from a
// mixture_weights file.
const MaxNegMixw = 159

// MixWeights holds quantised mixture weights: W[(s*NFeat+f)*NDensity+d] is the weight of density d of
// stream f in senone s, as −log_1.0001(w) >> 10 (a negated log in senone-score units; smaller is
// heavier). The layout is senone-major (sendump stores codeword-major rows; they are transposed on
// reading so that one senone's weights share cache lines when it is scored). Read-only after loading; one
// byte per weight.
type MixWeights struct {
	NFeat, NDensity, NSen int
	W                     []uint8
	Checksum              uint32 // s3 checksum (mixture_weights only; 0 for sendump)
	Strings               []string
}

// ParseSendump parses a pocketsphinx sendump file (ptm_mgau.c read_sendump) for a model with the given
// number of streams, densities per codebook and senones. 4-bit clustered files are expanded to 8 bits.
func ParseSendump(file string, data []byte, nFeat, nDensity, nSen int) (*MixWeights, error) {
	pos := 0
	var order binary.ByteOrder = binary.LittleEndian
	rd := func(field string) (int, error) {
		if pos+4 > len(data) {
			return 0, formatErr(file, field, "premature end of file at byte %d", pos)
		}
		v := int(int32(order.Uint32(data[pos:])))
		pos += 4
		return v, nil
	}
	n, err := rd("title length")
	if err != nil {
		return nil, err
	}
	if n < 1 || n > 999 {
		order = binary.BigEndian
		n = int(int32(order.Uint32(data)))
		if n < 1 || n > 999 {
			return nil, formatErr(file, "title length", "%d out of range [1, 999] in either byte order", n)
		}
	}
	if n > len(data)-pos || data[pos+n-1] != 0 {
		return nil, formatErr(file, "title", "truncated or not NUL-terminated")
	}
	mw := &MixWeights{NFeat: nFeat, NDensity: nDensity, NSen: nSen}
	mw.Strings = append(mw.Strings, string(data[pos:pos+n-1]))
	pos += n
	nClust, nBits := 0, 8
	for i := 0; ; i++ {
		field := fmt.Sprintf("header string %d", i)
		n, err := rd(field)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		if n < 0 || n > 999 || n > len(data)-pos {
			return nil, formatErr(file, field, "length %d out of range", n)
		}
		s := string(bytes.TrimRight(data[pos:pos+n], "\x00"))
		pos += n
		mw.Strings = append(mw.Strings, s)
		key, val, _ := strings.Cut(s, " ")
		num := func(want int) error {
			v := atoi(val)
			if want >= 0 && v != want {
				return formatErr(file, key, "%d, model has %d", v, want)
			}
			switch key {
			case "cluster_count":
				nClust = v
			case "cluster_bits":
				nBits = v
			}
			return nil
		}
		switch key {
		case "feature_count":
			err = num(nFeat)
		case "mixture_count":
			err = num(nDensity)
		case "model_count":
			err = num(nSen)
		case "cluster_count", "cluster_bits":
			err = num(-1)
		}
		if err != nil {
			return nil, err
		}
	}
	if nClust == 0 {
		r, err := rd("rows")
		if err != nil {
			return nil, err
		}
		if r != nDensity {
			return nil, formatErr(file, "rows", "%d, want n_density %d", r, nDensity)
		}
		c, err := rd("columns")
		if err != nil {
			return nil, err
		}
		if c != nSen {
			return nil, formatErr(file, "columns", "%d, want n_sen %d", c, nSen)
		}
	}
	if nClust != 0 && nClust != 15 && nClust != 16 {
		return nil, formatErr(file, "cluster_count", "%d, must be 0, 15 or 16", nClust)
	}
	if nClust == 15 {
		nClust = 16
	}
	if nBits != 8 && nBits != 4 {
		return nil, formatErr(file, "cluster_bits", "%d, must be 4 or 8", nBits)
	}
	var cb []uint8
	if nClust > 0 {
		if len(data)-pos < nClust {
			return nil, formatErr(file, "cluster codebook", "premature end of file")
		}
		cb = data[pos : pos+nClust]
		pos += nClust
	}
	step := nSen
	if nBits == 4 {
		step = (nSen + 1) / 2
	}
	need := nFeat * nDensity * step
	if len(data)-pos != need {
		return nil, formatErr(file, "mixw", "%d bytes of weights, want %d streams × %d densities × %d = %d",
			len(data)-pos, nFeat, nDensity, step, need)
	}
	mw.W = make([]uint8, nFeat*nDensity*nSen)
	put := func(row, s int, v uint8) { // row = f*nDensity+d
		f, d := row/nDensity, row%nDensity
		mw.W[(s*nFeat+f)*nDensity+d] = v
	}
	if nBits == 8 {
		for row := 0; row < nFeat*nDensity; row++ {
			src := data[pos+row*step:][:nSen]
			for s, v := range src {
				if cb != nil {
					if int(v) >= len(cb) {
						return nil, formatErr(file, "mixw", "cluster index %d out of range", v)
					}
					v = cb[v]
				}
				put(row, s, v)
			}
		}
		return mw, nil
	}
	if cb == nil {
		return nil, formatErr(file, "cluster_bits", "4-bit weights need a cluster codebook")
	}
	for row := 0; row < nFeat*nDensity; row++ {
		src := data[pos+row*step:]
		for s := 0; s < nSen; s++ {
			b := src[s/2]
			if s&1 == 1 {
				b >>= 4
			}
			put(row, s, cb[b&0x0f])
		}
	}
	return mw, nil
}

// atoi parses the leading decimal digits of s as C's atoi does (0 when there are none); sendump
// description strings such as "cluster_count centroids" rely on that.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && v < 1<<30; i++ {
		v = v*10 + int(s[i]-'0')
	}
	if neg {
		return -v
	}
	return v
}

// DefaultMixwFloor is pocketsphinx's -mixwfloor default.
const DefaultMixwFloor = 1e-7

// MixwQuant selects how mixture_weights values are quantised to bytes; pocketsphinx's modules differ.
type MixwQuant int

const (
	// QuantTied is ptm_mgau.c / s2_semi_mgau.c read_mixw: −(logmath_log(w) >> 10), capped at MaxNegMixw.
	QuantTied MixwQuant = iota
	// QuantMS is ms_senone.c senone_mixw_read: (−logmath_log(w) + 511) >> 10, capped at 255.
	QuantMS
)

// ParseMixw parses an s3 mixture_weights file: each senone's weights per stream are normalised, floored
// at floor, renormalised and quantised as q says.
func ParseMixw(file string, data []byte, floor float32, q MixwQuant) (*MixWeights, error) {
	r, err := newS3Reader(file, data)
	if err != nil {
		return nil, err
	}
	max := r.remaining() / 4
	nSen, err := r.count("n_sen", 1, 65535)
	if err != nil {
		return nil, err
	}
	nFeat, err := r.count("n_feat", 1, maxStreams)
	if err != nil {
		return nil, err
	}
	nComp, err := r.count("n_comp", 1, max)
	if err != nil {
		return nil, err
	}
	total := int64(nSen) * int64(nFeat) * int64(nComp)
	if _, err := r.count("total", int(min(total, math.MaxInt32)), int(min(total, math.MaxInt32))); err != nil {
		return nil, err
	}
	if total > int64(r.remaining()/4) {
		return nil, formatErr(file, "data", "%d floats announced, %d bytes left", total, r.remaining())
	}
	mw := &MixWeights{NFeat: nFeat, NDensity: nComp, NSen: nSen, W: make([]uint8, total)}
	pdf := make([]float32, nComp)
	for s := 0; s < nSen; s++ {
		for f := 0; f < nFeat; f++ {
			if err := r.float32s(fmt.Sprintf("mixw[%d][%d]", s, f), pdf); err != nil {
				return nil, err
			}
			for c, x := range pdf {
				if !(x >= 0) || math.IsInf(float64(x), 0) {
					return nil, formatErr(file, fmt.Sprintf("mixw[%d][%d][%d]", s, f, c), "invalid weight %v", x)
				}
			}
			sumNorm(pdf)
			for c := range pdf {
				if pdf[c] < floor {
					pdf[c] = floor
				}
			}
			sumNorm(pdf)
			for c, p := range pdf {
				var v int32
				if q == QuantMS {
					v = -logmathLog(float64(p)) + (1<<(SenscrShift-1) - 1)
					if v < 255<<SenscrShift {
						v >>= SenscrShift
					} else {
						v = 255
					}
				} else {
					v = -(logmathLog(float64(p)) >> SenscrShift)
					if v > MaxNegMixw || v < 0 {
						v = MaxNegMixw
					}
				}
				mw.W[(s*nFeat+f)*nComp+c] = uint8(v)
			}
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	if r.chksum {
		mw.Checksum = r.sum
	}
	return mw, nil
}
