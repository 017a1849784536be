package shop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// The operator's tests (broadcasts, alerts, the Kie watch, metrics) do
// not call t.Parallel: they run one at a time before the package's
// parallel tests, each with instances of its own. Queued among those they
// would hold up tests whose deadlines start before their subtests are
// scheduled (on two cores, two run at a time).

// broadcastAdmin is the admin who runs the tests' broadcasts.
const broadcastAdmin int64 = 4242

// addAudience adds n users to the fake Bot API and, as if each had
// written to the bot once, to the database; it returns their ids.
func (s *shop) addAudience(ctx context.Context, n int, lang string) []int64 {
	s.T.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = s.Bot.AddUser(telegramtest.UserConfig{LanguageCode: lang}).ID()
	}
	if _, err := s.st.Pool().Exec(ctx, `
		INSERT INTO bot_users (bot_id, user_id, chat_id, first_name, language)
		SELECT $1, id, id, 'U', $3 FROM unnest($2::bigint[]) id`, s.BotID, ids, lang); err != nil {
		s.T.Fatal(err)
	}
	return ids
}

// addAdmin adds broadcastAdmin, who speaks English, to the fake Bot API
// and the database (an admin using the console has written to the bot).
func (s *shop) addAdmin(ctx context.Context) int64 {
	s.T.Helper()
	return s.addKnownUser(ctx, broadcastAdmin, "en")
}

// addKnownUser adds user id to the fake Bot API and to the database, as
// if they had written to the bot, speaking lang.
func (s *shop) addKnownUser(ctx context.Context, id int64, lang string) int64 {
	s.T.Helper()
	s.Bot.AddUser(telegramtest.UserConfig{ID: id, FirstName: "Admin", LanguageCode: lang})
	if _, err := s.st.Pool().Exec(ctx, `INSERT INTO bot_users (bot_id, user_id, chat_id, first_name, language) VALUES ($1, $2, $2, 'Admin', $3)`,
		s.BotID, id, lang); err != nil {
		s.T.Fatal(err)
	}
	return id
}

// recipientStates maps each recipient of broadcast id to its state.
func (s *shop) recipientStates(ctx context.Context, id int64) map[int64]store.RecipientState {
	s.T.Helper()
	rows, err := s.st.Pool().Query(ctx, `SELECT user_id, state FROM broadcast_recipients WHERE broadcast_id = $1`, id)
	if err != nil {
		s.T.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]store.RecipientState{}
	for rows.Next() {
		var u int64
		var st store.RecipientState
		if err := rows.Scan(&u, &st); err != nil {
			s.T.Fatal(err)
		}
		out[u] = st
	}
	return out
}

// waitBroadcast waits until broadcast id reaches state.
func (s *shop) waitBroadcast(ctx context.Context, id int64, state store.BroadcastState) store.Broadcast {
	s.T.Helper()
	var bc store.Broadcast
	err := waitUntil(ctx, func() (bool, error) {
		var err error
		bc, err = s.st.Broadcast(ctx, id)
		return bc.State == state, err
	})
	if err != nil {
		c, _ := s.st.BroadcastCounts(ctx, id)
		s.T.Fatalf("broadcast %d not %s: %v (state %s, counts %+v)", id, state, err, bc.State, c)
	}
	return bc
}

// received counts the messages user got whose text contains sub.
func (s *shop) received(userID int64, sub string) int {
	n := 0
	for _, m := range s.Bot.Sent(userID) {
		if strings.Contains(m.Text, sub) || strings.Contains(m.Caption, sub) {
			n++
		}
	}
	return n
}

// progressMessage is the message the console would show an admin and
// hand to Start for the sender to edit.
func progressMessage(ctx context.Context, t testing.TB, tg *telegram.Client, chatID int64) store.ProgressRef {
	t.Helper()
	m, err := tg.Bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "📣 starting…"})
	if err != nil {
		t.Fatal(err)
	}
	return store.ProgressRef{ChatID: chatID, MessageID: int64(m.ID)}
}

