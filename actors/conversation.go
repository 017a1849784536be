package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// Conversations handles a user's updates: it records the user and answers
// with the screens of package fsm.
type Conversations struct {
	Store    *store.Store
	Telegram *Telegram
	Logger   *slog.Logger
}

// Handle processes one update.
func (c *Conversations) Handle(ctx context.Context, raw RawUpdate) error {
	var u models.Update
	if err := json.Unmarshal(raw.JSON, &u); err != nil {
		return fmt.Errorf("decode update %d: %w", raw.ID, err)
	}
	switch {
	case u.Message != nil && u.Message.From != nil:
		return c.message(ctx, u.Message)
	case u.CallbackQuery != nil:
		return c.callback(ctx, u.CallbackQuery)
	}
	return nil // update kinds the bot does not use
}

func (c *Conversations) message(ctx context.Context, m *models.Message) error {
	user, _, err := c.Store.TouchUser(ctx, seenUser(m.From, m.Chat.ID))
	if err != nil {
		return err
	}
	lang := fsm.LangOf(user.Language)
	screen := fsm.Hint(lang)
	if cmd, _ := command(m.Text); cmd == "start" {
		screen = fsm.Welcome(lang, m.From.FirstName)
	}
	_, err = c.Telegram.sendScreen(ctx, m.Chat.ID, screen)
	return err
}

func (c *Conversations) callback(ctx context.Context, q *models.CallbackQuery) error {
	user, _, err := c.Store.TouchUser(ctx, seenUser(&q.From, q.From.ID))
	if err != nil {
		return err
	}
	if _, err := c.Telegram.Bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{
		CallbackQueryID: q.ID, Text: fsm.T(fsm.LangOf(user.Language), fsm.KeyNotYet),
	}); err != nil {
		return fmt.Errorf("answer callback of user %d: %w", q.From.ID, err)
	}
	return nil
}

func seenUser(u *models.User, chatID int64) store.SeenUser {
	return store.SeenUser{ID: u.ID, ChatID: chatID, FirstName: u.FirstName, Username: u.Username, LanguageCode: u.LanguageCode}
}

// command splits "/start@kiebot payload" into ("start", "payload"); it
// returns "" for text that is not a command.
func command(text string) (name, arg string) {
	if !strings.HasPrefix(text, "/") {
		return "", ""
	}
	head, arg, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg)
}

// DirectSink handles each update as it is polled, in order. It is the
// single-instance stand-in for the inbox and dispatcher: an update whose
// handling fails is logged, not retried.
type DirectSink struct {
	Conversations *Conversations
	Logger        *slog.Logger
}

// StoreUpdates handles batch in order.
func (d *DirectSink) StoreUpdates(ctx context.Context, batch []RawUpdate) error {
	for _, u := range batch {
		if err := d.Conversations.Handle(ctx, u); err != nil {
			d.Logger.Error("conversation: update failed", "update_id", u.ID, "err", err)
		}
	}
	return nil
}
