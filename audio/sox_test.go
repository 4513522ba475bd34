package audio_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"hark/audio"
)

// TestSoxIdentityRecordings decodes every recording of pocketsphinx-testdata and of the dev set and compares
// the samples with sox's decoding of the same files (one sox call per group: sox concatenates its inputs).
func TestSoxIdentityRecordings(t *testing.T) {
	wavs, raws := testDataFiles(t)
	groups := []struct {
		name  string
		files []string
		pre   []string
	}{
		{"testdata-wav", wavs, nil},
		{"testdata-raw", raws, []string{"-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1"}},
		{"dev", devFiles(t), nil},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			want := soxFloat(t, g.pre, g.files)
			var got []float32
			for _, f := range g.files {
				s, format := decodeFile(t, f, nil)
				if format.SampleRateHz != 16000 || format.Channels != 1 || format.BitsPerSample != 16 || format.Codec != "pcm_s16le" {
					t.Errorf("%s: format %v; want 16000 Hz mono pcm_s16le", f, format)
				}
				if format.Frames != int64(len(s)) {
					t.Errorf("%s: Format.Frames = %d; decoded %d", f, format.Frames, len(s))
				}
				got = append(got, s...)
			}
			if i := firstDiff(got, want, 0); i >= 0 {
				t.Fatalf("%d files: sample %d differs from sox (len %d vs %d)", len(g.files), i, len(got), len(want))
			}
			t.Logf("%d files, %d samples (%.1f s): identical to sox", len(g.files), len(got), float64(len(got))/16000)
		})
	}
}

