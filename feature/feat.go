package feature

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// featType is one of sphinxbase's feature types (feat.c feat_init): how a window of 2·window+1 cepstral
// frames becomes one feature vector, laid out as the concatenation of its streams.
type featType struct {
	name    string
	cepLen  int
	window  int   // frames needed on each side of the centre frame
	streams []int // stream lengths; their sum is dim
	dim     int
	// compute writes the feature of the centre frame m[window] into out (len dim). m holds 2·window+1 frames.
	compute func(m [][]float32, out []float32)
}

// dcepWin is FEAT_DCEP_WIN of feat.c.
const dcepWin = 2

func lookupFeat(name string, cepLen int) (featType, error) {
	ft := featType{name: name, cepLen: cepLen}
	n := cepLen
	switch {
	case name == "s2_4x":
		if n != 13 {
			return ft, fmt.Errorf("feature s2_4x needs ceplen 13, not %d", n)
		}
		ft.window, ft.streams, ft.compute = 4, []int{12, 24, 3, 12}, s24x
	case name == "s3_1x39" || name == "1s_12c_12d_3p_12dd":
		if n != 13 {
			return ft, fmt.Errorf("feature %s needs ceplen 13, not %d", name, n)
		}
		ft.window, ft.streams, ft.compute = 3, []int{39}, s31x39
	case strings.HasPrefix(name, "1s_c_d_dd"):
		ft.window, ft.streams = dcepWin+1, []int{3 * n}
		ft.compute = func(m [][]float32, out []float32) { cDDD(m, out, n) }
	case strings.HasPrefix(name, "1s_c_d_ld_dd"):
		ft.window, ft.streams = 2*dcepWin, []int{4 * n}
		ft.compute = func(m [][]float32, out []float32) { cDLDDD(m, out, n) }
	case strings.HasPrefix(name, "cep_dcep") || strings.HasPrefix(name, "1s_c_d"):
		ft.window, ft.streams = 2, []int{2 * n}
		ft.compute = func(m [][]float32, out []float32) { cD(m, out, n) }
	case strings.HasPrefix(name, "cep") || strings.HasPrefix(name, "1s_c"):
		ft.window, ft.streams = 0, []int{n}
		ft.compute = func(m [][]float32, out []float32) { copy(out, m[0][:n]) }
	case strings.HasPrefix(name, "1s_3c") || strings.HasPrefix(name, "1s_4c"):
		w := 3
		if strings.HasPrefix(name, "1s_4c") {
			w = 4
		}
		ft.window, ft.streams = w, []int{n * (2*w + 1)}
		ft.compute = func(m [][]float32, out []float32) {
			for i := range m {
				copy(out[i*n:(i+1)*n], m[i][:n])
			}
		}
	default:
		return ft, fmt.Errorf("feature type %q is not supported", name)
	}
	for _, s := range ft.streams {
		ft.dim += s
	}
	return ft, nil
}

// cDDD is feat_1s_c_d_dd_cep2feat: [c(t), c(t+2)−c(t−2), (c(t+3)−c(t−1)) − (c(t+1)−c(t−3))].
func cDDD(m [][]float32, out []float32, n int) {
	c, p1, p2, p3 := m[3][:n], m[4][:n], m[5][:n], m[6][:n]
	m1, m2, m3 := m[2][:n], m[1][:n], m[0][:n]
	out = out[:3*n]
	copy(out, c)
	d, dd := out[n:2*n], out[2*n:3*n]
	for i := range n {
		d[i] = p2[i] - m2[i]
		dd[i] = (p3[i] - m1[i]) - (p1[i] - m3[i])
	}
}

// cDLDDD is feat_1s_c_d_ld_dd_cep2feat: cDDD plus the long delta c(t+4)−c(t−4) before the double delta.
func cDLDDD(m [][]float32, out []float32, n int) {
	w := 4
	c := m[w][:n]
	out = out[:4*n]
	copy(out, c)
	d, ld, dd := out[n:2*n], out[2*n:3*n], out[3*n:4*n]
	for i := range n {
		d[i] = m[w+2][i] - m[w-2][i]
		ld[i] = m[w+4][i] - m[w-4][i]
		dd[i] = (m[w+3][i] - m[w-1][i]) - (m[w+1][i] - m[w-3][i])
	}
}

