package telegramtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

func TestUnknownTokenMethodAndPath(t *testing.T) {
	t.Parallel()
	srv, _, _ := setup(t)
	ctx := testCtx(t)

	tests := []struct {
		name, token, method string
		status              int
		desc                string
	}{
		{"unknown token", "999:nope", "getMe", 401, "Unauthorized"},
		{"malformed token", "not-a-token", "getMe", 401, "Unauthorized"},
		{"unknown method", testToken, "sendSticker", 404, "Not Found"},
		{"method names ignore case", testToken, "GETME", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, res, err := rawCall(ctx, srv.URL, tt.token, tt.method, map[string]any{})
			if err != nil || status != tt.status || res.Description != tt.desc {
				t.Errorf("%s: %d %q %v, want %d %q", tt.method, status, res.Description, err, tt.status, tt.desc)
			}
		})
	}
	b := newClient(t, srv, "999:nope")
	if _, err := b.GetMe(ctx); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("go-telegram/bot with an unknown token: %v, want ErrorUnauthorized", err)
	}
	resp, err := http.Get(srv.URL + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /elsewhere = %d, want 404", resp.StatusCode)
	}
}

func TestAutoRegisterAcceptsWellFormedTokens(t *testing.T) {
	t.Parallel()
	srv := telegramtest.NewUnstartedServer()
	srv.Options.AutoRegister = true
	srv.Start()
	t.Cleanup(srv.Close)
	ctx := testCtx(t)
	me, err := newClient(t, srv, "777:lazy").GetMe(ctx)
	if err != nil || me.ID != 777 || !me.IsBot {
		t.Fatalf("GetMe: %+v %v", me, err)
	}
	if srv.Bot("777:lazy") == nil {
		t.Error("token was not registered")
	}
	if status, _, _ := rawCall(ctx, srv.URL, "bad token", "getMe", nil); status != 401 {
		t.Errorf("malformed token got %d, want 401", status)
	}
}

// Every encoding a client may use reaches the same parameters.
func TestRequestEncodings(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	base := srv.URL + "/bot" + testToken + "/sendMessage"
	markup := `{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}`

	var mp strings.Builder
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("chat_id", "42")
	_ = mw.WriteField("text", "multipart")
	_ = mw.WriteField("reply_markup", markup)
	_ = mw.Close()

	jsonBody, _ := json.Marshal(map[string]any{"chat_id": 42, "text": "json", "reply_markup": json.RawMessage(markup)})
	jsonStringBody, _ := json.Marshal(map[string]any{"chat_id": "42", "text": "json string", "reply_markup": markup})
	form := url.Values{"chat_id": {"42"}, "text": {"form"}, "reply_markup": {markup}}

	requests := []struct {
		text, method, url, contentType, body string
	}{
		{"json", http.MethodPost, base, "application/json", string(jsonBody)},
		{"json string", http.MethodPost, base, "application/json; charset=utf-8", string(jsonStringBody)},
		{"form", http.MethodPost, base, "application/x-www-form-urlencoded", form.Encode()},
		{"multipart", http.MethodPost, base, mw.FormDataContentType(), mp.String()},
		{"query", http.MethodGet, base + "?" + url.Values{"chat_id": {"42"}, "text": {"query"}, "reply_markup": {markup}}.Encode(), "", ""},
	}
	for _, r := range requests {
		req, _ := http.NewRequestWithContext(ctx, r.method, r.url, strings.NewReader(r.body))
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s", r.text, resp.StatusCode, body)
		}
	}
	sent := tg.Sent(alice.ID())
	if len(sent) != len(requests) {
		t.Fatalf("recorded %d messages, want %d", len(sent), len(requests))
	}
	for i, m := range sent {
		if m.Text != requests[i].text || len(m.Buttons()) != 1 || m.Buttons()[0].CallbackData != "go" {
			t.Errorf("message %d = %q %+v", i, m.Text, m.ReplyMarkup)
		}
	}
}

func TestInjectedErrors(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	srv.InjectError(testToken, "sendMessage", 1, http.StatusTooManyRequests, "", 7)
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "hi"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 || !strings.Contains(tooMany.Message, "Too Many Requests: retry after 7") {
		t.Fatalf("SendMessage with an injected 429: %v, want TooManyRequestsError retry_after 7", err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "hi"}); err != nil {
		t.Errorf("second SendMessage: %v, want success once the injection is used up", err)
	}

	tg.InjectError("*", -1, http.StatusBadGateway, "", 0)
	if _, err := b.GetMe(ctx); err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("GetMe during an outage: %v, want 502", err)
	}
	status, _, res, _ := getUpdates(ctx, srv, testToken, map[string]any{"offset": 5})
	if status != http.StatusBadGateway {
		t.Errorf("getUpdates during an outage: %d %+v", status, res)
	}
	tg.ClearInjectedErrors()
	if _, err := b.GetMe(ctx); err != nil {
		t.Errorf("GetMe after the outage: %v", err)
	}

	if got := tg.Calls("sendMessage"); got != 2 {
		t.Errorf("sendMessage calls = %d, want 2 (failed ones count)", got)
	}
	if got := srv.Calls(testToken, "getMe"); got != 2 {
		t.Errorf("getMe calls = %d, want 2", got)
	}
	if p := tg.Polls(); len(p) != 1 || p[0].Status != 502 || p[0].Offset != 5 {
		t.Errorf("poll log = %+v, want the failed getUpdates", p)
	}
	if len(tg.Sent(alice.ID())) != 1 {
		t.Error("the throttled message was recorded as sent")
	}
}

