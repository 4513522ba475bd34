package audio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"hark/audio"
)

// Example decodes one second of 44.1 kHz stereo WAV into 16 kHz mono, 100 ms at a time.
func Example() {
	pcm := synthPCM(44100, 2, 1)
	file := append(wavHeader(44100, 2, uint32(len(pcm))), pcm...)

	s, err := audio.Open(bytes.NewReader(file), "talk.wav", audio.Options{SampleRateHz: 16000})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Format())
	buf := make([]float32, 1600)
	total := 0
	for {
		n, err := s.Read(buf)
		total += n
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(total, "samples at", s.SampleRateHz(), "Hz")
	// Output:
	// wav pcm_s16le 44100 Hz 2 ch 16 bit 1.000s
	// 16000 samples at 16000 Hz
}
