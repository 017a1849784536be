package actors_test

import (
	"fmt"
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
