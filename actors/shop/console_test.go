package shop

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

const (
	consoleAdmin = 7070
	otherAdmin   = 7071
)

// cmdScreen sends a command and returns the screen that answers it.
func (c *client) cmdScreen(name string, args ...string) telegramtest.Message {
	c.t.Helper()
	since := c.mark()
	c.u.SendCommand(name, args...)
	return c.mustScreen(since)
}

// sayScreen sends text and returns the screen that answers it.
func (c *client) sayScreen(text string) telegramtest.Message {
	c.t.Helper()
	since := c.mark()
	c.u.SendText(text)
	return c.mustScreen(since)
}

// mustTap presses the button of msg containing sub and returns the next
// screen.
func (c *client) mustTap(msg telegramtest.Message, sub string) telegramtest.Message {
	c.t.Helper()
	next, err := c.tapOn(msg, sub)
	if err != nil {
		c.t.Fatalf("%v\n%s", err, c.transcript())
	}
	return next
}

// replay sends a callback query again for the button of msg containing sub,
// as a second tap that reached Telegram before the first one's edit did.
// Its answer goes to a query the fake no longer knows; what counts is that
// the shop handles it.
func (c *client) replay(msg telegramtest.Message, sub string) {
	c.t.Helper()
	label := mustButton(c.t.(*testing.T), msg, sub)
	var data string
	for _, b := range msg.Buttons() {
		if b.Text == label {
			data = b.CallbackData
		}
	}
	id, _ := c.s.Bot.SendUpdate(models.Update{CallbackQuery: &models.CallbackQuery{
		ID: fmt.Sprintf("replay-%d-%d", c.u.ID(), msg.ID), From: c.u.Model(), Data: data,
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: msg.ID, Chat: models.Chat{ID: c.u.ID(), Type: models.ChatTypePrivate}}},
	}})
	c.s.waitProcessed(c.ctx, id)
}

// openCard walks the console to a user's card by their id.
func (c *client) openCard(userID int64) telegramtest.Message {
	c.t.Helper()
	menu := c.cmdScreen("admin")
	c.mustTap(menu, "👤 Users")
	return c.sayScreen(strconv.FormatInt(userID, 10))
}

