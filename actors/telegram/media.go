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
	return t.SendMediaMeta(ctx, chatID, kind, file, caption, buttons, MediaMeta{})
}

// MediaMeta is what a player shows for an audio file: its title and
// performer (Telegram takes them on sendAudio only; other kinds ignore
// them).
type MediaMeta struct {
	Title, Performer string
}

// SendMediaMeta is SendMedia with an audio file's title and performer.
func (t *Client) SendMediaMeta(ctx context.Context, chatID int64, kind string, file models.InputFile, caption string, buttons [][]Button, meta MediaMeta) (*models.Message, error) {
	var m *models.Message
	var err error
	markup := keyboard(buttons)
	switch kind {
	case MediaPhoto:
		m, err = t.Bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: chatID, Photo: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case MediaVideo:
		m, err = t.Bot.SendVideo(ctx, &bot.SendVideoParams{ChatID: chatID, Video: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case MediaAudio:
		m, err = t.Bot.SendAudio(ctx, &bot.SendAudioParams{ChatID: chatID, Audio: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup,
			Title: meta.Title, Performer: meta.Performer})
	default:
		m, err = t.Bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: chatID, Document: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	}
	if err != nil {
		return nil, fmt.Errorf("send %s to chat %d: %w", kind, chatID, err)
	}
	return m, nil
}
