package panel

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kiebot/kiebot/store"
)

func (f *fixture) auditRows(action string) int {
	return f.count(`SELECT count(*) FROM admin_actions WHERE action = $1`, action)
}

func (f *fixture) outbox(userID int64) int {
	return f.count(`SELECT count(*) FROM outbox WHERE user_id = $1`, userID)
}

// mustChange posts a form and expects the redirect back with flash.
func mustChange(t *testing.T, a answer, flash string) {
	t.Helper()
	if a.code != http.StatusSeeOther || !strings.Contains(a.location, "flash="+url.QueryEscape(flash)) {
		t.Fatalf("answer %d %q, want a redirect with %s\n%s", a.code, a.location, flash, a.body)
	}
}

// Adjusting a balance: one admin_adjust entry and one audit row with the
// balance before and after, the user's notice in their outbox; the same
// form posted again changes nothing more; a debit beyond the balance is
// refused and changes nothing.
func TestAdjustBalance(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	f.credit(customer, 100_00, "seed")
	b := f.signIn(adminID)
	page := Prefix + "users/" + itoa64(customer)
	body := b.mustGet(page)
	form := url.Values{"csrf": {csrfRE.FindStringSubmatch(body)[1]}, "key": {keyRE.FindStringSubmatch(body)[1]},
		"amount": {"+50,5"}, "reason": {"goodwill"}}
	mustChange(t, b.do(http.MethodPost, page+"/adjust", form), "panel.f_done")
	if got := f.balance(customer); got != 150_50 {
		t.Fatalf("balance %d, want 15050", got)
	}
	mustChange(t, b.do(http.MethodPost, page+"/adjust", form), "panel.f_already") // a double submit
	if got := f.balance(customer); got != 150_50 {
		t.Fatalf("balance after the repeat %d, want 15050", got)
	}
	var before, after, reason string
	var admin int64
	if err := f.h.Admin.QueryRow(f.ctx(), `SELECT admin_id, before_value, after_value, reason FROM admin_actions WHERE action = 'adjust_balance'`).
		Scan(&admin, &before, &after, &reason); err != nil {
		t.Fatal(err)
	}
	if admin != adminID || before != "10000" || after != "15050" || reason != "goodwill" {
		t.Fatalf("audit row %d %s→%s %q", admin, before, after, reason)
	}
	if n := f.count(`SELECT count(*) FROM ledger_entries WHERE kind = 'admin_adjust' AND admin_id = $1`, adminID); n != 1 {
		t.Fatalf("%d admin_adjust entries", n)
	}
	if n := f.outbox(customer); n != 1 {
		t.Fatalf("%d notices queued, want 1", n)
	}
	// Refused: below zero, no reason, a bad amount.
	mustChange(t, b.post(page, page+"/adjust", url.Values{"amount": {"-1000"}, "reason": {"too much"}}), "panel.r_below_zero")
	mustChange(t, b.post(page, page+"/adjust", url.Values{"amount": {"10"}, "reason": {" "}}), "panel.r_reason")
	mustChange(t, b.post(page, page+"/adjust", url.Values{"amount": {"ten"}, "reason": {"x"}}), "panel.r_amount")
	if got := f.balance(customer); got != 150_50 {
		t.Fatalf("balance after refusals %d", got)
	}
	if n := f.auditRows("adjust_balance"); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
	if body := b.mustGet(page + "?flash=panel.f_done"); !strings.Contains(body, "150,50") || !strings.Contains(body, "goodwill") {
		t.Fatal("the user page does not show the new balance and the audit line")
	}
}

// Ban and unban: once each, audited; an admin cannot be banned.
func TestBanUnban(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	b := f.signIn(adminID)
	page := Prefix + "users/" + itoa64(customer)
	mustChange(t, b.post(page, page+"/ban", url.Values{"reason": {"spam"}}), "panel.f_done")
	u, err := f.st.User(f.ctx(), customer)
	if err != nil || !u.Banned() || u.BannedBy != adminID || u.BanReason != "spam" {
		t.Fatalf("after ban: %+v %v", u, err)
	}
	mustChange(t, b.post(page, page+"/ban", url.Values{"reason": {"again"}}), "panel.r_banned")
	if !strings.Contains(b.mustGet(page), "/unban") {
		t.Fatal("a banned user's page offers no unban")
	}
	mustChange(t, b.post(page, page+"/unban", url.Values{"reason": {"appeal"}}), "panel.f_done")
	if u, _ := f.st.User(f.ctx(), customer); u.Banned() {
		t.Fatal("still banned")
	}
	if f.auditRows("ban") != 1 || f.auditRows("unban") != 1 {
		t.Fatalf("audit: %d bans, %d unbans", f.auditRows("ban"), f.auditRows("unban"))
	}
	adminPage := Prefix + "users/" + itoa64(adminID)
	a := b.do(http.MethodPost, adminPage+"/ban", url.Values{"csrf": {csrfRE.FindStringSubmatch(b.mustGet(adminPage))[1]}, "key": {"k"}, "reason": {"x"}})
	mustChange(t, a, "panel.r_admin")
	if u, _ := f.st.User(f.ctx(), adminID); u.Banned() {
		t.Fatal("an admin was banned")
	}
}