// adminActions counts the audit log's rows of action about userID (0: any).
func (s *shop) adminActions(ctx context.Context, action string, userID int64) []store.AdminAction {
	s.T.Helper()
	all, _, err := s.st.AdminActions(ctx, store.AdminActionFilter{UserID: userID, Limit: 200})
	if err != nil {
		s.T.Fatal(err)
	}
	var out []store.AdminAction
	for _, a := range all {
		if action == "" || a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

func (s *shop) kindEntries(ctx context.Context, userID int64, kind store.EntryKind) []store.Entry {
	s.T.Helper()
	es, err := s.st.RecentEntries(ctx, userID, 100)
	if err != nil {
		s.T.Fatal(err)
	}
	var out []store.Entry
	for _, e := range es {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// To anyone but an admin the console does not exist: every admin command
// gets exactly the answer an unknown command gets, and a forged admin
// button exactly the answer of any button that is not live.
func TestConsoleIsInvisibleToUsers(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, ratePerMinute: 6000, rateBurst: 1000})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	menu := ann.cmdScreen("start")
	hint := fsm.T(fsm.EN, fsm.KeyHint)
	for _, cmd := range [][]string{{"admin"}, {"stats"}, {"broadcast"}, {"broadcasts"}, {"user", "1"}, {"job", "1"}, {"order", "1"}, {"models"}, {"audit"}, {"refund", "stxcharge"}, {"panel"}, {"panel", "logout"}} {
		if got := ann.cmdScreen(cmd[0], cmd[1:]...); got.Text != hint || len(got.Buttons()) != 0 {
			t.Errorf("/%s for a user: %q %v, want the hint %q", cmd[0], got.Text, got.Buttons(), hint)
		}
	}

	// Forged buttons on a message the user can press: an admin action with
	// the live nonce, a global admin button, and nonsense.
	nonce, _, _ := strings.Cut(menu.Buttons()[0].CallbackData, "|")
	tg, err := telegram.New(telegram.Config{APIURL: s.TG.URL, Token: actorstest.BotToken, Logger: s.opts.logger})
	if err != nil {
		t.Fatal(err)
	}
	forged := [][]telegram.Button{{{Text: "admin section", Data: nonce + "|sec|0"}}, {{Text: "admin menu", Data: "*|adm|"}},
		{{Text: "open user", Data: "*|usr|" + strconv.FormatInt(consoleAdmin, 10)}}, {{Text: "nonsense", Data: "*|zzz|1"}}}
	if err := tg.Perform(ctx, telegram.SendOp(ann.u.ID(), "buttons", forged)); err != nil {
		t.Fatal(err)
	}
	msg, err := s.Bot.WaitMessage(ctx, ann.u.ID(), func(m telegramtest.Message) bool { return m.Text == "buttons" })
	if err != nil {
		t.Fatal(err)
	}
	var answers, screens []string
	for _, label := range []string{"admin section", "admin menu", "open user", "nonsense"} {
		since := ann.mark()
		id, err := ann.tap(msg, label)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := s.Bot.CallbackAnswer(id)
		answers = append(answers, a.Text)
		screens = append(screens, ann.mustScreen(since).Text)
	}
	for i := range answers {
		if answers[i] != fsm.Outdated(fsm.EN) || screens[i] != screens[3] {
			t.Errorf("button %d answered %q with %q; a nonsense button gets %q with %q", i, answers[i], screens[i], answers[3], screens[3])
		}
	}
	if as := s.adminActions(ctx, "", 0); len(as) != 0 {
		t.Fatalf("audit rows from a user: %+v", as)
	}
}

// An admin adjusts a balance from the user's card: shown back with its
// effect, carried out once however often it is tapped, audited with the
// ledger entry it made, and the user is told.
func TestConsoleAdjustsABalance(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 10_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	ann.cmdScreen("start")
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	card := admin.openCard(ann.u.ID())
	if !strings.Contains(card.Text, "Ann") || !strings.Contains(card.Text, "Balance: 10,00") {
		t.Fatalf("card: %q", card.Text)
	}
	admin.mustTap(card, "± Balance")
	if p := admin.sayScreen("ten"); !strings.Contains(p.Text, "could not read that amount") {
		t.Fatalf("bad amount: %q", p.Text)
	}
	admin.sayScreen("+150,5")
	conf := admin.sayScreen("goodwill: slow order")
	if !strings.Contains(conf.Text, "+150,50") || !strings.Contains(conf.Text, "10,00\u00a0₽ now → 160,50\u00a0₽ after") {
		t.Fatalf("confirmation: %q", conf.Text)
	}
	annSince := ann.mark()
	out := admin.mustTap(conf, "✅ Confirm")
	if out.ID != conf.ID || !strings.Contains(out.Text, "Balance adjusted: +150,50") || !strings.Contains(out.Text, "10,00\u00a0₽ → 160,50\u00a0₽") {
		t.Fatalf("outcome: %q", out.Text)
	}
	ann.waitNew(annSince, "Support adjusted your balance: +150,50")
	admin.replay(conf, "✅ Confirm") // a double tap
	s.waitInboxDrained(ctx)

	if avail, _ := ann.balance(); avail != 160_50 {
		t.Fatalf("balance %d", avail)
	}
	es := s.kindEntries(ctx, ann.u.ID(), store.KindAdminAdjust)
	as := s.adminActions(ctx, "adjust_balance", ann.u.ID())
	if len(es) != 1 || es[0].AdminID != consoleAdmin || es[0].Amount != 150_50 || len(as) != 1 {
		t.Fatalf("ledger %+v, audit %+v", es, as)
	}
	if a := as[0]; a.AdminID != consoleAdmin || a.Before != "1000" || a.After != "16050" || a.Reason != "goodwill: slow order" || a.Target != fmt.Sprint("entry ", es[0].ID) {
		t.Fatalf("audited %+v", a)
	}
	if n := ann.countSent(hasText("Support adjusted your balance")); n != 1 {
		t.Fatalf("told %d times", n)
	}

	// A debit beyond the balance is refused before it can be confirmed.
	card = admin.cmdScreen("user", strconv.FormatInt(ann.u.ID(), 10))
	admin.mustTap(card, "± Balance")
	admin.sayScreen("-500")
	conf = admin.sayScreen("oops")
	if _, ok := button(conf, containing("✅ Confirm")); ok || !strings.Contains(conf.Text, "would go below zero") {
		t.Fatalf("debit beyond the balance: %q %v", conf.Text, conf.Buttons())
	}
	s.checkBooks(ctx)
}

// Two admins adjust one user at the same moment: credits both land; of two
// debits that cannot both fit one is refused, and nothing is lost.
func TestConsoleTwoAdminsAdjustOneUserAtOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin, otherAdmin}, welcome: 100_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	ann.cmdScreen("start")
	admins := []*client{s.newClientAs(ctx, consoleAdmin, "Boss"), s.newClientAs(ctx, otherAdmin, "Deputy")}

	race := func(amount string) []string {
		t.Helper()
		confs := make([]telegramtest.Message, 2)
		for i, a := range admins {
			card := a.openCard(ann.u.ID())
			a.mustTap(card, "± Balance")
			a.sayScreen(amount)
			confs[i] = a.sayScreen("race")
		}
		// Both taps before either is handled: the two admins' updates run
		// in parallel, on two conversation actors.
		marks := []mark{admins[0].mark(), admins[1].mark()}
		ids := make([]string, 2)
		for i, a := range admins {
			id, err := a.u.Press(confs[i].ID, mustButton(t, confs[i], "✅ Confirm"))
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = id
		}
		var outcomes []string
		for i, a := range admins {
			if _, err := s.Bot.WaitCallbackAnswer(ctx, ids[i]); err != nil {
				t.Fatal(err)
			}
			outcomes = append(outcomes, a.mustScreen(marks[i]).Text)
		}
		return outcomes
	}
	for _, o := range race("30") {
		if !strings.Contains(o, "Balance adjusted: +30,00") {
			t.Fatalf("credit outcome %q", o)
		}
	}
	if avail, _ := ann.balance(); avail != 160_00 {
		t.Fatalf("balance %d after two credits of 30 on 100", avail)
	}
	done, refused := 0, 0
	for _, o := range race("-100") {
		switch {
		case strings.Contains(o, "Balance adjusted: -100,00"):
			done++
		case strings.Contains(o, "Not done: The balance would go below zero: it holds 60,00"):
			refused++
		default:
			t.Fatalf("debit outcome %q", o)
		}
	}
	if avail, _ := ann.balance(); done != 1 || refused != 1 || avail != 60_00 {
		t.Fatalf("two debits of 100 on 160: %d done, %d refused, balance %d", done, refused, avail)
	}
	if es, as := s.kindEntries(ctx, ann.u.ID(), store.KindAdminAdjust), s.adminActions(ctx, "adjust_balance", ann.u.ID()); len(es) != 3 || len(as) != 3 {
		t.Fatalf("%d entries, %d audit rows for three adjustments", len(es), len(as))
	}
	s.checkBooks(ctx)
}