// waitProgress waits until the progress message shows sub and returns it.
func (s *shop) waitProgress(ctx context.Context, ref store.ProgressRef, sub string) telegramtest.Message {
	s.T.Helper()
	m, err := s.Bot.WaitMessage(ctx, ref.ChatID, func(m telegramtest.Message) bool {
		return m.ID == int(ref.MessageID) && strings.Contains(m.Text, sub)
	})
	if err != nil {
		cur, _ := s.Bot.Message(ref.ChatID, int(ref.MessageID))
		s.T.Fatalf("the progress message never showed %q: %v; it reads %q", sub, err, cur.Text)
	}
	return m
}

// startBroadcast creates, previews and starts a broadcast of text to
// everyone through api.
func startBroadcast(ctx context.Context, t testing.TB, api *Broadcasts, text string, progress store.ProgressRef) store.Broadcast {
	t.Helper()
	d, err := api.Create(ctx, Draft{Text: text, Button: &LinkButton{Text: "Open", URL: "https://example.com/news"}, CreatedBy: broadcastAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Preview(ctx, d.ID, broadcastAdmin); err != nil {
		t.Fatal(err)
	}
	bc, err := api.Start(ctx, d.ID, broadcastAdmin, progress)
	if err != nil {
		t.Fatal(err)
	}
	return bc
}

// requests drains what sub has queued (everything up to now; the short
// wait only detects the end of the queue) and returns the answered calls
// of method, in order.
func requests(ctx context.Context, sub *telegramtest.Subscription, methods ...string) []telegramtest.Event {
	var out []telegramtest.Event
	for {
		nctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		ev, err := sub.Next(nctx)
		cancel()
		if err != nil {
			return out
		}
		if ev.Kind == telegramtest.EventRequest && slices.Contains(methods, ev.Method) {
			out = append(out, ev)
		}
	}
}

// maxPerWindow is the most events in any window of length w.
func maxPerWindow(times []time.Time, w time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// A broadcast to 2,000 users survives its leader dying mid-batch: the
// next leader goes on where it stopped, nobody gets the message twice,
// everyone but the recipients the dead sender had in hand (unknown) gets
// it exactly once, and the fake Bot API never sees more than the rate.
func TestBroadcastFailoverSendsEveryoneAtMostOnce(t *testing.T) {
	for _, how := range []string{"stopped", "lock connection killed"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			const users, perSecond, batch = 2000, 100, 10
			s := newShop(t, shopOptions{admins: []int64{broadcastAdmin}, ttl: actorstest.TTL,
				broadcast: BroadcastsConfig{Rate: perSecond, BatchSize: batch, ProgressEvery: time.Second}})
			ctx := actorstest.Context(t, 3*time.Minute)
			ids := append(s.addAudience(ctx, users-1, "en"), s.addAdmin(ctx))

			// The first leader's sender dies half-way, in the middle of a
			// batch, as a killed process would.
			var sends atomic.Int64
			dead := make(chan struct{})
			die := senderHooks{beforeSend: func(store.Recipient) bool {
				if sends.Add(1) == users/2+batch/2 {
					close(dead)
					return false
				}
				return true
			}}
			live := map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{senderHooks: die})}
			if s.waitLeader(ctx, live) != "a" {
				t.Fatal("a does not lead")
			}
			live["b"] = s.startShop("b", shopOptions{})
			api := s.parts["a"].broadcasts
			if n, err := api.CountRecipients(ctx, store.Audience{}); err != nil || n != users {
				t.Fatalf("CountRecipients = %d, %v", n, err)
			}
			progress := progressMessage(ctx, t, s.parts["a"].telegram, broadcastAdmin)
			sub := s.TG.Subscribe()
			defer sub.Close()
			bc := startBroadcast(ctx, t, api, "<b>Big news</b> for everyone", progress)
			if bc.Recipients != users {
				t.Fatalf("%d recipients", bc.Recipients)
			}
			select {
			case <-dead:
			case <-ctx.Done():
				t.Fatal("the sender never got half-way")
			}
			epoch := actorstest.LastEpoch(s.Events.Snapshot(), "a")
			switch how {
			case "stopped":
				live["a"].Stop(t)
			case "lock connection killed":
				if pid := s.LockBackendPID(ctx); pid != 0 {
					if _, err := store.TerminateBackend(ctx, s.Admin, pid); err != nil {
						t.Fatal(err)
					}
				}
			}
			s.waitBroadcast(ctx, bc.ID, store.BroadcastDone)
			if actorstest.LastEpoch(s.Events.Snapshot(), actorstest.LastTermStarter(s.Events.Snapshot())) == epoch {
				t.Fatal("no new term finished the broadcast")
			}

			states := s.recipientStates(ctx, bc.ID)
			var sent, unknown int
			for _, id := range ids {
				got := s.received(id, "Big news")
				if id == broadcastAdmin {
					got-- // the preview
				}
				switch st := states[id]; {
				case got > 1:
					t.Errorf("user %d got the broadcast %d times", id, got)
				case st == store.RecipientSent && got != 1:
					t.Errorf("user %d is recorded sent but got %d messages", id, got)
				case st == store.RecipientSent:
					sent++
				case st == store.RecipientUnknown:
					unknown++
				default:
					t.Errorf("user %d ended %s", id, st)
				}
			}
			// The dead sender had at most one batch in hand, and at least
			// the recipient it died before.
			if unknown < 1 || unknown > batch || sent+unknown != users {
				t.Fatalf("%d sent, %d unknown of %d", sent, unknown, users)
			}
			p, err := s.parts["b"].broadcasts.Progress(ctx, bc.ID)
			if err != nil || p.Sent != int64(sent) || p.Unknown != int64(unknown) || p.Left() != 0 || p.State != store.BroadcastDone {
				t.Fatalf("Progress = %+v, %v", p, err)
			}
			m := s.waitProgress(ctx, progress, "done")
			if want := fmt.Sprintf("Sent: %d of %d", sent, users); !strings.Contains(m.Text, want) ||
				!strings.Contains(m.Text, fmt.Sprintf("unknown: %d", unknown)) {
				t.Fatalf("the progress message reads %q; want %q, done", m.Text, want)
			}

			// The rate, by the fake Bot API's own clock: every sendMessage
			// and progress edit after the start.
			var times []time.Time
			for _, ev := range requests(ctx, sub, "sendMessage", "editMessageText") {
				times = append(times, ev.Time)
			}
			if len(times) < sent {
				t.Fatalf("recorded %d calls for %d sends", len(times), sent)
			}
			if most, limit := maxPerWindow(times, time.Second), perSecond*11/10; most > limit {
				t.Fatalf("%d calls within one second; the rate is %d/s (at most %d allowed)", most, perSecond, limit)
			}
		})
	}
}

