// Package storetest gives each test its own PostgreSQL database, created from
// a migrated template (so it is fast) and dropped at cleanup. It reaches the
// server through TEST_DATABASE_URL, else postgres on 127.0.0.1:5432.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiebot/kiebot/migrations"
	"github.com/kiebot/kiebot/store"
)

// templateLockKey serialises template creation across test binaries that
// run in parallel. ("kiebot:tmpl")
const templateLockKey int64 = 0x6b6965746d706c

// AdminURL is the server's maintenance database URL tests connect through.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// DatabaseURL returns AdminURL pointed at database name.
func DatabaseURL(tb testing.TB, name string) string {
	tb.Helper()
	u, err := url.Parse(AdminURL())
	if err != nil || u.Scheme == "" {
		tb.Fatalf("storetest: TEST_DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String()
}

// NewDatabase creates a migrated, empty database for this test, drops it at
// cleanup and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, ensureTemplate(tb))
}

// NewEmptyDatabase creates a database with no migrations applied, for tests
// of the migrator itself.
func NewEmptyDatabase(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, "template0")
}

// NewPool opens a pool on a fresh migrated database, closed at cleanup.
func NewPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return OpenPool(tb, NewDatabase(tb))
}

// OpenPool opens a pool on dsn, closed at cleanup (before the database is
// dropped, since cleanups run last-in first-out).
func OpenPool(tb testing.TB, dsn string) *pgxpool.Pool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := store.OpenPool(ctx, dsn, store.PoolConfig{MaxConns: 30, MinConns: 1, ApplicationName: "kiebot-test"})
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// NewStore returns the store of botID on a fresh migrated database.
func NewStore(tb testing.TB, botID int64) *store.Store {
	tb.Helper()
	return store.New(NewPool(tb), botID)
}

func newDatabase(tb testing.TB, template string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := connectAdmin(ctx, tb)
	defer admin.Close(context.Background())

	name := "kiebot_test_" + randomHex(6)
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		// Concurrent copies of one template can collide ("source database is
		// being accessed by other users"); a short retry clears it.
		_, err = admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize()))
		if err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("storetest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() { dropDatabase(tb, name) })
	return DatabaseURL(tb, name)
}

// DropDatabase drops name, disconnecting anyone still connected.
func dropDatabase(tb testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := connectAdmin(ctx, tb)
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pgx.Identifier{name}.Sanitize())); err != nil {
		tb.Errorf("storetest: drop database %s: %v", name, err)
	}
}

// ensureTemplate creates, once per migration set, a template database with
// every migration applied.
func ensureTemplate(tb testing.TB) string {
	tb.Helper()
	ms := migrations.All()
	name := "kiebot_tmpl_" + migrations.Fingerprint(ms)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := connectAdmin(ctx, tb)
	defer admin.Close(context.Background())

	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLockKey); err != nil {
		tb.Fatalf("storetest: lock template: %v", err)
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLockKey) //nolint:errcheck // closing the connection releases it too

	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		tb.Fatalf("storetest: look up template: %v", err)
	}
	if exists {
		return name
	}
	building := name + "_building"
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pgx.Identifier{building}.Sanitize())); err != nil {
		tb.Fatalf("storetest: drop stale template: %v", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE template0`, pgx.Identifier{building}.Sanitize())); err != nil {
		tb.Fatalf("storetest: create template: %v", err)
	}
	pool, err := store.OpenPool(ctx, DatabaseURL(tb, building), store.PoolConfig{MaxConns: 2, MinConns: 1})
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	_, err = store.Migrate(ctx, pool, ms, nil)
	pool.Close()
	if err != nil {
		tb.Fatalf("storetest: migrate template: %v", err)
	}
	// Renaming only after a complete migration means a crashed build never
	// leaves a half-migrated template behind under the real name.
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, pgx.Identifier{building}.Sanitize(), pgx.Identifier{name}.Sanitize())); err != nil {
		tb.Fatalf("storetest: name template: %v", err)
	}
	return name
}

func connectAdmin(ctx context.Context, tb testing.TB) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		tb.Fatalf("storetest: connect to PostgreSQL at %s (set TEST_DATABASE_URL to override): %v", redacted(AdminURL()), err)
	}
	return conn
}

func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "(unparsable TEST_DATABASE_URL)"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
