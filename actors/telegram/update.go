package telegram

import "github.com/go-telegram/bot/models"

// Sender is who sent upd and the chat to answer in: the author of a
// message, the presser of a button, or the payer of a pre-checkout query
// (answered in their private chat). It returns nil for updates without a
// person behind them (channel posts and the like).
func Sender(upd *models.Update) (*models.User, int64) {
	switch {
	case upd.Message != nil && upd.Message.From != nil:
		return upd.Message.From, upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		chat := upd.CallbackQuery.From.ID
		if m := upd.CallbackQuery.Message.Message; m != nil {
			chat = m.Chat.ID
		}
		return &upd.CallbackQuery.From, chat
	case upd.PreCheckoutQuery != nil && upd.PreCheckoutQuery.From != nil:
		return upd.PreCheckoutQuery.From, upd.PreCheckoutQuery.From.ID
	}
	return nil, 0
}
