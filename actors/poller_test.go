package actors

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// memorySink records batches; it fails the first failN calls.
type memorySink struct {
	mu      sync.Mutex
	batches [][]telegram.RawUpdate
	failN   int
	stored  chan struct{}
}

func (s *memorySink) StoreUpdates(_ context.Context, b []telegram.RawUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failN > 0 {
		s.failN--
		return errors.New("database down")
	}
	s.batches = append(s.batches, b)
	select {
	case s.stored <- struct{}{}:
	default:
	}
	return nil
}

func (s *memorySink) ids() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, b := range s.batches {
		for _, u := range b {
			out = append(out, u.ID)
		}
	}
	return out
}

func newTestPoller(t *testing.T, tg *telegramtest.Server, token string, sink UpdateSink, onPoll func()) (*Poller, *Metrics) {
	t.Helper()
	cl, err := telegram.New(telegram.Config{APIURL: tg.URL, Token: token, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics("t", nil)
	return NewPoller(PollerConfig{Telegram: cl, Sink: sink, Logger: slog.New(slog.DiscardHandler), Metrics: m,
		PollTimeout: time.Second, MaxBackoff: 50 * time.Millisecond, OnPoll: onPoll}), m
}

func TestPollerHandlesTelegramErrors(t *testing.T) {
	tests := []struct {
		name        string
		code        int
		description string
		retryAfter  int
		check       func(t *testing.T, m *Metrics, gap time.Duration)
	}{
		{"409 conflict is counted and retried", 409, "Conflict: terminated by other getUpdates request", 0,
			func(t *testing.T, m *Metrics, _ time.Duration) {
				if got := counterValue(m.Conflicts409); got != 2 {
					t.Errorf("409 counter = %v, want 2", got)
				}
			}},
		{"429 waits retry_after", 429, "Too Many Requests: retry after 1", 1,
			func(t *testing.T, m *Metrics, gap time.Duration) {
				if got := counterValue(m.RateLimited429); got != 2 {
					t.Errorf("429 counter = %v, want 2", got)
				}
				if gap < 900*time.Millisecond {
					t.Errorf("retried after %s, before retry_after", gap)
				}
			}},
		{"5xx is retried with backoff", 502, "Bad Gateway", 0, func(*testing.T, *Metrics, time.Duration) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := telegramtest.NewServer()
			defer tg.Close()
			bot := tg.AddBot(testBotToken)
			bot.InjectError("getUpdates", 2, tt.code, tt.description, tt.retryAfter)
			u := bot.AddUser(telegramtest.UserConfig{FirstName: "P"})
			u.SendText("hello")
			sink := &memorySink{stored: make(chan struct{}, 1)}
			var mu sync.Mutex
			var polls []time.Time
			p, m := newTestPoller(t, tg, testBotToken, sink, func() { mu.Lock(); polls = append(polls, time.Now()); mu.Unlock() })
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			select {
			case <-sink.stored:
			case <-time.After(20 * time.Second):
				t.Fatal("update never stored")
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run = %v", err)
			}
			mu.Lock()
			gap := polls[2].Sub(polls[1])
			mu.Unlock()
			tt.check(t, m, gap)
			if ids := sink.ids(); len(ids) != 1 {
				t.Fatalf("stored %v, want the one update", ids)
			}
		})
	}
}

func TestPollerStopsOnUnauthorized(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	// The token is not registered: the fake answers 401 like Telegram.
	p, _ := newTestPoller(t, tg, "999:AAunknownTOKENxxxxxxxxxxxxxxxxxxx", &memorySink{}, nil)
	err := p.Run(context.Background())
	if !errors.Is(err, ErrTelegramUnauthorized) {
		t.Fatalf("Run = %v, want ErrTelegramUnauthorized", err)
	}
}

func TestPollerConfirmsOnlyWhatWasStored(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	bot := tg.AddBot(testBotToken)
	u := bot.AddUser(telegramtest.UserConfig{FirstName: "P"})
	u.SendText("one")
	u.SendText("two")
	sink := &memorySink{failN: 3, stored: make(chan struct{}, 1)} // the database fails three times
	p, _ := newTestPoller(t, tg, testBotToken, sink, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case <-sink.stored:
	case <-time.After(20 * time.Second):
		t.Fatal("never stored")
	}
	cancel()
	<-done
	if ids := sink.ids(); len(ids) != 2 {
		t.Fatalf("stored %v, want both updates after the database recovered", ids)
	}
	// Nothing was confirmed before it was stored: every poll before the
	// successful store asked from the start (no offset).
	for _, pr := range tg.Polls(testBotToken) {
		if pr.OffsetSet && pr.Offset > 0 && pr.Seq <= 4 {
			t.Fatalf("poll %d confirmed updates (offset %d) before they were stored", pr.Seq, pr.Offset)
		}
	}
}
