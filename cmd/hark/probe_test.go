package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"hark/internal/testenv"
)

func TestProbeCommand(t *testing.T) {
	seed := filepath.Join("..", "..", "audio", "testdata", "seed")
	goforward := testenv.RequireFile(t, filepath.Join(testenv.TestData, "goforward.raw"))
	bad := filepath.Join(t.TempDir(), "bad.wav")
	cases := []struct {
		name    string
		args    []string
		wantOut []string
		wantErr []string
	}{
		{"headers", []string{"probe", filepath.Join(seed, "s16.wav"), filepath.Join(seed, "s24.flac"), filepath.Join(seed, "stereo44k.mp3"), goforward},
			[]string{
				"s16.wav\tcontainer=wav codec=pcm_s16le rate=16000 channels=1 bits=16 duration=0.030s",
				"s24.flac\tcontainer=flac codec=flac rate=44100 channels=2 bits=24 duration=0.030s",
				"stereo44k.mp3\tcontainer=mp3 codec=mp3 rate=44100 channels=2 bits=- duration=0.100s",
				"goforward.raw\tcontainer=raw codec=pcm_s16le rate=16000 channels=1 bits=16 duration=2.786s",
			}, nil},
		{"decode", []string{"probe", "--decode", "--rate", "16000", filepath.Join(seed, "s24.flac")},
			[]string{"decoded=480 rate_out=16000"}, nil},
		{"raw-flags", []string{"probe", "--raw-rate", "8000", "--raw-bits", "8", "--raw-encoding", "mulaw", filepath.Join(seed, "s16.raw")},
			[]string{"container=raw codec=mulaw rate=8000 channels=1 bits=8 duration=0.120s"}, nil},
		{"bad-and-missing", []string{"probe", filepath.Join(seed, "s16.wav"), bad, filepath.Join(seed, "README.md")},
			[]string{"s16.wav\tcontainer=wav"},
			[]string{"bad.wav\terror: open", "README.md\terror: audio: magic", "probe: 2 of 3 files failed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := newRootCmd()
			var out, errOut bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetArgs(c.args)
			err := cmd.Execute()
			if (err != nil) != (c.wantErr != nil) {
				t.Fatalf("Execute() = %v; want error %v", err, c.wantErr != nil)
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			all := errOut.String()
			if err != nil {
				all += err.Error()
			}
			for _, w := range c.wantErr {
				if !strings.Contains(all, w) {
					t.Errorf("errors lack %q:\n%s", w, all)
				}
			}
		})
	}
}
