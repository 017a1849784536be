package store

import (
	"context"
	"fmt"
	"time"
)

// Retention is how long the leader keeps each kind of row that is not
// money. A zero age keeps that kind forever. The user rows, the ledger,
// jobs and paid or refunded top-ups are kept forever whatever it says.
type Retention struct {
	// Inbox: processed (and finally failed) updates, by processed_at. The
	// rows are also the dedupe set for Telegram's redeliveries (up to 24
	// hours), so keep them well beyond a day. Unprocessed ones are never
	// purged.
	Inbox time.Duration
	// Invoices: pending top-ups older than this (and past their own
	// expiry) are marked expired.
	Invoices time.Duration
	// Conversations: a user's conversation state once the user has been
	// idle this long and has no unfinished job; the next message starts a
	// fresh conversation.
	Conversations time.Duration
	// Outbox: Bot API calls still unsent after this long (Telegram kept
	// failing them); a reply that late is no longer worth sending.
	Outbox time.Duration
	// Manual: manual top-up requests still awaiting a receipt this long
	// after they were made (and past their own validity) are marked
	// expired. Requests with a receipt wait for an admin, however long.
	Manual time.Duration
	// Batch bounds the rows one statement touches; default
	// DefaultRetentionBatch.
	Batch int
}

// DefaultRetentionBatch is Retention.Batch when zero.
const DefaultRetentionBatch = 1000

// RetentionReport counts what one Retain pass removed or expired.
type RetentionReport struct {
	Inbox, Invoices, Conversations, Outbox, Manual int64
}

// Retain runs every purge r enables, each in batches of r.Batch rows until
// a batch comes back short, and reports what it did. It checks ctx between
// batches, so a leader that loses its term stops within one batch; the
// next pass resumes where this one stopped, since each batch is its own
// statement and commits on its own.
func (s *Store) Retain(ctx context.Context, r Retention) (RetentionReport, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	var rep RetentionReport
	for _, p := range []struct {
		age   time.Duration
		purge func(context.Context, time.Duration, int) (int64, error)
		count *int64
	}{
		{r.Inbox, s.PurgeInbox, &rep.Inbox},
		{r.Invoices, s.ExpireInvoices, &rep.Invoices},
		{r.Conversations, s.PurgeConversations, &rep.Conversations},
		{r.Outbox, s.PurgeOutbox, &rep.Outbox},
		{r.Manual, s.ExpireManualTopUps, &rep.Manual},
	} {
		if p.age <= 0 {
			continue
		}
		for {
			if err := ctx.Err(); err != nil {
				return rep, fmt.Errorf("retention: %w", context.Cause(ctx))
			}
			n, err := p.purge(ctx, p.age, batch)
			*p.count += n
			if err != nil {
				return rep, fmt.Errorf("retention: %w", err)
			}
			if n < int64(batch) {
				break
			}
		}
	}
	return rep, nil
}

// PurgeInbox deletes up to limit processed (or finally failed) updates
// processed more than age ago, by the database clock, and returns how many
// it deleted; call it again while that equals limit. Unprocessed updates
// are never deleted.
func (q *queries) PurgeInbox(ctx context.Context, age time.Duration, limit int) (int64, error) {
	return q.purge(ctx, "purge processed updates", `
		DELETE FROM inbox WHERE (bot_id, update_id) IN (
			SELECT bot_id, update_id FROM inbox
			 WHERE bot_id = $1 AND processed_at < now() - make_interval(secs => $2)
			 LIMIT $3)`, age, limit)
}

// ExpireInvoices marks expired up to limit pending top-ups created more
// than age ago whose own validity has ended (so none can still pass
// pre-checkout), and returns how many. An invoice being paid at this
// moment (its row locked by CompleteTopUp) is skipped. An expired invoice
// keeps its row: CompleteTopUp still credits it should Telegram have
// charged it after all.
func (q *queries) ExpireInvoices(ctx context.Context, age time.Duration, limit int) (int64, error) {
	return q.purge(ctx, "expire unpaid invoices", `
		UPDATE topups SET state = 'expired' WHERE (bot_id, id) IN (
			SELECT bot_id, id FROM topups
			 WHERE bot_id = $1 AND state = 'pending' AND created_at < now() - make_interval(secs => $2) AND expires_at <= now()
			 LIMIT $3 FOR UPDATE SKIP LOCKED)
		  AND state = 'pending'`, age, limit)
}

// PurgeConversations deletes up to limit conversations of users who have
// not written for age and whose conversation has not changed for age, and
// who have no unfinished job, and returns how many. The users themselves,
// their balances, ledger, jobs and top-ups stay.
func (q *queries) PurgeConversations(ctx context.Context, age time.Duration, limit int) (int64, error) {
	return q.purge(ctx, "purge idle conversations", `
		DELETE FROM conversations WHERE (bot_id, user_id) IN (
			SELECT c.bot_id, c.user_id FROM conversations c
			  JOIN bot_users u ON u.bot_id = c.bot_id AND u.user_id = c.user_id
			 WHERE c.bot_id = $1
			   AND c.updated_at < now() - make_interval(secs => $2)
			   AND u.last_seen_at < now() - make_interval(secs => $2)
			   AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.bot_id = c.bot_id AND j.user_id = c.user_id AND j.finished_at IS NULL)
			 LIMIT $3)`, age, limit)
}

// PurgeOutbox deletes up to limit Bot API calls enqueued more than age ago
// and still unsent, and returns how many. Calls are deleted once Telegram
// accepts (or refuses) them, so what this finds are calls a transient
// failure kept retrying, or whose deletion failed after they were made.
func (q *queries) PurgeOutbox(ctx context.Context, age time.Duration, limit int) (int64, error) {
	return q.purge(ctx, "purge stale outbox calls", `
		DELETE FROM outbox WHERE id IN (
			SELECT id FROM outbox
			 WHERE bot_id = $1 AND created_at < now() - make_interval(secs => $2)
			 LIMIT $3)`, age, limit)
}

// purge runs a bounded DELETE or UPDATE whose $1 is the bot id, $2 the age
// in seconds and $3 the batch size.
func (q *queries) purge(ctx context.Context, what, sql string, age time.Duration, limit int) (int64, error) {
	if age <= 0 || limit <= 0 {
		return 0, fmt.Errorf("%s: age %s and batch %d must be positive", what, age, limit)
	}
	tag, err := q.db.Exec(ctx, sql, q.botID, age.Seconds(), limit)
	if err != nil {
		return 0, fmt.Errorf("%s older than %s: %w", what, age, interpret(err))
	}
	return tag.RowsAffected(), nil
}
