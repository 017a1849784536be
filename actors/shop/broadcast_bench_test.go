package shop

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// BenchmarkBroadcast10k sends one broadcast to 10,000 users on the fake
// Bot API with the real sender (its term's lease claimed directly, no
// election), and reports the sustained rate and the heap: its peak
// during the send, the growth over the idle baseline, and what stays
// after a GC (mostly the fake's 10,000 stored messages). Unlimited shows
// what the sender can do; rate=100 that it holds a configured rate.
//
//	go test -run '^$' -bench BenchmarkBroadcast10k -benchtime 1x -benchmem ./actors/shop
func BenchmarkBroadcast10k(b *testing.B) {
	for _, bc := range []struct {
		name string
		rate float64
	}{{"unlimited", math.Inf(1)}, {"rate=100", 100}} {
		b.Run(bc.name, func(b *testing.B) { benchmarkBroadcast(b, 10_000, bc.rate) })
	}
}

func benchmarkBroadcast(b *testing.B, users int, perSecond float64) {
	ctx := context.Background()
	srv := telegramtest.NewServer()
	b.Cleanup(srv.Close)
	const token = "5550002:AAbenchTOKENforBROADCASTS_abcdefgh"
	fake := srv.AddBot(token)
	st := store.New(storetest.NewPool(b), 5550002)
	ids := make([]int64, users)
	for i := range ids {
		ids[i] = fake.AddUser(telegramtest.UserConfig{}).ID()
	}
	if _, err := st.Pool().Exec(ctx, `INSERT INTO bot_users (bot_id, user_id, chat_id) SELECT $1, id, id FROM unnest($2::bigint[]) id`, st.BotID(), ids); err != nil {
		b.Fatal(err)
	}
	_, lease, err := store.ClaimLease(ctx, st.Pool(), store.ClaimParams{BotID: st.BotID(), Holder: "bench", InstanceStartedAt: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	tg, err := telegram.New(telegram.Config{APIURL: srv.URL, Token: token, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	api := NewBroadcasts(BroadcastsConfig{Store: st, Telegram: tg, Logger: log, Rate: perSecond, CheckEvery: 10 * time.Millisecond})

	var peak, base uint64
	var elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		d, err := st.CreateBroadcast(ctx, store.NewBroadcast{Text: "<b>Benchmark</b> broadcast", ButtonText: "Open", ButtonURL: "https://example.com", CreatedBy: 1})
		if err == nil {
			_, err = st.MarkBroadcastPreviewed(ctx, d.ID)
		}
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		base = heapBytes()
		stopSampling := sampleHeap(&peak)
		b.StartTimer()
		start := time.Now()
		if _, err := api.Start(ctx, d.ID, 1, store.ProgressRef{}); err != nil {
			b.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- api.Run(sctx, actors.Term{Epoch: lease.Epoch}) }()
		if err := waitUntil(ctx, func() (bool, error) {
			cur, err := st.Broadcast(ctx, d.ID)
			return cur.State == store.BroadcastDone, err
		}); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		stopSampling()
		if c, _ := st.BroadcastCounts(ctx, d.ID); c.Sent != int64(users) {
			b.Fatalf("counts %+v", c)
		}
		b.StartTimer()
	}
	runtime.GC()
	b.ReportMetric(float64(users*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak-min(base, peak))/(1<<20), "heap-growth-MiB")
	b.ReportMetric(float64(heapBytes())/(1<<20), "retained-heap-MiB")
}

// heapBytes is the heap occupied by objects, live or not yet swept.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the largest heapBytes into peak every 5 ms until the
// returned stop is called (which waits for the sampler to end).
func sampleHeap(peak *uint64) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			*peak = max(*peak, heapBytes())
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}
