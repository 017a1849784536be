package actors

import (
	"context"
	"errors"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// MenuHandler is the minimal conversation: /start shows the welcome and
// main menu, other text gets a hint, buttons get a "not yet". It is the
// update handler until the product flows replace it, and a small one for
// tests of the machinery.
type MenuHandler struct {
	Store *store.Store
}

// Handle implements UpdateHandler.
func (h *MenuHandler) Handle(ctx context.Context, s Session, upd *models.Update) (Step, error) {
	switch {
	case upd.Message != nil && upd.Message.From != nil:
		m := upd.Message
		lang, err := h.lang(ctx, m.From)
		if err != nil {
			return Step{}, err
		}
		conv := fsm.NewConversation(s.State)
		screen := fsm.Hint(lang)
		if cmd, _ := command(m.Text); cmd == "start" {
			if err := fsm.Fire(conv, fsm.EventStart); err != nil {
				return Step{}, err
			}
			screen = fsm.Welcome(lang, m.From.FirstName)
		}
		return Step{
			State: conv.Current(),
			Ops:   []Op{ScreenOp(m.Chat.ID, screen)},
		}, nil
	case upd.CallbackQuery != nil:
		q := upd.CallbackQuery
		lang, err := h.lang(ctx, &q.From)
		if err != nil {
			return Step{}, err
		}
		return Step{
			State: fsm.NewConversation(s.State).Current(),
			Ops:   []Op{AnswerOp(q.ID, fsm.T(lang, fsm.KeyNotYet))},
		}, nil
	}
	return Step{}, nil
}

// Apology implements UpdateHandler.
func (h *MenuHandler) Apology(ctx context.Context, userID int64) []Op {
	if userID == 0 {
		return nil // an update without a user has nobody to apologise to
	}
	lang, chat := fsm.RU, userID // a private chat's id is the user's id
	if u, err := h.Store.User(ctx, userID); err == nil {
		lang, chat = fsm.LangOf(u.Language), u.ChatID
	}
	return []Op{ScreenOp(chat, fsm.Screen{Text: fsm.T(lang, fsm.KeySorry)})}
}

// lang is the user's language: stored, else from their Telegram client.
func (h *MenuHandler) lang(ctx context.Context, from *models.User) (fsm.Lang, error) {
	u, err := h.Store.User(ctx, from.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if len(from.LanguageCode) >= 2 && from.LanguageCode[:2] == "en" {
			return fsm.EN, nil
		}
		return fsm.RU, nil
	case err != nil:
		return "", err
	}
	return fsm.LangOf(u.Language), nil
}

// RefusePayments answers every pre-checkout query with a refusal; it stands
// in until Stars top-ups exist, so no payment is ever taken unbooked.
type RefusePayments struct{}

// PreCheckout implements PreCheckoutHandler.
func (RefusePayments) PreCheckout(context.Context, *models.PreCheckoutQuery) string {
	return "Payments are not available yet. Nothing was charged."
}
