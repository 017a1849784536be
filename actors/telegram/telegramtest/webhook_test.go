package telegramtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// hookRecorder is a webhook endpoint that fails the first `failures`
// requests with 500 and records everything it sees.
type hookRecorder struct {
	mu       sync.Mutex
	failures int
	secrets  []string
	accepted []models.Update
	statuses []int
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secrets = append(h.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	if r.Header.Get("Content-Type") != "application/json" || h.failures > 0 {
		h.failures--
		h.statuses = append(h.statuses, http.StatusInternalServerError)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var u models.Update
	if err := json.Unmarshal(body, &u); err != nil {
		h.statuses = append(h.statuses, http.StatusBadRequest)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.accepted = append(h.accepted, u)
	h.statuses = append(h.statuses, http.StatusOK)
}

func (h *hookRecorder) snapshot() (secrets []string, accepted []models.Update, statuses []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.secrets...), append([]models.Update(nil), h.accepted...), append([]int(nil), h.statuses...)
}

func TestWebhookDeliveryWithSecretAndRedelivery(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)
	hook := &hookRecorder{failures: 2}
	endpoint := httptest.NewServer(hook)
	t.Cleanup(endpoint.Close)

	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: endpoint.URL + "/tg", SecretToken: "s3cret_-X", AllowedUpdates: []string{"message", "callback_query"}})
	if err != nil || !ok {
		t.Fatalf("SetWebhook: %v", err)
	}
	first := alice.SendText("one")
	second := alice.SendText("two")

	// Wait for both updates to be accepted, in order, the first after two 500s.
	if err := srv.WaitFor(ctx, func() bool { return tg.PendingUpdates() == 0 && len(tg.WebhookDeliveries()) >= 4 }); err != nil {
		t.Fatalf("waiting for delivery: %v (deliveries %+v)", err, tg.WebhookDeliveries())
	}
	secrets, accepted, statuses := hook.snapshot()
	if len(accepted) != 2 || accepted[0].Message.ID != first.ID || accepted[1].Message.ID != second.ID {
		t.Fatalf("accepted = %+v, want messages %d then %d", accepted, first.ID, second.ID)
	}
	if want := []int{500, 500, 200, 200}; !slices.Equal(statuses, want) {
		t.Errorf("endpoint statuses = %v, want %v", statuses, want)
	}
	for _, s := range secrets {
		if s != "s3cret_-X" {
			t.Errorf("secret header = %q", s)
		}
	}
	d := tg.WebhookDeliveries()
	if d[0].Attempt != 1 || d[1].Attempt != 2 || d[2].Attempt != 3 || !d[2].Accepted || d[3].Attempt != 1 || d[0].Accepted {
		t.Errorf("deliveries = %+v", d)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.URL != endpoint.URL+"/tg" || info.PendingUpdateCount != 0 || info.MaxConnections != 40 ||
		!strings.Contains(info.LastErrorMessage, "500") || info.LastErrorDate == 0 || len(info.AllowedUpdates) != 2 {
		t.Errorf("webhook info = %+v", info)
	}

	// After deleteWebhook updates wait for getUpdates again.
	if ok, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil || !ok {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	third := alice.SendText("three")
	ups := mustGetUpdates(t, ctx, srv, map[string]any{})
	if len(ups) != 1 || ups[0].Message.ID != third.ID {
		t.Errorf("getUpdates after deleteWebhook = %+v", ups)
	}
	if _, accepted, _ := hook.snapshot(); len(accepted) != 2 {
		t.Errorf("webhook got %d updates after deleteWebhook, want still 2", len(accepted))
	}
}

func TestWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	srv := telegramtest.NewUnstartedServer()
	srv.Options.WebhookMaxAttempts = 3
	srv.Start()
	t.Cleanup(srv.Close)
	tg := srv.AddBot(testToken)
	alice := tg.AddUser(telegramtest.UserConfig{ID: 42})
	ctx := testCtx(t)
	hook := &hookRecorder{failures: 100}
	endpoint := httptest.NewServer(hook)
	t.Cleanup(endpoint.Close)

	if _, res, err := rawCall(ctx, srv.URL, testToken, "setWebhook", map[string]any{"url": endpoint.URL, "drop_pending_updates": true}); err != nil || !res.OK {
		t.Fatalf("setWebhook: %+v %v", res, err)
	}
	alice.SendText("lost")
	if err := srv.WaitFor(ctx, func() bool { return tg.PendingUpdates() == 0 }); err != nil {
		t.Fatal(err)
	}
	d := tg.WebhookDeliveries()
	if len(d) != 3 || !d[2].Dropped || d[2].Accepted || d[2].Status != 500 {
		t.Errorf("deliveries = %+v, want 3 failed attempts, the last dropping the update", d)
	}
}

func TestSetWebhookValidation(t *testing.T) {
	t.Parallel()
	srv, tg, _ := setup(t)
	ctx := testCtx(t)
	for _, params := range []map[string]any{
		{"url": "ftp://example.com/hook"},
		{"url": "https://example.com/hook", "secret_token": "has space"},
		{"url": "https://example.com/hook", "secret_token": strings.Repeat("a", 257)},
	} {
		status, res, err := rawCall(ctx, srv.URL, testToken, "setWebhook", params)
		if err != nil || status != http.StatusBadRequest {
			t.Errorf("setWebhook(%v) = %d %q %v, want 400", params, status, res.Description, err)
		}
	}
	if info := tg.WebhookInfo(); info.URL != "" {
		t.Errorf("webhook set to %q by invalid calls", info.URL)
	}
	// An empty URL removes the webhook, like deleteWebhook.
	_, res, err := rawCall(ctx, srv.URL, testToken, "setWebhook", map[string]any{"url": ""})
	if err != nil || !res.OK || res.Description != "Webhook is already deleted" {
		t.Errorf("setWebhook(url=\"\") = %+v %v", res, err)
	}
}
