package sphinx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// WordPosition is the position of a triphone in its word (pocketsphinx mdef.h word_posn_t).
type WordPosition uint8

// Word positions, with pocketsphinx's numbering (untyped, so they serve as WordPosition or int).
const (
	PosInternal = 0 // i: word-internal
	PosBegin    = 1 // b: first phone of a multi-phone word
	PosEnd      = 2 // e: last phone of a multi-phone word
	PosSingle   = 3 // s: the phone of a single-phone word
	NumWordPos  = 4
)

// wposNames are the one-letter codes of the word positions in text mdef files ("ibesu").
const wposNames = "ibes"

func (p WordPosition) String() string {
	if int(p) < len(wposNames) {
		return wposNames[p : p+1]
	}
	return "u"
}

// SilencePhone is the name of the silence CI phone (S3_SILENCE_CIPHONE).
const SilencePhone = "SIL"

// CDNode is one node of the context tree used to find triphones (bin_mdef.h cd_tree_t). The tree has four
// levels: word position, base phone, left context, right context. A node with NDown == 0 is a leaf whose
// Down field holds a phone id (or -1); otherwise Down is the index of its first child in Mdef.CDTree.
type CDNode struct {
	Ctx   int16
	NDown int16
	Down  int32
}

// Phone is one CI phone or triphone (bin_mdef.h mdef_entry_t).
type Phone struct {
	SSID int32    // senone sequence id (index into the senone sequences)
	Tmat int32    // transition matrix id
	Info [4]uint8 // CI phones: {filler, 0, 0, 0}; triphones: {wpos, base, lc, rc}
}

// Mdef is a model definition: the phone inventory, triphones, their senone sequences and transition
// matrices (pocketsphinx bin_mdef.c). It is read-only after loading; all its arrays are flat slices of
// numbers (plus the CI phone names), about 26 bytes per triphone.
type Mdef struct {
	CIPhones   []string // CI phone names, in id order (sorted, as bin_mdef requires)
	NEmitState int      // emitting states per phone (0 if the topology is heterogeneous)
	NCISen     int      // number of CI senones (they come first)
	NSen       int      // number of senones
	NTmat      int      // number of transition matrices
	Sil        int      // id of the SIL phone, or -1
	CDTree     []CDNode
	Phones     []Phone // CI phones first (ids 0..len(CIPhones)-1), then triphones
	// Sseq holds the senone sequences back to back; sequence i is Sseq[SseqOff[i]:SseqOff[i+1]].
	Sseq    []uint16
	SseqOff []int32
	// Sen2CI maps each senone to the CI phone it belongs to (-1 if none); PTM scoring uses it to pick a
	// codebook. CD2CISen maps each senone to the CI senone in the same state of its base phone.
	Sen2CI   []int16
	CD2CISen []int16
}

// NumSseq returns the number of distinct senone sequences.
func (m *Mdef) NumSseq() int { return len(m.SseqOff) - 1 }

// NumTriphones returns the number of context-dependent phones.
func (m *Mdef) NumTriphones() int { return len(m.Phones) - len(m.CIPhones) }

// IsFiller reports whether CI phone ci is a filler phone (SIL, noises).
func (m *Mdef) IsFiller(ci int) bool { return m.Phones[ci].Info[0] != 0 }

// CIPhoneID returns the id of the CI phone with the given name, or -1.
func (m *Mdef) CIPhoneID(name string) int {
	i := sort.SearchStrings(m.CIPhones, name)
	if i < len(m.CIPhones) && m.CIPhones[i] == name {
		return i
	}
	return -1
}

// Senones returns the senone sequence (one senone id per emitting state) of phone pid. The returned slice
// aliases the model's storage and must not be modified.
func (m *Mdef) Senones(pid int) []uint16 {
	s := m.Phones[pid].SSID
	return m.Sseq[m.SseqOff[s]:m.SseqOff[s+1]]
}

