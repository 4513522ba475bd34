package sphinx

import (
	"fmt"
	"math"
)

// Limits on s3 Gaussian files; they bound allocations before any size read from a file is trusted.
const (
	maxStreams = 64
	maxVecLen  = 1 << 12
)

// Gauden holds the Gaussian densities of a model as read from its means and variances files
// (pocketsphinx ms_gauden.c gauden_param_read): NMgau codebooks (mixture Gaussians) × NFeat streams ×
// NDensity densities, each a diagonal Gaussian over VecLen[f] dimensions.
//
// Mean and Var are flat, in file order: codebook-major, then stream, then density, then dimension. The
// parameters of (m, f, d) start at Offset(m, f, d). Var holds the variances as read, before flooring.
// A Gauden is read-only after loading; its memory is 8 bytes per parameter plus O(NFeat).
type Gauden struct {
	NMgau, NFeat, NDensity int
	VecLen                 []int
	Mean, Var              []float32
	MeanChecksum           uint32 // s3 checksum of the means file (0 if it has none)
	VarChecksum            uint32 // s3 checksum of the variances file (0 if it has none)

	featOff []int // per stream: offset of the stream in a codebook's block, in floats
	cbSize  int   // floats per codebook: NDensity × Σ VecLen
}

// Offset returns the index in Mean/Var of the first dimension of density d of stream f of codebook m.
func (g *Gauden) Offset(m, f, d int) int {
	return m*g.cbSize + g.featOff[f] + d*g.VecLen[f]
}

// Dim returns the total feature dimension Σ VecLen.
func (g *Gauden) Dim() int {
	n := 0
	for _, v := range g.VecLen {
		n += v
	}
	return n
}

// gaussFile is one parsed means or variances file.
type gaussFile struct {
	nMgau, nFeat, nDensity int
	vecLen                 []int
	data                   []float32
	checksum               uint32
}

// parseGaussFile parses an s3 means or variances file (version 1.0).
func parseGaussFile(file string, data []byte) (*gaussFile, error) {
	r, err := newS3Reader(file, data)
	if err != nil {
		return nil, err
	}
	if v := r.hdr["version"]; v != "1.0" {
		return nil, formatErr(file, "version", "%q, want \"1.0\"", v)
	}
	g := &gaussFile{}
	// Every count must fit in what is left of the file before anything is allocated.
	max := r.remaining() / 4
	if g.nMgau, err = r.count("n_mgau", 1, max); err != nil {
		return nil, err
	}
	if g.nFeat, err = r.count("n_feat", 1, maxStreams); err != nil {
		return nil, err
	}
	if g.nDensity, err = r.count("n_density", 1, max); err != nil {
		return nil, err
	}
	g.vecLen = make([]int, g.nFeat)
	dim := 0
	for i := range g.vecLen {
		if g.vecLen[i], err = r.count(fmt.Sprintf("veclen[%d]", i), 1, maxVecLen); err != nil {
			return nil, err
		}
		dim += g.vecLen[i]
	}
	total, err := r.count("total", 0, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	want := int64(g.nMgau) * int64(g.nDensity) * int64(dim)
	if int64(total) != want {
		return nil, formatErr(file, "total", "%d, want n_mgau×n_density×Σveclen = %d", total, want)
	}
	if total > r.remaining()/4 {
		return nil, formatErr(file, "data", "%d floats announced, %d bytes left", total, r.remaining())
	}
	g.data = make([]float32, total)
	if err := r.float32s("data", g.data); err != nil {
		return nil, err
	}
	for i, v := range g.data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, formatErr(file, "data", "value %d is %v", i, v)
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	g.checksum = r.sum
	if !r.chksum {
		g.checksum = 0
	}
	return g, nil
}

// ParseGauden parses the means and variances files (their names are used in errors) and checks that their
// shapes agree.
func ParseGauden(meanFile string, meanData []byte, varFile string, varData []byte) (*Gauden, error) {
	m, err := parseGaussFile(meanFile, meanData)
	if err != nil {
		return nil, err
	}
	v, err := parseGaussFile(varFile, varData)
	if err != nil {
		return nil, err
	}
	if m.nMgau != v.nMgau || m.nFeat != v.nFeat || m.nDensity != v.nDensity {
		return nil, formatErr(varFile, "shape", "%d×%d×%d does not match means %d×%d×%d",
			v.nMgau, v.nFeat, v.nDensity, m.nMgau, m.nFeat, m.nDensity)
	}
	for i := range m.vecLen {
		if m.vecLen[i] != v.vecLen[i] {
			return nil, formatErr(varFile, fmt.Sprintf("veclen[%d]", i), "%d does not match means %d", v.vecLen[i], m.vecLen[i])
		}
	}
	for i, x := range v.data {
		if x < 0 {
			return nil, formatErr(varFile, "data", "variance %d is negative (%v)", i, x)
		}
	}
	g := &Gauden{NMgau: m.nMgau, NFeat: m.nFeat, NDensity: m.nDensity, VecLen: m.vecLen,
		Mean: m.data, Var: v.data, MeanChecksum: m.checksum, VarChecksum: v.checksum}
	g.featOff = make([]int, g.NFeat)
	off := 0
	for f, l := range g.VecLen {
		g.featOff[f] = off
		off += g.NDensity * l
	}
	g.cbSize = off
	return g, nil
}

// gaussPrecomp holds the scoring form of the Gaussians (ms_gauden.c gauden_dist_precompute): variances
// floored at varFloor and stored as ln_to_log(1/(2·var)) truncated to an integer, and per density
// det = Σ logmath_log(1/sqrt(2π·var)), all in base-1.0001 logmath units (shift 0). A density's log
// likelihood in those units is det − Σ (x−μ)²·prec. Layout as Gauden.Mean.
type gaussPrecomp struct {
	prec    []float32
	det     []float32 // [m][f][d]
	floored int       // number of variances raised to the floor
}

// logBase is the base of pocketsphinx's integer log math: -logbase 1.0001, which pocketsphinx reads as a
// float32 option and widens (ps_init: logmath_init((float64)cmd_ln_float32_r(config, "-logbase"), ...)),
// so the base really is 1.00010001659393310546875. The difference matters: it moves the integer Gaussian
// parameters by about 1.7e-4 relative, enough to change senone scores by a unit or more.
var logBase = float64(float32(1.0001))

var invLogBase = 1.0 / math.Log(logBase)

func precompute(g *Gauden, varFloor float32) *gaussPrecomp {
	p := &gaussPrecomp{prec: make([]float32, len(g.Var)), det: make([]float32, g.NMgau*g.NFeat*g.NDensity)}
	k := 0
	for m := 0; m < g.NMgau; m++ {
		for f := 0; f < g.NFeat; f++ {
			for d := 0; d < g.NDensity; d++ {
				o := g.Offset(m, f, d)
				var det float32
				for i := 0; i < g.VecLen[f]; i++ {
					v := g.Var[o+i]
					if v < varFloor {
						v = varFloor
						p.floored++
					}
					det += float32(int32(math.Log(1.0/math.Sqrt(float64(v)*2.0*math.Pi)) * invLogBase))
					p.prec[o+i] = float32(int32(1.0 / (float64(v) * 2.0) * invLogBase))
				}
				p.det[k] = det
				k++
			}
		}
	}
	return p
}
