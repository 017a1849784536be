package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxAdminText bounds the audit log's free-text columns (an admin's words,
// a message sent): about 4000 characters of Cyrillic.
const maxAdminText = 16000

// AdminAction is one row of the audit log: an admin's change, recorded in
// the transaction that made it.
type AdminAction struct {
	ID           int64
	AdminID      int64
	Action       string // what was done; see package operator's Action constants
	TargetUserID int64  // the user it was about; 0 when none
	Target       string // what else it touched: a job id, a model id, a Stars charge id
	Before       string // the touched thing's state before, as text
	After        string // and after
	Reason       string // the admin's words
	Key          string // idempotency key: one row per action, however often it is repeated
	CreatedAt    time.Time
}

// RecordAdminAction appends a to the audit log. A Key recorded before
// yields ErrDuplicate and writes nothing, without aborting the caller's
// transaction. Call it in the transaction of the change it describes, so
// the two commit or fail together.
func (q *queries) RecordAdminAction(ctx context.Context, a AdminAction) (AdminAction, error) {
	switch {
	case a.AdminID == 0:
		return AdminAction{}, errors.New("record admin action: no admin")
	case a.Action == "":
		return AdminAction{}, errors.New("record admin action: no action")
	case a.Key == "":
		return AdminAction{}, fmt.Errorf("record admin action %s: no idempotency key", a.Action)
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO admin_actions (bot_id, admin_id, action, target_user_id, target, before_value, after_value, reason, idem_key)
		VALUES ($1, $2, $3, nullif($4::bigint, 0), $5, $6, $7, $8, $9)
		ON CONFLICT (bot_id, idem_key) DO NOTHING
		RETURNING `+adminActionColumns,
		q.botID, a.AdminID, a.Action, a.TargetUserID, boundedText(a.Target, maxAdminText), boundedText(a.Before, maxAdminText),
		boundedText(a.After, maxAdminText), boundedText(a.Reason, maxAdminText), a.Key)
	var out AdminAction
	if err == nil {
		out, err = pgx.CollectExactlyOneRow(rows, scanAdminAction)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return AdminAction{}, fmt.Errorf("record admin action %s (key %q): %w", a.Action, a.Key, ErrDuplicate)
	}
	if err != nil {
		return AdminAction{}, fmt.Errorf("record admin action %s by %d: %w", a.Action, a.AdminID, interpret(err))
	}
	return out, nil
}

// AdminActionFilter selects audit log rows: zero fields match everything.
type AdminActionFilter struct {
	AdminID int64 // only this admin's actions
	UserID  int64 // only actions about this user
	Offset  int   // skip the newest Offset rows (pagination)
	Limit   int   // at most this many; default 20, at most 200
}

// AdminActions lists the audit log, newest first, and reports whether
// older rows follow.
func (q *queries) AdminActions(ctx context.Context, f AdminActionFilter) (actions []AdminAction, more bool, err error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	rows, err := q.db.Query(ctx, `
		SELECT `+adminActionColumns+` FROM admin_actions
		 WHERE bot_id = $1 AND ($2::bigint = 0 OR admin_id = $2) AND ($3::bigint = 0 OR target_user_id = $3)
		 ORDER BY id DESC OFFSET $4 LIMIT $5`,
		q.botID, f.AdminID, f.UserID, max(f.Offset, 0), limit+1)
	if err == nil {
		actions, err = pgx.CollectRows(rows, scanAdminAction)
	}
	if err != nil {
		return nil, false, fmt.Errorf("list admin actions: %w", interpret(err))
	}
	if len(actions) > limit {
		return actions[:limit], true, nil
	}
	return actions, false, nil
}

const adminActionColumns = `id, admin_id, action, coalesce(target_user_id, 0), target, before_value, after_value, reason, idem_key, created_at`

func scanAdminAction(row pgx.CollectableRow) (AdminAction, error) {
	var a AdminAction
	err := row.Scan(&a.ID, &a.AdminID, &a.Action, &a.TargetUserID, &a.Target, &a.Before, &a.After, &a.Reason, &a.Key, &a.CreatedAt)
	return a, err
}

// AdminActionDone reports whether an action with key was recorded.
func (q *queries) AdminActionDone(ctx context.Context, key string) (bool, error) {
	var done bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM admin_actions WHERE bot_id = $1 AND idem_key = $2)`, q.botID, key).Scan(&done)
	if err != nil {
		return false, fmt.Errorf("look up admin action %q: %w", key, interpret(err))
	}
	return done, nil
}
