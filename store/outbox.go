package store

import (
	"context"
	"fmt"
)

// OutboxOp is a Bot API call waiting to be made for a user.
type OutboxOp struct {
	ID     int64
	UserID int64
	Op     []byte // JSON, owned by package actors
}

// EnqueueOps stores ops for userID, in order; call it in the transaction
// that decided them.
func (q *queries) EnqueueOps(ctx context.Context, userID int64, ops [][]byte) ([]int64, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	strs := make([]string, len(ops))
	for i, o := range ops {
		strs[i] = string(jsonbText(o))
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO outbox (bot_id, user_id, op)
		SELECT $1, $2, o.op::jsonb FROM unnest($3::text[]) WITH ORDINALITY AS o(op, ord) ORDER BY o.ord
		RETURNING id`, q.botID, userID, strs)
	if err != nil {
		return nil, fmt.Errorf("enqueue ops for user %d: %w", userID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("enqueue ops for user %d: %w", userID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PendingOps returns userID's unsent ops in order.
func (q *queries) PendingOps(ctx context.Context, userID int64) ([]OutboxOp, error) {
	rows, err := q.db.Query(ctx, `SELECT id, user_id, op FROM outbox WHERE bot_id = $1 AND user_id = $2 ORDER BY id`, q.botID, userID)
	if err != nil {
		return nil, fmt.Errorf("read pending ops of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []OutboxOp
	for rows.Next() {
		var o OutboxOp
		if err := rows.Scan(&o.ID, &o.UserID, &o.Op); err != nil {
			return nil, fmt.Errorf("read pending ops of user %d: %w", userID, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// DeleteOps removes ops once Telegram accepted them (or they were given up).
func (q *queries) DeleteOps(ctx context.Context, ids []int64) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM outbox WHERE bot_id = $1 AND id = ANY($2)`, q.botID, ids); err != nil {
		return fmt.Errorf("delete %d sent ops: %w", len(ids), err)
	}
	return nil
}

// UsersWithPendingOps lists users with unsent ops (a new leader sends them).
func (q *queries) UsersWithPendingOps(ctx context.Context) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT DISTINCT user_id FROM outbox WHERE bot_id = $1`, q.botID)
	if err != nil {
		return nil, fmt.Errorf("list users with pending ops: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list users with pending ops: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
