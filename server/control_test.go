package server

import "testing"

// TestParseControl: vosk-server reads its config loosely (bool(words), int(max_alternatives)), so its
// clients send numbers where a bool would be natural; those are accepted, bad sample rates and messages that
// are neither config nor eof are refused.
func TestParseControl(t *testing.T) {
	tests := []struct {
		msg  string
		rate float64 // expected sample rate of an accepted config; 0 for eof
		ok   bool
	}{
		{`{ "config" : { "sample_rate" : 16000 } }`, 16000, true},
		{`{"config" : {"phrase_list" : ["one two"], "sample_rate" : 16000.0, "words" : 0}}`, 16000, true},
		{`{"config": {"sample_rate": 8000, "words": true, "max_alternatives": 1.0}}`, 8000, true},
		{`{"config": {"words": 1}}`, 16000, true},
		{`{"eof" : 1}`, 0, true},
		{`{"config": {"sample_rate": 16000.5}}`, 0, false},
		{`{"config": {"sample_rate": 100}}`, 0, false},
		{`{"config": {"sample_rate": "16000"}}`, 0, false},
		{`{"hello": 1}`, 0, false},
		{`{"config": `, 0, false},
	}
	for _, tc := range tests {
		c, err := parseControl([]byte(tc.msg))
		if (err == nil) != tc.ok {
			t.Errorf("parseControl(%s): error %v, want ok=%v", tc.msg, err, tc.ok)
			continue
		}
		if err == nil && tc.rate != 0 && (c.Config == nil || c.Config.SampleRate != tc.rate) {
			t.Errorf("parseControl(%s) = %+v, want sample rate %v", tc.msg, c.Config, tc.rate)
		}
	}
}
