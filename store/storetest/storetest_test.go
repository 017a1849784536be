package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestBudgetSlotsExcludeEachOther(t *testing.T) {
	t.Parallel()
	b := connBudget{dir: t.TempDir(), slots: 2}
	r1, ok1, err1 := b.tryAcquire()
	_, ok2, err2 := b.tryAcquire()
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		t.Fatalf("two slots of two: %v %v, %v %v", ok1, err1, ok2, err2)
	}
	if _, ok, err := b.tryAcquire(); ok || err != nil {
		t.Fatalf("a third slot of two: ok %v, err %v", ok, err)
	}
	r1()
	r1() // releasing twice is harmless
	r3, ok, err := b.tryAcquire()
	if !ok || err != nil {
		t.Fatalf("a slot after a release: ok %v, err %v", ok, err)
	}
	r3()
}

// Every connection of a pool holds a slot from its dial to its close, so
// the pools of all test processes together stay within the budget.
func TestPoolConnectionsHoldBudgetSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := NewDatabase(t)
	b := connBudget{dir: t.TempDir(), slots: 2}
	pool, err := openPool(ctx, dsn, &b)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if c := pool.Config(); c.MaxConns != DefaultMaxConns || c.MinConns != 0 {
		t.Fatalf("pool MaxConns %d, MinConns %d; want %d, 0", c.MaxConns, c.MinConns, DefaultMaxConns)
	}
	var held []*pgxpool.Conn
	release := func() {
		for _, c := range held {
			c.Release()
		}
		held = nil
	}
	defer release() // before pool.Close, which waits for them
	for range 2 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if _, ok, _ := b.tryAcquire(); ok {
		t.Fatal("a slot was free while the pool held two connections of a budget of two")
	}
	// A dedicated connection made from the pool's config (the leader's,
	// a LISTEN) is inside the budget too.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if conn, err := pgx.ConnectConfig(cctx, pool.Config().ConnConfig.Copy()); err == nil {
		conn.Close(ctx)
		t.Fatal("a connection from the pool's config was made with every slot taken")
	}
	release()
	pool.Close()
	r, ok, err := b.tryAcquire()
	if !ok || err != nil {
		t.Fatalf("no slot free after the pool closed: ok %v, err %v", ok, err)
	}
	r()

	if p := OpenPool(t, dsn, MaxConns(12)); p.Config().MaxConns != 12 {
		t.Fatalf("MaxConns(12) gave a pool of %d", p.Config().MaxConns)
	}
}

// "sorry, too many clients already" is SQLSTATE 53300, as is a role's
// connection limit, which lets the test provoke it without filling the
// shared server.
func TestConnectWaitsOutTooManyClients(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbURL := NewDatabase(t)
	admin := connectAdmin(ctx, t)
	defer admin.Close(context.Background())
	role := "kiebot_test_limited_" + randomHex(4)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN CONNECTION LIMIT 1`, pgx.Identifier{role}.Sanitize())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		admin := connectAdmin(ctx, t)
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP ROLE %s`, pgx.Identifier{role}.Sanitize())); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	u, _ := url.Parse(dbURL)
	u.User = url.User(role)
	dsn := u.String()

	held, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if _, err := pgx.Connect(ctx, dsn); !errors.As(err, &pgErr) || pgErr.Code != tooManyClients {
		t.Fatalf("a second connection of a role limited to one: %v; want SQLSTATE %s", err, tooManyClients)
	}

	refused := make(chan error, 1)
	type result struct {
		conn *pgx.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := connect(ctx, dsn, func(err error) {
			select {
			case refused <- err:
			default:
			}
		})
		done <- result{conn, err}
	}()
	select {
	case <-refused:
	case r := <-done:
		t.Fatalf("connect returned at once instead of waiting: %v", r.err)
	}
	held.Close(ctx) // the slot frees: the waiting connect gets in
	r := <-done
	if r.err != nil {
		t.Fatalf("connect after the limit cleared: %v", r.err)
	}
	r.conn.Close(ctx)
}
