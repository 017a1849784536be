package telegram_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

const token = "5550001:AAtestTOKENforTELEGRAMtests_abcdefgh"

// The hot calls go out as JSON, which the Bot API (here its fake) reads as
// it reads a form: the message, its HTML, its buttons, the edit and the
// callback answer all arrive; and their failures are classified as the
// library's are (a 400 is permanent, a 429 carries its retry_after).
func TestHotCallsGoAsJSON(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	bot := tg.AddBot(token)
	user := bot.AddUser(telegramtest.UserConfig{FirstName: "U"})
	var mu sync.Mutex
	types := map[string]string{}
	target, _ := url.Parse(tg.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		types[path.Base(r.URL.Path)] = r.Header.Get("Content-Type")
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := telegram.New(telegram.Config{APIURL: front.URL, Token: token, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	buttons := [][]telegram.Button{{{Text: "Go", Data: "go"}, {Text: "Site", URL: "https://example.com/"}}}
	if err := c.Perform(ctx, telegram.SendOp(user.ID(), "<b>Hello</b> &amp; welcome", buttons)); err != nil {
		t.Fatal(err)
	}
	last := func() telegramtest.Message {
		m, ok := bot.LastSent(user.ID())
		if !ok {
			t.Fatal("no message sent")
		}
		return m
	}
	m := last()
	if m.Text != "Hello & welcome" || len(m.Buttons()) != 2 || m.Buttons()[0].CallbackData != "go" || m.Buttons()[1].URL != "https://example.com/" {
		t.Fatalf("sent %q with buttons %+v", m.Text, m.Buttons())
	}
	if err := c.Perform(ctx, telegram.EditOp(user.ID(), m.ID, "Edited", nil)); err != nil {
		t.Fatal(err)
	}
	if m2 := last(); m2.ID != m.ID || m2.Text != "Edited" {
		t.Fatalf("after the edit: %+v", m2.Message)
	}
	// Editing to the same text is "not modified": not an error.
	if err := c.Perform(ctx, telegram.EditOp(user.ID(), m.ID, "Edited", nil)); err != nil {
		t.Fatalf("an edit to the same text: %v", err)
	}
	if _, err := user.Press(m.ID, "Go"); err == nil {
		t.Fatal("pressed a button the edit removed")
	}
	if err := c.Perform(ctx, telegram.SendOp(user.ID(), "Menu", buttons)); err != nil {
		t.Fatal(err)
	}
	qid, err := user.Press(last().ID, "Go")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Perform(ctx, telegram.AnswerOp(qid, "Done")); err != nil {
		t.Fatal(err)
	}
	if a, err := bot.WaitCallbackAnswer(ctx, qid); err != nil || a.Text != "Done" {
		t.Fatalf("callback answer %+v, %v", a, err)
	}
	mu.Lock()
	for _, method := range []string{"sendMessage", "editMessageText", "answerCallbackQuery"} {
		if types[method] != "application/json" {
			t.Errorf("%s sent as %q, want application/json", method, types[method])
		}
	}
	mu.Unlock()

	bot.InjectError("sendMessage", 1, 429, "Too Many Requests: retry after 3", 3)
	err = c.Perform(ctx, telegram.SendOp(user.ID(), "x", nil))
	if ra, ok := telegram.RetryAfter(err); !ok || ra != 3*time.Second || errors.Is(err, telegram.ErrPermanent) {
		t.Fatalf("429: %v (retry after %v, %v)", err, ra, ok)
	}
	if err := c.Perform(ctx, telegram.SendOp(999, "x", nil)); !errors.Is(err, telegram.ErrPermanent) {
		t.Fatalf("a send to an unknown chat: %v, want permanent", err)
	}
}