// A 429 pauses the whole sender for its retry_after; the recipient in
// hand is sent afterwards, once.
func TestBroadcastHonoursRetryAfter(t *testing.T) {
	s := newShop(t, shopOptions{admins: []int64{broadcastAdmin}, broadcast: BroadcastsConfig{BatchSize: 5}})
	ctx := actorstest.Context(t, time.Minute)
	s.addAdmin(ctx)
	ids := s.addAudience(ctx, 20, "en")
	a := map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})}
	s.waitLeader(ctx, a)
	api := s.parts["a"].broadcasts
	d, err := api.Create(ctx, Draft{Text: "Flash sale", CreatedBy: broadcastAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Preview(ctx, d.ID, broadcastAdmin); err != nil {
		t.Fatal(err)
	}
	sub := s.TG.Subscribe()
	defer sub.Close()
	// The 8th send of the broadcast is refused with retry_after 1 s.
	var sends atomic.Int64
	api.hooks.beforeSend = func(store.Recipient) bool {
		if sends.Add(1) == 8 {
			s.Bot.InjectError("sendMessage", 1, 429, "", 1)
		}
		return true
	}
	bc, err := api.Start(ctx, d.ID, broadcastAdmin, store.ProgressRef{})
	if err != nil {
		t.Fatal(err)
	}
	s.waitBroadcast(ctx, bc.ID, store.BroadcastDone)
	for _, id := range append(ids, broadcastAdmin) {
		want := 1
		if id == broadcastAdmin {
			want = 2 // the preview, too
		}
		if got := s.received(id, "Flash sale"); got != want {
			t.Errorf("user %d got %d messages, want %d", id, got, want)
		}
	}
	p, _ := api.Progress(ctx, bc.ID)
	if p.Sent != 21 || p.Total() != 21 {
		t.Fatalf("progress %+v", p)
	}
	var refused time.Time
	var after []time.Time
	for _, ev := range requests(ctx, sub, "sendMessage") {
		switch {
		case ev.Status == 429:
			refused = ev.Time
		case !refused.IsZero():
			after = append(after, ev.Time)
		}
	}
	if refused.IsZero() || len(after) == 0 {
		t.Fatalf("no 429 (%v) or nothing after it (%d)", refused, len(after))
	}
	if gap := after[0].Sub(refused); gap < time.Second {
		t.Fatalf("the sender went on %s after a 429 asking for 1 s", gap)
	}
}

// A user who blocked the bot gets 403; they are recorded as blocked, the
// next broadcast leaves them out — until they write to the bot again.
func TestBroadcastSkipsUsersWhoBlockedTheBot(t *testing.T) {
	s := newShop(t, shopOptions{admins: []int64{broadcastAdmin}})
	ctx := actorstest.Context(t, time.Minute)
	s.addAdmin(ctx)
	ids := s.addAudience(ctx, 10, "en")
	blocked := []int64{ids[2], ids[5]}
	for _, id := range blocked {
		s.Bot.User(id).Block()
	}
	s.waitLeader(ctx, map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})})
	api := s.parts["a"].broadcasts
	sub := s.TG.Subscribe()
	defer sub.Close()

	first := startBroadcast(ctx, t, api, "First news", store.ProgressRef{})
	s.waitBroadcast(ctx, first.ID, store.BroadcastDone)
	p, _ := api.Progress(ctx, first.ID)
	if p.Sent != 9 || p.Blocked != 2 || p.Total() != 11 {
		t.Fatalf("first broadcast %+v", p)
	}
	states := s.recipientStates(ctx, first.ID)
	for _, id := range blocked {
		if states[id] != store.RecipientBlocked {
			t.Errorf("user %d is %s", id, states[id])
		}
	}
	n, err := api.CountRecipients(ctx, store.Audience{})
	if err != nil || n != 9 {
		t.Fatalf("CountRecipients after the blocks = %d, %v; want 9", n, err)
	}
	second := startBroadcast(ctx, t, api, "Second news", store.ProgressRef{})
	s.waitBroadcast(ctx, second.ID, store.BroadcastDone)
	if p, _ := api.Progress(ctx, second.ID); p.Sent != 9 || p.Total() != 9 {
		t.Fatalf("second broadcast %+v", p)
	}
	// Telegram was asked once per blocked user: the second broadcast did
	// not even try them.
	forbidden := 0
	for _, ev := range requests(ctx, sub, "sendMessage") {
		if ev.Status == 403 {
			forbidden++
		}
	}
	if forbidden != len(blocked) {
		t.Fatalf("%d sends refused with 403; want %d", forbidden, len(blocked))
	}

	// One of them unblocks the bot and writes to it: included again.
	back := s.Bot.User(blocked[0])
	back.Unblock()
	c := &client{s: s, u: back, ctx: ctx, t: t}
	since := c.mark()
	back.SendCommand("start")
	c.mustScreen(since)
	if n, _ := api.CountRecipients(ctx, store.Audience{}); n != 10 {
		t.Fatalf("CountRecipients after a blocked user came back = %d; want 10", n)
	}
}

