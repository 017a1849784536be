package actors

import (
	"context"
	"fmt"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// SendMedia sends a photo, video, audio or document (by URL, file id or
// upload) with an HTML caption and inline buttons.
func (t *Telegram) SendMedia(ctx context.Context, chatID int64, kind string, file models.InputFile, caption string, buttons [][]fsm.Button) (*models.Message, error) {
	var m *models.Message
	var err error
	markup := keyboard(buttons)
	switch kind {
	case "photo":
		m, err = t.Bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: chatID, Photo: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case "video":
		m, err = t.Bot.SendVideo(ctx, &bot.SendVideoParams{ChatID: chatID, Video: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	case "audio":
		m, err = t.Bot.SendAudio(ctx, &bot.SendAudioParams{ChatID: chatID, Audio: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	default:
		m, err = t.Bot.SendDocument(ctx, &bot.SendDocumentParams{ChatID: chatID, Document: file, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	}
	if err != nil {
		return nil, fmt.Errorf("send %s to chat %d: %w", kind, chatID, err)
	}
	return m, nil
}

// mediaKind is how a model's output is sent.
func mediaKind(output string) string {
	switch output {
	case "image":
		return "photo"
	case "video", "audio":
		return output
	}
	return "document"
}

// resultOps re-sends a finished job's result by URL (the /history
// "resend" button); the caption and buttons go with the first file.
func resultOps(reg *pricing.Registry, job store.Job, lang fsm.Lang) []Op {
	name := modelName(reg, job.ModelID, lang)
	var ops []Op
	for i, u := range job.ResultURLs {
		op := Op{Kind: OpMedia, ChatID: job.ChatID, Media: mediaKind(job.Output), URL: u}
		if i == 0 {
			op.Text = fsm.ResultCaption(lang, job.ID, name)
			op.Buttons = fsm.ResultButtons(lang, job.ID, job.ModelID)
		}
		ops = append(ops, op)
	}
	return ops
}

// modelName is a model's display name in lang, or its id when the
// registry no longer knows it.
func modelName(reg *pricing.Registry, id string, lang fsm.Lang) string {
	if m, ok := reg.Lookup(id); ok {
		return m.Name(string(lang))
	}
	return id
}
