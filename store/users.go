package store

import (
	"context"
	"fmt"
	"time"
)

// User is someone who has written to the bot.
type User struct {
	ID             int64
	ChatID         int64
	FirstName      string
	Username       string
	Language       string // "ru" or "en"
	LanguageChosen bool   // the user picked it with /language
	CreatedAt      time.Time
	LastSeenAt     time.Time
	// Ban, set by an admin (see store/admin_users.go): BannedAt is zero
	// while the user is not banned.
	BannedAt  time.Time
	BannedBy  int64
	BanReason string
}

// Banned reports whether an admin has suspended the user.
func (u User) Banned() bool { return !u.BannedAt.IsZero() }

// userColumns are what scanUser reads.
const userColumns = `user_id, chat_id, first_name, username, language, language_chosen, created_at, last_seen_at,
	banned_at, coalesce(banned_by, 0), ban_reason`

func scanUser(row interface{ Scan(...any) error }, u *User, extra ...any) error {
	var banned *time.Time
	err := row.Scan(append([]any{&u.ID, &u.ChatID, &u.FirstName, &u.Username, &u.Language, &u.LanguageChosen, &u.CreatedAt,
		&u.LastSeenAt, &banned, &u.BannedBy, &u.BanReason}, extra...)...)
	if banned != nil {
		u.BannedAt = *banned
	}
	return err
}

// SeenUser is what an update tells about its sender.
type SeenUser struct {
	ID           int64
	ChatID       int64
	FirstName    string
	Username     string
	LanguageCode string // Telegram's language_code; decides the first language
}

// TouchUser records that u wrote to the bot: it creates the user on first
// contact (English for English-speaking Telegram clients, Russian
// otherwise) and refreshes the name. created reports a first contact.
func (q *queries) TouchUser(ctx context.Context, u SeenUser) (user User, created bool, err error) {
	lang := LanguageFor(u.LanguageCode)
	err = scanUser(q.db.QueryRow(ctx, `
		INSERT INTO bot_users (bot_id, user_id, chat_id, first_name, username, language)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (bot_id, user_id) DO UPDATE
		   SET chat_id = EXCLUDED.chat_id, first_name = EXCLUDED.first_name,
		       username = EXCLUDED.username, last_seen_at = now()
		RETURNING `+userColumns+`, (xmax = 0)`,
		q.botID, u.ID, u.ChatID, boundedText(u.FirstName, maxNameText), boundedText(u.Username, maxNameText), lang,
	), &user, &created)
	if err != nil {
		return User{}, false, fmt.Errorf("touch user %d: %w", u.ID, interpret(err))
	}
	return user, created, nil
}

// User loads one user.
func (q *queries) User(ctx context.Context, userID int64) (User, error) {
	var u User
	err := scanUser(q.db.QueryRow(ctx, `SELECT `+userColumns+` FROM bot_users WHERE bot_id = $1 AND user_id = $2`, q.botID, userID), &u)
	if err != nil {
		return User{}, fmt.Errorf("load user %d: %w", userID, interpret(err))
	}
	return u, nil
}

// SetLanguage records the user's explicit language choice.
func (q *queries) SetLanguage(ctx context.Context, userID int64, lang string) error {
	tag, err := q.db.Exec(ctx, `UPDATE bot_users SET language = $3, language_chosen = true WHERE bot_id = $1 AND user_id = $2`,
		q.botID, userID, lang)
	if err != nil {
		return fmt.Errorf("set language of user %d: %w", userID, interpret(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set language of user %d: %w", userID, ErrNotFound)
	}
	return nil
}