func TestBotsAreIsolated(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	other := srv.AddBot("555:other")
	bob := other.AddUser(telegramtest.UserConfig{ID: alice.ID(), FirstName: "Same id, other bot"})
	ctx := testCtx(t)

	alice.SendText("to the first bot")
	if _, ups, _, err := getUpdates(ctx, srv, "555:other", map[string]any{}); err != nil || len(ups) != 0 {
		t.Errorf("other bot's updates = %d, %v; want none", len(ups), err)
	}
	bob.SendText("to the other bot")
	ups := mustGetUpdates(t, ctx, srv, map[string]any{})
	if len(ups) != 1 || ups[0].Message.Text != "to the first bot" {
		t.Fatalf("first bot's updates = %+v", ups)
	}
	// Polling both bots at once is no overlap.
	first := startPoll(ctx, srv, map[string]any{"timeout": 30, "offset": ups[0].ID + 1})
	waitInFlight(t, ctx, srv, tg, 1)
	if _, ups, _, err := getUpdates(ctx, srv, "555:other", map[string]any{"timeout": 1}); err != nil || len(ups) != 1 {
		t.Errorf("other bot poll: %d updates, %v", len(ups), err)
	}
	alice.SendText("release")
	if r := <-first; r.status != 200 {
		t.Errorf("first bot's poll = %d", r.status)
	}
	if tg.Overlaps()+other.Overlaps() != 0 {
		t.Errorf("overlaps across bots = %d + %d", tg.Overlaps(), other.Overlaps())
	}
}

func TestCloseReleasesLongPollsAndIsIdempotent(t *testing.T) {
	t.Parallel()
	srv, tg, _ := setup(t)
	ctx := testCtx(t)
	poll := startPoll(ctx, srv, map[string]any{"timeout": 60})
	waitInFlight(t, ctx, srv, tg, 1)

	srv.Close()
	r := <-poll
	if r.err != nil || r.status != http.StatusOK || len(r.ups) != 0 {
		t.Errorf("long poll at Close: %d, %d updates, %v; want an empty 200", r.status, len(r.ups), r.err)
	}
	srv.Close()
	if err := srv.WaitFor(ctx, func() bool { return false }); !errors.Is(err, telegramtest.ErrServerClosed) {
		t.Errorf("WaitFor on a closed server: %v", err)
	}

	unstarted := telegramtest.NewUnstartedServer()
	unstarted.Close()
	unstarted.Close()
}

func TestSubscriptionSeesEventsInOrder(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)
	sub := srv.Subscribe()
	defer sub.Close()

	alice.SendText("hello")
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "hi Alice"}); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var last telegramtest.Event
	for len(kinds) < 2 {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Seq <= last.Seq {
			t.Errorf("event %d after %d", ev.Seq, last.Seq)
		}
		last = ev
		kinds = append(kinds, string(ev.Kind)+":"+ev.Method)
	}
	if kinds[0] != "update:" || kinds[1] != "request:sendMessage" || last.ChatID != alice.ID() || last.MessageID != 2 || last.BotID != tg.ID() {
		t.Errorf("events = %v, last %+v", kinds, last)
	}
	m, err := srv.WaitMessage(ctx, alice.ID(), func(m telegramtest.Message) bool { return m.Text == "hi Alice" })
	if err != nil || m.ID != 2 {
		t.Errorf("WaitMessage = %+v, %v", m, err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := tg.WaitMessage(short, alice.ID(), func(m telegramtest.Message) bool { return m.Text == "never" }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitMessage for a message never sent: %v", err)
	}
}

func TestGetMeAndUserModel(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	me, err := newClient(t, srv, testToken).GetMe(testCtx(t))
	if err != nil || me.ID != 123456 || !me.IsBot || me.Username != tg.Me().Username {
		t.Errorf("GetMe = %+v, %v", me, err)
	}
	if m := alice.Model(); m.ID != 42 || m.LanguageCode != "ru" || m.FirstName != "Alice" {
		t.Errorf("user model = %+v", m)
	}
}
