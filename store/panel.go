package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The web panel's sign-in (migration 0011): one-time links and sessions,
// both kept as the SHA-256 of their token. Times are the caller's clock,
// so tests can move it.

var (
	// ErrLinkUsed: a panel link that signed someone in already.
	ErrLinkUsed = errors.New("panel link already used")
	// ErrLinkExpired: a panel link past its expiry.
	ErrLinkExpired = errors.New("panel link expired")
)

// CreatePanelLink stores a one-time sign-in link for adminID, and forgets
// links and sessions that ended more than a day before now.
func (q *queries) CreatePanelLink(ctx context.Context, hash []byte, adminID int64, now, expires time.Time) error {
	if _, err := q.db.Exec(ctx, `INSERT INTO panel_links (bot_id, token_hash, admin_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		q.botID, hash, adminID, now, expires); err != nil {
		return fmt.Errorf("create panel link for %d: %w", adminID, interpret(err))
	}
	old := now.Add(-24 * time.Hour)
	if _, err := q.db.Exec(ctx, `DELETE FROM panel_links WHERE bot_id = $1 AND expires_at < $2`, q.botID, old); err != nil {
		return fmt.Errorf("forget old panel links: %w", interpret(err))
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM panel_sessions WHERE bot_id = $1 AND (expires_at < $2 OR revoked_at < $2)`, q.botID, old); err != nil {
		return fmt.Errorf("forget old panel sessions: %w", interpret(err))
	}
	return nil
}

// UsePanelLink spends a link: it returns the admin it was made for, once.
// An unknown link is ErrNotFound, a spent one ErrLinkUsed, an old one
// ErrLinkExpired; none of those changes anything.
func (q *queries) UsePanelLink(ctx context.Context, hash []byte, now time.Time) (adminID int64, err error) {
	err = q.db.QueryRow(ctx, `UPDATE panel_links SET used_at = $3
		 WHERE bot_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING admin_id`,
		q.botID, hash, now).Scan(&adminID)
	if err == nil {
		return adminID, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("use panel link: %w", interpret(err))
	}
	var used *time.Time
	err = q.db.QueryRow(ctx, `SELECT admin_id, used_at FROM panel_links WHERE bot_id = $1 AND token_hash = $2`, q.botID, hash).Scan(&adminID, &used)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, fmt.Errorf("use panel link: %w", ErrNotFound)
	case err != nil:
		return 0, fmt.Errorf("use panel link: %w", interpret(err))
	case used != nil:
		return adminID, fmt.Errorf("use panel link of %d: %w", adminID, ErrLinkUsed)
	}
	return adminID, fmt.Errorf("use panel link of %d: %w", adminID, ErrLinkExpired)
}

// PanelSession is a signed-in browser.
type PanelSession struct {
	AdminID    int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	UserAgent  string
}

// CreatePanelSession stores a session for adminID.
func (q *queries) CreatePanelSession(ctx context.Context, hash []byte, adminID int64, userAgent string, now, expires time.Time) error {
	if _, err := q.db.Exec(ctx, `INSERT INTO panel_sessions (bot_id, token_hash, admin_id, created_at, expires_at, last_seen_at, user_agent)
		VALUES ($1, $2, $3, $4, $5, $4, $6)`, q.botID, hash, adminID, now, expires, boundedText(userAgent, 300)); err != nil {
		return fmt.Errorf("create panel session for %d: %w", adminID, interpret(err))
	}
	return nil
}

// TouchPanelSession returns the live session (not revoked, not expired)
// with token hash and records that it was seen now (at most once a
// minute, to spare the row). ErrNotFound otherwise.
func (q *queries) TouchPanelSession(ctx context.Context, hash []byte, now time.Time) (PanelSession, error) {
	var s PanelSession
	err := q.db.QueryRow(ctx, `SELECT admin_id, created_at, expires_at, last_seen_at, user_agent FROM panel_sessions
		 WHERE bot_id = $1 AND token_hash = $2 AND revoked_at IS NULL AND expires_at > $3`, q.botID, hash, now).
		Scan(&s.AdminID, &s.CreatedAt, &s.ExpiresAt, &s.LastSeenAt, &s.UserAgent)
	if err != nil {
		return PanelSession{}, fmt.Errorf("panel session: %w", interpret(err))
	}
	if now.Sub(s.LastSeenAt) >= time.Minute {
		if _, err := q.db.Exec(ctx, `UPDATE panel_sessions SET last_seen_at = $3 WHERE bot_id = $1 AND token_hash = $2`, q.botID, hash, now); err != nil {
			return PanelSession{}, fmt.Errorf("touch panel session: %w", interpret(err))
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// RevokePanelSession signs one session out; false when it was not live.
func (q *queries) RevokePanelSession(ctx context.Context, hash []byte, now time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE panel_sessions SET revoked_at = $3 WHERE bot_id = $1 AND token_hash = $2 AND revoked_at IS NULL`,
		q.botID, hash, now)
	if err != nil {
		return false, fmt.Errorf("revoke panel session: %w", interpret(err))
	}
	return tag.RowsAffected() == 1, nil
}

// RevokePanelSessions signs every live session of adminID out and returns
// how many there were.
func (q *queries) RevokePanelSessions(ctx context.Context, adminID int64, now time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE panel_sessions SET revoked_at = $3
		 WHERE bot_id = $1 AND admin_id = $2 AND revoked_at IS NULL AND expires_at > $3`, q.botID, adminID, now)
	if err != nil {
		return 0, fmt.Errorf("revoke panel sessions of %d: %w", adminID, interpret(err))
	}
	return tag.RowsAffected(), nil
}
