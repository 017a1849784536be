package actors_test

import (
	"context"
	"html"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// scriptedHandler: "/buy" sends an invoice, "block" waits for release,
// "panic" panics, anything else is echoed.
type scriptedHandler struct {
	blocked chan struct{} // closed when a "block" update started
	release chan struct{}
	once    sync.Once
	panics  int
	mu      sync.Mutex
}

func (h *scriptedHandler) Handle(ctx context.Context, s actors.Session, upd *models.Update) (actors.Step, error) {
	m := upd.Message
	if m == nil {
		return actors.Step{}, nil
	}
	switch m.Text {
	case "/buy":
		return actors.Step{State: "menu", Ops: []telegram.Op{{Kind: telegram.OpInvoice, ChatID: m.Chat.ID, Invoice: &telegram.InvoiceOp{
			Title: "Top up", Description: "100 Stars", Payload: "t:1:abc", Stars: 100, Label: "100 Stars"}}}}, nil
	case "block":
		h.once.Do(func() { close(h.blocked) })
		select {
		case <-h.release:
		case <-ctx.Done():
			return actors.Step{}, ctx.Err()
		}
	case "panic":
		h.mu.Lock()
		h.panics++
		h.mu.Unlock()
		panic("a handler bug")
	}
	return actors.Step{State: "menu", Ops: []telegram.Op{telegram.SendOp(m.Chat.ID, "echo "+html.EscapeString(m.Text), nil)}}, nil
}

func (h *scriptedHandler) Apology(_ context.Context, userID int64) []telegram.Op {
	return []telegram.Op{telegram.SendOp(userID, "sorry", nil)}
}

type acceptPayments struct{}

func (acceptPayments) PreCheckout(context.Context, *models.PreCheckoutQuery) string { return "" }

func TestPreCheckoutIsAnsweredWhileTheUsersQueueIsBlocked(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 30*time.Second)
	sh := &scriptedHandler{blocked: make(chan struct{}), release: make(chan struct{})}
	h.Start("a", actorstest.Options{Handler: sh, PreCheckout: acceptPayments{}})
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Payer"})
	u.SendText("/buy")
	inv, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Invoice != nil })
	if err != nil {
		t.Fatal(err)
	}
	u.SendText("block")
	<-sh.blocked
	u.SendText("after")
	qid, err := u.Checkout(inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := h.Bot.WaitPreCheckoutAnswer(ctx, qid)
	if err != nil || !ans.OK {
		t.Fatalf("pre-checkout answer = %+v, %v; want ok while the queue is blocked", ans, err)
	}
	for _, m := range h.Bot.Sent(u.ID()) {
		if m.Text == "echo after" {
			t.Fatal("a later update ran before the blocked one: per-user order broken")
		}
	}
	close(sh.release)
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "echo after" }); err != nil {
		t.Fatal(err)
	}
}

func TestUsersRunInParallel(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 30*time.Second)
	sh := &scriptedHandler{blocked: make(chan struct{}), release: make(chan struct{})}
	h.Start("a", actorstest.Options{Handler: sh})
	slow := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Slow"})
	fast := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Fast"})
	slow.SendText("block")
	<-sh.blocked
	fast.SendText("hi")
	if _, err := h.Bot.WaitMessage(ctx, fast.ID(), func(m telegramtest.Message) bool { return m.Text == "echo hi" }); err != nil {
		t.Fatalf("one user's slow update held another user up: %v", err)
	}
	close(sh.release)
}

func TestAPanickingHandlerApologisesAndIsNotRetriedForever(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 30*time.Second)
	sh := &scriptedHandler{blocked: make(chan struct{}), release: make(chan struct{})}
	inst := h.Start("a", actorstest.Options{Handler: sh})
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "P"})
	u.SendText("panic")
	u.SendText("next")
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "echo next" }); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range h.Bot.Sent(u.ID()) {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "sorry,echo next" {
		t.Fatalf("user saw %v, want an apology then the next reply", texts)
	}
	sh.mu.Lock()
	panics := sh.panics
	sh.mu.Unlock()
	if panics != actors.MaxAttempts {
		t.Fatalf("handler ran %d times, want %d attempts and no more", panics, actors.MaxAttempts)
	}
	if got := actorstest.CounterValue(inst.Metrics.UpdatesDone.WithLabelValues("failed")); got != 1 {
		t.Fatalf("failed counter = %v", got)
	}
}

func TestIdleActorsExit(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 30*time.Second)
	inst := h.Start("a", actorstest.Options{IdleTimeout: 100 * time.Millisecond})
	for i := range 5 {
		u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "I"})
		u.SendText("x")
		if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return strings.HasPrefix(m.Text, "#1") }); err != nil {
			t.Fatal(i, err)
		}
	}
	deadline := time.NewTicker(20 * time.Millisecond)
	defer deadline.Stop()
	for actorstest.GaugeValue(inst.Metrics.ActiveActors) != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("%v actors still running", actorstest.GaugeValue(inst.Metrics.ActiveActors))
		case <-deadline.C:
		}
	}
}
