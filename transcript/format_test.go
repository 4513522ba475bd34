package transcript

import (
	"bytes"
	"encoding/json"
	"testing"
)

func sample() *Transcript {
	t := &Transcript{ID: "goforward", Duration: 3.5, Segments: []Segment{
		{Start: 0.2, End: 1.5, Words: []Word{{"<s>", 0.2, 0.4, 1}, {"go", 0.4, 0.7, 0.9}, {"forward", 0.7, 1.5, 0.8}}},
		{Start: 1.8, End: 3661.25, Words: []Word{{"ten", 1.8, 2.1, 0.95}, {"[NOISE]", 2.1, 2.2, 1}, {"meters", 2.2, 3661.25, 0.7}}},
		{Start: 3661.5, End: 3662, Words: []Word{{"<sil>", 3661.5, 3662, 1}}},
	}}
	t.Finish()
	return t
}

func TestWrite(t *testing.T) {
	tr := sample()
	tests := []struct {
		f    Format
		want string
	}{
		{Text, "go forward ten meters\n"},
		{Hyp, "go forward ten meters (goforward)\n"},
		{SRT, "1\n00:00:00,200 --> 00:00:01,500\ngo forward\n\n2\n00:00:01,800 --> 01:01:01,250\nten meters\n\n"},
		{VTT, "WEBVTT\n\n00:00:00.200 --> 00:00:01.500\ngo forward\n\n00:00:01.800 --> 01:01:01.250\nten meters\n\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tr, tt.f); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("Write(%s) = %q; want %q", tt.f, got, tt.want)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tr := sample()
	var b bytes.Buffer
	if err := Write(&b, tr, JSON); err != nil {
		t.Fatal(err)
	}
	var back Transcript
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Text != tr.Text || len(back.Segments) != 3 || back.Segments[1].Words[2].Word != "meters" {
		t.Errorf("JSON round trip changed the transcript: %+v", back)
	}
	if got := len(tr.Words()); got != 4 {
		t.Errorf("Words() has %d words; want 4", got)
	}
}

func TestParseFormat(t *testing.T) {
	if _, err := ParseFormat("docx"); err == nil {
		t.Error("ParseFormat(docx) succeeded; want an error")
	}
	if f, err := ParseFormat("vtt"); err != nil || f != VTT {
		t.Errorf("ParseFormat(vtt) = %v, %v", f, err)
	}
}

func TestTimestamp(t *testing.T) {
	for _, tt := range []struct {
		sec  float64
		want string
	}{{0, "00:00:00,000"}, {59.9996, "00:01:00,000"}, {-1, "00:00:00,000"}, {86399.5, "23:59:59,500"}} {
		if got := Timestamp(tt.sec, ','); got != tt.want {
			t.Errorf("Timestamp(%v) = %q; want %q", tt.sec, got, tt.want)
		}
	}
}
