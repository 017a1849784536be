package telegram

import (
	"context"
	"fmt"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Media kinds SendMedia knows.
const (
	MediaPhoto    = "photo"
	MediaVideo    = "video"
	MediaAudio    = "audio"
	MediaDocument = "document"
)

// SendMedia sends a photo, video, audio or document (by URL, file id or
// upload) with an HTML caption and inline buttons; any other kind goes as a
// document.
func (t *Client) SendMedia(ctx context.Context, chatID int64, kind string, file models.InputFile, caption string, buttons [][]Button) (*models.Message, error) {
	var m *models.Message
	var err error
	markup := keyboard(buttons)
	switch kind {
	case MediaPhoto:
		m, err = t.Bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: chatID, Photo: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case MediaVideo:
		m, err = t.Bot.SendVideo(ctx, &bot.SendVideoParams{ChatID: chatID, Video: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case MediaAudio:
		m, err = t.Bot.SendAudio(ctx, &bot.SendAudioParams{ChatID: chatID, Audio: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	default:
		m, err = t.Bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: chatID, Document: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	}
	if err != nil {
		return nil, fmt.Errorf("send %s to chat %d: %w", kind, chatID, err)
	}
	return m, nil
}
