package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"hark/audio"
	"hark/feature"
	"hark/recognizer"
	"hark/transcript"
)

func init() { addCommand(newTranscribeCmd) }

// modelFlags are the flags that choose and tune the model bundle, shared by transcribe and eval.
type modelFlags struct {
	root, hmm, dict, lm, cache string
	prune                      int
	noRescore                  bool
	beam, latticeBeam          float32
	maxActive                  int
	acwt                       float32
	verbose                    bool
}

func (f *modelFlags) register(fs *pflag.FlagSet) {
	d := recognizer.DefaultConfig("")
	fs.StringVar(&f.root, "model", recognizer.DefaultModelRoot, "model `DIR` in pocketsphinx's layout (en-us/, cmudict-en-us.dict, en-us.lm.bin)")
	fs.StringVar(&f.hmm, "hmm", "", "acoustic model `DIR` (default MODEL/en-us)")
	fs.StringVar(&f.dict, "dict", "", "pronunciation dictionary `FILE` (default MODEL/cmudict-en-us.dict)")
	fs.StringVar(&f.lm, "lm", "", "n-gram LM `FILE`, Sphinx .lm.bin or ARPA (default MODEL/en-us.lm.bin)")
	fs.StringVar(&f.cache, "graph-cache", "", "graph cache `DIR` (default $XDG_CACHE_HOME/hark)")
	fs.IntVar(&f.prune, "prune", d.Prune, "n-grams of the LM the decoding graph is built from (0 = all)")
	fs.BoolVar(&f.noRescore, "no-rescore", false, "do not rescore lattices with the full LM")
	fs.Float32Var(&f.beam, "beam", d.Decoder.Beam, "decoding beam (cost units after acoustic scaling)")
	fs.Float32Var(&f.latticeBeam, "lattice-beam", d.Decoder.LatticeBeam, "lattice beam")
	fs.IntVar(&f.maxActive, "max-active", d.Decoder.MaxActive, "maximum active tokens per frame")
	fs.Float32Var(&f.acwt, "acoustic-scale", d.Decoder.AcousticScale, "acoustic scale (1/LM weight)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "print model loading progress and timing on stderr")
}

func (f *modelFlags) config() recognizer.Config {
	c := recognizer.DefaultConfig(f.root)
	if f.hmm != "" {
		c.AcousticModel = f.hmm
	}
	if f.dict != "" {
		c.Dict = f.dict
	}
	if f.lm != "" {
		c.LM = f.lm
	}
	c.GraphCache = f.cache
	c.Prune = f.prune
	c.Rescore = !f.noRescore
	c.Decoder.Beam = f.beam
	c.Decoder.LatticeBeam = f.latticeBeam
	c.LatticeBeam = f.latticeBeam
	c.Decoder.MaxActive = f.maxActive
	c.Decoder.AcousticScale = f.acwt
	return c
}

// load loads the model bundle, telling the user on stderr while a graph is built for the first time.
func (f *modelFlags) load(stderr io.Writer) (*recognizer.Model, error) {
	t0 := time.Now()
	building := false
	m, err := recognizer.Load(f.config(), func(msg string) {
		if !building {
			building = true
			fmt.Fprintln(stderr, "hark: building the decoding graph (first run only; it is cached)")
		}
		fmt.Fprintln(stderr, "hark:", msg)
	})
	if err != nil {
		return nil, err
	}
	if f.verbose {
		fmt.Fprintf(stderr, "hark: model loaded in %v (graph %d states, %d arcs, cached=%v)\n",
			time.Since(t0).Round(time.Millisecond), m.Graph.HCLG.NumStates(), m.Graph.HCLG.NumArcsTotal(), m.GraphCached)
	}
	return m, nil
}

// session loads the model bundle and returns a decoding session over it.
func (f *modelFlags) session(stderr io.Writer) (*recognizer.Session, error) {
	m, err := f.load(stderr)
	if err != nil {
		return nil, err
	}
	return m.NewSession()
}

func newTranscribeCmd() *cobra.Command {
	var (
		mf        modelFlags
		format    string
		gcPercent int
	)
	cmd := &cobra.Command{
		Use:   "transcribe [flags] FILE...",
		Short: "Transcribe audio files (WAV, FLAC, MP3, raw 16 kHz PCM, Sphinx .mfc features)",
		Long: `transcribe decodes each file with the model bundle (default: Debian's pocketsphinx-en-us) and
prints its transcript. Long recordings are split at pauses into segments of at most 30 s and decoded one
after another, so memory stays flat whatever the length. All files are decoded in one process with the
model loaded once. The first run builds the decoding graph into the cache (a few minutes).

Formats: text (the words), json (segments and words with start, end, confidence), srt, vtt, and hyp
("words (id)" per file, id = base name without extension, as pocketsphinx_batch writes).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := transcript.ParseFormat(format)
			if err != nil {
				return err
			}
			if gcPercent != 0 && os.Getenv("GOGC") == "" {
				debug.SetGCPercent(gcPercent)
			}
			sess, err := mf.session(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			failed := 0
			for _, path := range args {
				t, err := transcribeFile(cmd.Context(), sess, path, cmd.ErrOrStderr())
				if err != nil {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "hark: %s: %v\n", path, err)
					continue
				}
				if err := transcript.Write(out, t, f); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d files failed", failed, len(args))
			}
			return nil
		},
	}
	mf.register(cmd.Flags())
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json, srt, vtt or hyp")
	cmd.Flags().IntVar(&gcPercent, "gc-percent", defaultGCPercent, "Go GC target percentage for this run (GOGC, which wins when set; 0 = the runtime's)")
	return cmd
}

// defaultGCPercent is transcribe's Go GC target: the heap may grow 10 % over the live heap between
// collections instead of the runtime's 100 %. The graph and the full LM are memory-mapped, so the live heap
// is only the acoustic model, word tables and one session (45–57 MB on the dev set, mostly pointer-free
// decoder arenas, cheap to mark), and at 100 % the heap's slack would be as large as that again. Measured
// on 20 dev files (GODEBUG=gctrace=1; GC CPU = assist + background + idle workers): peak RSS 184 MB at
// 100 %, 161 MB at 50 %, 145 MB at 25 %, 137 MB at 10 %, for about 0.3, 1.0, 1.0 and 2.2 s of GC CPU
// out of 23–27 s.
const defaultGCPercent = 10

// fileID is the base name without extension, as pocketsphinx_batch's hyp files name utterances.
func fileID(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// transcribeFile decodes one file. Sphinx feature files (.mfc) are decoded as one utterance; audio goes
// through the streaming pipeline and the segmenter. A progress line is drawn on stderr when it is a
// terminal and the file is long.
func transcribeFile(ctx context.Context, sess *recognizer.Session, path string, stderr io.Writer) (*transcript.Transcript, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	m := sess.Model()
	if strings.EqualFold(filepath.Ext(path), ".mfc") {
		ceps, err := feature.ReadMFCFile(path, m.Feat.NumCep)
		if err != nil {
			return nil, err
		}
		feats, err := feature.FromCepstra(m.Feat, ceps)
		if err != nil {
			return nil, err
		}
		words, err := sess.DecodeFeatures(feats)
		if err != nil {
			return nil, err
		}
		dur := float64(len(ceps)) * m.FrameShift()
		t := &transcript.Transcript{ID: fileID(path), Duration: dur,
			Segments: []transcript.Segment{{Start: 0, End: dur, Words: words}}}
		t.Finish()
		return t, nil
	}
	var r io.Reader = os.Stdin
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	st, err := audio.Open(r, path, audio.Options{SampleRateHz: int(m.Feat.SampleRate)})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var onSeg recognizer.SegmentFunc
	total, known := st.Format().Duration()
	if isTerminal(stderr) && known && total > time.Minute {
		t0 := time.Now()
		onSeg = func(seg transcript.Segment) error {
			done := seg.End / total.Seconds()
			el := time.Since(t0).Seconds()
			fmt.Fprintf(stderr, "\r%s: %5.1f%% of %v, %.1fx real time ", filepath.Base(path), 100*min(done, 1), total.Round(time.Second), seg.End/max(el, 1e-9))
			return nil
		}
	}
	t, err := sess.Transcribe(ctx, st, onSeg)
	if onSeg != nil {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return nil, err
	}
	t.ID = fileID(path)
	return t, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
