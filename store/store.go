package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DBTX is what queries run on: the pool, a transaction, or one connection.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queries holds every bot-scoped query. Store runs them on the pool and Tx
// inside a transaction, so a caller composes several of them atomically
// with the same methods.
type queries struct {
	db    DBTX
	botID int64
}

// Store is the bot-scoped door to the database: every method reads and
// writes only rows of its bot.
type Store struct {
	queries
	pool *pgxpool.Pool
}

// Tx is a Store bound to one transaction; see Store.InTx.
type Tx struct {
	queries
	tx pgx.Tx
}

// New returns the store of bot botID on pool.
func New(pool *pgxpool.Pool, botID int64) *Store {
	if botID <= 0 {
		panic(fmt.Sprintf("store.New: bot id %d is not positive", botID))
	}
	return &Store{queries: queries{db: pool, botID: botID}, pool: pool}
}

// BotID is the bot whose rows this store reads and writes.
func (q *queries) BotID() int64 { return q.botID }

// Pool exposes the pool for callers that need a dedicated connection.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// InTx runs fn in a transaction and commits if it returns nil. The rollback
// runs even when ctx is already cancelled, or fn panics (the panic goes
// on), so a connection never goes back to the pool mid-transaction nor is
// lost to it.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	ptx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", interpret(err))
	}
	tx := &Tx{queries: queries{db: ptx, botID: s.botID}, tx: ptx}
	finished := false
	defer func() {
		if !finished {
			rollback(ctx, ptx) // fn panicked
		}
	}()
	err = fn(tx)
	finished = true
	if err != nil {
		rollback(ctx, ptx)
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		rollback(ctx, ptx)
		return fmt.Errorf("commit transaction: %w", interpret(err))
	}
	return nil
}

func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx) // the transaction is abandoned either way; the error adds nothing
}

// PoolConfig tunes OpenPool.
type PoolConfig struct {
	MaxConns        int32         // default 20
	MinConns        int32         // default 2
	ConnectTimeout  time.Duration // default 10s
	ApplicationName string        // shown in pg_stat_activity
}

// OpenPool connects to dsn and checks the database answers.
func OpenPool(ctx context.Context, dsn string, pc PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN; keep the password out of them.
		return nil, errors.New("parse DATABASE_URL: not a valid PostgreSQL URL or key=value DSN")
	}
	cfg.MaxConns = orDefault(pc.MaxConns, 20)
	cfg.MinConns = orDefault(pc.MinConns, 2)
	cfg.ConnConfig.ConnectTimeout = orDefault(pc.ConnectTimeout, 10*time.Second)
	if pc.ApplicationName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = pc.ApplicationName
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
