package actors_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// receiver starts a webhook receiver for the harness's bot on its own pool,
// as every instance runs one, leader or standby.
func receiver(t *testing.T, h *actorstest.Harness, secret string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	st := store.New(storetest.OpenPool(t, h.DSN), h.BotID)
	var hits atomic.Int64
	recv := &actors.WebhookReceiver{Secret: secret, Inbox: &actors.Inbox{Store: st, Metrics: actors.NewMetrics("t", nil), Source: "webhook"}, Logger: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		recv.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestWebhookModeLeaderAndStandbyBothStore(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 60*time.Second)
	recvA, hitsA := receiver(t, h, "test-secret")
	recvB, hitsB := receiver(t, h, "test-secret")
	// Telegram calls one public URL; Render's router spreads the calls
	// over both instances.
	var n atomic.Int64
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := recvA.URL
		if n.Add(1)%2 == 0 {
			target = recvB.URL
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.Path, r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer lb.Close()

	h.Start("a", actorstest.Options{Mode: "webhook", WebhookURL: lb.URL + actors.WebhookPath})
	h.Start("b", actorstest.Options{Mode: "webhook", WebhookURL: lb.URL + actors.WebhookPath})
	if err := h.TG.WaitFor(ctx, func() bool { return h.Bot.WebhookInfo().URL != "" }); err != nil {
		t.Fatal(err)
	}
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "W"})
	const msgs = 10
	for i := range msgs {
		u.SendText(fmt.Sprintf("m%d", i))
	}
	if err := h.TG.WaitFor(ctx, func() bool { return len(h.Bot.Sent(u.ID())) >= msgs }); err != nil {
		t.Fatal(err)
	}
	if hitsA.Load() == 0 || hitsB.Load() == 0 {
		t.Fatalf("both receivers should have stored updates: %d and %d", hitsA.Load(), hitsB.Load())
	}
	for k, m := range h.Bot.Sent(u.ID()) {
		if want := fmt.Sprintf("#%d m%d", k+1, k); m.Text != want {
			t.Fatalf("reply %d = %q, want %q", k, m.Text, want)
		}
	}
	if calls := h.TG.Calls(testBotToken, "getUpdates"); calls != 0 {
		t.Fatalf("webhook mode polled %d times", calls)
	}
}

func TestWebhookReceiverRejectsAndDedupes(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 60*time.Second)
	recv, _ := receiver(t, h, "right-secret")
	h.Bot.AddUser(telegramtest.UserConfig{ID: 42, FirstName: "X"})
	post := func(secret, body string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, recv.URL+actors.WebhookPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	update := func(id int) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"X"},"text":"hi"}}`, id)
	}
	st := store.New(storetest.OpenPool(t, h.DSN), h.BotID)
	stored := func(id int64) bool {
		ok, _, _, err := st.UpdateState(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	if code := post("wrong-secret", update(1)); code != http.StatusUnauthorized || stored(1) {
		t.Fatalf("wrong secret: %d, stored %v; want 401 and nothing stored", code, stored(1))
	}
	if code := post("", update(2)); code != http.StatusUnauthorized || stored(2) {
		t.Fatalf("no secret: %d; want 401", code)
	}
	if code := post("right-secret", `{"not":"an update"}`); code != http.StatusBadRequest {
		t.Fatalf("not an update: %d; want 400", code)
	}
	for range 3 { // Telegram retrying the same update
		if code := post("right-secret", update(3)); code != http.StatusOK {
			t.Fatalf("good update: %d", code)
		}
	}
	pending, err := st.PendingUpdates(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].UpdateID != 3 || pending[0].UserID != 42 {
		t.Fatalf("pending = %+v, %v; want update 3 once", pending, err)
	}

	// Processed once: a leader consumes it, and the duplicates changed nothing.
	h.Start("a", actorstest.Options{Mode: "webhook", WebhookURL: recv.URL + actors.WebhookPath})
	if _, err := h.Bot.WaitMessage(ctx, 42, func(m telegramtest.Message) bool { return m.Text == "#1 hi" }); err != nil {
		t.Fatal(err)
	}
	if code := post("right-secret", update(3)); code != http.StatusOK {
		t.Fatalf("late duplicate: %d", code)
	}
	if sent := h.Bot.Sent(42); len(sent) != 1 {
		t.Fatalf("update 3 took effect %d times", len(sent))
	}
}

func TestWebhookAnswers503WhenTheDatabaseIsDown(t *testing.T) {
	pool := storetest.NewPool(t)
	st := store.New(pool, 1)
	recv := &actors.WebhookReceiver{Secret: "s", Inbox: &actors.Inbox{Store: st, Metrics: actors.NewMetrics("t", nil), Source: "webhook"}, Logger: slog.New(slog.DiscardHandler)}
	pool.Close() // the database goes away
	req := httptest.NewRequest(http.MethodPost, actors.WebhookPath, strings.NewReader(`{"update_id":9}`))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s")
	rec := httptest.NewRecorder()
	recv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 so Telegram retries", rec.Code)
	}
}