// Bad HTML is caught by Telegram at the preview, in the admin's chat;
// such a broadcast cannot start. A good one previews as users will see it.
func TestBroadcastPreviewCatchesBadHTML(t *testing.T) {
	s := newShop(t, shopOptions{admins: []int64{broadcastAdmin}})
	ctx := actorstest.Context(t, time.Minute)
	s.addAdmin(ctx)
	ids := s.addAudience(ctx, 3, "ru")
	s.waitLeader(ctx, map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})})
	api := s.parts["a"].broadcasts

	bad, err := api.Create(ctx, Draft{Text: "<b>Sale <i>today</b></i>", CreatedBy: broadcastAdmin})
	if err != nil {
		t.Fatalf("Create refused what only Telegram can judge: %v", err)
	}
	_, err = api.Preview(ctx, bad.ID, broadcastAdmin)
	if !errors.Is(err, ErrBadContent) || !strings.Contains(err.Error(), "can't parse entities") {
		t.Fatalf("Preview of bad HTML = %v; want ErrBadContent with Telegram's words", err)
	}
	if bc, _ := api.Get(ctx, bad.ID); bc.State != store.BroadcastDraft {
		t.Fatalf("a broadcast Telegram refused is %s", bc.State)
	}
	if _, err := api.Start(ctx, bad.ID, broadcastAdmin, store.ProgressRef{}); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("Start of an unpreviewed broadcast = %v", err)
	}
	for _, id := range append(ids, broadcastAdmin) {
		if n := len(s.Bot.Sent(id)); n != 0 {
			t.Fatalf("user %d got %d messages", id, n)
		}
	}

	good, err := api.Create(ctx, Draft{Text: "<b>Sale</b> <i>today</i> &amp; tomorrow", Button: &LinkButton{Text: "Shop", URL: "https://example.com/sale"}, CreatedBy: broadcastAdmin})
	if err != nil {
		t.Fatal(err)
	}
	ready, err := api.Preview(ctx, good.ID, broadcastAdmin)
	if err != nil || ready.State != store.BroadcastReady {
		t.Fatalf("Preview = %+v, %v", ready, err)
	}
	m, ok := s.Bot.LastSent(broadcastAdmin)
	if !ok || m.Text != "Sale today & tomorrow" || len(m.Buttons()) != 1 || m.Buttons()[0].URL != "https://example.com/sale" {
		t.Fatalf("the preview is %+v", m)
	}
}

