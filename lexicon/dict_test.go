package lexicon_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hark/acoustic/sphinx"
	"hark/internal/testenv"
	"hark/lexicon"
)

// enUSPhones are the CI phones of Debian's en-us model (references.md §1.7).
var enUSPhones = strings.Fields("+NSN+ +SPN+ AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH SIL T TH UH UW V W Y Z ZH")

// TestCMUDictCounts checks Debian's cmudict against references.md §4.1, with the phone set read from the
// model's mdef.
func TestCMUDictCounts(t *testing.T) {
	dictPath := testenv.RequireFile(t, filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"))
	mdefPath := testenv.RequireFile(t, filepath.Join(testenv.ModelDir, "mdef"))
	b, err := os.ReadFile(mdefPath)
	if err != nil {
		t.Fatal(err)
	}
	md, err := sphinx.ParseMdef(mdefPath, b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := lexicon.LoadDict(dictPath, filepath.Join(testenv.ModelDir, "noisedict"), lexicon.DefaultDictConfig(md.CIPhones))
	if err != nil {
		t.Fatal(err)
	}
	bases := map[int]bool{}
	alts := map[string]int{}
	maxPron := 0
	used := map[uint8]bool{}
	for i := 0; i < d.FillerStart(); i++ {
		bases[d.BaseID(i)] = true
		if w := d.Word(i); w != lexicon.BaseWord(w) {
			alts[w[len(lexicon.BaseWord(w)):]]++
		}
		maxPron = max(maxPron, len(d.Pron(i)))
		for _, p := range d.Pron(i) {
			used[p] = true
		}
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"entries", d.FillerStart(), 134723},
		{"base words", len(bases), 125945},
		{"(2)", alts["(2)"], 8148},
		{"(3)", alts["(3)"], 485},
		{"(4)", alts["(4)"], 145},
		{"longest pronunciation", maxPron, 28},
		{"phones used", len(used), 39},
		{"fillers", d.NumFillers(), 5},
		{"dictionary size", d.NumWords(), 134728},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d; want %d", c.name, c.got, c.want)
		}
	}
	if got := len(alts); got != 3 {
		t.Errorf("alternate suffixes %v; want (2) (3) (4)", alts)
	}
	for _, w := range []string{"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]"} {
		id, ok := d.ID(w)
		if !ok || !d.IsFiller(id) {
			t.Errorf("%s: id %d ok %v; want a filler", w, id, ok)
		}
	}
	if got := d.Alternates("read(2)"); len(got) != 2 || d.Word(got[0]) != "read" || d.Word(got[1]) != "read(2)" {
		t.Errorf("Alternates(read(2)) = %v", got)
	}
	id, _ := d.ID("forward")
	if got := strings.Join(d.PronString(id), " "); got != "F AO R W ER D" {
		t.Errorf("forward = %q; want F AO R W ER D", got)
	}
}

