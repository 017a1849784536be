package actors

import (
	"context"
	"fmt"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/fsm"
)

// keyboard turns an fsm screen's buttons into a Telegram inline keyboard.
func keyboard(rows [][]fsm.Button) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]models.InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			r = append(r, models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

// sendScreen sends s as a new message to chatID.
func (t *Telegram) sendScreen(ctx context.Context, chatID int64, s fsm.Screen) (*models.Message, error) {
	m, err := t.Bot.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:             chatID,
		Text:               s.Text,
		ParseMode:          models.ParseModeHTML,
		ReplyMarkup:        keyboard(s.Buttons),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
	})
	if err != nil {
		return nil, fmt.Errorf("send message to chat %d: %w", chatID, err)
	}
	return m, nil
}