// A banned user gets one polite message and nothing else: no screens, no
// orders (an old confirmation included), no invoices; a payment Telegram
// still delivers is credited. Unbanned, they are served again.
func TestConsoleBanStopsEverythingButPayments(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00})
	ctx := actorstest.Context(t, 90*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	// Before the ban: an invoice, a payment approved at pre-checkout but
	// not yet completed, and an order at its confirmation.
	invoice := func() telegramtest.Message {
		since := ann.mark()
		packages := ann.cmdScreen("topup")
		if _, err := ann.tap(packages, mustButton(t, packages, "⭐ 50")); err != nil {
			t.Fatal(err)
		}
		inv, err := s.Bot.WaitMessage(ctx, ann.u.ID(), func(m telegramtest.Message) bool { return since.changed(m) && m.Invoice != nil })
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	unpaid, approved := invoice(), invoice()
	query, err := ann.u.Checkout(approved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ans, err := s.Bot.WaitPreCheckoutAnswer(ctx, query); err != nil || !ans.OK {
		t.Fatalf("pre-checkout before the ban: %+v %v", ans, err)
	}
	confirmation := ann.mustOrder("z-image")

	card := admin.openCard(ann.u.ID())
	admin.mustTap(card, "🚫 Ban")
	conf := admin.sayScreen("chargeback fraud")
	if out := admin.mustTap(conf, "✅ Confirm"); !strings.Contains(out.Text, "is banned") {
		t.Fatalf("ban outcome: %q", out.Text)
	}
	if as := s.adminActions(ctx, "ban", ann.u.ID()); len(as) != 1 || as[0].Reason != "chargeback fraud" || as[0].After != "banned" {
		t.Fatalf("audit: %+v", as)
	}

	suspended := fsm.Suspended(fsm.EN, "@kiebot_support").Text
	if got := ann.cmdScreen("start"); got.Text != suspended || len(got.Buttons()) != 0 {
		t.Fatalf("banned /start: %q", got.Text)
	}
	if got := ann.sayScreen("hello?"); got.Text != suspended {
		t.Fatalf("banned text: %q", got.Text)
	}
	id, err := ann.tap(confirmation, mustButton(t, confirmation, "✅"))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Bot.CallbackAnswer(id); !strings.Contains(a.Text, "access to this bot is suspended") || !a.ShowAlert {
		t.Fatalf("banned confirmation answered %+v", a)
	}
	if _, err := ann.u.Pay(ctx, unpaid.ID); !errors.Is(err, telegramtest.ErrPaymentDeclined) || !strings.Contains(err.Error(), "suspended") {
		t.Fatalf("banned pre-checkout: %v", err)
	}
	since := ann.mark()
	if _, err := ann.u.CompletePayment(query); err != nil {
		t.Fatal(err)
	}
	ann.waitNew(since, "Payment received: +50,00")
	s.waitInboxDrained(ctx)
	if avail, _ := ann.balance(); avail != 150_00 || len(jobsOf(s.jobs(ctx), ann.u.ID())) != 0 {
		t.Fatalf("banned: balance %d, jobs %+v", avail, s.jobs(ctx))
	}

	// An admin cannot be banned, by another admin or by themselves.
	if own := admin.cmdScreen("user", strconv.FormatInt(consoleAdmin, 10)); !strings.Contains(own.Text, "Admin") {
		t.Fatalf("an admin's card: %q", own.Text)
	} else if _, ok := button(own, containing("Ban")); ok {
		t.Fatal("an admin's card offers a ban")
	}

	card = admin.cmdScreen("user", strconv.FormatInt(ann.u.ID(), 10))
	if !strings.Contains(card.Text, "Banned") || !strings.Contains(card.Text, "chargeback fraud") {
		t.Fatalf("banned card: %q", card.Text)
	}
	admin.mustTap(card, "✅ Unban")
	admin.mustTap(admin.sayScreen("appeal accepted"), "✅ Confirm")
	if got := ann.cmdScreen("start"); !strings.Contains(got.Text, "What shall we make") {
		t.Fatalf("unbanned /start: %q", got.Text)
	}
	s.checkBooks(ctx)
}

// A support message is shown back escaped, sent through the outbox once,
// and audited with its text.
func TestConsoleMessagesAUser(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "ru")
	ann.cmdScreen("start")
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	card := admin.openCard(ann.u.ID())
	admin.mustTap(card, "✉️ Message")
	text := "Your refund is on its way <b>today</b> & more"
	conf := admin.sayScreen(text)
	// The fake renders the HTML: the admin sees the text exactly as typed,
	// under the header Ann will see (in her language).
	if !strings.Contains(conf.Text, "Сообщение от поддержки\n\n"+text) {
		t.Fatalf("confirmation: %q", conf.Text)
	}
	since := ann.mark()
	admin.mustTap(conf, "✅ Confirm")
	got := ann.waitNew(since, "Сообщение от поддержки")
	if !strings.HasSuffix(got.Text, text) {
		t.Fatalf("Ann got %q", got.Text)
	}
	admin.replay(conf, "✅ Confirm")
	s.waitInboxDrained(ctx)
	if n := ann.countSent(hasText("Сообщение от поддержки")); n != 1 {
		t.Fatalf("Ann got the message %d times", n)
	}
	if as := s.adminActions(ctx, "message", ann.u.ID()); len(as) != 1 || as[0].After != text {
		t.Fatalf("audit: %+v", as)
	}
}

// An order is found by its number with everything about it, and refunded
// once: a ledger entry of its own, the user told, the books clean.
func TestConsoleFindsAndRefundsAnOrder(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00})
	ctx := actorstest.Context(t, 90*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	confirmation := ann.mustOrder("z-image")
	since := ann.mark()
	ann.confirm(confirmation)
	ann.waitResult(since)
	js := s.waitSettled(ctx)
	job := js[0]
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	card := admin.cmdScreen("job", "#"+strconv.FormatInt(job.ID, 10))
	for _, want := range []string{fmt.Sprint("Order #", job.ID), "z-image", job.TaskID, "done", "delivered", testPrompt, "Results:"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("order card lacks %q: %q", want, card.Text)
		}
	}
	admin.mustTap(card, "↩️ Refund")
	conf := admin.sayScreen("the fox had five legs")
	annSince := ann.mark()
	out := admin.mustTap(conf, "✅ Confirm")
	if !strings.Contains(out.Text, fmt.Sprint("Order #", job.ID, " refunded")) {
		t.Fatalf("outcome: %q", out.Text)
	}
	ann.waitNew(annSince, fmt.Sprint("Order #", job.ID, ":"))
	if avail, _ := ann.balance(); avail != 100_00 {
		t.Fatalf("balance %d after refunding the only order", avail)
	}
	// A second refund, from a fresh card, is refused: the order shows it.
	card = admin.cmdScreen("job", strconv.FormatInt(job.ID, 10))
	if _, ok := button(card, containing("↩️ Refund")); ok || !strings.Contains(card.Text, "Refunded") {
		t.Fatalf("refunded order card: %q %v", card.Text, card.Buttons())
	}
	if n := s.entries(ctx, job.ID, "job_refund"); n != 1 {
		t.Fatalf("%d refund entries", n)
	}
	if as := s.adminActions(ctx, "refund_job", ann.u.ID()); len(as) != 1 || as[0].Target != strconv.FormatInt(job.ID, 10) {
		t.Fatalf("audit: %+v", as)
	}
	if p := admin.cmdScreen("job", "999999"); !strings.Contains(p.Text, "There is no order #999999") {
		t.Fatalf("unknown order: %q", p.Text)
	}
	s.checkBooks(ctx)
}