// A message: audited with its text and queued once for the user.
func TestMessageUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	b := f.signIn(adminID)
	page := Prefix + "users/" + itoa64(customer)
	body := b.mustGet(page)
	form := url.Values{"csrf": {csrfRE.FindStringSubmatch(body)[1]}, "key": {"msg-1"}, "text": {"  Hello <b>there</b>  "}}
	mustChange(t, b.do(http.MethodPost, page+"/message", form), "panel.f_done")
	mustChange(t, b.do(http.MethodPost, page+"/message", form), "panel.f_already")
	if n := f.outbox(customer); n != 1 {
		t.Fatalf("%d messages queued, want 1", n)
	}
	var op string
	if err := f.h.Admin.QueryRow(f.ctx(), `SELECT op::text FROM outbox WHERE user_id = $1`, customer).Scan(&op); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(op, "Hello &lt;b&gt;there&lt;/b&gt;") {
		t.Fatalf("queued message %s: the admin's text must reach the user escaped", op)
	}
	var after string
	if err := f.h.Admin.QueryRow(f.ctx(), `SELECT after_value FROM admin_actions WHERE action = 'message'`).Scan(&after); err != nil || after != "Hello <b>there</b>" {
		t.Fatalf("audited %q, %v", after, err)
	}
	mustChange(t, b.post(page, page+"/message", url.Values{"text": {"   "}}), "panel.r_empty")
	if n := f.outbox(customer); n != 1 {
		t.Fatalf("%d messages queued after an empty one", n)
	}
}

// Refunding a paid, successful job: once, audited, the user told; a
// second refund is refused.
func TestRefundJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	f.credit(customer, 500_00, "seed")
	j := f.succeededJob(customer, 120_00, "job-refund")
	b := f.signIn(adminID)
	page := Prefix + "jobs/" + itoa64(j.ID)
	mustChange(t, b.post(page, page+"/refund", url.Values{"reason": {"bad result"}}), "panel.f_done")
	if got := f.balance(customer); got != 500_00 {
		t.Fatalf("balance %d, want 50000", got)
	}
	if strings.Contains(b.mustGet(page), "/refund\"") {
		t.Fatal("a refunded job still offers a refund")
	}
	a := b.do(http.MethodPost, page+"/refund", url.Values{"csrf": {csrfRE.FindStringSubmatch(b.mustGet(page))[1]}, "key": {"another"}, "reason": {"again"}})
	mustChange(t, a, "panel.r_refunded")
	if got := f.balance(customer); got != 500_00 {
		t.Fatalf("balance after a second refund %d", got)
	}
	if f.auditRows("refund_job") != 1 || f.outbox(customer) != 1 {
		t.Fatalf("audit %d, notices %d", f.auditRows("refund_job"), f.outbox(customer))
	}
}

// Switching a model off and back on: the switch row, one audit row each;
// switching to the state it is in is refused.
func TestSwitchModel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	b := f.signIn(adminID)
	model := f.pricer.Registry().Models()[0].ID()
	page := Prefix + "models"
	mustChange(t, b.post(page, page+"/switch", url.Values{"model": {model}, "state": {"off"}, "reason": {"failing"}}), "panel.f_done")
	sw, err := f.st.ModelSwitches(f.ctx())
	if err != nil || len(sw) != 1 || !sw[0].Off || sw[0].AdminID != adminID {
		t.Fatalf("switches %+v %v", sw, err)
	}
	mustChange(t, b.post(page, page+"/switch", url.Values{"model": {model}, "state": {"off"}, "reason": {"again"}}), "panel.r_unchanged")
	mustChange(t, b.post(page, page+"/switch", url.Values{"model": {model}, "state": {"on"}, "reason": {"fixed"}}), "panel.f_done")
	mustChange(t, b.post(page, page+"/switch", url.Values{"model": {model}, "state": {"sideways"}, "reason": {"x"}}), "panel.r_invalid")
	if f.auditRows("model_off") != 1 || f.auditRows("model_on") != 1 {
		t.Fatalf("audit: %d off, %d on", f.auditRows("model_off"), f.auditRows("model_on"))
	}
	var shipped string
	for _, m := range f.pricer.Registry().All() {
		if !m.Enabled() {
			shipped = m.ID()
			break
		}
	}
	if shipped != "" {
		mustChange(t, b.post(page, page+"/switch", url.Values{"model": {shipped}, "state": {"on"}, "reason": {"x"}}), "panel.r_shipped_off")
	}
}

// Broadcasts from the panel: created and previewed in the admin's chat at
// once, started, paused, resumed — each audited — and sent to every user
// once by the leader's sender, the page showing the outcome.
func TestBroadcastFromThePanel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{bot: true})
	b := f.signIn(adminID)
	a := b.post(Prefix+"broadcasts", Prefix+"broadcasts", url.Values{"text": {"<b>Sale</b> today"}})
	mustChange(t, a, "panel.f_previewed")
	page := a.location[:strings.Index(a.location, "?")]
	f.waitBot(adminID, "<b>Sale</b> today") // the preview
	if body := b.mustGet(page); !strings.Contains(body, "bc-start") || !strings.Contains(body, `id="bc-reach">2<`) {
		t.Fatalf("ready broadcast page:\n%s", body)
	}
	mustChange(t, b.post(page, page+"/start", nil), "panel.f_done")
	var bc store.Broadcast
	if err := f.h.TG.WaitFor(f.ctx(), func() bool {
		list, err := f.bcs.List(f.ctx(), 1)
		if err == nil && len(list) == 1 {
			bc = list[0]
		}
		return bc.State == store.BroadcastDone
	}); err != nil {
		t.Fatalf("broadcast %+v: %v", bc, err)
	}
	f.waitBot(customer, "<b>Sale</b> today")
	if body := b.mustGet(page); !strings.Contains(body, `id="bc-sent">2 / 2<`) {
		t.Fatalf("done broadcast page:\n%s", body)
	}
	mustChange(t, b.post(page, page+"/pause", nil), "panel.r_state")
	for _, action := range []string{"broadcast_create", "broadcast_preview", "broadcast_start"} {
		if n := f.auditRows(action); n != 1 {
			t.Errorf("%d %s audit rows", n, action)
		}
	}
}
