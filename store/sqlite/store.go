// Package sqlite is the embedded job store: jobs and segments in a SQLite database file (modernc.org/sqlite,
// pure Go) and River's SQLite driver as the queue, in the same database, so that recording a job and
// enqueueing its work is one transaction. It is for one process per data directory: Open takes an
// exclusive lock on the directory, and a job River left "running" when a previous process died is handed
// to a worker again at once (rather than after River's rescue delay).
//
// Memory: the database's page cache (SQLite's default, about 2 MB) and River's fetch buffers; results are
// read per job, never all at once.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"hark/jobs"
	"hark/transcript"
)

// Options configures Open.
type Options struct {
	// Path is the database file. Its directory is locked for the process's lifetime.
	Path string
	// Workers is the number of jobs decoded at once (0 = none: an API-only process).
	Workers int
	// Logger receives River's warnings (nil = discard).
	Logger *slog.Logger
}

// Store implements jobs.Store on SQLite.
type Store struct {
	db     *sql.DB
	river  *river.Client[*sql.Tx]
	lock   *os.File
	opts   Options
	worker *worker
}

var _ jobs.Store = (*Store)(nil)

type transcribeArgs struct {
	JobID string `json:"job_id"`
}

func (transcribeArgs) Kind() string { return "hark_transcribe" }

type worker struct {
	river.WorkerDefaults[transcribeArgs]
	s   *Store
	run func(ctx context.Context, id string) error
}

// Timeout: a long recording takes as long as it takes; shutdown cancels through the context.
func (w *worker) Timeout(*river.Job[transcribeArgs]) time.Duration { return -1 }

func (w *worker) Work(ctx context.Context, job *river.Job[transcribeArgs]) error {
	var rid int64
	err := w.s.db.QueryRowContext(ctx, `SELECT river_id FROM hark_job WHERE id = ?`, job.Args.JobID).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted
	}
	if err != nil {
		return fmt.Errorf("sqlite: job %s: %w", job.Args.JobID, err)
	}
	if rid != job.ID {
		return nil // a stale queue entry replaced by recover
	}
	if w.run == nil {
		return errors.New("sqlite: no runner")
	}
	return w.run(ctx, job.Args.JobID)
}

// Open opens (creating if needed) the database at opts.Path, locks its directory, applies River's and
// hark's migrations, and re-queues the jobs a dead process left running.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("sqlite: database path required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	lock, err := os.OpenFile(opts.Path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("sqlite: database %s is in use by another process: %w", opts.Path, err)
	}
	dsn := "file:" + opts.Path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", opts.Path, err)
	}
	db.SetMaxOpenConns(1) // River's SQLite driver needs one connection (no SQLITE_BUSY between its goroutines)
	s := &Store{db: db, lock: lock, opts: opts}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	driver := riversqlite.New(s.db)
	mig, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: s.opts.Logger})
	if err != nil {
		return fmt.Errorf("sqlite: river migrator: %w", err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqlite: river migrations: %w", err)
	}
	if err := Migrate(ctx, s.db, -1); err != nil {
		return err
	}
	cfg := &river.Config{Logger: s.opts.Logger, JobTimeout: -1, FetchPollInterval: 200 * time.Millisecond,
		FetchCooldown: 50 * time.Millisecond}
	if s.opts.Workers > 0 {
		s.worker = &worker{s: s}
		w := river.NewWorkers()
		if err := river.AddWorkerSafely(w, s.worker); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		cfg.Workers = w
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.opts.Workers}}
	}
	if s.river, err = river.NewClient(driver, cfg); err != nil {
		return fmt.Errorf("sqlite: river client: %w", err)
	}
	return s.recover(ctx)
}

