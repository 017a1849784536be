package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// InboxChannel is the NOTIFY channel that wakes botID's dispatcher when an
// update is stored (the webhook may store it on another instance).
func InboxChannel(botID int64) string { return "kiebot_inbox_" + strconv.FormatInt(botID, 10) }

// InboxUpdate is one update to store.
type InboxUpdate struct {
	UpdateID int64
	UserID   int64 // the sender; 0 for updates without one
	Kind     string
	Payload  []byte // the update's JSON as Telegram sent it
}

// StoreUpdates inserts the batch in order, ignoring update ids already
// stored, and notifies the dispatcher, in one statement (one transaction).
// It returns how many were new. A payload escape jsonb refuses (\u0000, a
// lone surrogate) is stored as \ufffd: one odd update must not stop the
// batch, and with it the bot's ingest.
func (q *queries) StoreUpdates(ctx context.Context, source string, batch []InboxUpdate) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(batch))
	users := make([]int64, len(batch))
	kinds := make([]string, len(batch))
	payloads := make([]string, len(batch))
	for i, u := range batch {
		ids[i], users[i], kinds[i], payloads[i] = u.UpdateID, u.UserID, u.Kind, string(jsonbText(u.Payload))
	}
	var n int
	err := q.db.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO inbox (bot_id, update_id, user_id, kind, payload, source)
			SELECT $1, u.id, u.user_id, u.kind, u.payload::jsonb, $6
			  FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) WITH ORDINALITY
			       AS u(id, user_id, kind, payload, ord)
			 ORDER BY u.ord
			ON CONFLICT (bot_id, update_id) DO NOTHING
			RETURNING 1
		)
		SELECT count(*), pg_notify($7, '') FROM ins`,
		q.botID, ids, users, kinds, payloads, source, InboxChannel(q.botID),
	).Scan(&n, nil)
	if err != nil {
		return 0, fmt.Errorf("store %d updates: %w", len(batch), interpret(err))
	}
	return n, nil
}

// PendingUpdate is a stored update not yet processed.
type PendingUpdate struct {
	UpdateID   int64
	Seq        int64
	UserID     int64
	Kind       string
	Payload    []byte
	ReceivedAt time.Time
	Attempts   int
	// Unstored: polled and handed to the dispatcher directly, not (yet)
	// in the inbox; the step's commit inserts its row, processed.
	Unstored bool
}

// PendingUpdates returns up to limit unprocessed updates in arrival order.
func (q *queries) PendingUpdates(ctx context.Context, limit int) ([]PendingUpdate, error) {
	return q.pendingUpdates(ctx, `
		SELECT update_id, seq, user_id, kind, payload, received_at, attempts
		  FROM inbox WHERE bot_id = $1 AND processed_at IS NULL
		 ORDER BY seq LIMIT $2`, q.botID, limit)
}

// PendingUpdatesAfter returns up to limit unprocessed updates with seq
// above after, in arrival order: the dispatcher's incremental read.
func (q *queries) PendingUpdatesAfter(ctx context.Context, after int64, limit int) ([]PendingUpdate, error) {
	return q.pendingUpdates(ctx, `
		SELECT update_id, seq, user_id, kind, payload, received_at, attempts
		  FROM inbox WHERE bot_id = $1 AND processed_at IS NULL AND seq > $2
		 ORDER BY seq LIMIT $3`, q.botID, after, limit)
}

// PendingUpdatesMissed returns unprocessed updates with seq up to upTo that
// are not in held: rows a concurrent writer committed after the
// dispatcher's cursor passed their seq, or rows left pending by a failed
// attempt. The dispatcher runs it periodically as its safety net.
func (q *queries) PendingUpdatesMissed(ctx context.Context, upTo int64, held []int64, limit int) ([]PendingUpdate, error) {
	return q.pendingUpdates(ctx, `
		SELECT update_id, seq, user_id, kind, payload, received_at, attempts
		  FROM inbox WHERE bot_id = $1 AND processed_at IS NULL AND seq <= $2 AND update_id <> ALL($3::bigint[])
		 ORDER BY seq LIMIT $4`, q.botID, upTo, held, limit)
}

func (q *queries) pendingUpdates(ctx context.Context, sql string, args ...any) ([]PendingUpdate, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read pending updates: %w", err)
	}
	defer rows.Close()
	var out []PendingUpdate
	for rows.Next() {
		var p PendingUpdate
		if err := rows.Scan(&p.UpdateID, &p.Seq, &p.UserID, &p.Kind, &p.Payload, &p.ReceivedAt, &p.Attempts); err != nil {
			return nil, fmt.Errorf("read pending updates: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pending updates: %w", err)
	}
	return out, nil
}

// MarkProcessed marks an update done; call it in the transaction of the
// state change the update caused. It fails with ErrNotFound when the update
// is unknown or was already processed, which rolls that transaction back:
// an update takes effect once.
func (q *queries) MarkProcessed(ctx context.Context, updateID int64) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE inbox SET processed_at = now() WHERE bot_id = $1 AND update_id = $2 AND processed_at IS NULL`,
		q.botID, updateID)
	if err != nil {
		return fmt.Errorf("mark update %d processed: %w", updateID, interpret(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("mark update %d processed: %w", updateID, ErrNotFound)
	}
	return nil
}

// RecordFailure counts a failed attempt at an update; with final it also
// marks it processed (failed), so it is not retried again. The cause is
// kept as valid UTF-8 of at most 1000 bytes, so no cause can make the
// record itself fail.
func (q *queries) RecordFailure(ctx context.Context, updateID int64, cause string, final bool) error {
	cause = boundedText(cause, maxErrorText)
	_, err := q.db.Exec(ctx, `
		UPDATE inbox SET attempts = attempts + 1, last_error = $3,
		       processed_at = CASE WHEN $4 THEN now() END, failed = $4
		 WHERE bot_id = $1 AND update_id = $2 AND processed_at IS NULL`, q.botID, updateID, cause, final)
	if err != nil {
		return fmt.Errorf("record failure of update %d: %w", updateID, interpret(err))
	}
	return nil
}

// InboxStats returns the number of unprocessed updates and the age of the
// oldest by the database clock.
func (q *queries) InboxStats(ctx context.Context) (depth int64, lag time.Duration, err error) {
	var lagSeconds float64
	err = q.db.QueryRow(ctx, `
		SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8
		  FROM inbox WHERE bot_id = $1 AND processed_at IS NULL`, q.botID).Scan(&depth, &lagSeconds)
	if err != nil {
		return 0, 0, fmt.Errorf("read inbox stats: %w", err)
	}
	return depth, time.Duration(lagSeconds * float64(time.Second)), nil
}

// ProcessedUpdate reports whether updateID is stored and processed (tests
// and the audit use it).
func (q *queries) UpdateState(ctx context.Context, updateID int64) (stored, processed, failed bool, err error) {
	var p *time.Time
	err = q.db.QueryRow(ctx, `SELECT processed_at, failed FROM inbox WHERE bot_id = $1 AND update_id = $2`, q.botID, updateID).Scan(&p, &failed)
	if err != nil {
		if interpret(err) == ErrNotFound {
			return false, false, false, nil
		}
		return false, false, false, fmt.Errorf("read update %d: %w", updateID, err)
	}
	return true, p != nil, failed, nil
}
