package main

import (
	"bytes"
	"strings"
	"testing"

	"hark/internal/testenv"
)

func TestModelInfo(t *testing.T) {
	testenv.RequireFile(t, defaultModelDir+"/mdef")
	testenv.RequireFile(t, defaultDict)
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"model", "info"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"type              ptm",
		"senones           5126 (126 context-independent)",
		"codebooks         42 × 3 streams × 128 Gaussians",
		"triphones         137053 (begin 37960, end 36160, internal 19733, single 43200)",
		"senone sequences  29324",
		"3 emitting states + exit, 42 transition matrices",
		"1s_c_d_dd, streams 0-12/13-25/26-38, cmn batch",
		"134723 words (125945 base words, 8778 alternates), 5 fillers, 134728 in all",
		"order 3, 72547 words, n-grams 72547 / 2051541 / 1669625",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