// recover gives every unfinished job whose queue entry a dead process left running a fresh queue entry.
// The lock taken in Open guarantees that no live process is working on it; the stale entry, once River
// rescues it, finds itself replaced and does nothing.
func (s *Store) recover(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT j.id FROM hark_job j JOIN river_job r ON r.id = j.river_id
		WHERE j.state IN ('queued', 'running') AND r.state = 'running'`)
	if err != nil {
		return fmt.Errorf("sqlite: find interrupted jobs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, id := range ids {
		if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.enqueueTx(ctx, tx, id) }); err != nil {
			return fmt.Errorf("sqlite: requeue %s: %w", id, err)
		}
	}
	return nil
}

func (s *Store) enqueueTx(ctx context.Context, tx *sql.Tx, id string) error {
	res, err := s.river.InsertTx(ctx, tx, transcribeArgs{JobID: id}, &river.InsertOpts{MaxAttempts: 25})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE hark_job SET river_id = ? WHERE id = ?`, res.Job.ID, id)
	return err
}

func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func now() int64 { return time.Now().UnixMilli() }

// Create implements jobs.Store.
func (s *Store) Create(ctx context.Context, j *jobs.Job) error {
	if err := jobs.CheckID(j.ID); err != nil {
		return err
	}
	t := now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hark_job (id, state, filename, bytes, format, language, api_key,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.ID, jobs.Queued, j.Filename, j.Bytes, j.Format, j.Language, j.APIKey, t, t); err != nil {
			return err
		}
		return s.enqueueTx(ctx, tx, j.ID)
	})
	if err != nil {
		return fmt.Errorf("sqlite: create job %s: %w", j.ID, err)
	}
	j.State = jobs.Queued
	j.Created = time.UnixMilli(t)
	j.Updated = j.Created
	return nil
}

const jobCols = `id, state, filename, bytes, format, duration, language, api_key, segments, done, error, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanJob(r scanner) (*jobs.Job, error) {
	var j jobs.Job
	var c, u int64
	if err := r.Scan(&j.ID, &j.State, &j.Filename, &j.Bytes, &j.Format, &j.Duration, &j.Language, &j.APIKey,
		&j.Segments, &j.Done, &j.Error, &c, &u); err != nil {
		return nil, err
	}
	j.Created, j.Updated = time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
	return &j, nil
}

// Get implements jobs.Store.
func (s *Store) Get(ctx context.Context, id string) (*jobs.Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM hark_job WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", jobs.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get job %s: %w", id, err)
	}
	return j, nil
}

// List implements jobs.Store.
func (s *Store) List(ctx context.Context, apiKey string, limit int) ([]jobs.Job, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobCols+` FROM hark_job WHERE ? = '' OR api_key = ?
		ORDER BY created_at DESC, id LIMIT ?`, apiKey, apiKey, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	defer rows.Close()
	var out []jobs.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list jobs: %w", err)
		}
		out = append(out, *j)
	}
	return out, rows.Err()
}

// finalStates is the SQL list of final states.
const finalStates = `('succeeded', 'failed', 'canceled')`

// SetState implements jobs.Store.
func (s *Store) SetState(ctx context.Context, id string, state jobs.State, msg string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE hark_job SET state = ?, error = ?, updated_at = ?
			WHERE id = ? AND state NOT IN `+finalStates, state, msg, now(), id)
		if err != nil {
			return fmt.Errorf("sqlite: set state of %s: %w", id, err)
		}
		return s.checkUpdated(ctx, tx, res, id)
	})
}

// checkUpdated turns "no row updated" into ErrNotFound or ErrFinished.
func (s *Store) checkUpdated(ctx context.Context, tx *sql.Tx, res sql.Result, id string) error {
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var st string
	err := tx.QueryRowContext(ctx, `SELECT state FROM hark_job WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", jobs.ErrNotFound, id)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s is %s", jobs.ErrFinished, id, st)
}

// SetDuration implements jobs.Store.
func (s *Store) SetDuration(ctx context.Context, id string, seconds float64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE hark_job SET duration = ?, updated_at = ? WHERE id = ?`, seconds, now(), id)
	if err != nil {
		return fmt.Errorf("sqlite: set duration of %s: %w", id, err)
	}
	return nil
}