// Pause stops the sender after the message in flight, Resume goes on;
// Cancel ends it for good with the rest unsent. The admin's progress message
// follows each step.
func TestBroadcastPauseResumeCancel(t *testing.T) {
	const users, batch = 40, 5
	s := newShop(t, shopOptions{admins: []int64{broadcastAdmin}, broadcast: BroadcastsConfig{BatchSize: batch}})
	ctx := actorstest.Context(t, time.Minute)
	s.addAdmin(ctx)
	ids := s.addAudience(ctx, users-1, "en")
	s.waitLeader(ctx, map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})})
	api := s.parts["a"].broadcasts
	tg := s.parts["a"].telegram

	idle := make(chan struct{}, 100)
	var sends atomic.Int64
	var stopAt atomic.Int64           // the send at which to act
	var act func(ctx context.Context) // pause or cancel, from inside the sender
	api.hooks.beforeSend = func(store.Recipient) bool {
		if sends.Add(1) == stopAt.Load() {
			act(ctx)
		}
		return true
	}
	api.hooks.idle = func() { idle <- struct{}{} }
	// waitIdle waits for the sender to look n times and find nothing to do.
	waitIdle := func(n int) {
		t.Helper()
		for range n {
			select {
			case <-idle:
			case <-ctx.Done():
				t.Fatal("the sender never went idle")
			}
		}
	}
	drain := func() {
		for len(idle) > 0 {
			<-idle
		}
	}

	progress := progressMessage(ctx, t, tg, broadcastAdmin)
	var bc store.Broadcast
	act = func(ctx context.Context) {
		if _, err := api.Pause(ctx, bc.ID, broadcastAdmin); err != nil {
			t.Error(err)
		}
	}
	stopAt.Store(12) // the second of the third batch
	drain()
	bc = startBroadcast(ctx, t, api, "Weekly digest", progress)
	s.waitBroadcast(ctx, bc.ID, store.BroadcastPaused)
	drain()
	waitIdle(3)
	p, _ := api.Progress(ctx, bc.ID)
	if p.Sent != 12 || p.Left() != users-12 || p.Attempting != 0 || p.State != store.BroadcastPaused {
		t.Fatalf("paused at %+v; want the message in flight sent and no more", p)
	}
	if m, _ := s.Bot.Message(broadcastAdmin, int(progress.MessageID)); !strings.Contains(m.Text, "paused") || !strings.Contains(m.Text, "Sent: 12 of 40") {
		t.Fatalf("progress while paused: %q", m.Text)
	}
	if _, err := api.Pause(ctx, bc.ID, broadcastAdmin); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("pausing twice: %v", err)
	}
	if _, err := api.Resume(ctx, bc.ID, broadcastAdmin); err != nil {
		t.Fatal(err)
	}
	s.waitBroadcast(ctx, bc.ID, store.BroadcastDone)
	for _, id := range ids {
		if got := s.received(id, "Weekly digest"); got != 1 {
			t.Errorf("user %d got %d", id, got)
		}
	}

	// Cancel a second broadcast in its second batch (at its 7th send).
	progress = progressMessage(ctx, t, tg, broadcastAdmin)
	act = func(ctx context.Context) {
		if _, err := api.Cancel(ctx, bc.ID, broadcastAdmin); err != nil {
			t.Error(err)
		}
	}
	stopAt.Store(sends.Load() + 7)
	bc = startBroadcast(ctx, t, api, "Second digest", progress)
	s.waitBroadcast(ctx, bc.ID, store.BroadcastCancelled)
	drain()
	waitIdle(3)
	p, _ = api.Progress(ctx, bc.ID)
	if p.Sent != 7 || p.Pending != users-7 || p.Attempting != 0 {
		t.Fatalf("cancelled at %+v; want the message in flight sent, the rest pending", p)
	}
	got := s.received(broadcastAdmin, "Second digest") - 1 // the preview
	for _, id := range ids {
		got += s.received(id, "Second digest")
	}
	if got != 7 {
		t.Fatalf("%d users got the cancelled broadcast; want 7", got)
	}
	if m, _ := s.Bot.Message(broadcastAdmin, int(progress.MessageID)); !strings.Contains(m.Text, "cancelled") || !strings.Contains(m.Text, "Left: 33") {
		t.Fatalf("progress after the cancel: %q", m.Text)
	}
	if _, err := api.Resume(ctx, bc.ID, broadcastAdmin); !errors.Is(err, store.ErrBroadcastState) {
		t.Fatalf("resuming a cancelled broadcast: %v", err)
	}
}

