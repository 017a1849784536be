// Package storetest gives each test its own PostgreSQL database, created from
// a migrated template (so it is fast) and dropped at cleanup. It reaches the
// server through TEST_DATABASE_URL, else postgres on 127.0.0.1:5432.
//
// # Connections
//
// `go test ./...` runs several test binaries at once (-p, GOMAXPROCS by
// default), each running several parallel tests (-parallel), and every one
// of those tests holds connections; together they used to exceed the
// server's max_connections (100 by default) and fail with "sorry, too many
// clients already" (SQLSTATE 53300). So storetest keeps the suite inside the
// default server:
//
//   - a pool is small (DefaultMaxConns, MaxConns for a test that needs more)
//     and keeps no idle connection it does not use (MinConns 0, idle ones
//     closed after a second);
//   - every connection storetest makes, or that is made from a pool's
//     ConnConfig, holds one of DefaultConnections slots shared by all test
//     processes on the machine (KIEBOT_TEST_PG_CONNECTIONS overrides it,
//     0 turns it off), and waits for a free one;
//   - connecting retries SQLSTATE 53300 with a bounded backoff, for when
//     others use the server too.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// DefaultMaxConns bounds a pool from OpenPool unless MaxConns says
// otherwise: enough for a test's concurrent queries, few enough that many
// tests fit on one server at once.
const DefaultMaxConns = 4

// PoolOption changes a pool OpenPool opens.
type PoolOption func(*pgxpool.Config)

// MaxConns lets a test that runs many queries at once have a pool of n.
func MaxConns(n int32) PoolOption {
	return func(c *pgxpool.Config) { c.MaxConns = n }
}

// OpenPool opens a pool on dsn, closed at cleanup (before the database is
// dropped, since cleanups run last-in first-out). The pool has at most
// DefaultMaxConns connections (see MaxConns), keeps none idle for long, and
// its connections, and those made from its ConnConfig, count against the
// machine's test connection budget (see the package doc).
func OpenPool(tb testing.TB, dsn string, opts ...PoolOption) *pgxpool.Pool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := openPool(ctx, dsn, nil, opts...)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// openPool opens a pool whose connections hold slots of b (nil: the
// machine's budget for the server).
func openPool(ctx context.Context, dsn string, b *connBudget, opts ...PoolOption) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", redacted(dsn), err)
	}
	cfg.MaxConns = DefaultMaxConns
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = time.Second
	cfg.HealthCheckPeriod = time.Second // the check is what closes idle connections
	cfg.ConnConfig.RuntimeParams["application_name"] = "kiebot-test"
	for _, o := range opts {
		o(cfg)
	}
	if err := budget(cfg.ConnConfig, b); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool on %s: %w", redacted(dsn), err)
	}
	if err := retryTooManyClients(ctx, func() error { return pool.Ping(ctx) }, nil); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", redacted(dsn), err)
	}
	return pool, nil
}

// budget makes every connection of cc hold a slot of b, or with b nil of
// the machine's test connection budget for cc's server.
func budget(cc *pgx.ConnConfig, b *connBudget) error {
	if b == nil {
		mb, err := budgetFor(cc.Host, cc.Port)
		if err != nil {
			return err
		}
		b = &mb
	}
	cc.DialFunc = b.dialer(cc.DialFunc) // fallback hosts and cancel requests dial through it too
	return nil
}

// tooManyClients is PostgreSQL's SQLSTATE for "sorry, too many clients
// already" (and for a role's or database's connection limit).
const tooManyClients = "53300"

// retryTooManyClients runs connect until it succeeds, fails otherwise, or
// has been refused for too many clients for about half a minute, backing
// off from 50 ms to 1 s. onRetry, if set, sees each refusal (tests).
func retryTooManyClients(ctx context.Context, connect func() error, onRetry func(error)) error {
	const give = 30 * time.Second
	deadline := time.Now().Add(give)
	pause := 50 * time.Millisecond
	for {
		err := connect()
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != tooManyClients || time.Now().After(deadline) {
			return err
		}
		if onRetry != nil {
			onRetry(err)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause = min(2*pause, time.Second)
	}
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
	pool, err := openPool(ctx, DatabaseURL(tb, building), nil, MaxConns(1))
	if err != nil {
		tb.Fatalf("storetest: template: %v", err)
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
	conn, err := connect(ctx, AdminURL(), nil)
	if err != nil {
		tb.Fatalf("storetest: connect to PostgreSQL at %s (set TEST_DATABASE_URL to override): %v", redacted(AdminURL()), err)
	}
	return conn
}

// connect opens one connection on dsn within the budget, retrying while
// the server has too many clients.
func connect(ctx context.Context, dsn string, onRetry func(error)) (*pgx.Conn, error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", redacted(dsn), err)
	}
	cc.RuntimeParams["application_name"] = "kiebot-test"
	if err := budget(cc, nil); err != nil {
		return nil, err
	}
	var conn *pgx.Conn
	err = retryTooManyClients(ctx, func() error {
		var err error
		conn, err = pgx.ConnectConfig(ctx, cc)
		return err
	}, onRetry)
	return conn, err
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
