package telegramtest_test

import (
	"context"
	"fmt"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// The fake is one line to start; go-telegram/bot reaches it through
// WithServerURL, and the test reads what the bot sent.
func ExampleNewServer() {
	srv := telegramtest.NewServer()
	defer srv.Close()

	tg := srv.AddBot("123456:TEST-token")
	alice := tg.AddUser(telegramtest.UserConfig{ID: 42, FirstName: "Alice"})

	b, err := bot.New("123456:TEST-token", bot.WithServerURL(srv.URL), bot.WithSkipGetMe())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:    alice.ID(),
		Text:      "Hello, <b>Alice</b>!",
		ParseMode: "HTML",
	}); err != nil {
		panic(err)
	}

	msg, _ := tg.LastSent(alice.ID())
	fmt.Println(msg.ID, msg.Text, msg.Entities[0].Type, tg.Calls("sendMessage"))

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: " "})
	fmt.Println(err)
	// Output:
	// 1 Hello, Alice! bold 1
	// bad request, Bad Request: message text is empty
}