// The sender edits the admin's progress message at most every
// ProgressEvery (by its clock) and once more at the end.
func TestBroadcastProgressEditsAreSpaced(t *testing.T) {
	const users, batch = 50, 5
	var clock atomic.Int64 // seconds; each send takes one
	now := func() time.Time { return time.Unix(1_700_000_000+clock.Load(), 0) }
	s := newShop(t, shopOptions{admins: []int64{broadcastAdmin},
		broadcast: BroadcastsConfig{BatchSize: batch, ProgressEvery: 10 * time.Second, Now: now}})
	ctx := actorstest.Context(t, time.Minute)
	s.addAdmin(ctx)
	s.addAudience(ctx, users-1, "en")
	s.waitLeader(ctx, map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})})
	api := s.parts["a"].broadcasts
	api.hooks.beforeSend = func(store.Recipient) bool { clock.Add(1); return true }
	progress := progressMessage(ctx, t, s.parts["a"].telegram, broadcastAdmin)
	bc := startBroadcast(ctx, t, api, "Spaced", progress)
	s.waitBroadcast(ctx, bc.ID, store.BroadcastDone)
	// After the batches ending at 5 s (the first), 15, 25, 35 and 45 s,
	// and at the end.
	m := s.waitProgress(ctx, progress, "done")
	if len(m.Edits) != 6 || !strings.Contains(m.Text, "Sent: 50 of 50") {
		var versions []string
		for _, e := range m.Edits {
			versions = append(versions, e.Text)
		}
		t.Fatalf("%d edits; now %q; before: %q", len(m.Edits), m.Text, versions)
	}
	if !strings.Contains(m.Edits[1].Text, "Sent: 5 of 50") || !strings.Contains(m.Edits[5].Text, "Sent: 45 of 50") {
		t.Fatalf("edits at the wrong moments: %q, %q", m.Edits[1].Text, m.Edits[5].Text)
	}
}