// A user is found by a forwarded message; a sender who hides their account
// is explained politely, and @username works too.
func TestConsoleFindsAUserByForwardOrUsername(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := &client{s: s, u: s.Bot.AddUser(telegramtest.UserConfig{FirstName: "Ann", Username: "Ann_Fox", LanguageCode: "en"}), ctx: ctx, t: t}
	ann.cmdScreen("start")
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	admin.mustTap(admin.cmdScreen("admin"), "👤 Users")

	forward := func(origin models.MessageOrigin) telegramtest.Message {
		since := admin.mark()
		from := admin.u.Model()
		s.Bot.SendUpdate(models.Update{Message: &models.Message{ID: 1000 + len(admin.s.Bot.Messages(admin.u.ID())), From: &from,
			Chat: models.Chat{ID: admin.u.ID(), Type: models.ChatTypePrivate}, Date: int(time.Now().Unix()), Text: "please help", ForwardOrigin: &origin}})
		return admin.mustScreen(since)
	}
	card := forward(models.MessageOrigin{Type: models.MessageOriginTypeUser,
		MessageOriginUser: &models.MessageOriginUser{Type: models.MessageOriginTypeUser, SenderUser: ann.u.Model()}})
	if !strings.Contains(card.Text, "Ann") || !strings.Contains(card.Text, strconv.FormatInt(ann.u.ID(), 10)) {
		t.Fatalf("card from a forward: %q", card.Text)
	}
	hidden := forward(models.MessageOrigin{Type: models.MessageOriginTypeHiddenUser,
		MessageOriginHiddenUser: &models.MessageOriginHiddenUser{Type: models.MessageOriginTypeHiddenUser, SenderUserName: "Mystery"}})
	if !strings.Contains(hidden.Text, "(Mystery) hides their account") {
		t.Fatalf("hidden sender: %q", hidden.Text)
	}
	if card := admin.sayScreen("@ann_fox"); !strings.Contains(card.Text, "@Ann_Fox") {
		t.Fatalf("by username: %q", card.Text)
	}
}