// SetSegments implements jobs.Store.
func (s *Store) SetSegments(ctx context.Context, id string, spans []jobs.Span) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM hark_segment WHERE job_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO hark_segment (job_id, idx, start_sample, end_sample) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, sp := range spans {
			if _, err := st.ExecContext(ctx, id, i, sp.Start, sp.End); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE hark_job SET segments = ?, updated_at = ? WHERE id = ?`, len(spans), now(), id)
		if err != nil {
			return err
		}
		return s.checkUpdated(ctx, tx, res, id)
	})
	if err != nil {
		return fmt.Errorf("sqlite: record segments of %s: %w", id, err)
	}
	return nil
}

// Segments implements jobs.Store.
func (s *Store) Segments(ctx context.Context, id string) ([]jobs.Segment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT idx, start_sample, end_sample, done, words FROM hark_segment
		WHERE job_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: segments of %s: %w", id, err)
	}
	defer rows.Close()
	var out []jobs.Segment
	for rows.Next() {
		var sg jobs.Segment
		var words sql.NullString
		if err := rows.Scan(&sg.Index, &sg.Start, &sg.End, &sg.Done, &words); err != nil {
			return nil, fmt.Errorf("sqlite: segments of %s: %w", id, err)
		}
		if words.Valid {
			if err := json.Unmarshal([]byte(words.String), &sg.Words); err != nil {
				return nil, fmt.Errorf("sqlite: words of segment %d of %s: %w", sg.Index, id, err)
			}
		}
		out = append(out, sg)
	}
	return out, rows.Err()
}

// CommitSegment implements jobs.Store.
func (s *Store) CommitSegment(ctx context.Context, id string, index int, words []transcript.Word) error {
	if words == nil {
		words = []transcript.Word{}
	}
	b, err := json.Marshal(words)
	if err != nil {
		return fmt.Errorf("sqlite: encode words: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var st string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM hark_job WHERE id = ?`, id).Scan(&st); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", jobs.ErrNotFound, id)
		} else if err != nil {
			return err
		}
		if jobs.State(st).Final() {
			return fmt.Errorf("%w: %s is %s", jobs.ErrFinished, id, st)
		}
		res, err := tx.ExecContext(ctx, `UPDATE hark_segment SET done = 1, words = ? WHERE job_id = ? AND idx = ? AND done = 0`,
			string(b), id, index)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // done already (or no such segment): nothing changes
		}
		_, err = tx.ExecContext(ctx, `UPDATE hark_job SET done = done + 1, updated_at = ? WHERE id = ?`, now(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: commit segment %d of %s: %w", index, id, err)
	}
	return nil
}

// Delete implements jobs.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	var rid int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT river_id FROM hark_job WHERE id = ?`, id).Scan(&rid); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", jobs.ErrNotFound, id)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM hark_segment WHERE job_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM hark_job WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete job %s: %w", id, err)
	}
	// The queue entry: cancel it if it has not run (a running one finds its job gone and stops).
	_, _ = s.river.JobCancel(ctx, rid)
	return nil
}

// Expired implements jobs.Store.
func (s *Store) Expired(ctx context.Context, t time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM hark_job WHERE state IN `+finalStates+` AND updated_at < ?`, t.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite: expired jobs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Exists implements jobs.Store.
func (s *Store) Exists(ctx context.Context, id string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM hark_job WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

// Counts implements jobs.Store.
func (s *Store) Counts(ctx context.Context) (map[jobs.State]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM hark_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count jobs: %w", err)
	}
	defer rows.Close()
	out := map[jobs.State]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[jobs.State(st)] = n
	}
	return out, rows.Err()
}

// Start implements jobs.Store.
func (s *Store) Start(ctx context.Context, run func(ctx context.Context, id string) error) error {
	if s.worker == nil {
		return nil
	}
	s.worker.run = run
	if err := s.river.Start(ctx); err != nil {
		return fmt.Errorf("sqlite: start queue: %w", err)
	}
	return nil
}

// Stop implements jobs.Store: it stops fetching and cancels the running jobs, which return after the
// segment they are decoding is committed; the queue hands them out again at the next start.
func (s *Store) Stop(ctx context.Context) error {
	if s.worker == nil {
		return nil
	}
	if err := s.river.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("sqlite: stop queue: %w", err)
	}
	return nil
}

// Close implements jobs.Store.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}