func TestDraftValidate(t *testing.T) {
	ok := Draft{Text: "<b>Hi</b>", CreatedBy: 1}
	long := strings.Repeat("я", maxTextChars)
	tests := []struct {
		name string
		d    Draft
		want string // "" for valid
	}{
		{"plain", ok, ""},
		{"photo by file id", Draft{Text: "cap", Photo: "AgACAgIAAxkBAAIBZ2Y", CreatedBy: 1}, ""},
		{"photo by URL", Draft{Text: "cap", Photo: "https://example.com/a.jpg", CreatedBy: 1}, ""},
		{"the longest text, tags aside", Draft{Text: "<b>" + long + "</b>", CreatedBy: 1}, ""},
		{"empty", Draft{Text: " <b> </b> ", CreatedBy: 1}, "empty"},
		{"too long", Draft{Text: long + "!", CreatedBy: 1}, "4097 characters"},
		{"caption too long", Draft{Text: strings.Repeat("a", 1025), Photo: "https://example.com/a.jpg", CreatedBy: 1}, "caption is 1025"},
		{"bad photo", Draft{Text: "x", Photo: "ftp://example.com/a.jpg", CreatedBy: 1}, "photo"},
		{"button over http", Draft{Text: "x", Button: &LinkButton{Text: "Go", URL: "http://example.com"}, CreatedBy: 1}, "https"},
		{"button without host", Draft{Text: "x", Button: &LinkButton{Text: "Go", URL: "https:///path"}, CreatedBy: 1}, "https"},
		{"button without text", Draft{Text: "x", Button: &LinkButton{Text: " ", URL: "https://example.com"}, CreatedBy: 1}, "button text"},
		{"bad audience", Draft{Text: "x", Audience: store.Audience{Language: "de"}, CreatedBy: 1}, "language"},
		{"no admin", Draft{Text: "x"}, "admin"},
		{"not UTF-8", Draft{Text: "a\xffb", CreatedBy: 1}, "UTF-8"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (!errors.Is(err, ErrInvalidDraft) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v; want ErrInvalidDraft mentioning %q", tt.name, err, tt.want)
		}
	}
	// Every problem at once.
	err := Draft{Text: "", Photo: "x y", Button: &LinkButton{}}.Validate()
	if n := strings.Count(err.Error(), "\n") + 1; n != 5 {
		t.Fatalf("%d problems reported: %v", n, err)
	}
}

func TestClassifySend(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("%w: send: %w", telegram.ErrPermanent, err) }
	tests := []struct {
		name string
		err  error
		want sendOutcome
	}{
		{"ok", nil, sendOK},
		{"429", fmt.Errorf("send: %w", &bot.TooManyRequestsError{Message: "too many", RetryAfter: 3}), sendWait},
		{"blocked", wrap(fmt.Errorf("%w, Forbidden: bot was blocked by the user", bot.ErrorForbidden)), sendBlocked},
		{"bad HTML", wrap(fmt.Errorf("%w, Bad Request: can't parse entities", bot.ErrorBadRequest)), sendFailed},
		{"chat gone", wrap(fmt.Errorf("%w, Bad Request: chat not found", bot.ErrorBadRequest)), sendFailed},
		{"migrated", wrap(&bot.MigrateError{Message: "migrated", MigrateToChatID: 5}), sendFailed},
		{"token refused", wrap(fmt.Errorf("%w, Unauthorized", bot.ErrorUnauthorized)), sendWait},
		{"telegram 502", errors.New("error response from telegram for method sendMessage, 502 Bad Gateway"), sendRetry},
		{"refused connection", fmt.Errorf("error do request: %w", &url.Error{Op: "Post", URL: "https://api.telegram.org", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}), sendRetry},
		{"timeout", fmt.Errorf("error do request: %w", &url.Error{Op: "Post", URL: "https://api.telegram.org", Err: context.DeadlineExceeded}), sendUnknown},
		{"reset mid-answer", errors.New("error read response body for method sendMessage, connection reset"), sendUnknown},
		{"proxy page", errors.New("error decode response body for method sendMessage, <html>"), sendUnknown},
	}
	for _, tt := range tests {
		if got, _ := classifySend(tt.err); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if _, wait := classifySend(&bot.TooManyRequestsError{RetryAfter: 3}); wait != 3*time.Second {
		t.Errorf("retry_after 3 waits %s", wait)
	}
}

func TestRefusesContent(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("%w, Bad Request: can't parse entities: unexpected end tag", bot.ErrorBadRequest), true},
		{fmt.Errorf("%w, Bad Request: message is too long", bot.ErrorBadRequest), true},
		{fmt.Errorf("%w, Bad Request: chat not found", bot.ErrorBadRequest), false},
		{fmt.Errorf("%w, Forbidden: bot was blocked by the user", bot.ErrorForbidden), false},
		{errors.New("error do request: timeout"), false},
	} {
		if got := refusesContent(tt.err); got != tt.want {
			t.Errorf("refusesContent(%v) = %v", tt.err, got)
		}
	}
}