// The statistics screen is fed by the books: a top-up, an order and Kie's
// balance show up.
func TestConsoleStatistics(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}})
	ctx := actorstest.Context(t, 90*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	ann.topUpStars("50")
	confirmation := ann.mustOrder("z-image")
	since := ann.mark()
	ann.confirm(confirmation)
	ann.waitResult(since)
	js := s.waitSettled(ctx)
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	stats := admin.mustTap(admin.cmdScreen("admin"), "📊 Statistics")
	for _, want := range []string{"2 new", "1 paying", "Stars: 1 for 50,00", "Revenue (orders paid): " + fmtRUB(js[0].Price),
		"Orders: done 1", "Z-Image — 1, 100%", "Kie balance:"} {
		if !strings.Contains(stats.Text, want) {
			t.Errorf("statistics lack %q:\n%s", want, stats.Text)
		}
	}
	if week := admin.mustTap(stats, "7 days"); !strings.Contains(week.Text, "Statistics · 7 days") {
		t.Fatalf("7 days: %q", week.Text)
	}
}

func fmtRUB(k int64) string { return fmt.Sprintf("%d,%02d", k/100, k%100) }

// /refund writes its audit row in its own transaction, and the audit log
// lists it.
func TestConsoleRefundCommandIsAudited(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	pay := ann.topUpStars("50")
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	since := admin.mark()
	admin.u.SendCommand("refund", pay.ChargeID, "changed", "her", "mind")
	admin.waitNew(since, "Refunded: 50 ⭐")
	s.waitInboxDrained(ctx)
	as := s.adminActions(ctx, "refund_topup", ann.u.ID())
	if len(as) != 1 || as[0].Target != pay.ChargeID || as[0].Reason != "changed her mind" || as[0].Before != "5000" || as[0].After != "0" {
		t.Fatalf("audit: %+v", as)
	}
	log := admin.cmdScreen("audit")
	if !strings.Contains(log.Text, "Stars refunded (charge "+pay.ChargeID+")") || !strings.Contains(log.Text, "changed her mind") {
		t.Fatalf("audit log: %q", log.Text)
	}
	s.checkBooks(ctx)
}

