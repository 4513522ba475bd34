package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrations holds the schema, versioned: NNN_name.up.sql applies version NNN, NNN_name.down.sql undoes it.
//
//go:embed migrations/*.sql
var migrations embed.FS

type migration struct {
	version  int
	up, down string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*migration{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlite: migration file %q: want NNN_name.up.sql or NNN_name.down.sql", base)
		}
		b, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &migration{version: v}
			byVersion[v] = m
		}
		switch {
		case strings.HasSuffix(base, ".up.sql"):
			m.up = string(b)
		case strings.HasSuffix(base, ".down.sql"):
			m.down = string(b)
		default:
			return nil, fmt.Errorf("sqlite: migration file %q: want .up.sql or .down.sql", base)
		}
	}
	var out []migration
	for _, m := range byVersion {
		if m.up == "" || m.down == "" {
			return nil, fmt.Errorf("sqlite: migration %03d needs both an up and a down file", m.version)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %03d missing", i+1)
		}
	}
	return out, nil
}

// SchemaVersion returns the version of hark's schema in db (0 when none is applied).
func SchemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS hark_schema_version (version INTEGER NOT NULL)`); err != nil {
		return 0, fmt.Errorf("sqlite: schema version table: %w", err)
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM hark_schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Migrate moves hark's schema in db to version target (-1 = the newest), applying up or down migrations
// one transaction each.
func Migrate(ctx context.Context, db *sql.DB, target int) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if target < 0 {
		target = len(ms)
	}
	if target > len(ms) {
		return fmt.Errorf("sqlite: migration target %d beyond the newest, %d", target, len(ms))
	}
	cur, err := SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("sqlite: database schema version %d is newer than this program's %d", cur, len(ms))
	}
	step := func(sqlText string, record string, args ...any) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, sqlText); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, record, args...); err != nil {
			return err
		}
		return tx.Commit()
	}
	for cur < target {
		m := ms[cur]
		if err := step(m.up, `INSERT INTO hark_schema_version (version) VALUES (?)`, m.version); err != nil {
			return fmt.Errorf("sqlite: migration %03d up: %w", m.version, err)
		}
		cur++
	}
	for cur > target {
		m := ms[cur-1]
		if err := step(m.down, `DELETE FROM hark_schema_version WHERE version = ?`, m.version); err != nil {
			return fmt.Errorf("sqlite: migration %03d down: %w", m.version, err)
		}
		cur--
	}
	return nil
}
