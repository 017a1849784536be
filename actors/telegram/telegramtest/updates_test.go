package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

type pollResult struct {
	status int
	ups    []models.Update
	res    apiResult
	err    error
}

// startPoll runs a getUpdates in the background and returns its result channel.
func startPoll(ctx context.Context, srv *telegramtest.Server, params map[string]any) <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		status, ups, res, err := getUpdates(ctx, srv, testToken, params)
		ch <- pollResult{status, ups, res, err}
	}()
	return ch
}

func waitInFlight(t *testing.T, ctx context.Context, srv *telegramtest.Server, tg *telegramtest.Bot, n int) {
	t.Helper()
	if err := srv.WaitFor(ctx, func() bool { return tg.PollsInFlight() == n }); err != nil {
		t.Fatalf("wait for %d polls in flight: %v (now %d)", n, err, tg.PollsInFlight())
	}
}

func TestOverlappingGetUpdatesAnswersOlderWith409(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)

	older := startPoll(ctx, srv, map[string]any{"timeout": 30})
	waitInFlight(t, ctx, srv, tg, 1)
	if got := tg.Overlaps(); got != 0 {
		t.Fatalf("Overlaps before the second poller = %d, want 0", got)
	}
	newer := startPoll(ctx, srv, map[string]any{"timeout": 30})

	got := <-older
	if got.err != nil || got.status != http.StatusConflict {
		t.Fatalf("older poll: status %d, %+v, %v; want 409", got.status, got.res, got.err)
	}
	const want = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	if got.res.Description != want || got.res.ErrorCode != 409 {
		t.Errorf("older poll answer = %d %q, want 409 %q", got.res.ErrorCode, got.res.Description, want)
	}
	if n := tg.Overlaps(); n != 1 {
		t.Errorf("Overlaps = %d, want 1", n)
	}
	if n := srv.Overlaps(testToken); n != 1 {
		t.Errorf("srv.Overlaps = %d, want 1", n)
	}

	// The newer poll is still the live one and gets the next update.
	waitInFlight(t, ctx, srv, tg, 1)
	alice.SendText("hi")
	res := <-newer
	if res.err != nil || res.status != http.StatusOK || len(res.ups) != 1 || res.ups[0].Message.Text != "hi" {
		t.Fatalf("newer poll: status %d, %d updates, %v", res.status, len(res.ups), res.err)
	}

	polls := tg.Polls()
	if len(polls) != 2 {
		t.Fatalf("poll log has %d entries, want 2", len(polls))
	}
	if p := polls[0]; !p.Superseded || p.Status != 409 || p.End.IsZero() {
		t.Errorf("older poll record = %+v, want superseded 409", p)
	}
	if p := polls[1]; p.Superseded || p.Status != 200 || p.Results != 1 || !p.Start.After(polls[0].Start) {
		t.Errorf("newer poll record = %+v, want 200 with 1 result", p)
	}
}

func TestCancelledPollerIsNotAnOverlap(t *testing.T) {
	t.Parallel()
	srv, tg, _ := setup(t)
	ctx := testCtx(t)

	// The old poller's context is cancelled just before the new one starts;
	// whether or not the server has noticed the disconnect yet, it is not
	// two pollers at once.
	oldCtx, cancelOld := context.WithCancel(ctx)
	old := startPoll(oldCtx, srv, map[string]any{"timeout": 30})
	waitInFlight(t, ctx, srv, tg, 1)
	cancelOld()
	if r := <-old; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("old poll error = %v, want context.Canceled", r.err)
	}
	fresh := startPoll(ctx, srv, map[string]any{"timeout": 0})
	if r := <-fresh; r.err != nil || r.status != http.StatusOK {
		t.Fatalf("fresh poll: %d %v", r.status, r.err)
	}
	if err := srv.WaitFor(ctx, func() bool { return !tg.Polls()[0].InFlight() }); err != nil {
		t.Fatal(err)
	}
	if p := tg.Polls()[0]; !p.ClientGone || p.Status != 0 {
		t.Errorf("old poll record = %+v, want client gone", p)
	}
	if n := tg.Overlaps(); n != 0 {
		t.Errorf("Overlaps = %d, want 0", n)
	}
}