func TestDictErrors(t *testing.T) {
	for _, c := range []struct {
		name, main, filler string
		line               int // 0: not a line error
		want               string
	}{
		{"unknown-phone", "go G OW\nten T EH1 N\n", "", 2, `phone "EH1"`},
		{"no-pron", "go G OW\n\nten\n", "", 3, "no pronunciation"},
		{"duplicate", "go G OW\ngo G OW\n", "", 2, "duplicate"},
		{"missing-base", "go(2) G OW\n", "", 1, "missing base word"},
		{"start-in-main", "<s> SIL\n", "", 0, "remove <s>"},
		{"filler-phone", "go G OW\n", "[NOISE] +XYZ+\n", 1, `phone "+XYZ+"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var filler *strings.Reader
			if c.filler != "" {
				filler = strings.NewReader(c.filler)
			}
			var err error
			if filler != nil {
				_, err = lexicon.ReadDict(strings.NewReader(c.main), "main.dict", filler, "noisedict", lexicon.DefaultDictConfig(enUSPhones))
			} else {
				_, err = lexicon.ReadDict(strings.NewReader(c.main), "main.dict", nil, "", lexicon.DefaultDictConfig(enUSPhones))
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, lexicon.ErrDict) {
				t.Fatalf("ReadDict = %v; want an ErrDict error containing %q", err, c.want)
			}
			var pe *lexicon.ParseError
			if c.line > 0 && (!errors.As(err, &pe) || pe.Line != c.line) {
				t.Errorf("error %v; want a ParseError at line %d", err, c.line)
			}
		})
	}
}

func TestDictSkipBad(t *testing.T) {
	cfg := lexicon.DefaultDictConfig(enUSPhones)
	cfg.SkipBad = true
	d, err := lexicon.ReadDict(strings.NewReader(";; comment\n## another\ngo G OW\nbad B AX D\ngo(2) G AH\nten T EH N\n"), "x.dict", nil, "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.FillerStart() != 3 || len(d.Warnings) != 1 || d.NumWords() != 6 {
		t.Errorf("words %d, fillers from %d, warnings %v; want 6, 3, one warning", d.NumWords(), d.FillerStart(), d.Warnings)
	}
	if got := d.Alternates("go"); len(got) != 2 {
		t.Errorf("Alternates(go) = %v", got)
	}
	if id, _ := d.ID("<sil>"); strings.Join(d.PronString(id), " ") != "SIL" {
		t.Errorf("<sil> = %v; want SIL", d.PronString(id))
	}
}

func TestBaseWord(t *testing.T) {
	for _, c := range [][2]string{{"read(2)", "read"}, {"read", "read"}, {"(2)", "(2)"}, {"a(b)(3)", "a(b)"}, {"x)", "x)"}} {
		if got := lexicon.BaseWord(c[0]); got != c[1] {
			t.Errorf("BaseWord(%q) = %q; want %q", c[0], got, c[1])
		}
	}
}

// FuzzReadDict feeds arbitrary text to the dictionary reader (as main and as filler dictionary): it must
// not panic, and an accepted dictionary must be consistent. Seeds: the first lines of Debian's cmudict and
// the en-us noisedict. Run: go test -run '^$' -fuzz FuzzReadDict -fuzztime 30s ./lexicon/
func FuzzReadDict(f *testing.F) {
	for _, p := range []string{filepath.Join(testenv.ModelRoot, "cmudict-en-us.dict"), filepath.Join(testenv.ModelDir, "noisedict")} {
		if fh, err := os.Open(p); err == nil {
			sc := bufio.NewScanner(fh)
			var buf bytes.Buffer
			for i := 0; i < 40 && sc.Scan(); i++ {
				buf.WriteString(sc.Text() + "\n")
			}
			fh.Close()
			f.Add(buf.String())
		}
	}
	f.Add("go G OW\ngo(2) G AH\n;; c\n## c\n\nten T EH N\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, asFiller := range []bool{false, true} {
			var d *lexicon.Dict
			var err error
			if asFiller {
				d, err = lexicon.ReadDict(nil, "", strings.NewReader(text), "fuzz", lexicon.DefaultDictConfig(enUSPhones))
			} else {
				d, err = lexicon.ReadDict(strings.NewReader(text), "fuzz", nil, "", lexicon.DefaultDictConfig(enUSPhones))
			}
			if err != nil {
				continue
			}
			for i := 0; i < d.NumWords(); i++ {
				id, ok := d.ID(d.Word(i))
				if !ok || id != i || d.BaseID(d.BaseID(i)) != d.BaseID(i) {
					t.Fatalf("word %d %q: ID %d %v, base %d", i, d.Word(i), id, ok, d.BaseID(i))
				}
				for _, p := range d.Pron(i) {
					if int(p) >= len(enUSPhones) {
						t.Fatalf("word %q: phone %d out of range", d.Word(i), p)
					}
				}
			}
		}
	})
}
