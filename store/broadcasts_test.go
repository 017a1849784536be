package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// broadcastBundle is a store with users and a leadership term, as the
// sender sees the database.
type broadcastBundle struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	s     *store.Store
	epoch int64
}

func setupBroadcasts(t *testing.T, botID int64, users int) broadcastBundle {
	t.Helper()
	pool := storetest.NewPool(t)
	b := broadcastBundle{ctx: context.Background(), pool: pool, s: store.New(pool, botID)}
	if users > 0 {
		if _, err := pool.Exec(b.ctx, `
			INSERT INTO bot_users (bot_id, user_id, chat_id, first_name, language)
			SELECT $1, g, g, 'U', CASE WHEN g % 2 = 0 THEN 'en' ELSE 'ru' END FROM generate_series(1, $2::int) g`, botID, users); err != nil {
			t.Fatal(err)
		}
	}
	b.epoch = b.newTerm(t)
	return b
}

// newTerm claims the bot's lease as a new leader would and returns its epoch.
func (b broadcastBundle) newTerm(t *testing.T) int64 {
	t.Helper()
	_, cur, err := store.ClaimLease(b.ctx, b.pool, store.ClaimParams{BotID: b.s.BotID(), Holder: "test", InstanceStartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return cur.Epoch
}

// errOf drops RecordRecipient's state where a test checks only the error.
func errOf(_ store.BroadcastState, err error) error { return err }

func (b broadcastBundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := b.pool.Exec(b.ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

// started creates, previews and starts a broadcast to a.
func (b broadcastBundle) started(t *testing.T, a store.Audience) store.Broadcast {
	t.Helper()
	d, err := b.s.CreateBroadcast(b.ctx, store.NewBroadcast{Text: "<b>News</b>", Audience: a, CreatedBy: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.MarkBroadcastPreviewed(b.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	st, err := b.s.StartBroadcast(b.ctx, d.ID, store.ProgressRef{ChatID: 1, MessageID: 7})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (b broadcastBundle) counts(t *testing.T, id int64) store.BroadcastCounts {
	t.Helper()
	c, err := b.s.BroadcastCounts(b.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b broadcastBundle) recipients(t *testing.T, id int64) []int64 {
	t.Helper()
	rows, err := b.pool.Query(b.ctx, `SELECT user_id FROM broadcast_recipients WHERE broadcast_id = $1 ORDER BY user_id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// A broadcast goes draft → ready → sending ⇄ paused → done or cancelled,
// each step a compare-and-set; only one is sending or paused at a time.
func TestBroadcastLifecycle(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 61, 3)
	d, err := b.s.CreateBroadcast(b.ctx, store.NewBroadcast{Text: "hi", ButtonText: "Go", ButtonURL: "https://example.com", CreatedBy: 9})
	if err != nil || d.State != store.BroadcastDraft || d.CreatedBy != 9 || d.ButtonURL != "https://example.com" {
		t.Fatalf("CreateBroadcast = %+v, %v", d, err)
	}
	if _, err := b.s.StartBroadcast(b.ctx, d.ID, store.ProgressRef{}); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("starting a draft that was never previewed: %v", err)
	}
	if n := len(b.recipients(t, d.ID)); n != 0 {
		t.Fatalf("a refused start wrote %d recipients", n)
	}
	if r, err := b.s.MarkBroadcastPreviewed(b.ctx, d.ID); err != nil || r.State != store.BroadcastReady || r.PreviewedAt.IsZero() {
		t.Fatalf("MarkBroadcastPreviewed = %+v, %v", r, err)
	}
	s, err := b.s.StartBroadcast(b.ctx, d.ID, store.ProgressRef{ChatID: 9, MessageID: 42})
	if err != nil || s.State != store.BroadcastSending || s.Recipients != 3 || s.StartedAt.IsZero() || s.ProgressMessageID != 42 {
		t.Fatalf("StartBroadcast = %+v, %v", s, err)
	}
	if _, err := b.s.StartBroadcast(b.ctx, d.ID, store.ProgressRef{}); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("second start: %v", err)
	}

	// A second broadcast can be drafted and previewed, not started.
	other, _ := b.s.CreateBroadcast(b.ctx, store.NewBroadcast{Text: "other", CreatedBy: 9})
	if _, err := b.s.MarkBroadcastPreviewed(b.ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.StartBroadcast(b.ctx, other.ID, store.ProgressRef{}); !errors.Is(err, store.ErrBroadcastActive) {
		t.Fatalf("starting a second broadcast: %v", err)
	}
	if n := len(b.recipients(t, other.ID)); n != 0 {
		t.Fatalf("a refused start wrote %d recipients", n)
	}

	if a, err := b.s.ActiveBroadcast(b.ctx); err != nil || a.ID != d.ID {
		t.Fatalf("ActiveBroadcast = %+v, %v", a, err)
	}
	if _, err := b.s.ResumeBroadcast(b.ctx, d.ID); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("resuming a sending broadcast: %v", err)
	}
	if p, err := b.s.PauseBroadcast(b.ctx, d.ID); err != nil || p.State != store.BroadcastPaused {
		t.Fatalf("PauseBroadcast = %+v, %v", p, err)
	}
	if _, err := b.s.PauseBroadcast(b.ctx, d.ID); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("pausing twice: %v", err)
	}
	if c, _, _ := b.s.ClaimRecipients(b.ctx, d.ID, b.epoch, 10); len(c) != 0 {
		t.Fatalf("claimed %d recipients of a paused broadcast", len(c))
	}
	if done, _ := b.s.FinishBroadcast(b.ctx, d.ID); done {
		t.Fatal("a paused broadcast finished")
	}
	if r, err := b.s.ResumeBroadcast(b.ctx, d.ID); err != nil || r.State != store.BroadcastSending {
		t.Fatalf("ResumeBroadcast = %+v, %v", r, err)
	}
	if done, _ := b.s.FinishBroadcast(b.ctx, d.ID); done {
		t.Fatal("a broadcast with pending recipients finished")
	}
	c, _, err := b.s.ClaimRecipients(b.ctx, d.ID, b.epoch, 2)
	if err != nil || len(c) != 2 || c[0].UserID != 1 || c[1].UserID != 2 || c[0].Attempts != 1 {
		t.Fatalf("ClaimRecipients = %+v, %v", c, err)
	}
	if cc := b.counts(t, d.ID); cc.Attempting != 2 || cc.Pending != 1 || cc.Total() != 3 || cc.Left() != 3 {
		t.Fatalf("counts %+v", cc)
	}
	cancelled, err := b.s.CancelBroadcast(b.ctx, d.ID)
	if err != nil || cancelled.State != store.BroadcastCancelled || cancelled.FinishedAt.IsZero() {
		t.Fatalf("CancelBroadcast = %+v, %v", cancelled, err)
	}
	if _, err := b.s.CancelBroadcast(b.ctx, d.ID); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("cancelling twice: %v", err)
	}
	// With the first over, the second may start.
	if s, err := b.s.StartBroadcast(b.ctx, other.ID, store.ProgressRef{}); err != nil || s.Recipients != 3 {
		t.Fatalf("StartBroadcast after a cancel = %+v, %v", s, err)
	}
	if _, err := b.s.PauseBroadcast(b.ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("pausing a broadcast that does not exist: %v", err)
	}
	if list, err := b.s.RecentBroadcasts(b.ctx, 10); err != nil || len(list) != 2 || list[0].ID != other.ID {
		t.Fatalf("RecentBroadcasts = %+v, %v", list, err)
	}
}

func TestCreateBroadcastRefusesMalformedDrafts(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 62, 0)
	for name, nb := range map[string]store.NewBroadcast{
		"empty text":         {Text: "  "},
		"button without URL": {Text: "x", ButtonText: "Go"},
		"URL without button": {Text: "x", ButtonURL: "https://example.com"},
		"negative days":      {Text: "x", Audience: store.Audience{ActiveDays: -1}},
		"unknown language":   {Text: "x", Audience: store.Audience{Language: "de"}},
	} {
		if _, err := b.s.CreateBroadcast(b.ctx, nb); err == nil {
			t.Errorf("%s: created", name)
		}
	}
}

// The audience filters combine; banned users and users who blocked the bot
// (and have not written since) are never recipients.
func TestBroadcastAudience(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 63, 10) // users 1..10; even ids speak English
	b.exec(t, `UPDATE bot_users SET last_seen_at = now() - interval '40 days' WHERE user_id > 6`)
	b.exec(t, `UPDATE bot_users SET banned_at = now(), banned_by = 99, ban_reason = 'test' WHERE user_id = 1`)
	b.exec(t, `UPDATE bot_users SET blocked_at = now() WHERE user_id = 2`)
	// User 3 blocked the bot, then wrote to it again: unblocked.
	b.exec(t, `UPDATE bot_users SET blocked_at = now() - interval '1 hour', last_seen_at = now() WHERE user_id = 3`)
	for _, u := range []int64{4, 5, 8} { // paying users
		b.exec(t, `INSERT INTO topups (bot_id, user_id, stars, kopecks, payload, state, charge_id, expires_at, paid_at)
			VALUES (63, $1::bigint, 10, 1000, 'p'||$1::text, 'paid', 'c'||$1::text, now(), now())`, u)
		b.exec(t, `INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, topup_id)
			SELECT 63, $1::bigint, 'topup', 1000, 'topup:c'||$1::text, id FROM topups WHERE user_id = $1::bigint`, u)
		b.exec(t, `UPDATE bot_users SET balance_kopecks = 1000 WHERE user_id = $1`, u)
	}
	tests := []struct {
		a    store.Audience
		want []int64
	}{
		{store.Audience{}, []int64{3, 4, 5, 6, 7, 8, 9, 10}},
		{store.Audience{PayingOnly: true}, []int64{4, 5, 8}},
		{store.Audience{ActiveDays: 30}, []int64{3, 4, 5, 6}},
		{store.Audience{Language: "en"}, []int64{4, 6, 8, 10}},
		{store.Audience{PayingOnly: true, ActiveDays: 30, Language: "en"}, []int64{4}},
	}
	for _, tt := range tests {
		n, err := b.s.CountAudience(b.ctx, tt.a)
		if err != nil || n != int64(len(tt.want)) {
			t.Errorf("CountAudience(%+v) = %d, %v; want %d", tt.a, n, err, len(tt.want))
		}
		s := b.started(t, tt.a)
		if got := b.recipients(t, s.ID); !slices.Equal(got, tt.want) || s.Recipients != int64(len(tt.want)) {
			t.Errorf("audience %+v: recipients %v (recorded %d), want %v", tt.a, got, s.Recipients, tt.want)
		}
		if _, err := b.s.CancelBroadcast(b.ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.s.CountAudience(b.ctx, store.Audience{Language: "xx"}); err == nil {
		t.Error("CountAudience accepted an unknown language")
	}
}

// Several senders claiming at once never get the same recipient, and
// between them claim every one.
func TestClaimRecipientsConcurrently(t *testing.T) {
	t.Parallel()
	const users, senders = 500, 6
	b := setupBroadcasts(t, 64, users)
	bc := b.started(t, store.Audience{})
	claims := make([][]int64, senders)
	errs := make([]error, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, _, err := b.s.ClaimRecipients(b.ctx, bc.ID, b.epoch, 7)
				if err != nil {
					errs[i] = err
					return
				}
				if len(c) == 0 {
					return
				}
				for _, r := range c {
					claims[i] = append(claims[i], r.UserID)
					if err := errOf(b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, r.UserID, store.RecipientSent, "")); err != nil {
						errs[i] = err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	seen := map[int64]int{}
	for i := range senders {
		if errs[i] != nil {
			t.Fatalf("sender %d: %v", i, errs[i])
		}
		for _, u := range claims[i] {
			seen[u]++
		}
	}
	for u, n := range seen {
		if n != 1 {
			t.Errorf("user %d claimed %d times", u, n)
		}
	}
	if len(seen) != users {
		t.Fatalf("%d of %d users claimed", len(seen), users)
	}
	if c := b.counts(t, bc.ID); c.Sent != users {
		t.Fatalf("counts %+v", c)
	}
	if done, err := b.s.FinishBroadcast(b.ctx, bc.ID); err != nil || !done {
		t.Fatalf("FinishBroadcast = %v, %v", done, err)
	}
}

// A new term makes what the old one left attempting unknown, and the old
// term can neither claim more nor record an outcome for those.
func TestClaimsAreFencedByTheTerm(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 65, 10)
	bc := b.started(t, store.Audience{})
	old := b.epoch
	c, _, err := b.s.ClaimRecipients(b.ctx, bc.ID, old, 3)
	if err != nil || len(c) != 3 {
		t.Fatalf("ClaimRecipients = %+v, %v", c, err)
	}
	if err := errOf(b.s.RecordRecipient(b.ctx, bc.ID, old, c[0].UserID, store.RecipientSent, "")); err != nil {
		t.Fatal(err)
	}

	next := b.newTerm(t)
	if c, skipped, _ := b.s.ClaimRecipients(b.ctx, bc.ID, old, 3); len(c) != 0 || skipped != 0 {
		t.Fatalf("an ended term claimed %d", len(c))
	}
	n, err := b.s.AbandonAttempts(b.ctx, next)
	if err != nil || n != 2 {
		t.Fatalf("AbandonAttempts = %d, %v; want 2", n, err)
	}
	if n, _ := b.s.AbandonAttempts(b.ctx, next); n != 0 {
		t.Fatalf("AbandonAttempts again = %d", n)
	}
	if err := errOf(b.s.RecordRecipient(b.ctx, bc.ID, old, c[1].UserID, store.RecipientSent, "")); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("the old term recorded an abandoned recipient: %v", err)
	}
	cc := b.counts(t, bc.ID)
	if cc.Sent != 1 || cc.Unknown != 2 || cc.Pending != 7 {
		t.Fatalf("counts %+v", cc)
	}
	// The new term claims only what is pending: the unknown are never resent.
	var got []int64
	for {
		c, _, err := b.s.ClaimRecipients(b.ctx, bc.ID, next, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) == 0 {
			break
		}
		for _, r := range c {
			got = append(got, r.UserID)
			_ = errOf(b.s.RecordRecipient(b.ctx, bc.ID, next, r.UserID, store.RecipientSent, ""))
		}
	}
	if !slices.Equal(got, []int64{4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("the new term claimed %v", got)
	}
	// Its own attempts are not abandoned by a repeat of its own start.
	if n, _ := b.s.AbandonAttempts(b.ctx, next); n != 0 {
		t.Fatalf("AbandonAttempts of the own term = %d", n)
	}
}

// Outcomes: a 403 marks the user blocked, so the next broadcast leaves
// them out; a release returns an untried claim without counting it; a
// retry keeps the attempt; users banned since the start are skipped.
func TestRecipientOutcomes(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 66, 6)
	bc := b.started(t, store.Audience{})
	b.exec(t, `UPDATE bot_users SET banned_at = now(), banned_by = 99, ban_reason = 'test' WHERE user_id = 5`)
	c, skipped, err := b.s.ClaimRecipients(b.ctx, bc.ID, b.epoch, 10)
	if err != nil || len(c) != 5 || skipped != 1 {
		t.Fatalf("ClaimRecipients = %d claimed, %d skipped, %v", len(c), skipped, err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if now, err := b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, 1, store.RecipientSent, ""); err != nil || now != store.BroadcastSending {
		t.Fatalf("RecordRecipient = %s, %v", now, err)
	}
	// A pause shows in the next outcome's answer.
	if _, err := b.s.PauseBroadcast(b.ctx, bc.ID); err != nil {
		t.Fatal(err)
	}
	if now, err := b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, 2, store.RecipientBlocked, "Forbidden: bot was blocked by the user"); err != nil || now != store.BroadcastPaused {
		t.Fatalf("RecordRecipient after a pause = %s, %v", now, err)
	}
	if _, err := b.s.ResumeBroadcast(b.ctx, bc.ID); err != nil {
		t.Fatal(err)
	}
	must(errOf(b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, 3, store.RecipientFailed, "Bad Request: chat not found \x00\xff")))
	must(errOf(b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, 4, store.RecipientPending, "502 Bad Gateway")))
	must(b.s.ReleaseRecipients(b.ctx, bc.ID, b.epoch, []int64{6}))
	if err := errOf(b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, 1, store.RecipientSkipped, "")); err == nil {
		t.Fatal("skipped accepted as an outcome")
	}
	cc := b.counts(t, bc.ID)
	if cc.Sent != 1 || cc.Blocked != 1 || cc.Failed != 1 || cc.Skipped != 1 || cc.Pending != 2 {
		t.Fatalf("counts %+v", cc)
	}
	c, _, _ = b.s.ClaimRecipients(b.ctx, bc.ID, b.epoch, 10)
	if len(c) != 2 || c[0].UserID != 4 || c[0].Attempts != 2 || c[1].UserID != 6 || c[1].Attempts != 1 {
		t.Fatalf("reclaimed %+v: want user 4 on its 2nd attempt, user 6 on its 1st", c)
	}
	for _, r := range c {
		must(errOf(b.s.RecordRecipient(b.ctx, bc.ID, b.epoch, r.UserID, store.RecipientSent, "")))
	}
	if done, err := b.s.FinishBroadcast(b.ctx, bc.ID); err != nil || !done {
		t.Fatalf("FinishBroadcast = %v, %v", done, err)
	}
	next := b.started(t, store.Audience{})
	if got := b.recipients(t, next.ID); !slices.Equal(got, []int64{1, 3, 4, 6}) {
		t.Fatalf("the next broadcast goes to %v; want the blocked (2) and banned (5) users left out", got)
	}
}

func TestClaimAlert(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 67, 0)
	claim := func(key string) store.AlertClaim {
		t.Helper()
		c, err := b.s.ClaimAlert(b.ctx, key, time.Hour, "text of "+key)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := claim("kie_low"); !c.Send || !c.Prev.IsZero() {
		t.Fatalf("first claim %+v", c)
	}
	if c := claim("kie_low"); c.Send {
		t.Fatal("a repeat within the window was claimed")
	}
	if c := claim("kie_low"); c.Send || c.Suppressed != 1 {
		t.Fatalf("third claim %+v: want 1 suppressed before it", c)
	}
	if c := claim("other"); !c.Send {
		t.Fatal("another key was held back")
	}
	b.exec(t, `UPDATE admin_alerts SET last_sent_at = now() - interval '61 minutes' WHERE key = 'kie_low'`)
	c := claim("kie_low")
	if !c.Send || c.Suppressed != 2 || c.Prev.IsZero() {
		t.Fatalf("claim after the window %+v: want sent, 2 suppressed", c)
	}
	// An alert that reached no admin is unclaimed: the next one goes out.
	if err := b.s.UnclaimAlert(b.ctx, "kie_low", c.Prev); err != nil {
		t.Fatal(err)
	}
	if c := claim("kie_low"); !c.Send {
		t.Fatal("an unclaimed alert was still held back")
	}
	if c := claim("fresh"); !c.Send {
		t.Fatal()
	} else if err := b.s.UnclaimAlert(b.ctx, "fresh", c.Prev); err != nil {
		t.Fatal(err)
	}
	if c := claim("fresh"); !c.Send {
		t.Fatal("an unclaimed first alert was held back")
	}

	// Instances racing on one key: exactly one sends.
	const racers = 8
	var wg sync.WaitGroup
	sent := make([]bool, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := b.s.ClaimAlert(b.ctx, "race", time.Hour, "")
			sent[i] = err == nil && c.Send
		}()
	}
	wg.Wait()
	if n := len(slices.DeleteFunc(sent, func(s bool) bool { return !s })); n != 1 {
		t.Fatalf("%d racers sent the alert", n)
	}
}

func TestKieFundsAndFailingModels(t *testing.T) {
	t.Parallel()
	b := setupBroadcasts(t, 68, 2)
	if _, known, committed, _, err := b.s.KieFunds(b.ctx, "k"); err != nil || known || committed != 0 {
		t.Fatalf("KieFunds before any reading = %v, %d, %v", known, committed, err)
	}
	if _, err := b.s.KieBalance(b.ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("KieBalance before any reading: %v", err)
	}
	saved, err := b.s.SaveKieBalance(b.ctx, 812_500_000)
	if err != nil || saved.ReadAt.IsZero() {
		t.Fatal(err)
	}
	if got, err := b.s.KieBalance(b.ctx); err != nil || got.CreditsMicro != 812_500_000 || !got.ReadAt.Equal(saved.ReadAt) || got.Age < 0 || got.Age > time.Minute {
		t.Fatalf("KieBalance = %+v, %v", got, err)
	}
	b.exec(t, `UPDATE bot_users SET balance_kopecks = 10000`)
	for i, state := range []string{"failed", "failed", "expired", "succeeded", "failed", "queued", "running"} {
		fail := ""
		if i == 4 {
			fail = "rejected:400" // the prompt's fault: not counted
		}
		finished := "now() - make_interval(mins => " + fmt.Sprint(10-i) + ")"
		if state == "queued" || state == "running" {
			finished = "NULL"
		}
		b.exec(t, `INSERT INTO jobs (bot_id, user_id, chat_id, model_id, price_kopecks, cost_micro_credits, idempotency_key, state, deadline, finished_at, fail_code)
			VALUES (68, 1, 1, 'flux', 0, 2000000, $1, $2, now(), `+finished+`, $3)`, fmt.Sprint(i), state, fail)
	}
	b.exec(t, `INSERT INTO jobs (bot_id, user_id, chat_id, model_id, price_kopecks, idempotency_key, state, deadline, finished_at)
		VALUES (68, 1, 1, 'other', 0, 'o1', 'failed', now(), now())`)
	b.exec(t, `UPDATE kie_balance SET read_at = now() - interval '2 days 3 hours'`)
	if bal, known, committed, ordered, err := b.s.KieFunds(b.ctx, "nope"); err != nil || !known || bal.CreditsMicro != 812_500_000 || committed != 4_000_000 ||
		bal.Age < 51*time.Hour || bal.Age > 52*time.Hour || ordered {
		t.Fatalf("KieFunds = %+v, %v, %d, %v, %v; want 2 unfinished jobs of 2 credits", bal, known, committed, ordered, err)
	}
	if _, _, _, ordered, _ := b.s.KieFunds(b.ctx, "5"); !ordered {
		t.Fatal("KieFunds missed the job ordered under key 5")
	}
	got, err := b.s.FailingModels(b.ctx, 3, 10)
	if err != nil || len(got) != 1 || got[0] != (store.ModelFailures{ModelID: "flux", Failed: 3, Finished: 5}) {
		t.Fatalf("FailingModels(3 of 10) = %+v, %v", got, err)
	}
	// Only the last 2 finished count: succeeded and the rejection.
	if got, _ := b.s.FailingModels(b.ctx, 1, 2); len(got) != 1 || got[0].ModelID != "other" {
		t.Fatalf("FailingModels(1 of 2) = %+v", got)
	}
}