// PhoneID returns the id of triphone (ci, lc, rc, wpos) or -1 when the model lacks it (bin_mdef_phone_id).
// Filler contexts are mapped to SIL first. If lc or rc is negative the CI phone ci is returned.
func (m *Mdef) PhoneID(ci, lc, rc, wpos int) int {
	if lc < 0 || rc < 0 {
		return ci
	}
	n := len(m.CIPhones)
	if ci >= n || lc >= n || rc >= n || wpos < 0 || wpos >= NumWordPos || ci < 0 {
		return -1
	}
	if m.Sil >= 0 && m.IsFiller(lc) {
		lc = m.Sil
	}
	if m.Sil >= 0 && m.IsFiller(rc) {
		rc = m.Sil
	}
	ctx := [4]int{wpos, ci, lc, rc}
	lo, max := 0, NumWordPos
	for level := 0; level < 4; level++ {
		i := lo
		for ; i < lo+max; i++ {
			if int(m.CDTree[i].Ctx) == ctx[level] {
				break
			}
		}
		if i == lo+max {
			return -1
		}
		nd := m.CDTree[i]
		if nd.NDown == 0 {
			return int(nd.Down)
		}
		lo, max = int(nd.Down), int(nd.NDown)
	}
	return -1
}

// PhoneIDNearest is PhoneID with pocketsphinx's back-off (bin_mdef_phone_id_nearest): other word
// positions; then SIL as the context at word edges and for fillers, in every word position; then the CI
// phone. It never returns -1 for a valid ci.
func (m *Mdef) PhoneIDNearest(ci, lc, rc, wpos int) int {
	if lc < 0 || rc < 0 {
		return ci
	}
	if p := m.PhoneID(ci, lc, rc, wpos); p >= 0 {
		return p
	}
	for w := 0; w < NumWordPos; w++ {
		if w != wpos {
			if p := m.PhoneID(ci, lc, rc, w); p >= 0 {
				return p
			}
		}
	}
	if m.Sil >= 0 {
		nl, nr := lc, rc
		if m.IsFiller(lc) || wpos == PosBegin || wpos == PosSingle {
			nl = m.Sil
		}
		if m.IsFiller(rc) || wpos == PosEnd || wpos == PosSingle {
			nr = m.Sil
		}
		if nl != lc || nr != rc {
			if p := m.PhoneID(ci, nl, nr, wpos); p >= 0 {
				return p
			}
			for w := 0; w < NumWordPos; w++ {
				if w != wpos {
					if p := m.PhoneID(ci, nl, nr, w); p >= 0 {
						return p
					}
				}
			}
		}
	}
	return ci
}

// NumCIPhones returns the number of CI phones.
func (m *Mdef) NumCIPhones() int { return len(m.CIPhones) }

// CIPhoneName returns the name of CI phone ci.
func (m *Mdef) CIPhoneName(ci int) string { return m.CIPhones[ci] }

// SilencePhone returns the id of the SIL phone, or -1.
func (m *Mdef) SilencePhone() int { return m.Sil }