// cD is feat_s3_cep_dcep: [c(t), c(t+2)−c(t−2)].
func cD(m [][]float32, out []float32, n int) {
	out = out[:2*n]
	copy(out, m[2][:n])
	d := out[n:]
	for i := range n {
		d[i] = m[4][i] - m[0][i]
	}
}

// s31x39 is feat_s3_1x39_cep2feat: [c1..12, Δc1..12, c0, Δc0, ΔΔc0, ΔΔc1..12].
func s31x39(m [][]float32, out []float32) {
	const w = 3
	out = out[:39]
	copy(out[:12], m[w][1:13])
	for i := 1; i < 13; i++ {
		out[11+i] = m[w+2][i] - m[w-2][i]
	}
	out[24] = m[w][0]
	out[25] = m[w+2][0] - m[w-2][0]
	out[26] = (m[w+3][0] - m[w-1][0]) - (m[w+1][0] - m[w-3][0])
	for i := 1; i < 13; i++ {
		out[26+i] = (m[w+3][i] - m[w-1][i]) - (m[w+1][i] - m[w-3][i])
	}
}

// s24x is feat_s2_4x_cep2feat, four streams: [c1..12], [Δc1..12 (±2), Δc1..12 (±4)], [c0, Δc0, ΔΔc0],
// [ΔΔc1..12].
func s24x(m [][]float32, out []float32) {
	const w = 4
	out = out[:51]
	copy(out[:12], m[w][1:13])
	for i := 1; i < 13; i++ {
		out[11+i] = m[w+2][i] - m[w-2][i]
		out[23+i] = m[w+4][i] - m[w-4][i]
	}
	out[36] = m[w][0]
	out[37] = m[w+2][0] - m[w-2][0]
	out[38] = (m[w+3][0] - m[w-1][0]) - (m[w+1][0] - m[w-3][0])
	for i := 1; i < 13; i++ {
		out[38+i] = (m[w+3][i] - m[w-1][i]) - (m[w+1][i] - m[w-3][i])
	}
}

// ParseSubvectors parses a -svspec subvector specification (feat.c parse_subvecs): subvectors separated by
// '/', each a comma list of dimensions or inclusive ranges "a-b". For example "0-12/13-25/26-38" splits a
// 39-dimensional vector into three streams of 13. A dimension may not repeat within a subvector.
func ParseSubvectors(spec string) ([][]int, error) {
	if spec == "" {
		return nil, errors.New("empty subvector specification")
	}
	if len(spec) > 4096 {
		return nil, fmt.Errorf("subvector specification of %d bytes is too long", len(spec))
	}
	total := 0
	var out [][]int
	for _, part := range strings.Split(spec, "/") {
		var dims []int
		seen := map[int]bool{}
		for _, item := range strings.Split(part, ",") {
			lo, hi, found := strings.Cut(item, "-")
			a, err := strconv.Atoi(lo)
			if err != nil {
				return nil, fmt.Errorf("svspec %q: bad dimension %q", spec, item)
			}
			b := a
			if found {
				if b, err = strconv.Atoi(hi); err != nil {
					return nil, fmt.Errorf("svspec %q: bad dimension %q", spec, item)
				}
			}
			if a < 0 || a > b || b >= 4096 {
				return nil, fmt.Errorf("svspec %q: bad range %q", spec, item)
			}
			total += b - a + 1
			if total > 4096 {
				return nil, fmt.Errorf("svspec %q: more than 4096 dimensions", spec)
			}
			for d := a; d <= b; d++ {
				if seen[d] {
					return nil, fmt.Errorf("svspec %q: duplicate dimension %d", spec, d)
				}
				seen[d] = true
				dims = append(dims, d)
			}
		}
		out = append(out, dims)
	}
	return out, nil
}

// Subvectors projects feature vectors onto subvectors (feat.c feat_subvec_project): it writes the
// dimensions of each subvector of sv, in order, into dst (len ≥ the total number of dimensions in sv) and
// returns the filled prefix of dst. For the en-us "0-12/13-25/26-38" this is the identity on 39
// dimensions, split into streams of 13.
func Subvectors(dst, vec []float32, sv [][]int) []float32 {
	n := 0
	for _, s := range sv {
		for _, d := range s {
			dst[n] = vec[d]
			n++
		}
	}
	return dst[:n]
}
