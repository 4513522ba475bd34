package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"hark/jobs"
	"hark/transcript"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMigrations: the schema goes up, down to nothing and up again; a second process is locked out.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hark.db")
	s := open(t, path)
	if _, err := Open(ctx, Options{Path: path}); err == nil {
		t.Fatal("a second Open of the same database succeeded")
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []int{len(ms), 0, len(ms)} {
		if err := Migrate(ctx, s.db, target); err != nil {
			t.Fatalf("migrate to %d: %v", target, err)
		}
		v, err := SchemaVersion(ctx, s.db)
		if err != nil || v != target {
			t.Fatalf("version %d (%v), want %d", v, err, target)
		}
	}
	if err := Migrate(ctx, s.db, len(ms)+1); err == nil {
		t.Error("migrating past the newest version succeeded")
	}
	s.Close()
	s = open(t, path) // the lock is released with Close
	s.Close()
}

// TestStore: a job's record, segments committed exactly once, states that never leave a final state,
// listing by owner, deletion and expiry.
func TestStore(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "hark.db"))
	defer s.Close()
	if err := s.Create(ctx, &jobs.Job{ID: "../etc"}); err == nil {
		t.Fatal("created a job with an unsafe id")
	}
	j := &jobs.Job{ID: "abcdefgh12345678", Filename: "a.wav", Bytes: 10, Format: "wav", APIKey: "k1"}
	if err := s.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, &jobs.Job{ID: "zzzzzzzz12345678", APIKey: "k2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, &jobs.Job{ID: j.ID}); err == nil {
		t.Fatal("duplicate id accepted")
	}
	spans := []jobs.Span{{Start: 0, End: 100}, {Start: 200, End: 300}, {Start: 400, End: 450}}
	if err := s.SetSegments(ctx, j.ID, spans); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSegments(ctx, j.ID, spans[:1]); err != nil { // recorded once: no change
		t.Fatal(err)
	}
	w1 := []transcript.Word{{Word: "go", Start: 0.1, End: 0.2, Confidence: 0.9}}
	w2 := []transcript.Word{{Word: "other", Start: 0.1, End: 0.2, Confidence: 0.5}}
	for _, w := range [][]transcript.Word{w1, w2} { // the second commit of segment 1 changes nothing
		if err := s.CommitSegment(ctx, j.ID, 1, w); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Segments != 3 || got.Done != 1 || got.State != jobs.Queued || got.Progress() != 1.0/3 {
		t.Errorf("job %+v", got)
	}
	segs, err := s.Segments(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []jobs.Segment{{Index: 0, Span: spans[0]}, {Index: 1, Span: spans[1], Done: true, Words: w1}, {Index: 2, Span: spans[2]}}
	if !reflect.DeepEqual(segs, want) {
		t.Errorf("segments %+v, want %+v", segs, want)
	}
	if l, _ := s.List(ctx, "k2", 10); len(l) != 1 || l[0].ID != "zzzzzzzz12345678" {
		t.Errorf("list for k2: %+v", l)
	}
	if l, _ := s.List(ctx, "", 10); len(l) != 2 {
		t.Errorf("list all: %d jobs", len(l))
	}
	if err := s.SetState(ctx, j.ID, jobs.Canceled, "by test"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(ctx, j.ID, jobs.Running, ""); !errors.Is(err, jobs.ErrFinished) {
		t.Errorf("left a final state: %v", err)
	}
	if err := s.CommitSegment(ctx, j.ID, 0, w1); !errors.Is(err, jobs.ErrFinished) {
		t.Errorf("committed to a canceled job: %v", err)
	}
	if ids, _ := s.Expired(ctx, time.Now().Add(time.Minute)); len(ids) != 1 || ids[0] != j.ID {
		t.Errorf("expired: %v", ids)
	}
	if err := s.Delete(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, j.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if segs, _ := s.Segments(ctx, j.ID); len(segs) != 0 {
		t.Errorf("segments left: %d", len(segs))
	}
	c, _ := s.Counts(ctx)
	if c[jobs.Queued] != 1 || len(c) != 1 {
		t.Errorf("counts %v", c)
	}
}