// SenoneSeq returns the senone ids of phone pid's emitting states in a newly allocated slice (use Senones
// for an allocation-free view).
func (m *Mdef) SenoneSeq(pid int) []int {
	s := m.Senones(pid)
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

// TmatID returns the transition matrix id of phone pid.
func (m *Mdef) TmatID(pid int) int { return int(m.Phones[pid].Tmat) }

// NumSenones returns the number of senones.
func (m *Mdef) NumSenones() int { return m.NSen }

// PhoneName formats phone pid as in a text mdef: "AA" for CI phones, "AA B C b" for triphones.
func (m *Mdef) PhoneName(pid int) string {
	if pid < len(m.CIPhones) {
		return m.CIPhones[pid]
	}
	in := m.Phones[pid].Info
	return fmt.Sprintf("%s %s %s %s", m.CIPhones[in[1]], m.CIPhones[in[2]], m.CIPhones[in[3]], WordPosition(in[0]))
}

// Binary mdef constants (bin_mdef.h).
const (
	binMdefMagic   = 0x46444d42 // "BMDF" read as little-endian
	binMdefVersion = 1
	maxCIPhones    = 255
)

// ParseMdef parses a model definition, binary (BMDF) or text (version 0.3), detected from its first bytes.
// file names the source in errors.
func ParseMdef(file string, data []byte) (*Mdef, error) {
	if len(data) >= 4 && (binary.LittleEndian.Uint32(data) == binMdefMagic || binary.BigEndian.Uint32(data) == binMdefMagic) {
		return parseBinMdef(file, data)
	}
	return parseTextMdef(file, data)
}

func parseBinMdef(file string, data []byte) (*Mdef, error) {
	var order binary.ByteOrder = binary.LittleEndian
	if binary.LittleEndian.Uint32(data) != binMdefMagic {
		order = binary.BigEndian
	}
	pos := 4
	rd := func(field string) (int, error) {
		if pos+4 > len(data) {
			return 0, formatErr(file, field, "premature end of file at byte %d", pos)
		}
		v := int32(order.Uint32(data[pos:]))
		pos += 4
		return int(v), nil
	}
	ver, err := rd("version")
	if err != nil {
		return nil, err
	}
	if ver != binMdefVersion {
		return nil, formatErr(file, "version", "%d, want %d", ver, binMdefVersion)
	}
	hdrlen, err := rd("hdrlen")
	if err != nil {
		return nil, err
	}
	if hdrlen < 0 || hdrlen > len(data)-pos {
		return nil, formatErr(file, "hdrlen", "%d out of range", hdrlen)
	}
	pos += (hdrlen + 3) &^ 3
	names := [...]string{"n_ciphone", "n_phone", "n_emit_state", "n_ci_sen", "n_sen", "n_tmat", "n_sseq", "n_ctx", "n_cd_tree", "sil"}
	var h [10]int
	for i, n := range names {
		if h[i], err = rd(n); err != nil {
			return nil, err
		}
	}
	nCI, nPhone, nEmit, nCISen, nSen, nTmat, nSseq, nCtx, nTree := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	left := len(data) - pos
	switch {
	case nCI < 1 || nCI > maxCIPhones:
		return nil, formatErr(file, "n_ciphone", "%d out of range [1, %d]", nCI, maxCIPhones)
	case nPhone < nCI || nPhone > left/12:
		return nil, formatErr(file, "n_phone", "%d phones cannot fit in the %d bytes left (truncated?)", nPhone, left)
	case nEmit < 0 || nEmit > 255:
		return nil, formatErr(file, "n_emit_state", "%d out of range", nEmit)
	case nSen < 1 || nSen > 65535:
		return nil, formatErr(file, "n_sen", "%d out of range", nSen)
	case nCISen < 0 || nCISen > nSen:
		return nil, formatErr(file, "n_ci_sen", "%d out of range", nCISen)
	case nTmat < 1 || nTmat > left:
		return nil, formatErr(file, "n_tmat", "%d out of range", nTmat)
	case nSseq < 1 || nSseq > 65535 || nSseq > nPhone:
		return nil, formatErr(file, "n_sseq", "%d out of range", nSseq)
	case nCtx != 3:
		return nil, formatErr(file, "n_ctx", "%d, only triphones (3) are supported", nCtx)
	case nTree < NumWordPos || nTree > left/8:
		return nil, formatErr(file, "n_cd_tree", "%d nodes out of range or beyond the %d bytes left", nTree, left)
	}
	m := &Mdef{NEmitState: nEmit, NCISen: nCISen, NSen: nSen, NTmat: nTmat}
	// CI phone names: NUL-terminated, padded to 4 bytes from the start of the name block.
	start := pos
	m.CIPhones = make([]string, nCI)
	for i := range m.CIPhones {
		j := bytes.IndexByte(data[pos:], 0)
		if j < 0 {
			return nil, formatErr(file, fmt.Sprintf("ciname[%d]", i), "unterminated name")
		}
		if j == 0 {
			return nil, formatErr(file, fmt.Sprintf("ciname[%d]", i), "empty name")
		}
		m.CIPhones[i] = string(data[pos : pos+j])
		if i > 0 && m.CIPhones[i-1] >= m.CIPhones[i] {
			return nil, formatErr(file, fmt.Sprintf("ciname[%d]", i), "%q not in sorted order", m.CIPhones[i])
		}
		pos += j + 1
	}
	pos = start + ((pos-start)+3)&^3
	need := nTree*8 + nPhone*12 + 4
	if pos > len(data) || len(data)-pos < need {
		return nil, formatErr(file, "cd_tree", "need %d bytes, %d left", need, len(data)-pos)
	}
	m.CDTree = make([]CDNode, nTree)
	for i := range m.CDTree {
		m.CDTree[i] = CDNode{Ctx: int16(order.Uint16(data[pos:])), NDown: int16(order.Uint16(data[pos+2:])), Down: int32(order.Uint32(data[pos+4:]))}
		pos += 8
	}
	m.Phones = make([]Phone, nPhone)
	for i := range m.Phones {
		p := &m.Phones[i]
		p.SSID = int32(order.Uint32(data[pos:]))
		p.Tmat = int32(order.Uint32(data[pos+4:]))
		copy(p.Info[:], data[pos+8:pos+12])
		pos += 12
	}
	sseqSize, err := rd("sseq_size")
	if err != nil {
		return nil, err
	}
	if sseqSize < nSseq || sseqSize > (len(data)-pos)/2 {
		return nil, formatErr(file, "sseq_size", "%d out of range (%d bytes left)", sseqSize, len(data)-pos)
	}
	if nEmit > 0 && sseqSize != nSseq*nEmit {
		return nil, formatErr(file, "sseq_size", "%d, want n_sseq×n_emit_state = %d", sseqSize, nSseq*nEmit)
	}
	m.Sseq = make([]uint16, sseqSize)
	for i := range m.Sseq {
		m.Sseq[i] = order.Uint16(data[pos:])
		pos += 2
	}
	m.SseqOff = make([]int32, nSseq+1)
	if nEmit > 0 {
		for i := range m.SseqOff {
			m.SseqOff[i] = int32(i * nEmit)
		}
	} else {
		if len(data)-pos < nSseq {
			return nil, formatErr(file, "sseq_len", "premature end of file")
		}
		off := 0
		for i := 0; i < nSseq; i++ {
			m.SseqOff[i] = int32(off)
			off += int(data[pos+i])
		}
		m.SseqOff[nSseq] = int32(off)
		if off != sseqSize {
			return nil, formatErr(file, "sseq_len", "lengths sum to %d, want sseq_size %d", off, sseqSize)
		}
		pos += nSseq
	}
	if err := m.finish(file); err != nil {
		return nil, err
	}
	return m, nil
}

// finish validates the tables and builds the derived maps (as bin_mdef_read does after loading).
func (m *Mdef) finish(file string) error {
	nCI, nPhone := len(m.CIPhones), len(m.Phones)
	for i, s := range m.Sseq {
		if int(s) >= m.NSen {
			return formatErr(file, "sseq", "entry %d: senone %d ≥ n_sen %d", i, s, m.NSen)
		}
	}
	for i := 0; i+1 < len(m.SseqOff); i++ {
		if m.SseqOff[i+1] <= m.SseqOff[i] {
			return formatErr(file, "sseq_len", "sequence %d is empty", i)
		}
	}
	for i, p := range m.Phones {
		f := fmt.Sprintf("phone[%d]", i)
		if p.SSID < 0 || int(p.SSID) >= m.NumSseq() {
			return formatErr(file, f, "ssid %d out of range", p.SSID)
		}
		if p.Tmat < 0 || int(p.Tmat) >= m.NTmat {
			return formatErr(file, f, "tmat %d out of range", p.Tmat)
		}
		if i >= nCI && (p.Info[0] >= NumWordPos || int(p.Info[1]) >= nCI || int(p.Info[2]) >= nCI || int(p.Info[3]) >= nCI) {
			return formatErr(file, f, "context %v out of range", p.Info)
		}
	}
	for i, nd := range m.CDTree {
		f := fmt.Sprintf("cd_tree[%d]", i)
		if nd.NDown < 0 {
			return formatErr(file, f, "n_down %d", nd.NDown)
		}
		if nd.NDown == 0 {
			if nd.Down < -1 || int(nd.Down) >= nPhone {
				return formatErr(file, f, "pid %d out of range", nd.Down)
			}
			continue
		}
		// Children come after their parent, so walking the tree always terminates.
		if int(nd.Down) <= i || int(nd.Down)+int(nd.NDown) > len(m.CDTree) {
			return formatErr(file, f, "children %d+%d out of range", nd.Down, nd.NDown)
		}
	}
	m.Sil = m.CIPhoneID(SilencePhone)
	m.CD2CISen = make([]int16, m.NSen)
	m.Sen2CI = make([]int16, m.NSen)
	for i := range m.CD2CISen {
		m.CD2CISen[i] = -1
		if i < m.NCISen {
			m.CD2CISen[i] = int16(i)
		}
		m.Sen2CI[i] = -1
	}
	for pid := range m.Phones {
		ci := pid
		if pid >= nCI {
			ci = int(m.Phones[pid].Info[1])
		}
		sen, cisen := m.Senones(pid), m.Senones(ci)
		for j, s := range sen {
			if m.Sen2CI[s] == -1 {
				m.Sen2CI[s] = int16(ci)
			}
			if j < len(cisen) {
				m.CD2CISen[s] = int16(cisen[j])
			}
		}
	}
	return nil
}

// parseTextMdef parses a text model definition (pocketsphinx mdef.c, version 0.3) and builds the same
// tables as bin_mdef_read_text.
func parseTextMdef(file string, data []byte) (*Mdef, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	lineno := 0
	next := func() ([]string, bool) {
		for sc.Scan() {
			lineno++
			f := strings.Fields(sc.Text())
			if len(f) == 0 || strings.HasPrefix(f[0], "#") {
				continue
			}
			return f, true
		}
		return nil, false
	}
	errAt := func(field, format string, args ...any) error {
		return formatErr(file, fmt.Sprintf("line %d: %s", lineno, field), format, args...)
	}
	f, ok := next()
	if !ok || len(f) != 1 || f[0] != "0.3" {
		return nil, errAt("version", "want \"0.3\"")
	}
	names := [...]string{"n_base", "n_tri", "n_state_map", "n_tied_state", "n_tied_ci_state", "n_tied_tmat"}
	var h [6]int
	for i, n := range names {
		f, ok := next()
		if !ok || len(f) != 2 || f[1] != n {
			return nil, errAt(n, "want \"<count> %s\"", n)
		}
		v, err := strconv.Atoi(f[0])
		if err != nil || v < 0 || v > 1<<24 {
			return nil, errAt(n, "bad count %q", f[0])
		}
		h[i] = v
	}
	nBase, nTri, nMap, nSen, nCISen, nTmat := h[0], h[1], h[2], h[3], h[4], h[5]
	nPhone := nBase + nTri
	if nBase < 1 || nBase > maxCIPhones {
		return nil, errAt("n_base", "%d out of range [1, %d]", nBase, maxCIPhones)
	}
	if nMap%nPhone != 0 || nMap/nPhone < 2 {
		return nil, errAt("n_state_map", "%d is not a multiple of n_base+n_tri = %d", nMap, nPhone)
	}
	if nSen < 1 || nSen > 65535 || nCISen > nSen || nTmat < 1 {
		return nil, errAt("n_tied_state", "bad senone or tmat counts")
	}
	if nPhone > len(data)/8 { // each row takes more than 8 bytes
		return nil, errAt("n_tri", "%d phones cannot fit in %d bytes", nPhone, len(data))
	}
	nEmit := nMap/nPhone - 1
	m := &Mdef{NEmitState: nEmit, NCISen: nCISen, NSen: nSen, NTmat: nTmat}
	m.Phones = make([]Phone, nPhone)
	m.CIPhones = make([]string, 0, nBase)
	seqIDs := map[string]int32{}
	seq := make([]uint16, nEmit)
	type tri struct{ wpos, ci, lc, rc int }
	seen := map[tri]bool{}
	for p := 0; p < nPhone; p++ {
		f, ok := next()
		if !ok {
			return nil, errAt("phone", "premature end of file: %d of %d phones", p, nPhone)
		}
		if len(f) != 6+nEmit+1 || f[len(f)-1] != "N" {
			return nil, errAt("phone", "want %d columns ending in N, got %d", 6+nEmit+1, len(f))
		}
		ph := &m.Phones[p]
		if p < nBase {
			if f[1] != "-" || f[2] != "-" || f[3] != "-" {
				return nil, errAt("phone", "CI phone %q must have - - - contexts", f[0])
			}
			if len(m.CIPhones) > 0 && m.CIPhones[len(m.CIPhones)-1] >= f[0] {
				return nil, errAt("phone", "CI phone %q not in sorted order", f[0])
			}
			m.CIPhones = append(m.CIPhones, f[0])
			switch f[4] {
			case "filler":
				ph.Info[0] = 1
			case "n/a":
			default:
				return nil, errAt("attrib", "%q, want filler or n/a", f[4])
			}
		} else {
			var t tri
			ids := [3]int{}
			for k := 0; k < 3; k++ {
				if ids[k] = m.CIPhoneID(f[k]); ids[k] < 0 {
					return nil, errAt("phone", "unknown CI phone %q", f[k])
				}
			}
			wp := strings.IndexByte(wposNames, f[3][0])
			if len(f[3]) != 1 || wp < 0 {
				return nil, errAt("phone", "bad word position %q", f[3])
			}
			t = tri{wp, ids[0], ids[1], ids[2]}
			if seen[t] {
				return nil, errAt("phone", "duplicate triphone %s", strings.Join(f[:4], " "))
			}
			seen[t] = true
			ph.Info = [4]uint8{uint8(wp), uint8(ids[0]), uint8(ids[1]), uint8(ids[2])}
		}
		tm, err := strconv.Atoi(f[5])
		if err != nil || tm < 0 || tm >= nTmat {
			return nil, errAt("tmat", "%q out of range", f[5])
		}
		ph.Tmat = int32(tm)
		for k := 0; k < nEmit; k++ {
			s, err := strconv.Atoi(f[6+k])
			if err != nil || s < 0 || s >= nSen {
				return nil, errAt("state", "%q out of range", f[6+k])
			}
			seq[k] = uint16(s)
		}
		key := string(uint16sBytes(seq))
		id, ok := seqIDs[key]
		if !ok {
			id = int32(len(seqIDs))
			seqIDs[key] = id
			m.Sseq = append(m.Sseq, seq...)
		}
		ph.SSID = id
	}
	m.SseqOff = make([]int32, len(seqIDs)+1)
	for i := range m.SseqOff {
		m.SseqOff[i] = int32(i * nEmit)
	}
	m.buildCDTree()
	if err := m.finish(file); err != nil {
		return nil, err
	}
	return m, nil
}

func uint16sBytes(s []uint16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// buildCDTree builds the context tree in bin_mdef_read_text's layout: 4 word-position nodes, then for each
// of them one node per CI phone, then the left-context nodes, then the right-context leaves.
func (m *Mdef) buildCDTree() {
	nCI := len(m.CIPhones)
	// triphones grouped by (wpos, ci), then lc, then rc.
	tri := make([]int, 0, m.NumTriphones())
	for p := nCI; p < len(m.Phones); p++ {
		tri = append(tri, p)
	}
	key := func(p int) (int, int, int, int) {
		in := m.Phones[p].Info
		return int(in[0]), int(in[1]), int(in[2]), int(in[3])
	}
	sort.Slice(tri, func(a, b int) bool {
		a0, a1, a2, a3 := key(tri[a])
		b0, b1, b2, b3 := key(tri[b])
		if a0 != b0 {
			return a0 < b0
		}
		if a1 != b1 {
			return a1 < b1
		}
		if a2 != b2 {
			return a2 < b2
		}
		return a3 < b3
	})
	// Count left-context nodes.
	nLC := 0
	for i, p := range tri {
		w, c, l, _ := key(p)
		if i == 0 {
			nLC++
			continue
		}
		pw, pc, pl, _ := key(tri[i-1])
		if w != pw || c != pc || l != pl {
			nLC++
		}
	}
	ciIdx := NumWordPos
	lcIdx := ciIdx + NumWordPos*nCI
	rcIdx := lcIdx + nLC
	m.CDTree = make([]CDNode, rcIdx+len(tri))
	for w := 0; w < NumWordPos; w++ {
		m.CDTree[w] = CDNode{Ctx: int16(w), NDown: int16(nCI), Down: int32(ciIdx + w*nCI)}
		for c := 0; c < nCI; c++ {
			m.CDTree[ciIdx+w*nCI+c] = CDNode{Ctx: int16(c), Down: -1}
		}
	}
	lc := lcIdx - 1
	for i, p := range tri {
		w, c, l, r := key(p)
		ciNode := &m.CDTree[ciIdx+w*nCI+c]
		newLC := i == 0
		if !newLC {
			pw, pc, pl, _ := key(tri[i-1])
			newLC = w != pw || c != pc || l != pl
		}
		if newLC {
			lc++
			if ciNode.NDown == 0 {
				ciNode.Down = int32(lc)
			}
			ciNode.NDown++
			m.CDTree[lc] = CDNode{Ctx: int16(l), Down: int32(rcIdx + i)}
		}
		m.CDTree[lc].NDown++
		m.CDTree[rcIdx+i] = CDNode{Ctx: int16(r), Down: int32(p)}
	}
}
