package wer

import (
	"reflect"
	"testing"
)

func TestAlign(t *testing.T) {
	tests := []struct {
		ref, hyp string
		want     Counts
	}{
		{"go forward ten meters", "go forward ten meters", Counts{4, 0, 0, 0}},
		{"go forward ten meters", "go forward meters", Counts{4, 0, 1, 0}},
		{"go forward ten meters", "go four word ten meters", Counts{4, 1, 0, 1}},
		{"a b c", "", Counts{3, 0, 3, 0}},
		{"", "a", Counts{0, 0, 0, 1}},
		{"the cat sat", "a cat sat down", Counts{3, 1, 0, 1}},
	}
	for _, tt := range tests {
		if got := Align(Normalize(tt.ref), Normalize(tt.hyp)); got != tt.want {
			t.Errorf("Align(%q, %q) = %+v; want %+v", tt.ref, tt.hyp, got, tt.want)
		}
	}
	if r := (Counts{4, 1, 0, 1}).Rate(); r != 50 {
		t.Errorf("Rate = %v; want 50", r)
	}
}

func TestNormalize(t *testing.T) {
	got := Normalize("<s> Don't STOP-now, [NOISE] ++UM++ read(2) </s>")
	want := []string{"don't", "stop", "now", "read"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize = %q; want %q", got, want)
	}
}
