package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listener keeps a LISTEN on one channel over its own connection (never a
// pooled one: LISTEN is session state), reconnecting after failures. It is
// the one loop behind every wake-up by NOTIFY — the dispatcher's "an update
// was stored" and the jobs actor's "Kie called back" — and is only ever a
// hint: its users rescan the database on a timer, so a notification lost
// while reconnecting costs latency, never correctness.
type Listener struct {
	ConnConfig *pgx.ConnConfig
	Channel    string
	// Retry is the wait before reconnecting; default one second.
	Retry time.Duration
	// Notify is called with each notification's payload, from Run's
	// goroutine; it may block until ctx ends.
	Notify func(ctx context.Context, payload string)
	// Interrupted, if set, is told why the connection was lost before Run
	// reconnects.
	Interrupted func(err error)
}

// Run listens until ctx ends.
func (l Listener) Run(ctx context.Context) {
	retry := l.Retry
	if retry <= 0 {
		retry = time.Second
	}
	for ctx.Err() == nil {
		err := l.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if l.Interrupted != nil {
			l.Interrupted(err)
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func (l Listener) listenOnce(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, l.ConnConfig)
	cancel()
	if err != nil {
		return fmt.Errorf("connect to listen on %s: %w", l.Channel, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen on %s: %w", l.Channel, err)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait on %s: %w", l.Channel, err)
		}
		l.Notify(ctx, n.Payload)
	}
}