func TestLongPollWakesOnNewUpdate(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)

	// The poll's own timeout (60 s) outlives the test's context (10 s): only a
	// wake-up can make it return in time.
	poll := startPoll(ctx, srv, map[string]any{"timeout": 60})
	waitInFlight(t, ctx, srv, tg, 1)
	sent := alice.SendText("wake up")
	r := <-poll
	if r.err != nil || len(r.ups) != 1 {
		t.Fatalf("poll: %d updates, %v", len(r.ups), r.err)
	}
	m := r.ups[0].Message
	if m == nil || m.Text != "wake up" || m.ID != sent.ID || m.From.ID != alice.ID() || m.Chat.ID != alice.ID() {
		t.Errorf("update message = %+v, want alice's %q", m, "wake up")
	}
}

func TestGetUpdatesOffsetConfirms(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	for _, s := range []string{"a", "b", "c"} {
		alice.SendText(s)
	}

	all := mustGetUpdates(t, ctx, srv, map[string]any{})
	if len(all) != 3 {
		t.Fatalf("first poll: %d updates, want 3", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID != all[i-1].ID+1 {
			t.Errorf("update ids %d then %d, want consecutive", all[i-1].ID, all[i].ID)
		}
	}
	// Without an offset nothing is confirmed.
	if again := mustGetUpdates(t, ctx, srv, map[string]any{}); len(again) != 3 {
		t.Errorf("unconfirmed poll: %d updates, want 3", len(again))
	}
	// offset = id confirms everything below it.
	last := mustGetUpdates(t, ctx, srv, map[string]any{"offset": all[2].ID})
	if len(last) != 1 || last[0].ID != all[2].ID {
		t.Errorf("offset=%d: got %d updates, want just that one", all[2].ID, len(last))
	}
	if none := mustGetUpdates(t, ctx, srv, map[string]any{"offset": all[2].ID + 1}); len(none) != 0 {
		t.Errorf("offset past the last: %d updates, want 0", len(none))
	}
	if n := tg.PendingUpdates(); n != 0 {
		t.Errorf("PendingUpdates = %d, want 0", n)
	}
	// limit caps a batch.
	for range 5 {
		alice.SendText("x")
	}
	if two := mustGetUpdates(t, ctx, srv, map[string]any{"limit": 2}); len(two) != 2 {
		t.Errorf("limit=2: %d updates", len(two))
	}
	// A negative offset keeps only the newest updates; the rest are forgotten.
	tail := mustGetUpdates(t, ctx, srv, map[string]any{"offset": -2})
	if len(tail) != 2 || tail[1].ID != tg.LastUpdateID() {
		t.Fatalf("offset=-2: %d updates", len(tail))
	}
	if n := tg.PendingUpdates(); n != 2 {
		t.Errorf("PendingUpdates after offset=-2 = %d, want 2", n)
	}
	if p := tg.Polls(); p[len(p)-1].FirstUpdateID != tail[0].ID || p[len(p)-1].Results != 2 {
		t.Errorf("last poll record = %+v", p[len(p)-1])
	}
}

func TestAllowedUpdatesFilterNewUpdates(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	alice.SendText("before") // created under the default setting: kept

	mustGetUpdates(t, ctx, srv, map[string]any{"allowed_updates": []string{"callback_query"}})
	alice.SendText("after")
	if _, queued := tg.SendUpdate(models.Update{CallbackQuery: &models.CallbackQuery{ID: "x", From: alice.Model()}}); !queued {
		t.Error("callback_query was filtered out, want queued")
	}
	ups := mustGetUpdates(t, ctx, srv, map[string]any{})
	if len(ups) != 2 || ups[0].Message == nil || ups[0].Message.Text != "before" || ups[1].CallbackQuery == nil {
		t.Errorf("got %d updates, want the earlier message and the callback query", len(ups))
	}
}

func TestGetUpdatesWhileWebhookIsSet(t *testing.T) {
	t.Parallel()
	srv, tg, _ := setup(t)
	ctx := testCtx(t)

	pending := startPoll(ctx, srv, map[string]any{"timeout": 30})
	waitInFlight(t, ctx, srv, tg, 1)
	if _, res, err := rawCall(ctx, srv.URL, testToken, "setWebhook", map[string]any{"url": "http://127.0.0.1:1/hook"}); err != nil || !res.OK {
		t.Fatalf("setWebhook: %+v %v", res, err)
	}
	// setWebhook ends a pending long poll.
	if r := <-pending; r.status != http.StatusConflict || r.res.Description != "Conflict: terminated by setWebhook request" {
		t.Errorf("pending poll = %d %q", r.status, r.res.Description)
	}
	status, _, res, err := getUpdates(ctx, srv, testToken, map[string]any{})
	const want = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	if err != nil || status != http.StatusConflict || res.Description != want {
		t.Errorf("getUpdates with webhook = %d %q %v, want 409 %q", status, res.Description, err, want)
	}
	if n := tg.Overlaps(); n != 0 {
		t.Errorf("Overlaps = %d, want 0 (webhook conflicts are not overlaps)", n)
	}
	if _, res, err := rawCall(ctx, srv.URL, testToken, "deleteWebhook", map[string]any{}); err != nil || !res.OK {
		t.Fatalf("deleteWebhook: %+v %v", res, err)
	}
	mustGetUpdates(t, ctx, srv, map[string]any{})
}

func TestSendUpdateKeepsLargerIDs(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	// After a quiet week Telegram's next update_id is random; later ones
	// continue from it.
	jump, _ := tg.SendUpdate(models.Update{ID: 900_000_000, Message: &models.Message{ID: 99, Text: "raw", Chat: models.Chat{ID: alice.ID()}}})
	next := alice.SendText("next")
	ups := mustGetUpdates(t, ctx, srv, map[string]any{})
	if jump != 900_000_000 || len(ups) != 2 || ups[1].ID != jump+1 || ups[1].Message.ID != next.ID {
		t.Errorf("ids = %d, %+v", jump, ups)
	}
	id, queued, err := tg.SendRawUpdate([]byte(`{"message_reaction":{"chat":{"id":42,"type":"private"},"message_id":1,"date":1}}`))
	if err != nil || queued || id != jump+2 {
		t.Errorf("raw message_reaction: id %d queued %v err %v; want filtered by the default allowed_updates", id, queued, err)
	}
}

// go-telegram/bot's own poller (multipart getUpdates, allowed_updates as a
// JSON string) works against the fake, and stopping it leaves no overlap.
func TestLibraryPollerRoundTrip(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b, err := bot.New(testToken,
		bot.WithServerURL(srv.URL),
		bot.WithSkipGetMe(),
		bot.WithAllowedUpdates(bot.AllowedUpdates{models.AllowedUpdateMessage}),
		bot.WithErrorsHandler(func(err error) { t.Logf("go-telegram/bot: %v", err) }),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if u.Message != nil {
				_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "pong: " + u.Message.Text})
			}
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(runCtx)
	}()

	alice.SendText("ping")
	if _, err := tg.WaitMessage(ctx, alice.ID(), func(m telegramtest.Message) bool { return m.Text == "pong: ping" }); err != nil {
		t.Fatalf("no pong: %v", err)
	}
	waitInFlight(t, ctx, srv, tg, 1)
	stop()
	<-done
	if err := srv.WaitFor(ctx, func() bool { return tg.PollsInFlight() == 0 }); err != nil {
		t.Fatal(err)
	}
	// A successor poller takes over without an overlap.
	if _, ups, _, err := getUpdates(ctx, srv, testToken, map[string]any{"offset": tg.LastUpdateID() + 1}); err != nil || len(ups) != 0 {
		t.Errorf("successor poll: %d updates, %v", len(ups), err)
	}
	if n := tg.Overlaps(); n != 0 {
		t.Errorf("Overlaps = %d, want 0", n)
	}
	polls := tg.Polls()
	if p := polls[0]; p.Timeout != 59 || p.Offset != 1 {
		t.Errorf("library's first poll = %+v, want timeout 59 and offset 1", p)
	}
}
