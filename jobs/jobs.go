// Package jobs holds durable long-audio transcription jobs: their records, the Store interface the
// databases implement (store/sqlite by default, store/postgres for many machines), and the Runner that
// decodes a job segment by segment.
//
// A job's life: the server streams the upload to storage and calls Store.Create, which records the job
// and enqueues its work (a River job) in one transaction. A worker calls Runner.Run: it splits the audio
// at pauses and records every segment's sample range (one transaction), then decodes the segments that
// are not done yet, committing each segment's words as it finishes. After a crash the queue hands the job
// to a worker again and only the unfinished segments are decoded; each segment is decoded from its own
// samples alone (recognizer.Session.DecodeUtterance), so a resumed run gives the same words as an
// uninterrupted one.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"hark/transcript"
)

// State is a job's state.
type State string

// The job states. Queued and Running are unfinished; the others are final.
const (
	Queued    State = "queued"
	Running   State = "running"
	Succeeded State = "succeeded"
	Failed    State = "failed"
	Canceled  State = "canceled"
)

// Final reports whether s is a final state.
func (s State) Final() bool { return s == Succeeded || s == Failed || s == Canceled }

// Errors the stores return.
var (
	ErrNotFound = errors.New("jobs: job not found")
	ErrFinished = errors.New("jobs: job already finished")
)

// Job is one transcription job's record.
type Job struct {
	ID       string    `json:"id"`
	State    State     `json:"state"`
	Filename string    `json:"filename"` // the client's file name, for display only (never a path)
	Bytes    int64     `json:"bytes"`    // size of the stored upload
	Format   string    `json:"format"`   // audio container as probed (wav, flac, mp3, raw)
	Duration float64   `json:"duration"` // seconds of audio, 0 until known
	Language string    `json:"language,omitempty"`
	APIKey   string    `json:"-"` // owner: the hash of the API key that created it ("" without keys)
	Segments int       `json:"segments_total"`
	Done     int       `json:"segments_done"`
	Error    string    `json:"error,omitempty"`
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
}

// Progress is the fraction of segments done, in [0, 1]; 0 while the segments are not yet known, 1 for a
// succeeded job.
func (j *Job) Progress() float64 {
	if j.State == Succeeded {
		return 1
	}
	if j.Segments == 0 {
		return 0
	}
	return float64(j.Done) / float64(j.Segments)
}

// Span is a segment's place in the audio, in samples at the model's rate.
type Span struct {
	Start int64 // first sample
	End   int64 // one past the last sample
}

// Segment is a recorded segment of a job. Words is nil until Done.
type Segment struct {
	Index int
	Span
	Done  bool
	Words []transcript.Word // times in seconds from the start of the recording
}

// Store records jobs and their segments and runs the queue. Implementations: store/sqlite (one process,
// embedded) and store/postgres (many processes). Methods are safe for concurrent use.
type Store interface {
	// Create records j (ID, Filename, Bytes, Format, Language, APIKey set by the caller; State, Created
	// and Updated set here) and enqueues its work, in one transaction.
	Create(ctx context.Context, j *Job) error
	// Get returns the job with id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Job, error)
	// List returns the newest jobs first, at most limit of them; apiKey filters by owner unless "".
	List(ctx context.Context, apiKey string, limit int) ([]Job, error)
	// SetState moves a job to state with an error message ("" for none). A final state is never left.
	SetState(ctx context.Context, id string, state State, msg string) error
	// SetDuration records the audio's length in seconds.
	SetDuration(ctx context.Context, id string, seconds float64) error
	// SetSegments records a job's segments, once: if segments are recorded already it changes nothing
	// and returns nil.
	SetSegments(ctx context.Context, id string, spans []Span) error
	// Segments returns the recorded segments in order (words of the done ones included).
	Segments(ctx context.Context, id string) ([]Segment, error)
	// CommitSegment stores the words of segment index and marks it done, in one transaction. Committing
	// a segment that is done already changes nothing (so a segment's words are stored exactly once).
	CommitSegment(ctx context.Context, id string, index int, words []transcript.Word) error
	// Delete removes a job, its segments and its queue entry; the caller removes the audio.
	Delete(ctx context.Context, id string) error
	// Expired returns the IDs of final jobs last updated before t.
	Expired(ctx context.Context, t time.Time) ([]string, error)
	// Exists reports whether job id is recorded.
	Exists(ctx context.Context, id string) (bool, error)
	// Counts returns the number of jobs in each state.
	Counts(ctx context.Context) (map[State]int, error)
	// Start starts the queue's workers, which call run (Runner.Run) for each job handed to them.
	Start(ctx context.Context, run func(ctx context.Context, id string) error) error
	// Stop stops fetching new work, cancels the running jobs' contexts (Runner.Run returns after the
	// segment being decoded is committed) and waits for them, at most until ctx ends.
	Stop(ctx context.Context) error
	// Close releases the database.
	Close() error
}

var idPattern = regexp.MustCompile(`^[a-z0-9]{8,64}$`)

// ValidID reports whether id has the shape of a job ID (lowercase letters and digits, 8 to 64 of them),
// so that it is safe as a storage name.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// CheckID returns an error naming id if it is not a valid job ID.
func CheckID(id string) error {
	if !ValidID(id) {
		return fmt.Errorf("jobs: invalid job id %q", id)
	}
	return nil
}
