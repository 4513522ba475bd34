package server

import (
	"bytes"
	"mime/multipart"
	"os"
	"testing"
)

// FuzzParseControl: the stream protocol's text messages never panic, and an accepted config has a sane
// sample rate.
func FuzzParseControl(f *testing.F) {
	for _, s := range []string{`{ "config" : { "sample_rate" : 16000 } }`, `{"eof" : 1}`, `{"config": {"sample_rate": 8000.0, "words": true, "max_alternatives": 0, "phrase_list": ["one", "[unk]"]}}`,
		`{"config": {"sample_rate": 16000.0, "words": 0, "max_alternatives": 1.0}}`,
		`{"config": {"sample_rate": 1e300}}`, `{"config": {"sample_rate": -1}}`, `{"config": null}`, `{`, `[]`, `{"eof": "x"}`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseControl(b)
		if err != nil {
			return
		}
		if c.Config == nil && c.EOF == nil {
			t.Fatalf("accepted %q without config or eof", b)
		}
		if c.Config != nil && (c.Config.SampleRate < 4000 || c.Config.SampleRate > 192000) {
			t.Fatalf("accepted sample rate %v", c.Config.SampleRate)
		}
		if c.Config != nil {
			if _, err := newPCMStream(int(c.Config.SampleRate), 16000); err != nil {
				t.Fatalf("accepted rate %v but the resampler refuses it: %v", c.Config.SampleRate, err)
			}
		}
	})
}

// FuzzReadForm: multipart bodies never panic, respect the limits, and leave no file behind on error.
func FuzzReadForm(f *testing.F) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("BOUNDARY")
	mw.WriteField("model", "whisper-1")
	mw.WriteField("response_format", "verbose_json")
	mw.WriteField("timestamp_granularities[]", "word")
	fw, _ := mw.CreateFormFile("file", "../../etc/passwd.wav")
	fw.Write([]byte("RIFF\x24\x00\x00\x00WAVEfmt "))
	mw.Close()
	f.Add(b.Bytes())
	f.Add([]byte("--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxx\r\n--BOUNDARY--\r\n"))
	f.Add([]byte("--BOUNDARY\r\nbroken"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		dir := t.TempDir()
		lim := limits{fileBytes: 64, fieldBytes: 32, maxFields: 4}
		fm, err := readForm(multipart.NewReader(bytes.NewReader(body), "BOUNDARY"), dir, lim)
		ents, _ := os.ReadDir(dir)
		if err != nil {
			if len(ents) != 0 {
				t.Fatalf("error %v left %d files", err, len(ents))
			}
			return
		}
		defer fm.remove()
		if fm.size > lim.fileBytes {
			t.Fatalf("file of %d bytes over the limit", fm.size)
		}
		n := 0
		for _, vs := range fm.fields {
			for _, v := range vs {
				n += len(v)
			}
		}
		if int64(n) > lim.fieldBytes {
			t.Fatalf("fields of %d bytes over the limit", n)
		}
		if bytes.ContainsAny([]byte(fm.filename), "/\\\x00\n") {
			t.Fatalf("unsafe file name %q", fm.filename)
		}
		if _, err := parseTranscriptionFields(fm.fields); err != nil {
			return
		}
	})
}

// FuzzTranscriptionFields: the OpenAI form fields are validated without panics.
func FuzzTranscriptionFields(f *testing.F) {
	f.Add("verbose_json", "word", "en", "whisper-1")
	f.Add("json", "segment", "", "")
	f.Add("srt", "char", "fr", "x")
	f.Fuzz(func(t *testing.T, format, gran, lang, model string) {
		q, err := parseTranscriptionFields(map[string][]string{"response_format": {format},
			"timestamp_granularities[]": {gran}, "language": {lang}, "model": {model}})
		if err == nil && !responseFormats[q.format] {
			t.Fatalf("accepted format %q", q.format)
		}
	})
}
