-- Jobs and their segments. Times are Unix milliseconds; words are a JSON array of transcript.Word.
CREATE TABLE hark_job (
    id         TEXT    PRIMARY KEY,
    state      TEXT    NOT NULL,
    filename   TEXT    NOT NULL DEFAULT '',
    bytes      INTEGER NOT NULL DEFAULT 0,
    format     TEXT    NOT NULL DEFAULT '',
    duration   REAL    NOT NULL DEFAULT 0,
    language   TEXT    NOT NULL DEFAULT '',
    api_key    TEXT    NOT NULL DEFAULT '',
    segments   INTEGER NOT NULL DEFAULT 0,
    done       INTEGER NOT NULL DEFAULT 0,
    error      TEXT    NOT NULL DEFAULT '',
    river_id   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX hark_job_created_at ON hark_job (created_at);
CREATE INDEX hark_job_state ON hark_job (state, updated_at);

CREATE TABLE hark_segment (
    job_id       TEXT    NOT NULL REFERENCES hark_job (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    start_sample INTEGER NOT NULL,
    end_sample   INTEGER NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0,
    words        TEXT,
    PRIMARY KEY (job_id, idx)
);
