package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiebot/kiebot/migrations"
)

// migrationLockKey is the session advisory lock every instance takes before
// migrating, so two instances starting together both succeed and exactly one
// applies each migration. ("kiebot:migrate" as an int64.)
const migrationLockKey int64 = 0x6b69656d69677261

// ErrMigrationChanged is returned when an applied migration's file differs
// from what was applied.
var ErrMigrationChanged = errors.New("applied migration changed")

const createMigrationsTable = `
CREATE TABLE IF NOT EXISTS kiebot_schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies the pending migrations of ms under the migration lock,
// each in its own transaction with its version row, and returns the
// versions it applied. It refuses to start when an applied migration's
// checksum differs from the file's.
func Migrate(ctx context.Context, pool *pgxpool.Pool, ms []migrations.Migration, log *slog.Logger) ([]int, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection for migrations: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, migrationLockKey); err != nil {
			// A lock we cannot release must not go back to the pool.
			_ = conn.Conn().Close(uctx)
		}
	}()

	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("create migrations table: %w", err)
	}
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := checkApplied(ms, applied); err != nil {
		return nil, err
	}

	var done []int
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		start := time.Now()
		tx, err := conn.Begin(ctx)
		if err != nil {
			return done, fmt.Errorf("begin migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			rollback(ctx, tx)
			return done, fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO kiebot_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
			m.Version, m.Name, m.Checksum); err != nil {
			rollback(ctx, tx)
			return done, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return done, fmt.Errorf("commit migration %s: %w", m.Name, err)
		}
		done = append(done, m.Version)
		if log != nil {
			log.Info("store: applied migration", "migration", m.Name, "duration", time.Since(start).Round(time.Millisecond))
		}
	}
	return done, nil
}

type appliedMigration struct{ name, checksum string }

func appliedMigrations(ctx context.Context, db DBTX) (map[int]appliedMigration, error) {
	rows, err := db.Query(ctx, `SELECT version, name, checksum FROM kiebot_schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]appliedMigration{}
	for rows.Next() {
		var v int
		var a appliedMigration
		if err := rows.Scan(&v, &a.name, &a.checksum); err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		applied[v] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	return applied, nil
}

func checkApplied(ms []migrations.Migration, applied map[int]appliedMigration) error {
	for _, m := range ms {
		a, ok := applied[m.Version]
		if !ok {
			continue
		}
		if a.checksum != m.Checksum {
			return fmt.Errorf("%w: %s was applied with checksum %.12s but this build has %.12s; "+
				"restore the released file and put the change in a new migration", ErrMigrationChanged, m.Name, a.checksum, m.Checksum)
		}
	}
	return nil
}

// MigrationsApplied reports whether every migration of ms is applied with
// the same checksum. It takes no lock, so a readiness probe never queues
// behind a migrating instance.
func MigrationsApplied(ctx context.Context, db DBTX, ms []migrations.Migration) error {
	applied, err := appliedMigrations(ctx, db)
	if err != nil {
		return err
	}
	if err := checkApplied(ms, applied); err != nil {
		return err
	}
	for _, m := range ms {
		if _, ok := applied[m.Version]; !ok {
			return fmt.Errorf("migration %s is not applied yet", m.Name)
		}
	}
	return nil
}
