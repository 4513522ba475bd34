package lexicon_test

import (
	"fmt"
	"log"
	"strings"

	"hark/lexicon"
)

// ExampleReadDict reads a small cmudict-style dictionary and filler dictionary for a model with the given
// phones (in hark, sphinx.Mdef.CIPhones).
func ExampleReadDict() {
	phones := []string{"+NSN+", "AH", "D", "EH", "IY", "R", "SIL"}
	main := "read R IY D\nread(2) R EH D\n"
	filler := "<s> SIL\n</s> SIL\n[NOISE] +NSN+\n"
	d, err := lexicon.ReadDict(strings.NewReader(main), "main.dict", strings.NewReader(filler), "noisedict",
		lexicon.DefaultDictConfig(phones))
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range d.Alternates("read") {
		fmt.Println(d.Word(id), d.PronString(id))
	}
	id, _ := d.ID("<sil>")
	fmt.Println(d.NumWords(), "words,", d.NumFillers(), "fillers; <sil> added:", d.PronString(id), d.IsFiller(id))
	// Output:
	// read [R IY D]
	// read(2) [R EH D]
	// 6 words, 4 fillers; <sil> added: [SIL] true
}
