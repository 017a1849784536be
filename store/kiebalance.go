package store

import (
	"context"
	"fmt"
	"time"
)

// KieBalance is Kie's credit balance as last read, in micro-credits (the
// unit of kie.Credits), with the database time of the reading and its age
// by the database clock when it was loaded.
type KieBalance struct {
	CreditsMicro int64
	ReadAt       time.Time
	Age          time.Duration
}

// SaveKieBalance records a fresh reading of Kie's balance.
func (q *queries) SaveKieBalance(ctx context.Context, creditsMicro int64) (KieBalance, error) {
	b := KieBalance{CreditsMicro: creditsMicro}
	err := q.db.QueryRow(ctx, `
		INSERT INTO kie_balance (bot_id, credits_micro, read_at) VALUES ($1, $2, now())
		ON CONFLICT (bot_id) DO UPDATE SET credits_micro = EXCLUDED.credits_micro, read_at = EXCLUDED.read_at
		RETURNING read_at`, q.botID, creditsMicro).Scan(&b.ReadAt)
	if err != nil {
		return KieBalance{}, fmt.Errorf("save kie balance: %w", interpret(err))
	}
	return b, nil
}

// KieBalance is the last reading (ErrNotFound before the first).
func (q *queries) KieBalance(ctx context.Context) (KieBalance, error) {
	var b KieBalance
	err := q.db.QueryRow(ctx, `SELECT credits_micro, read_at, now() - read_at FROM kie_balance WHERE bot_id = $1`, q.botID).
		Scan(&b.CreditsMicro, &b.ReadAt, &b.Age)
	if err != nil {
		return KieBalance{}, fmt.Errorf("load kie balance: %w", interpret(err))
	}
	return b, nil
}

// KieFunds is what an order check compares: the last balance reading
// (known false before the first) and the Kie cost, in micro-credits, of
// every unfinished job — queued, being submitted, running or of unknown
// submission — which the balance may not reflect yet. ordered reports
// that a job under idempotencyKey exists already (a repeated tap of one
// confirmation: the order was taken, and is not counted against itself).
func (q *queries) KieFunds(ctx context.Context, idempotencyKey string) (bal KieBalance, known bool, committedMicro int64, ordered bool, err error) {
	var credits *int64
	var readAt *time.Time
	var age *time.Duration
	err = q.db.QueryRow(ctx, `
		SELECT b.credits_micro, b.read_at, now() - b.read_at,
		       coalesce((SELECT sum(cost_micro_credits) FROM jobs WHERE bot_id = $1 AND finished_at IS NULL), 0)::bigint,
		       EXISTS (SELECT 1 FROM jobs WHERE bot_id = $1 AND idempotency_key = $2)
		  FROM (SELECT 1) one LEFT JOIN kie_balance b ON b.bot_id = $1`,
		q.botID, idempotencyKey).Scan(&credits, &readAt, &age, &committedMicro, &ordered)
	if err != nil {
		return KieBalance{}, false, 0, false, fmt.Errorf("read kie funds: %w", interpret(err))
	}
	if credits == nil || readAt == nil || age == nil {
		return KieBalance{}, false, committedMicro, ordered, nil
	}
	return KieBalance{CreditsMicro: *credits, ReadAt: *readAt, Age: *age}, true, committedMicro, ordered, nil
}