// TestSoxIdentityEncodings writes one recording in every WAV and raw sample coding with sox and compares our
// decoding with sox's decoding of the same file.
func TestSoxIdentityEncodings(t *testing.T) {
	wavs, _ := testDataFiles(t)
	src := wavs[0]
	dir := t.TempDir()
	// Channels that differ: left = the recording, right = half of it, others mixes of the two.
	const exact, f32 = 0, 1.0 / (1 << 30)
	cases := []struct {
		name    string
		out     []string // sox output options
		effects []string
		tol     float64
		codec   string
		bits    int
		ch      int
	}{
		{"u8", []string{"-e", "unsigned", "-b", "8"}, nil, exact, "pcm_u8", 8, 1},
		{"s16", []string{"-e", "signed", "-b", "16"}, nil, exact, "pcm_s16le", 16, 1},
		{"s24", []string{"-e", "signed", "-b", "24"}, nil, exact, "pcm_s24le", 24, 1},
		{"s32", []string{"-e", "signed", "-b", "32"}, nil, f32, "pcm_s32le", 32, 1},
		{"f32", []string{"-e", "floating-point", "-b", "32"}, nil, f32, "pcm_f32le", 32, 1},
		{"f64", []string{"-e", "floating-point", "-b", "64"}, nil, f32, "pcm_f64le", 64, 1},
		{"alaw", []string{"-e", "a-law"}, nil, exact, "alaw", 8, 1},
		{"mulaw", []string{"-e", "u-law"}, nil, exact, "mulaw", 8, 1},
		{"rifx-s16", []string{"-B", "-e", "signed", "-b", "16"}, nil, exact, "pcm_s16be", 16, 1},
		{"stereo-s16", []string{"-e", "signed", "-b", "16"}, []string{"remix", "1", "1v0.5"}, exact, "pcm_s16le", 16, 2},
		{"stereo-s24-extensible", []string{"-e", "signed", "-b", "24"}, []string{"remix", "1", "1v0.5"}, exact, "pcm_s24le", 24, 2},
		{"6ch-s16-extensible", []string{"-e", "signed", "-b", "16"}, []string{"remix", "1", "1v0.5", "1v0.25", "1v-0.5", "1v0.1", "1v-1"}, exact, "pcm_s16le", 16, 6},
		{"stereo-f32", []string{"-e", "floating-point", "-b", "32"}, []string{"remix", "1", "1v-0.5"}, f32, "pcm_f32le", 32, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".wav")
			runSox(t, append(append(append([]string{src}, c.out...), "-D", path), c.effects...)...)
			got, format := decodeFile(t, path, nil)
			if format.Codec != c.codec || format.BitsPerSample != c.bits || format.Channels != c.ch || format.SampleRateHz != 16000 {
				t.Errorf("format %+v; want codec %s, %d bits, %d channels", format, c.codec, c.bits, c.ch)
			}
			want := soxFloat(t, nil, []string{path})
			if i := firstDiff(got, want, c.tol); i >= 0 {
				t.Fatalf("sample %d differs from sox (len %d vs %d)", i, len(got), len(want))
			}
			if c.ch > 1 {
				// Downmix: the Stream's mono output against sox's "channels 1" (average of the channels).
				s, err := audio.OpenFile(path, audio.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				mono := readStream(t, s)
				wantMono := soxFloat(t, nil, []string{path}, "channels", "1")
				if i := firstDiff(mono, wantMono, 1e-6); i >= 0 {
					t.Fatalf("downmix: sample %d = %g; sox %g", i, mono[i], wantMono[min(i, len(wantMono)-1)])
				}
			}
		})
	}
	rawCases := []struct {
		name string
		out  []string
		raw  audio.RawFormat
		tol  float64
	}{
		{"raw-s16be-stereo", []string{"-e", "signed", "-b", "16", "-B", "-c", "2"}, audio.RawFormat{SampleRateHz: 16000, Channels: 2, BitsPerSample: 16, Encoding: audio.EncodingSigned, BigEndian: true}, exact},
		{"raw-u8", []string{"-e", "unsigned", "-b", "8"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 8, Encoding: audio.EncodingUnsigned}, exact},
		{"raw-s8", []string{"-e", "signed", "-b", "8"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 8, Encoding: audio.EncodingSigned}, exact},
		{"raw-u16le", []string{"-e", "unsigned", "-b", "16", "-L"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 16, Encoding: audio.EncodingUnsigned}, exact},
		{"raw-s24be", []string{"-e", "signed", "-b", "24", "-B"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 24, Encoding: audio.EncodingSigned, BigEndian: true}, exact},
		{"raw-f32le", []string{"-e", "floating-point", "-b", "32", "-L"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 32, Encoding: audio.EncodingFloat}, f32},
		{"raw-f64be", []string{"-e", "floating-point", "-b", "64", "-B"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 64, Encoding: audio.EncodingFloat, BigEndian: true}, f32},
		{"raw-alaw", []string{"-e", "a-law"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 8, Encoding: audio.EncodingALaw}, exact},
		{"raw-mulaw", []string{"-e", "u-law"}, audio.RawFormat{SampleRateHz: 16000, Channels: 1, BitsPerSample: 8, Encoding: audio.EncodingMuLaw}, exact},
	}
	for _, c := range rawCases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".bin")
			runSox(t, append(append([]string{src, "-t", "raw"}, c.out...), "-D", path)...)
			got, format := decodeFile(t, path, &c.raw)
			if format.Container != audio.ContainerRaw || format.Channels != c.raw.Channels {
				t.Errorf("format %+v", format)
			}
			pre := append([]string{"-t", "raw", "-r", "16000", "-c", fmt.Sprint(c.raw.Channels)}, c.out...)
			want := soxFloat(t, pre, []string{path})
			if i := firstDiff(got, want, c.tol); i >= 0 {
				t.Fatalf("sample %d differs from sox (len %d vs %d)", i, len(got), len(want))
			}
		})
	}
}