// waitListeners waits until n sessions LISTEN for model switches (each
// instance's catalogue), so a switch made now reaches every one of them.
func (s *shop) waitListeners(ctx context.Context, n int) {
	s.T.Helper()
	err := waitUntil(ctx, func() (bool, error) {
		var got int
		err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'||$1||'%'`,
			store.ModelsChannel).Scan(&got)
		return got >= n, err
	})
	if err != nil {
		s.T.Fatalf("%d catalogues not listening: %v", n, err)
	}
}

func (s *shop) catalogue(name string) *Catalogue {
	c, ok := s.catalogues.Load(name)
	if !ok {
		s.T.Fatalf("no catalogue for instance %s", name)
	}
	return c.(*Catalogue)
}

// A model switched off on one instance is hidden on the other at once (its
// catalogue hears the NOTIFY), and a confirmation shown before the switch is
// refused there, nothing held; switched back on — from a console screen
// shown by the old leader, confirmed on the new one — it sells again. A
// switch no live copy has heard of yet is still refused at confirmation, by
// the database.
func TestConsoleModelSwitchTakesEffectOnEveryInstance(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00})
	ctx := actorstest.Context(t, 120*time.Second)
	a := s.startShop("a", shopOptions{})
	if err := s.TG.WaitFor(ctx, func() bool { return s.LeaderName() == "a" }); err != nil {
		t.Fatal(err)
	}
	s.startShop("b", shopOptions{})
	s.waitListeners(ctx, 2)
	ann := s.newClient(ctx, "Ann", "en")
	old := ann.mustOrder("z-image")
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	models := admin.cmdScreen("models")
	for range 20 {
		if _, ok := button(models, containing("Switch off: Z-Image")); ok {
			break
		}
		models = admin.mustTap(models, "Next ▶️")
	}
	admin.mustTap(models, "Switch off: Z-Image")
	conf := admin.sayScreen("kie outage")
	if out := admin.mustTap(conf, "✅ Confirm"); !strings.Contains(out.Text, "switched off on every instance") {
		t.Fatalf("switch outcome: %q", out.Text)
	}
	for _, inst := range []string{"a", "b"} {
		if err := waitUntil(ctx, func() (bool, error) { return s.catalogue(inst).Off()["z-image"], nil }); err != nil {
			t.Fatalf("instance %s never heard of the switch: %v", inst, err)
		}
	}
	// The admin prepares switching it back on, still on this instance.
	models = admin.cmdScreen("models")
	for range 20 {
		if _, ok := button(models, containing("Switch on: Z-Image")); ok {
			break
		}
		models = admin.mustTap(models, "Next ▶️")
	}
	admin.mustTap(models, "Switch on: Z-Image")
	switchOn := admin.sayScreen("kie is back")

	// The other instance takes over and refuses the old confirmation.
	a.Stop(t)
	if err := s.TG.WaitFor(ctx, func() bool { return s.LeaderName() == "b" }); err != nil {
		t.Fatal(err)
	}
	refused, err := ann.tapOn(old, "✅")
	if err != nil {
		t.Fatalf("%v\n%s", err, ann.transcript())
	}
	if !strings.Contains(refused.Text, "not available right now") {
		t.Fatalf("old confirmation on the other instance: %q", refused.Text)
	}
	if avail, held := ann.balance(); avail != 100_00 || held != 0 || len(s.jobs(ctx)) != 0 {
		t.Fatalf("after a refused confirmation: balance %d, held %d, jobs %+v", avail, held, s.jobs(ctx))
	}
	if _, err := ann.orderUpTo("z-image"); err == nil {
		t.Fatal("a switched-off model is still listed")
	}

	// Back on: the confirmation the admin saw on the old leader works on
	// the new one (the console's state is persisted like any other).
	if out := admin.mustTap(switchOn, "✅ Confirm"); !strings.Contains(out.Text, "is on sale again") {
		t.Fatalf("switch on after the handover: %q", out.Text)
	}
	if err := waitUntil(ctx, func() (bool, error) { return !s.catalogue("b").Off()["z-image"], nil }); err != nil {
		t.Fatal(err)
	}
	fresh := ann.mustOrder("z-image")

	// Switched off behind every live copy's back (no NOTIFY): the menus do
	// not know, the confirmation's transaction does.
	if _, err := s.st.Pool().Exec(ctx, `UPDATE model_switches SET off = true WHERE bot_id = $1 AND model_id = 'z-image'`, s.BotID); err != nil {
		t.Fatal(err)
	}
	since := ann.mark()
	ann.confirm(fresh)
	ann.waitNew(since, "not available right now")
	if avail, held := ann.balance(); avail != 100_00 || held != 0 || len(s.jobs(ctx)) != 0 {
		t.Fatalf("after a refused confirmation: balance %d, held %d, jobs %+v", avail, held, s.jobs(ctx))
	}
	if as := s.adminActions(ctx, "", 0); len(as) != 2 || as[0].Action != "model_on" || as[1].Action != "model_off" || as[1].Target != "z-image" {
		t.Fatalf("audit: %+v", as)
	}
	s.checkBooks(ctx)
}
