package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrFreeLimit: the user has used all of today's free generations.
var ErrFreeLimit = errors.New("daily free limit reached")

// utcToday is the current UTC day by the database clock, so every instance
// agrees on when a day ends.
const utcToday = `(now() AT TIME ZONE 'UTC')::date`

// FreeUsedToday returns how many free generations userID has used today
// (UTC), not counting those given back by failed jobs.
func (q *queries) FreeUsedToday(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `
		SELECT coalesce((SELECT used FROM free_usage WHERE bot_id = $1 AND user_id = $2 AND day = `+utcToday+`), 0)`,
		q.botID, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count free uses of user %d: %w", userID, interpret(err))
	}
	return n, nil
}

// consumeFreeUse takes one of today's limit free uses and returns the day
// it was taken from; ErrFreeLimit when none is left. The upsert's row lock
// makes concurrent takers count correctly.
func (q *queries) consumeFreeUse(ctx context.Context, userID int64, limit int) (time.Time, error) {
	if limit <= 0 {
		return time.Time{}, fmt.Errorf("free limit %d: %w", limit, ErrFreeLimit)
	}
	var day time.Time
	err := q.db.QueryRow(ctx, `
		INSERT INTO free_usage (bot_id, user_id, day, used) VALUES ($1, $2, `+utcToday+`, 1)
		ON CONFLICT (bot_id, user_id, day) DO UPDATE SET used = free_usage.used + 1
		 WHERE free_usage.used < $3
		RETURNING day`, q.botID, userID, limit).Scan(&day)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, fmt.Errorf("%d free uses today: %w", limit, ErrFreeLimit)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("take a free use: %w", interpret(err))
	}
	return day, nil
}

// returnFreeUse gives back the free use job id took, on the day it took
// it (a job that fails after midnight must not free one of today's).
func (q *queries) returnFreeUse(ctx context.Context, jobID int64) error {
	_, err := q.db.Exec(ctx, `
		UPDATE free_usage f SET used = f.used - 1
		  FROM jobs j
		 WHERE j.bot_id = $1 AND j.id = $2 AND j.free
		   AND f.bot_id = j.bot_id AND f.user_id = j.user_id AND f.day = j.free_day AND f.used > 0`,
		q.botID, jobID)
	if err != nil {
		return fmt.Errorf("give back the free use of job %d: %w", jobID, interpret(err))
	}
	return nil
}
