package telegram_test

import (
	"context"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// BenchmarkSendMessage is one sendMessage with HTML and a two-button
// keyboard to the fake Bot API, sent as JSON (what Perform does) and as
// go-telegram/bot's multipart form (what it did before). cpu-µs/op is the
// process's CPU time per call — client and fake together, since both run
// here — which a busy machine inflates far less than the wall time.
func BenchmarkSendMessage(b *testing.B) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	fake := tg.AddBot(token)
	user := fake.AddUser(telegramtest.UserConfig{FirstName: "U"})
	c, err := telegram.New(telegram.Config{APIURL: tg.URL, Token: token, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	buttons := [][]telegram.Button{{{Text: "🖼 Images", Data: "cat:image"}, {Text: "⬅️ Back", Data: "back"}}}
	text := "<b>Choose a model</b>\nThe price is shown before you confirm."
	for _, tc := range []struct {
		name string
		send func() error
	}{
		{"json", func() error { return c.Perform(ctx, telegram.SendOp(user.ID(), text, buttons)) }},
		{"multipart", func() error {
			_, err := c.Bot.SendMessage(ctx, &bot.SendMessageParams{
				ChatID: user.ID(), Text: text, ParseMode: models.ParseModeHTML,
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
					{Text: "🖼 Images", CallbackData: "cat:image"}, {Text: "⬅️ Back", CallbackData: "back"}}}},
				LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
			})
			return err
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cpu0 := processCPU()
			for b.Loop() {
				if err := tc.send(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
