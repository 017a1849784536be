package actors_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// seedUpdate stores a text message from user as update id, with attempts
// already counted, as a previous leader would have left it.
func seedUpdate(t *testing.T, h *actorstest.Harness, id int64, user *telegramtest.User, text string, attempts int) {
	t.Helper()
	payload := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,"text":%q,`+
		`"from":{"id":%d,"is_bot":false,"first_name":"Seeded"},"chat":{"id":%d,"type":"private"}}}`,
		id, id, text, user.ID(), user.ID())
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
	ctx := actorstest.Context(t, 30*time.Second)
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
	ctx := actorstest.Context(t, 30*time.Second)
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