// TestSoxIdentityFLAC encodes recordings to FLAC with sox and with flac(1) and checks that the decoding is
// bit-exact against sox's decoding of the original WAV.
func TestSoxIdentityFLAC(t *testing.T) {
	wavs, _ := testDataFiles(t)
	dev := devFiles(t)
	files := append(append([]string{}, wavs...), dev[0], dev[len(dev)/2], dev[len(dev)-1])
	dir := t.TempDir()
	for i, src := range files {
		t.Run(filepath.Base(src), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("%d.flac", i))
			if i%2 == 0 {
				runSox(t, src, path)
			} else {
				run(t, "flac", "-s", "-f", "-o", path, src)
			}
			got, format := decodeFile(t, path, nil)
			if format.Container != audio.ContainerFLAC || format.SampleRateHz != 16000 || format.Channels != 1 || format.BitsPerSample != 16 {
				t.Errorf("format %+v", format)
			}
			if format.Frames != int64(len(got)) {
				t.Errorf("Format.Frames = %d; decoded %d", format.Frames, len(got))
			}
			want := soxFloat(t, nil, []string{src})
			if i := firstDiff(got, want, 0); i >= 0 {
				t.Fatalf("sample %d differs from sox's decoding of the WAV (len %d vs %d)", i, len(got), len(want))
			}
		})
	}
	t.Run("stereo-24bit-44k", func(t *testing.T) {
		wav := filepath.Join(dir, "s24.wav")
		runSox(t, files[0], "-r", "44100", "-b", "24", "-c", "2", "-D", wav, "remix", "1", "1v-0.7")
		path := filepath.Join(dir, "s24.flac")
		runSox(t, wav, path)
		got, format := decodeFile(t, path, nil)
		if format.Channels != 2 || format.BitsPerSample != 24 || format.SampleRateHz != 44100 {
			t.Errorf("format %+v", format)
		}
		want := soxFloat(t, nil, []string{wav})
		if i := firstDiff(got, want, 0); i >= 0 {
			t.Fatalf("sample %d differs (len %d vs %d)", i, len(got), len(want))
		}
	})
}

// TestMP3AgainstReferenceDecoders encodes recordings with lame and compares our decoding with sox's (libmad)
// and lame's own decoding, after aligning for decoder delay.
func TestMP3AgainstReferenceDecoders(t *testing.T) {
	wavs, _ := testDataFiles(t)
	dev := devFiles(t)
	dir := t.TempDir()
	cases := []struct {
		name, src string
		lame      []string
	}{
		{"cards-16k-mono-cbr64", wavs[0], []string{"-b", "64"}},
		{"dev-16k-mono-vbr", dev[1], []string{"-V", "2"}},
		{"dev-44k-stereo-cbr128", wavs[4], []string{"-b", "128"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := c.src
			if c.name == "dev-44k-stereo-cbr128" {
				src = filepath.Join(dir, "st44.wav") // cards/005.wav, 3.5 s
				runSox(t, c.src, "-r", "44100", "-c", "2", src, "remix", "1", "1v0.5")
			}
			mp3 := filepath.Join(dir, fmt.Sprintf("%d.mp3", i))
			run(t, "lame", append(append([]string{"--quiet"}, c.lame...), src, mp3)...)
			got, format := decodeFile(t, mp3, nil)
			if format.Container != audio.ContainerMP3 {
				t.Fatalf("format %+v", format)
			}
			ch := format.Channels
			// Compare the first channel.
			first := func(x []float32) []float32 {
				out := make([]float32, len(x)/ch)
				for i := range out {
					out[i] = x[i*ch]
				}
				return out
			}
			ours := first(got)
			soxDec := first(soxFloat(t, nil, []string{mp3}))
			lameWav := filepath.Join(dir, fmt.Sprintf("%d.lame.wav", i))
			run(t, "lame", "--quiet", "--decode", mp3, lameWav)
			lameDec, _ := decodeFile(t, lameWav, nil)
			lameDec = first(lameDec)
			for _, ref := range []struct {
				name string
				x    []float32
			}{{"sox", soxDec}, {"lame --decode", lameDec}} {
				lag, snr := bestLag(ref.x, ours, 2400, 2000)
				t.Logf("%s: %d Hz %d ch: SNR against %s %.1f dB at lag %d samples (ours %d, ref %d samples)",
					c.name, format.SampleRateHz, ch, ref.name, snr, lag, len(ours), len(ref.x))
				if snr < 60 {
					t.Errorf("SNR against %s = %.1f dB; want ≥ 60 dB", ref.name, snr)
				}
				if ref.name == "lame --decode" && (lag != 0 || len(ref.x) != len(ours)) {
					t.Errorf("against lame --decode: lag %d, %d vs %d samples; want gapless decoding (lag 0, same length)", lag, len(ours), len(ref.x))
				}
			}
			if format.Frames != int64(len(ours)) {
				t.Errorf("Format.Frames = %d; decoded %d (LAME Info header)", format.Frames, len(ours))
			}
			orig, _ := decodeFile(t, src, nil)
			t.Logf("%s: codec SNR against the encoder's input %.1f dB at lag 0", c.name, snrDB(first(orig), ours, 0, 2000))
		})
	}
}
