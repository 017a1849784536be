package actors

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/telegramtest"
)

// benchSetup starts one leader with the echo conversation and n users.
func benchSetup(b *testing.B, n int) (*harness, []*telegramtest.User) {
	b.Helper()
	h := newBenchHarness(b)
	h.start("bench", instanceOptions{ttl: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.events.waitFor(ctx, has("bench poll")); err != nil {
		b.Fatal(err)
	}
	users := make([]*telegramtest.User, n)
	for i := range users {
		users[i] = h.bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("u%d", i)})
	}
	return h, users
}

// BenchmarkIngestion measures updates/s end to end: fake Bot API →
// getUpdates → inbox → dispatcher → per-user actor → conversation state →
// outbox → sendMessage back to the fake, with 1,000 distinct users.
func BenchmarkIngestion(b *testing.B) {
	h, users := benchSetup(b, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	replies := func() int { return h.bot.Calls("sendMessage") }
	base := replies()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		users[i%len(users)].SendText(fmt.Sprintf("m%d", i))
	}
	if err := h.tg.WaitFor(ctx, func() bool { return replies()-base >= b.N }); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
}

// BenchmarkLatencyAt500PerSecond offers a steady 500 updates/s from 1,000
// users for 10 s and reports the p50 and p99 time from the update reaching
// the fake Bot API to the reply arriving there. Run it with -benchtime=1x.
func BenchmarkLatencyAt500PerSecond(b *testing.B) {
	h, users := benchSetup(b, 1000)
	const rate, seconds = 500, 10
	total := rate * seconds
	sub := h.tg.Subscribe()
	defer sub.Close()

	var mu sync.Mutex
	sentAt := map[int64][]time.Time{} // per chat, the time of each message
	replied := map[int64]int{}
	var lat []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(lat) < total {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			ev, err := sub.Next(ctx)
			cancel()
			if err != nil {
				return
			}
			if ev.Method != "sendMessage" || ev.Status != 200 {
				continue
			}
			mu.Lock()
			k := replied[ev.ChatID]
			replied[ev.ChatID]++
			if k < len(sentAt[ev.ChatID]) {
				lat = append(lat, ev.Time.Sub(sentAt[ev.ChatID][k]))
			}
			mu.Unlock()
		}
	}()
	b.ResetTimer()
	tick := time.NewTicker(time.Second / rate)
	for i := range total {
		<-tick.C
		u := users[i%len(users)]
		mu.Lock()
		sentAt[u.ID()] = append(sentAt[u.ID()], time.Now())
		mu.Unlock()
		u.SendText(fmt.Sprintf("m%d", i))
	}
	tick.Stop()
	<-done
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	if len(lat) < total {
		b.Fatalf("only %d of %d replies", len(lat), total)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}
