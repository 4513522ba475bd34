package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hark/audio"
	"hark/feature"
)

func init() { addCommand(newFeaturesCmd) }

// featureFlagNames are the sphinx front-end and feature options `hark features` accepts as flags, with
// sphinx's names (without the dash).
var featureFlagNames = []string{
	"samprate", "frate", "wlen", "alpha", "nfft", "lowerf", "upperf", "nfilt", "transform", "lifter", "ncep",
	"round_filters", "unit_area", "doublebw", "remove_dc", "dither", "seed", "remove_noise", "remove_silence",
	"vad_threshold", "vad_prespeech", "vad_startspeech", "vad_postspeech", "cmn", "cmninit", "varnorm", "agc",
	"agcthresh", "feat",
	"svspec",
}

func newFeaturesCmd() *cobra.Command {
	var (
		model   string
		vectors bool
		quiet   bool
	)
	values := make(map[string]*string, len(featureFlagNames))
	cmd := &cobra.Command{
		Use:   "features [--model DIR] [--OPTION VALUE...] IN OUT.mfc",
		Short: "Compute Sphinx cepstra (as sphinx_fe does) from audio into a Sphinx .mfc file",
		Long: `features runs the Sphinx-compatible front end over IN (WAV, FLAC, MP3, or headerless 16 kHz 16-bit
mono .raw; resampled to -samprate) and writes OUT in sphinx_fe's cepstra format: a little-endian int32
count of float32 values, then the values, -ncep per frame.

Options start from Debian's sphinxbase defaults (those of sphinx_fe); --model DIR applies DIR/feat.params
over them (e.g. --model /usr/share/pocketsphinx/model/en-us/en-us), and the option flags, named as sphinx's
options (--lowerf 130 --nfilt 25 --transform dct --remove_silence no ...), override both. Like sphinx_fe,
the defaults remove noise (-remove_noise yes) and drop silence frames (-remove_silence yes).

With --vectors, OUT holds the feature vectors instead (-feat, e.g. 39 values per frame for 1s_c_d_dd), after
live CMN starting at -cmninit, as pocketsphinx computes them for streamed audio.

Memory stays constant whatever the length of IN: audio is decoded, analysed and written in blocks.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := feature.DefaultConfig()
			if model != "" {
				var err error
				if cfg, err = feature.ReadParams(filepath.Join(model, "feat.params")); err != nil {
					return err
				}
			}
			for _, name := range featureFlagNames {
				if cmd.Flags().Changed(name) {
					if err := cfg.Set(name, *values[name]); err != nil {
						return err
					}
				}
			}
			if cmd.Flags().Changed("ceplen") {
				v, err := cmd.Flags().GetString("ceplen")
				if err != nil {
					return err
				}
				if err := cfg.Set("ceplen", v); err != nil {
					return err
				}
			} else if cmd.Flags().Changed("ncep") {
				cfg.CepLen = cfg.NumCep
			}
			start := time.Now()
			res, err := writeFeatures(cfg, args[0], args[1], vectors)
			if err != nil {
				return err
			}
			if !quiet {
				el := time.Since(start).Seconds()
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d frames of %d values from %.2f s of audio in %.2f s (%.0fx real time)\n",
					args[1], res.frames, res.dim, res.seconds, el, res.seconds/max(el, 1e-9))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "apply `DIR`/feat.params over the defaults")
	cmd.Flags().BoolVar(&vectors, "vectors", false, "write feature vectors (CMN, deltas) instead of cepstra")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no summary")
	def := feature.DefaultConfig()
	defaults := defaultParams(&def)
	for _, name := range featureFlagNames {
		values[name] = cmd.Flags().String(name, defaults[name], "sphinx option -"+name)
	}
	cmd.Flags().String("ceplen", "13", "sphinx option -ceplen (follows --ncep unless given)")
	return cmd
}

// defaultParams maps each option name to its value in cfg, for the flags' help.
func defaultParams(cfg *feature.Config) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(cfg.Params()), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if ok {
			out[strings.TrimPrefix(name, "-")] = strings.Trim(val, "'")
		}
	}
	return out
}

type featuresResult struct {
	frames, dim int
	seconds     float64
}

// writeFeatures streams IN through the front end (or the full extractor) into OUT.
func writeFeatures(cfg feature.Config, in, out string, vectors bool) (res featuresResult, err error) {
	var (
		fe  *feature.FrontEnd
		ex  *feature.Extractor
		dim int
	)
	if vectors {
		if ex, err = feature.NewExtractor(cfg); err != nil {
			return res, err
		}
		dim = ex.Dim()
	} else {
		if fe, err = feature.NewFrontEnd(cfg); err != nil {
			return res, err
		}
		dim = fe.Dim()
	}
	process := func(pcm []int16, dst []float32) (int, int) {
		if ex != nil {
			return ex.Process(pcm, dst, nil)
		}
		return fe.Process(pcm, dst, nil)
	}
	end := func() {
		if ex != nil {
			ex.End()
		} else {
			fe.End()
		}
	}
	src, err := audio.OpenFile(in, audio.Options{SampleRateHz: int(cfg.SampleRate)})
	if err != nil {
		return res, fmt.Errorf("features: %w", err)
	}
	defer src.Close()
	f, err := os.Create(out)
	if err != nil {
		return res, fmt.Errorf("features: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("features: %w", cerr)
		}
	}()
	w, err := feature.NewMFCWriter(f)
	if err != nil {
		return res, err
	}
	pcm := make([]int16, 8192)
	dst := make([]float32, 256*dim)
	var samples int64
	for {
		n, rerr := src.ReadInt16(pcm)
		samples += int64(n)
		rest := pcm[:n]
		for len(rest) > 0 {
			ns, nf := process(rest, dst)
			rest = rest[ns:]
			if err := w.Write(dst[:nf*dim]); err != nil {
				return res, err
			}
			res.frames += nf
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				return res, fmt.Errorf("features: read %s: %w", in, rerr)
			}
			break
		}
	}
	end()
	for {
		_, nf := process(nil, dst)
		if nf == 0 {
			break
		}
		if err := w.Write(dst[:nf*dim]); err != nil {
			return res, err
		}
		res.frames += nf
	}
	if err := w.Close(); err != nil {
		return res, err
	}
	res.dim = dim
	res.seconds = float64(samples) / float64(cfg.SampleRate)
	return res, nil
}
