// Package audio decodes audio files and streams into the mono samples at the model's rate that the
// recognizer reads, without ever holding a whole file in memory.
//
// # Pipeline
//
//	io.Reader ─► NewReader (magic bytes) ─► Reader ─► downmix ─► Resampler ─► Stream.Read(dst []float32)
//	             WAV / FLAC / MP3 / raw      frames     mono     Kaiser sinc    pulled in the caller's chunks
//
// Open (or OpenFile) is the entry point: it detects the container from the first bytes (never from the
// file name, except that headerless PCM is assumed for a .raw/.pcm name when nothing matches, in
// DefaultRawFormat: 16 kHz 16-bit signed little-endian mono, as pocketsphinx's test files), builds the
// decoder, and returns a Stream whose Read fills the caller's buffer with mono float32 samples (full scale
// 1.0, the mean of the channels) at Options.SampleRateHz. Probe reads only the headers.
//
//	s, err := audio.OpenFile("talk.flac", audio.Options{SampleRateHz: 16000})
//	...
//	buf := make([]float32, 1600) // 100 ms
//	for {
//		n, err := s.Read(buf)
//		feed(buf[:n])
//		if err == io.EOF { break }
//	}
//
// # Decoders
//
// Every decoder implements Reader: ReadFrames(dst) decodes the next whole sample frames into dst
// (channels interleaved) and returns how many. WAVReader handles PCM 8/16/24/32-bit, float 32/64, A-law,
// mu-law, WAVE_FORMAT_EXTENSIBLE, RIFX and RF64, chunks in any order and of odd size, and the data sizes
// streaming writers leave (0, 0xFFFFFFFF, sox's 0x7FFFF000: read to the end). RawReader decodes headerless
// PCM from a RawFormat. FLACReader and MP3Reader wrap github.com/mewkiz/flac and
// github.com/hajimehoshi/go-mp3; a panic inside either library on malformed input is recovered and
// returned as an error wrapping ErrFormat. MP3 decoding is gapless when the file has LAME's Info frame
// (lame writes one into files): the encoder and decoder delays and the end padding are dropped, so the
// samples line up with the encoder's input, and with lame --decode, at lag 0.
//
// # Memory bounds
//
// Nothing here grows with the length of the input:
//   - WAV and raw: one sample buffer of 16 KiB (larger only for frames wider than that: at most
//     MaxChannels × 8 bytes). Header chunks are read into memory only when they describe the stream (fmt,
//     RF64's ds64), and only up to 64 KiB; every other chunk (LIST, bext, JUNK, pictures...) is skipped by
//     seeking or by discarding through a fixed buffer, whatever size it claims.
//   - FLAC: one decoded frame (≤ 65535 samples × 8 channels of int32); metadata blocks are discarded.
//   - MP3: one frame of decoder state and a 4608-byte PCM buffer; the source is never offered to go-mp3 as
//     an io.Seeker, which would make it index every frame of the file. ID3v2 tags are discarded by us, not
//     by go-mp3 (which allocates the tag's claimed size).
//   - Stream: BlockFrames × (channels + 1) float32 (4096 by default) of decode and downmix buffers.
//   - Resampler: its filter table (176 KiB for 44.1 → 16 kHz) shared read-only through a cache of at most
//     16 tables, plus 2K + BlockFrames samples of history (K = taps per phase, 278 for 44.1 → 16 kHz).
//
// Sizes read from headers are checked before anything is allocated from them (channels ≤ MaxChannels,
// rate ≤ MaxSampleRateHz, fmt ≤ 64 KiB), so a header claiming gigabytes fails with an error naming the
// problem instead of an allocation. bench/audio-rss.sh measures the peak RSS of `hark probe --decode`
// (44.1 kHz stereo → 16 kHz mono) on a 10-minute and a 2-hour file: 18824 vs 19016 KiB for WAV files
// (+1.0%; the hark binary alone peaks at 18.5 MiB), +0.6% for WAV streamed through a pipe.
//
// The steady-state Read loop allocates nothing for WAV and raw input (TestStreamZeroAllocs). The FLAC
// and MP3 libraries allocate every frame's samples (FLAC about 370 KB per second of 44.1 kHz stereo),
// which the GC reclaims: the live heap stays constant, but the peak RSS moves with GC pacing (FLAC,
// 10 minutes vs 2 hours: +0.9% in one run, +13.9% in another; a plateau, not growth).
//
// # Resampling
//
// Resampler is a polyphase windowed-sinc (Kaiser window) resampler for any rational ratio out/in = L/M:
// output sample n lies at input time n·M/L exactly (zero delay: the filter's group delay is compensated,
// so output aligns sample for sample with sox's "rate"), and is the dot product of K input samples with
// one of L precomputed filter phases (1025 interpolated phases when L > 1024). The defaults (passband flat
// to 0.9 of the lower Nyquist frequency, 80 dB stopband reached at that Nyquist frequency, so nothing
// aliases) match `sox rate -v` within 95 dB SNR below 7.2 kHz at 8, 22.05, 44.1 and 48 kHz
// (TestResampleAgainstSox). Output length is ceil(inputSamples × L / M), as sox's. The inner product runs
// on AVX2 + FMA (Go assembly, dot_amd64.s) where the processor has them, else in portable Go.
//
// # Errors
//
// Errors wrap ErrFormat (malformed), ErrUnsupported (valid but not decoded: ADPCM, MPEG layer II, more
// than MaxChannels...), ErrUnknownFormat (no magic matched) or ErrTruncated (the stream ended before its
// header said), and name the problem ("wav: fmt chunk of 4294967280 bytes (want 16 to 65536)").
//
// Readers, Streams and Resamplers are not safe for concurrent use; use one per goroutine.
package audio
