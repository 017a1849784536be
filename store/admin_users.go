package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Reads and writes of the operator console about users: lookup by
// @username, a user's top-ups, bans. Every change here is audited by its
// caller in the same transaction (see adminlog.go).

var (
	// ErrAlreadyBanned: BanUser on a user who is banned.
	ErrAlreadyBanned = errors.New("user already banned")
	// ErrNotBanned: UnbanUser on a user who is not banned.
	ErrNotBanned = errors.New("user not banned")
)

// UserByUsername finds the user whose Telegram @username is username
// (without the @, any case). Usernames move between accounts; when two
// rows carry the same one, the user seen last is the one who has it now.
func (q *queries) UserByUsername(ctx context.Context, username string) (User, error) {
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	var u User
	err := scanUser(q.db.QueryRow(ctx, `
		SELECT `+userColumns+` FROM bot_users
		 WHERE bot_id = $1 AND username <> '' AND lower(username) = lower($2)
		 ORDER BY last_seen_at DESC, user_id LIMIT 1`, q.botID, username), &u)
	if err != nil {
		return User{}, fmt.Errorf("find user @%s: %w", username, interpret(err))
	}
	return u, nil
}

// RecentTopUps returns userID's latest n invoices and payments, newest
// first.
func (q *queries) RecentTopUps(ctx context.Context, userID int64, n int) ([]TopUp, error) {
	rows, err := q.db.Query(ctx, `SELECT `+topUpColumns+` FROM topups WHERE bot_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3`,
		q.botID, userID, n)
	if err != nil {
		return nil, fmt.Errorf("list top-ups of user %d: %w", userID, interpret(err))
	}
	ts, err := pgx.CollectRows(rows, scanTopUp)
	if err != nil {
		return nil, fmt.Errorf("list top-ups of user %d: %w", userID, interpret(err))
	}
	return ts, nil
}

// LockUser locks userID's row for the rest of the transaction and returns
// it with its balance: what an admin change reads as "before", so two
// admins changing one user at once are serialised and each sees what the
// other did.
func (q *queries) LockUser(ctx context.Context, userID int64) (u User, available, held int64, err error) {
	err = scanUser(q.db.QueryRow(ctx, `SELECT `+userColumns+`, balance_kopecks, held_kopecks FROM bot_users
		 WHERE bot_id = $1 AND user_id = $2 FOR UPDATE`, q.botID, userID), &u, &available, &held)
	if err != nil {
		return User{}, 0, 0, fmt.Errorf("lock user %d: %w", userID, interpret(err))
	}
	return u, available, held, nil
}

// BanUser suspends userID: ErrAlreadyBanned (nothing changed) if they are;
// ErrNotFound for an unknown user.
func (q *queries) BanUser(ctx context.Context, userID, adminID int64, reason string) (User, error) {
	var u User
	err := scanUser(q.db.QueryRow(ctx, `
		UPDATE bot_users SET banned_at = now(), banned_by = $3, ban_reason = $4
		 WHERE bot_id = $1 AND user_id = $2 AND banned_at IS NULL
		RETURNING `+userColumns, q.botID, userID, adminID, boundedText(reason, maxAdminText)), &u)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := q.User(ctx, userID); err != nil {
			return User{}, fmt.Errorf("ban user %d: %w", userID, err)
		}
		return User{}, fmt.Errorf("ban user %d: %w", userID, ErrAlreadyBanned)
	}
	if err != nil {
		return User{}, fmt.Errorf("ban user %d: %w", userID, interpret(err))
	}
	return u, nil
}

// UnbanUser lifts userID's suspension: ErrNotBanned (nothing changed) if
// there is none; ErrNotFound for an unknown user.
func (q *queries) UnbanUser(ctx context.Context, userID int64) (User, error) {
	var u User
	err := scanUser(q.db.QueryRow(ctx, `
		UPDATE bot_users SET banned_at = NULL, banned_by = NULL, ban_reason = ''
		 WHERE bot_id = $1 AND user_id = $2 AND banned_at IS NOT NULL
		RETURNING `+userColumns, q.botID, userID), &u)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := q.User(ctx, userID); err != nil {
			return User{}, fmt.Errorf("unban user %d: %w", userID, err)
		}
		return User{}, fmt.Errorf("unban user %d: %w", userID, ErrNotBanned)
	}
	if err != nil {
		return User{}, fmt.Errorf("unban user %d: %w", userID, interpret(err))
	}
	return u, nil
}

// OrderBlocks reads, in one round trip, what stops an order that the
// conversation allowed: the user is banned, or an admin switched the model
// off. In the order's transaction it is the last word, whatever a screen
// or a live copy showed.
func (q *queries) OrderBlocks(ctx context.Context, userID int64, modelID string) (banned, modelOff bool, err error) {
	err = q.db.QueryRow(ctx, `
		SELECT coalesce((SELECT banned_at IS NOT NULL FROM bot_users WHERE bot_id = $1 AND user_id = $2), false),
		       coalesce((SELECT off FROM model_switches WHERE bot_id = $1 AND model_id = $3), false)`,
		q.botID, userID, modelID).Scan(&banned, &modelOff)
	if err != nil {
		return false, false, fmt.Errorf("read what blocks an order of user %d: %w", userID, interpret(err))
	}
	return banned, modelOff, nil
}
