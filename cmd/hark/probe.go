package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hark/audio"
)

func init() { addCommand(newProbeCmd) }

func newProbeCmd() *cobra.Command {
	var (
		decode  bool
		rate    int
		rawRate int
		rawBits int
		rawCh   int
		rawEnc  string
		rawBE   bool
	)
	cmd := &cobra.Command{
		Use:   "probe FILE...",
		Short: "Print the container, codec, rate, channels, bit depth and duration of audio files",
		Long: `probe reads the headers of each audio file (WAV, FLAC, MP3; headerless PCM with --raw-* flags or a
.raw/.pcm name) and prints one line per file:

  FILE  container=wav codec=pcm_s16le rate=16000 channels=1 bits=16 duration=7.100s

With --decode it also decodes the whole file through the streaming pipeline (downmix to mono, resample to
--rate) and prints the number of samples produced and the decoding speed. "-" reads standard input.
A file that fails prints its error; the exit status is non-zero if any failed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw *audio.RawFormat
			if cmd.Flags().Changed("raw-rate") || cmd.Flags().Changed("raw-bits") ||
				cmd.Flags().Changed("raw-channels") || cmd.Flags().Changed("raw-encoding") || rawBE {
				enc, err := parseEncoding(rawEnc)
				if err != nil {
					return err
				}
				raw = &audio.RawFormat{SampleRateHz: rawRate, Channels: rawCh, BitsPerSample: rawBits, Encoding: enc, BigEndian: rawBE}
			}
			opts := audio.Options{SampleRateHz: rate, Raw: raw}
			out := cmd.OutOrStdout()
			failed := 0
			for _, path := range args {
				line, err := probeOne(path, opts, decode)
				if err != nil {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "%s\terror: %v\n", path, err)
					continue
				}
				fmt.Fprintf(out, "%s\t%s\n", path, line)
			}
			if failed > 0 {
				return fmt.Errorf("probe: %d of %d files failed", failed, len(args))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&decode, "decode", false, "decode every sample through the streaming pipeline and report counts and speed")
	f.IntVar(&rate, "rate", 16000, "with --decode: output sample rate in Hz (0 keeps the source rate)")
	f.IntVar(&rawRate, "raw-rate", 16000, "headerless PCM: sample rate in Hz")
	f.IntVar(&rawBits, "raw-bits", 16, "headerless PCM: bits per sample")
	f.IntVar(&rawCh, "raw-channels", 1, "headerless PCM: channels")
	f.StringVar(&rawEnc, "raw-encoding", "signed", "headerless PCM: signed, unsigned, float, alaw or mulaw")
	f.BoolVar(&rawBE, "raw-big-endian", false, "headerless PCM: big-endian samples")
	return cmd
}

func parseEncoding(s string) (audio.Encoding, error) {
	for _, e := range []audio.Encoding{audio.EncodingSigned, audio.EncodingUnsigned, audio.EncodingFloat,
		audio.EncodingALaw, audio.EncodingMuLaw} {
		if strings.EqualFold(s, e.String()) {
			return e, nil
		}
	}
	return 0, fmt.Errorf("probe: unknown raw encoding %q (want signed, unsigned, float, alaw or mulaw)", s)
}

func formatLine(f audio.Format) string {
	dur := "unknown"
	if d, ok := f.Duration(); ok {
		dur = fmt.Sprintf("%.3fs", d.Seconds())
	}
	bits := "-"
	if f.BitsPerSample > 0 {
		bits = fmt.Sprint(f.BitsPerSample)
	}
	return fmt.Sprintf("container=%s codec=%s rate=%d channels=%d bits=%s duration=%s",
		f.Container, f.Codec, f.SampleRateHz, f.Channels, bits, dur)
}

func probeOne(path string, opts audio.Options, decode bool) (string, error) {
	if !decode {
		var f *os.File
		if path == "-" {
			f = os.Stdin
		} else {
			var err error
			if f, err = os.Open(path); err != nil {
				return "", err
			}
			defer f.Close()
		}
		format, err := audio.Probe(f, path, opts)
		if err != nil {
			return "", err
		}
		return formatLine(format), nil
	}
	s, err := audio.OpenFile(path, opts)
	if err != nil {
		return "", err
	}
	defer s.Close()
	start := time.Now()
	buf := make([]float32, 8192)
	var peak float32
	for {
		n, err := s.Read(buf)
		for _, v := range buf[:n] {
			peak = max(peak, v, -v)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
	}
	el := time.Since(start)
	secs := float64(s.Frames()) / float64(s.SampleRateHz())
	return fmt.Sprintf("%s decoded=%d rate_out=%d seconds=%.3f peak=%.4f speed=%.0fx",
		formatLine(s.Format()), s.Frames(), s.SampleRateHz(), secs, peak, secs/el.Seconds()), nil
}
