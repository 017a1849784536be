package actors_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// Polled updates go to the handlers without an inbox commit first; each
// still takes effect once, in order per user, and leaves exactly one inbox
// row, processed — also when batches are spilled to the inbox because
// steps are slow (SpillAfter tiny) and when a failover interrupts them.
func TestDirectDeliveryIsExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		spillAfter time.Duration
		failover   bool
	}{
		{"direct", time.Second, false},
		{"spilled", time.Microsecond, false},
		{"failover", time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := actorstest.New(t, actorstest.BotToken)
			ctx := actorstest.Context(t, time.Minute)
			opts := actorstest.Options{SpillAfter: tc.spillAfter}
			first := h.Start("a", opts)
			if err := h.Events.WaitFor(ctx, has("a poll")); err != nil {
				t.Fatal(err)
			}
			live := []*actorstest.Instance{first}
			if tc.failover {
				live = append(live, h.Start("b", opts))
			}
			const nUsers, perUser = 20, 15
			users := make([]*telegramtest.User, nUsers)
			for i := range users {
				users[i] = h.Bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("u%d", i)})
			}
			for k := range perUser {
				for _, u := range users {
					u.SendText(fmt.Sprintf("m%d", k))
				}
				if tc.failover && k == perUser/2 {
					first.Stop(t)
				}
			}
			if err := h.TG.WaitFor(ctx, func() bool { return h.Bot.Calls("sendMessage") >= nUsers*perUser }); err != nil {
				t.Fatalf("%d of %d replies: %v", h.Bot.Calls("sendMessage"), nUsers*perUser, err)
			}
			// Every reply follows its step's commit; stopping the instances
			// lets any duplicate reply out before the counts are taken.
			for _, inst := range live {
				inst.Stop(t)
			}
			var rows, unprocessed int
			err := h.Admin.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE processed_at IS NULL OR failed) FROM inbox`).Scan(&rows, &unprocessed)
			if err != nil || rows != nUsers*perUser || unprocessed != 0 {
				t.Fatalf("inbox: %d rows, %d not processed, want %d processed: %v", rows, unprocessed, nUsers*perUser, err)
			}
			for _, u := range users {
				sent := h.Bot.Sent(u.ID())
				if len(sent) != perUser {
					t.Fatalf("user %d got %d replies, want %d", u.ID(), len(sent), perUser)
				}
				for k, m := range sent {
					if want := fmt.Sprintf("#%d m%d", k+1, k); m.Text != want {
						t.Fatalf("user %d reply %d = %q, want %q", u.ID(), k, m.Text, want)
					}
				}
			}
		})
	}
}

// A reply is kept in the conversation row until it is sent: committed but
// not sent when the leader stops (Telegram failing), it is sent by the next
// leader, once; sent, it is dropped from the row when the actor exits, so
// no later leader sends it again.
func TestHeldCallsSurviveAFailover(t *testing.T) {
	h := actorstest.New(t, actorstest.BotToken)
	ctx := actorstest.Context(t, time.Minute)
	a := h.Start("a", actorstest.Options{})
	u := h.Bot.AddUser(telegramtest.UserConfig{FirstName: "U"})
	u.SendText("m0")
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "#1 m0" }); err != nil {
		t.Fatal(err)
	}
	held := func() string {
		var ops string
		if err := h.Admin.QueryRow(ctx, `SELECT ops::text FROM conversations WHERE user_id = $1`, u.ID()).Scan(&ops); err != nil {
			t.Fatal(err)
		}
		return ops
	}
	if ops := held(); ops == "[]" {
		t.Fatal("the reply to m0 is not held in the conversation row while the actor runs")
	}
	h.Bot.InjectError("sendMessage", 1000, 502, "Bad Gateway", 0)
	calls := h.Bot.Calls("sendMessage")
	u.SendText("m1")
	if err := h.TG.WaitFor(ctx, func() bool { return h.Bot.Calls("sendMessage") > calls }); err != nil {
		t.Fatal(err)
	}
	a.Stop(t) // the reply to m1 is committed, not sent
	if ops := held(); !strings.Contains(ops, "#2 m1") || strings.Contains(ops, "#1 m0") {
		t.Fatalf("held after the stop: %s; want only the unsent reply to m1", ops)
	}
	h.Bot.ClearInjectedErrors()
	b := h.Start("b", actorstest.Options{})
	if _, err := h.Bot.WaitMessage(ctx, u.ID(), func(m telegramtest.Message) bool { return m.Text == "#2 m1" }); err != nil {
		t.Fatal(err)
	}
	b.Stop(t)
	if ops := held(); ops != "[]" {
		t.Fatalf("held after the sent reply's actor exited: %s", ops)
	}
	var texts []string
	for _, m := range h.Bot.Sent(u.ID()) {
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, "|"); got != "#1 m0|#2 m1" {
		t.Fatalf("replies %q, want each once in order", got)
	}
}
