package telegramtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// BenchmarkGetUpdatesSendMessage measures the fake's throughput for the
// bot's main loop: users write, the bot long-polls a batch with our raw
// JSON client and answers each update with go-telegram/bot's sendMessage.
// One op is one update handled end to end.
func BenchmarkGetUpdatesSendMessage(b *testing.B) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	tg := srv.AddBot(testToken)
	const nUsers = 10_000
	users := make([]*telegramtest.User, nUsers)
	for i := range users {
		users[i] = tg.AddUser(telegramtest.UserConfig{})
	}
	client, err := bot.New(testToken, bot.WithServerURL(srv.URL), bot.WithSkipGetMe())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	offset := int64(0)
	const batch = 100

	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		for i := range n {
			users[(done+i)%nUsers].SendText("hello")
		}
		_, ups, res, err := getUpdates(ctx, srv, testToken, map[string]any{"offset": offset, "timeout": 10, "limit": batch})
		if err != nil || !res.OK {
			b.Fatalf("getUpdates: %+v %v", res, err)
		}
		for _, u := range ups {
			offset = u.ID + 1
			if _, err := client.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "hi " + u.Message.Text}); err != nil {
				b.Fatal(err)
			}
		}
		done += len(ups)
	}
	b.StopTimer()
	if n := tg.Calls("sendMessage"); n != b.N {
		b.Fatalf("sendMessage calls = %d, want %d", n, b.N)
	}
}

// BenchmarkDrainQueue fills a bot's queue with 100,000 updates from 10,000
// users and drains it 100 at a time: the per-update cost must not grow with
// the queue (updates are indexed by id, confirmation is a binary search).
func BenchmarkDrainQueue(b *testing.B) {
	for _, size := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("updates=%d", size), func(b *testing.B) {
			srv := telegramtest.NewServer()
			defer srv.Close()
			tg := srv.AddBot(testToken)
			users := make([]*telegramtest.User, 10_000)
			for i := range users {
				users[i] = tg.AddUser(telegramtest.UserConfig{})
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				for i := range size {
					users[i%len(users)].SendText("hello")
				}
				b.StartTimer()
				offset := int64(0)
				for got := 0; got < size; {
					_, ups, res, err := getUpdates(ctx, srv, testToken, map[string]any{"offset": offset, "limit": 100})
					if err != nil || !res.OK || len(ups) == 0 {
						b.Fatalf("getUpdates: %d updates, %+v %v", len(ups), res, err)
					}
					offset = ups[len(ups)-1].ID + 1
					got += len(ups)
				}
				// Confirm the last batch.
				if _, _, _, err := getUpdates(ctx, srv, testToken, map[string]any{"offset": offset}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/update")
		})
	}
}
