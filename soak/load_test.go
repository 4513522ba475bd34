package soak

import (
	"slices"
	"testing"
)

func TestMixWorkers(t *testing.T) {
	cases := []struct {
		mix  string
		n    int
		want []Kind
		err  bool
	}{
		{"stream=2,job=1,sync=1", 4, []Kind{Stream, Stream, Job, Sync}, false},
		{"stream=2,job=1,sync=1", 8, []Kind{Stream, Stream, Stream, Stream, Job, Job, Sync, Sync}, false},
		{"stream=2,job=1,sync=1", 3, []Kind{Stream, Job, Sync}, false}, // 1.5/0.75/0.75: largest remainders
		{"stream=2,job=1,sync=1", 1, []Kind{Stream}, false},
		{"job=1", 3, []Kind{Job, Job, Job}, false},
		{"sync=1,stream=0", 2, []Kind{Sync, Sync}, false},
		{"stream=0", 2, nil, true},
		{"tcp=1", 2, nil, true},
		{"stream", 2, nil, true},
		{"stream=-1", 2, nil, true},
	}
	for _, c := range cases {
		m, err := ParseMix(c.mix)
		if (err != nil) != c.err {
			t.Errorf("ParseMix(%q): err %v, want error %v", c.mix, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		if got := m.Workers(c.n); !slices.Equal(got, c.want) {
			t.Errorf("%q × %d: workers %v, want %v", c.mix, c.n, got, c.want)
		}
	}
}
