package actors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// seedUpdate stores a text message from user as update id, with attempts
// already counted, as a previous leader would have left it.
func seedUpdate(t *testing.T, h *actorstest.Harness, id int64, user *telegramtest.User, text string, attempts int) {
	t.Helper()
	seedMessage(t, h, id, user, fmt.Sprintf(`"text":%q`, text), attempts)
}

// seedMessage is seedUpdate with the message's own fields as JSON.
func seedMessage(t *testing.T, h *actorstest.Harness, id int64, user *telegramtest.User, fields string, attempts int) {
	t.Helper()
	payload := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,%s,`+
		`"from":{"id":%d,"is_bot":false,"first_name":"Seeded"},"chat":{"id":%d,"type":"private"}}}`,
		id, id, fields, user.ID(), user.ID())
	if _, err := h.Admin.Exec(context.Background(), `
		INSERT INTO inbox (bot_id, update_id, user_id, kind, payload, source, attempts, last_error)
		VALUES ($1, $2, $3, 'message', $4::jsonb, 'poll', $5, 'an earlier leader failed')`,
		h.BotID, id, user.ID(), payload, attempts); err != nil {
		t.Fatal(err)
	}
}

// Issue 9 #5: an update whose attempts were all spent by earlier leaders
// (the final failure was never recorded) used to skip the retry loop with
// a nil error and panic in err.Error() inside the transaction, crashing
// every leader that picked it up. It is now tried once more and finished.
func TestAnUpdateWithSpentAttemptsIsFinishedWithoutAPanic(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Spent"})
	seedUpdate(t, h, 900001, u, "left over", 3)
	seedUpdate(t, h, 900002, u, "way over", 7)
	inst := h.Start("a", actorstest.Options{})
	for _, want := range []string{"#1 left over", "#2 way over"} {
		if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == want }); err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
	}
	for _, id := range []int64{900001, 900002} {
		var processed, failed bool
		if err := h.Admin.QueryRow(ctx, `SELECT processed_at IS NOT NULL, failed FROM inbox WHERE bot_id = $1 AND update_id = $2`,
			h.BotID, id).Scan(&processed, &failed); err != nil {
			t.Fatal(err)
		}
		if !processed || failed {
			t.Fatalf("update %d: processed %v, failed %v; want processed", id, processed, failed)
		}
	}
	var texts []string
	for _, m := range h.Bot.Sent(u.ID()) {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "#1 left over,#2 way over" {
		t.Fatalf("user saw %v", texts)
	}
	inst.Stop(t) // returns: the leader did not crash and released cleanly
}

// The same for a poison update: its one more attempt fails, and it is
// recorded failed with an apology (a real cause, no nil error), once.
func TestAPoisonUpdateWithSpentAttemptsFailsCleanly(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Poison"})
	seedUpdate(t, h, 900001, u, "panic", 3)
	seedUpdate(t, h, 900002, u, "next", 0)
	sh := &scriptedHandler{blocked: make(chan struct{}), release: make(chan struct{})}
	inst := h.Start("a", actorstest.Options{Handler: sh})
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
	var failed bool
	var cause string
	if err := h.Admin.QueryRow(ctx, `SELECT failed, last_error FROM inbox WHERE bot_id = $1 AND update_id = 900001`, h.BotID).Scan(&failed, &cause); err != nil {
		t.Fatal(err)
	}
	if !failed || !strings.Contains(cause, "panicked") {
		t.Fatalf("failed %v, cause %q; want failed with the handler's panic as the cause", failed, cause)
	}
	sh.mu.Lock()
	panics := sh.panics
	sh.mu.Unlock()
	if panics != 1 {
		t.Fatalf("handler ran %d times; want one more attempt only", panics)
	}
	inst.Stop(t)
}

// moneyHandler credits a successful payment in Apply, which fails while
// the simulated outage lasts (outage attempts); texts are echoed.
type moneyHandler struct {
	mu       sync.Mutex
	outage   int // Apply attempts still to fail
	applies  int
	credited int // commits that credited
}

func (h *moneyHandler) MustNotDrop(upd *models.Update) string {
	if upd.Message != nil && upd.Message.SuccessfulPayment != nil {
		return "successful_payment"
	}
	return ""
}

func (h *moneyHandler) Handle(_ context.Context, s actors.Session, upd *models.Update) (actors.Step, error) {
	m := upd.Message
	if m == nil {
		return actors.Step{}, nil
	}
	if m.SuccessfulPayment == nil {
		return actors.Step{State: "menu", Ops: []telegram.Op{telegram.SendOp(m.Chat.ID, "echo "+m.Text, nil)}}, nil
	}
	return actors.Step{
		State: "menu",
		Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.applies++
			if h.outage > 0 {
				h.outage--
				return nil, errors.New("simulated database outage")
			}
			return []telegram.Op{telegram.SendOp(m.Chat.ID, "credited", nil)}, nil
		},
		AfterCommit: func() {
			h.mu.Lock()
			h.credited++
			h.mu.Unlock()
		},
	}, nil
}

func (h *moneyHandler) Apology(_ context.Context, userID int64) []telegram.Op {
	return []telegram.Op{telegram.SendOp(userID, "sorry", nil)}
}

// Issue 9 #2: a paid top-up used to share the three-strikes rule, so an
// outage longer than three attempts lost the payment for good. An update
// the handler marks as not to be dropped is retried until it succeeds
// (credited exactly once, no apology), counted in a metric, and the Stuck
// hook (the shop's admin alert) fires once the bound is reached.
func TestAMoneyUpdateIsRetriedUntilItSucceedsAndAlertsAfterTheBound(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Payer"})
	const outage, bound = 7, 4
	mh := &moneyHandler{outage: outage}
	type stuck struct {
		updateID int64
		kind     string
		attempts int
	}
	var mu sync.Mutex
	var alerts []stuck
	seedMessage(t, h, 900001, u, `"successful_payment":{"currency":"XTR","total_amount":100,"invoice_payload":"t:1","telegram_payment_charge_id":"c1","provider_payment_charge_id":"p1"}`, 0)
	seedUpdate(t, h, 900002, u, "after", 0)
	inst := h.Start("a", actorstest.Options{Handler: mh, Dispatcher: func(c *actors.DispatcherConfig) {
		c.StuckAfter, c.MaxRetryWait = bound, 20*time.Millisecond
		c.Stuck = func(_ context.Context, userID, updateID int64, kind string, attempts int, err error) {
			mu.Lock()
			defer mu.Unlock()
			if userID != u.ID() || err == nil {
				t.Errorf("stuck hook got user %d, err %v", userID, err)
			}
			alerts = append(alerts, stuck{updateID, kind, attempts})
		}
	}})
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "echo after" }); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range h.Bot.Sent(u.ID()) {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "credited,echo after" {
		t.Fatalf("user saw %v; want the credit once, in order, and no apology", texts)
	}
	mh.mu.Lock()
	applies, credited := mh.applies, mh.credited
	mh.mu.Unlock()
	if applies != outage+1 || credited != 1 {
		t.Fatalf("Apply ran %d times and credited %d; want %d attempts and one credit", applies, credited, outage+1)
	}
	mu.Lock()
	got := fmt.Sprint(alerts)
	mu.Unlock()
	if want := fmt.Sprint([]stuck{{900001, "successful_payment", bound}}); got != want {
		t.Fatalf("stuck alerts %s, want %s (once, at the bound)", got, want)
	}
	if n := actorstest.CounterValue(inst.Metrics.MoneyRetries.WithLabelValues("successful_payment")); n != outage {
		t.Fatalf("money retries metric = %v, want %d", n, outage)
	}
	var failed bool
	var attempts int
	if err := h.Admin.QueryRow(ctx, `SELECT failed, attempts FROM inbox WHERE bot_id = $1 AND update_id = 900001`, h.BotID).Scan(&failed, &attempts); err != nil {
		t.Fatal(err)
	}
	if failed || attempts != outage {
		t.Fatalf("inbox row failed %v, attempts %d; want processed after %d counted failures", failed, attempts, outage)
	}
}

// A money update a previous leader already retried past the usual three
// attempts is not given up either: the new leader goes on until it works.
func TestAMoneyUpdateWithSpentAttemptsIsStillCredited(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Payer"})
	mh := &moneyHandler{outage: 2}
	seedMessage(t, h, 900001, u, `"successful_payment":{"currency":"XTR","total_amount":100,"invoice_payload":"t:1","telegram_payment_charge_id":"c1","provider_payment_charge_id":"p1"}`, 5)
	h.Start("a", actorstest.Options{Handler: mh, Dispatcher: func(c *actors.DispatcherConfig) { c.MaxRetryWait = 20 * time.Millisecond }})
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "credited" }); err != nil {
		t.Fatal(err)
	}
	for _, m := range h.Bot.Sent(u.ID()) {
		if m.Text == "sorry" {
			t.Fatal("a money update was given up with an apology")
		}
	}
}

// afterCommitEcho is EchoHandler counting the AfterCommit calls it gets.
type afterCommitEcho struct {
	actorstest.EchoHandler
	mu    sync.Mutex
	after int
}

func (h *afterCommitEcho) Handle(ctx context.Context, s actors.Session, upd *models.Update) (actors.Step, error) {
	step, err := h.EchoHandler.Handle(ctx, s, upd)
	step.AfterCommit = func() {
		h.mu.Lock()
		h.after++
		h.mu.Unlock()
	}
	return step, err
}

func sentTexts(h *actorstest.Harness, u *telegramtest.User) string {
	var texts []string
	for _, m := range h.Bot.Sent(u.ID()) {
		texts = append(texts, m.Text)
	}
	return strings.Join(texts, ",")
}

// Issue 9 #4: when a step committed but its answer was lost, the retry
// found the update processed and returned with the actor's session and
// unsent replies stale: the reply waited for the actor to be recreated
// (out of order), AfterCommit never ran, and the next update was computed
// from the old session and overwrote the saved one. The actor now reads
// both again and runs the step's AfterCommit.
func TestALostCommitAnswerReloadsTheActor(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Lost"})
	seedUpdate(t, h, 900001, u, "a", 0)
	seedUpdate(t, h, 900002, u, "b", 0)
	eh := &afterCommitEcho{}
	var once sync.Once
	h.Start("a", actorstest.Options{Handler: eh, IdleTimeout: time.Minute, Dispatcher: func(c *actors.DispatcherConfig) {
		actors.SetCommitFault(c, func(id int64) (err error) {
			if id == 900001 {
				once.Do(func() { err = errors.New("connection reset after COMMIT") })
			}
			return err
		})
	}})
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return strings.HasSuffix(m.Text, " b") }); err != nil {
		t.Fatal(err)
	}
	if got := sentTexts(h, u); got != "#1 a,#2 b" {
		t.Fatalf("user saw %q; want #1 a,#2 b: the reply in order and the count from the saved session", got)
	}
	var data string
	if err := h.Admin.QueryRow(ctx, `SELECT data::text FROM conversations WHERE bot_id = $1 AND user_id = $2`, h.BotID, u.ID()).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if data != `{"count": 2}` {
		t.Fatalf("saved conversation %s; want count 2", data)
	}
	eh.mu.Lock()
	after := eh.after
	eh.mu.Unlock()
	if after != 2 {
		t.Fatalf("AfterCommit ran %d times; want once per committed step (2)", after)
	}
}

// The backstop: a conversation saved behind the actor's back (another
// writer) makes the actor's next write conflict; it reads the
// conversation again and recomputes the step instead of overwriting.
func TestAConversationChangedBehindTheActorIsReadAgain(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "Changed"})
	h.Start("a", actorstest.Options{IdleTimeout: time.Minute})
	u.SendText("a")
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "#1 a" }); err != nil {
		t.Fatal(err)
	}
	// Another writer (an operator's reset, a second actor) saves count 10.
	if _, err := h.Admin.Exec(ctx, `UPDATE conversations SET data = '{"count": 10}', version = version + 1 WHERE bot_id = $1 AND user_id = $2`,
		h.BotID, u.ID()); err != nil {
		t.Fatal(err)
	}
	u.SendText("b")
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return strings.HasSuffix(m.Text, " b") }); err != nil {
		t.Fatal(err)
	}
	if got := sentTexts(h, u); got != "#1 a,#11 b" {
		t.Fatalf("user saw %q; want #1 a,#11 b: the step recomputed from the conversation as saved", got)
	}
}

// Issue 9 #13: at term start every user with unsent replies used to get an
// actor at once. They now start CatchUpBatch at a time, the next when one
// has sent its backlog, and every reply still goes out.
func TestBacklogActorsStartInBoundedBatches(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	const users, batch = 12, 3
	var us []*telegramtest.User
	for i := range users {
		u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("B%d", i)})
		us = append(us, u)
		enc, err := telegram.EncodeOps([]telegram.Op{telegram.SendOp(u.ID(), "left by the last leader", nil)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Admin.Exec(ctx, `INSERT INTO outbox (bot_id, user_id, op) VALUES ($1, $2, $3::jsonb)`, h.BotID, u.ID(), string(enc[0])); err != nil {
			t.Fatal(err)
		}
	}
	hold := h.Bot.Hold("sendMessage")
	inst := h.Start("a", actorstest.Options{IdleTimeout: time.Minute, Dispatcher: func(c *actors.DispatcherConfig) {
		c.CatchUpBatch, c.SendTimeout = batch, time.Minute
	}})
	if err := h.TG.WaitFor(ctx, func() bool { return hold.Waiting() == batch }); err != nil {
		t.Fatal(err)
	}
	if n := actorstest.GaugeValue(inst.Metrics.ActiveActors); n != batch {
		t.Fatalf("%v actors started for the backlog; want %d at a time", n, batch)
	}
	hold.Release(1) // one finishes: one more starts
	if err := h.TG.WaitFor(ctx, func() bool { return hold.Arrived() == batch+1 && hold.Waiting() == batch }); err != nil {
		t.Fatal(err)
	}
	if n := actorstest.GaugeValue(inst.Metrics.ActiveActors); n != batch+1 {
		t.Fatalf("%v actors after one finished; want %d", n, batch+1)
	}
	hold.Open()
	for _, u := range us {
		if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "left by the last leader" }); err != nil {
			t.Fatalf("user %d: %v", u.ID(), err)
		}
	}
}
