package telegram

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Button is one inline keyboard button: a callback (Data) or a link (URL).
// Its fields are stored in the outbox as JSON under these names, so they
// must not be renamed.
type Button struct {
	Text string
	Data string // callback_data, at most 64 bytes
	URL  string
}

// keyboard turns rows of buttons into a Telegram inline keyboard.
func keyboard(rows [][]Button) models.ReplyMarkup {
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

// sendText sends an HTML message with inline buttons to chatID.
func (t *Client) sendText(ctx context.Context, chatID int64, text string, buttons [][]Button) (*models.Message, error) {
	var m models.Message
	err := t.callJSON(ctx, "sendMessage", &bot.SendMessageParams{
		ChatID:             chatID,
		Text:               text,
		ParseMode:          models.ParseModeHTML,
		ReplyMarkup:        keyboard(buttons),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
	}, &m)
	if err != nil {
		return nil, fmt.Errorf("send message to chat %d: %w", chatID, err)
	}
	return &m, nil
}

// EditText replaces a message's text and buttons in place, and only that:
// unlike an OpEdit it never falls back to sending a new message, so a
// message that cannot be edited any more is the caller's to give up on.
// An edit that changes nothing is not an error.
func (t *Client) EditText(ctx context.Context, chatID int64, msgID int, text string, buttons [][]Button) error {
	_, err := t.Bot.EditMessageText(ctx, &bot.EditMessageTextParams{
		ChatID: chatID, MessageID: msgID, Text: text, ParseMode: models.ParseModeHTML,
		ReplyMarkup:        keyboard(buttons),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
	})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("edit message %d in chat %d: %w", msgID, chatID, err)
	}
	return nil
}
