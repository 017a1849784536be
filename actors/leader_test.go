package actors_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

const testBotToken = actorstest.BotToken

// has reports whether events contains e.
func has(e string) func([]string) bool {
	return func(events []string) bool { return slices.Contains(events, e) }
}

func TestLosingLeadershipStopsThePollerBeforeStandby(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 60*time.Second)
	h.Start("a", actorstest.Options{})

	if err := h.Events.WaitFor(ctx, has("a poll")); err != nil {
		t.Fatal(err)
	}
	// Kill the lock's backend: the leader must notice, stop polling and
	// only then report standby.
	pid := h.LockBackendPID(ctx)
	if _, err := store.TerminateBackend(ctx, h.Admin, pid); err != nil {
		t.Fatal(err)
	}
	if err := h.Events.WaitFor(ctx, has("a standby 1")); err != nil {
		t.Fatal(err)
	}
	stopped, standby := h.Events.Index("a poller stopped"), h.Events.Index("a standby 1")
	termStopped := h.Events.Index("a term stopped 1")
	if stopped < 0 || termStopped < 0 || !(stopped < termStopped && termStopped < standby) {
		t.Fatalf("want poller stopped < term stopped < standby; events: %v", h.Events.Snapshot())
	}
	// After an unclean loss it comes back only after the lease expired, and
	// the fake never saw two getUpdates at once.
	if err := h.Events.WaitFor(ctx, has("a term started 2")); err != nil {
		t.Fatal(err)
	}
	if n := h.TG.Overlaps(testBotToken); n != 0 {
		t.Fatalf("%d overlapping getUpdates", n)
	}
}

func TestALockThatCannotBeTakenNeverPolls(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 60*time.Second)
	// Someone else holds the lock with a fresh lease (we heartbeat it).
	holder := h.Admin
	if ok, err := store.TryLock(ctx, holder, store.LeaderLockKey(h.BotID)); err != nil || !ok {
		t.Fatalf("take lock: %v %v", ok, err)
	}
	pid, _ := store.BackendPID(ctx, holder)
	if _, _, err := store.ClaimLease(ctx, holder, store.ClaimParams{BotID: h.BotID, Holder: "other", InstanceStartedAt: time.Now(), BackendPID: pid}); err != nil {
		t.Fatal(err)
	}
	h.Start("a", actorstest.Options{TTL: time.Minute})
	if err := h.Events.WaitFor(ctx, func(ev []string) bool { return actorstest.Count(ev, "a lock busy") >= 10 }); err != nil {
		t.Fatal(err)
	}
	if polls := h.TG.Polls(testBotToken); len(polls) != 0 {
		t.Fatalf("an instance without the lock polled %d times", len(polls))
	}
	if ev := h.Events.Snapshot(); slices.Contains(ev, "a elected 1") || slices.Contains(ev, "a elected 2") {
		t.Fatalf("elected without the lock: %v", ev)
	}
}

// TestFailoverChaos runs two and three instances of one bot through
// graceful stops, killed lock connections and frozen heartbeats while
// users keep writing. The fake Bot API must see zero overlapping
// getUpdates, and every user must get exactly the replies #1..#n in order:
// each update took effect once, none was lost, state survived failovers.
func TestFailoverChaos(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d instances", n), func(t *testing.T) {
			h := actorstest.New(t, testBotToken)
			ctx := actorstest.Context(t, 3*time.Minute)
			live := map[string]*actorstest.Instance{}
			next := 0
			startOne := func() {
				name := fmt.Sprintf("i%d", next)
				next++
				live[name] = h.Start(name, actorstest.Options{})
			}
			for range n {
				startOne()
			}
			const users, perRound = 8, 2
			var us []*telegramtest.User
			for i := range users {
				us = append(us, h.Bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("u%d", i)}))
			}
			sent := 0
			send := func() {
				for i := range perRound {
					for _, u := range us {
						u.SendText(fmt.Sprintf("r%d-m%d", sent, i))
					}
				}
				sent++
			}
			waitLeader := func() string {
				var name string
				err := h.Events.WaitFor(ctx, func(ev []string) bool {
					name = actorstest.LastTermStarter(ev)
					return name != "" && live[name] != nil && h.LeaderName() == name
				})
				if err != nil {
					t.Fatal(err)
				}
				return name
			}
			waitAnswered := func() {
				want := sent * perRound
				err := h.TG.WaitFor(ctx, func() bool {
					for _, u := range us {
						if len(h.Bot.Sent(u.ID())) < want {
							return false
						}
					}
					return true
				})
				if err != nil {
					t.Fatalf("not every message answered: %v; events: %v", err, h.Events.Snapshot())
				}
			}

			for round := range 6 {
				leader := waitLeader()
				send()
				switch round % 3 {
				case 0: // graceful stop of the leader, and a replacement
					live[leader].Stop(t)
					delete(live, leader)
					startOne()
				case 1: // the leader's lock connection is killed
					if pid := h.LockBackendPID(ctx); pid != 0 {
						if _, err := store.TerminateBackend(ctx, h.Admin, pid); err != nil {
							t.Fatal(err)
						}
					}
				case 2: // the leader's heartbeat freezes until someone else leads
					inst := live[leader]
					inst.Stall.Freeze()
					err := h.Events.WaitFor(ctx, func(ev []string) bool {
						return slices.Contains(ev, leader+" standby "+actorstest.LastEpoch(ev, leader)) &&
							actorstest.LastTermStarter(ev) != leader
					})
					inst.Stall.Thaw()
					if err != nil {
						t.Fatal(err)
					}
				}
				send()
				waitAnswered()
			}

			if n := h.TG.Overlaps(testBotToken); n != 0 {
				t.Fatalf("%d overlapping getUpdates; polls: %+v", n, h.TG.Polls(testBotToken))
			}
			want := sent * perRound
			for _, u := range us {
				got := h.Bot.Sent(u.ID())
				if len(got) != want {
					t.Fatalf("user %d got %d replies, want %d", u.ID(), len(got), want)
				}
				for k, m := range got {
					if !strings.HasPrefix(m.Text, fmt.Sprintf("#%d ", k+1)) {
						t.Fatalf("user %d reply %d = %q, want #%d …: an update was lost, repeated or reordered", u.ID(), k, m.Text, k+1)
					}
				}
			}
		})
	}
}

func TestGracefulStopHandsOverAtOnce(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 60*time.Second)
	a := h.Start("a", actorstest.Options{TTL: time.Minute}) // a long lease: only a clean release is fast
	if err := h.Events.WaitFor(ctx, has("a poll")); err != nil {
		t.Fatal(err)
	}
	h.Start("b", actorstest.Options{TTL: time.Minute})
	if err := h.Events.WaitFor(ctx, has("b lock busy")); err != nil {
		t.Fatal(err)
	}
	a.Stop(t)
	if err := h.Events.WaitFor(ctx, has("b poll")); err != nil {
		t.Fatal(err)
	}
	// b polled long before a 60 s lease could have expired: the release
	// was clean and b waited for nothing.
	if got := h.Events.Snapshot(); !slices.Contains(got, "b elected 2") {
		t.Fatalf("b was not elected in term 2: %v", got)
	}
}

func TestNewerInstanceGetsAHandover(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 60*time.Second)
	old := h.Start("old", actorstest.Options{TTL: time.Minute, RequestHandover: true})
	if err := h.Events.WaitFor(ctx, has("old poll")); err != nil {
		t.Fatal(err)
	}
	h.Start("new", actorstest.Options{TTL: time.Minute, RequestHandover: true})
	if err := h.Events.WaitFor(ctx, has("new poll")); err != nil {
		t.Fatal(err)
	}
	if i, j := h.Events.Index("old poller stopped"), h.Events.Index("new elected 2"); i < 0 || j < 0 || i > j {
		t.Fatalf("the old leader must stop polling before the new one is elected: %v", h.Events.Snapshot())
	}
	if got := actorstest.CounterValue(old.Metrics.Handovers); got != 1 {
		t.Fatalf("old instance counted %v handovers, want 1", got)
	}
	// The old instance, now the older standby, must not take it back.
	if err := h.Events.WaitFor(ctx, func(ev []string) bool { return actorstest.Count(ev, "old lock busy") >= 5 }); err != nil {
		t.Fatal(err)
	}
	if h.LeaderName() != "new" || h.TG.Overlaps(testBotToken) != 0 {
		t.Fatalf("leader %q, overlaps %d", h.LeaderName(), h.TG.Overlaps(testBotToken))
	}
}

func TestTwoBotsSharingADatabaseElectIndependently(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	dsn := storetest.NewDatabase(t)
	ctx := actorstest.Context(t, 60*time.Second)
	a := actorstest.NewOn(t, tg, dsn, "7001:AAbotAtokenAAAAAAAAAAAAAAAAAAAAA")
	b := actorstest.NewOn(t, tg, dsn, "7002:AAbotBtokenBBBBBBBBBBBBBBBBBBBBB")
	a.Start("a1", actorstest.Options{})
	b.Start("b1", actorstest.Options{})
	for _, w := range []struct {
		h    *actorstest.Harness
		name string
	}{{a, "a1"}, {b, "b1"}} {
		if err := w.h.Events.WaitFor(ctx, has(w.name+" poll")); err != nil {
			t.Fatal(err)
		}
	}
	ua := a.Bot.AddUser(telegramtest.UserConfig{FirstName: "A"})
	ub := b.Bot.AddUser(telegramtest.UserConfig{FirstName: "B"})
	ua.SendText("to a")
	ub.SendText("to b")
	if _, err := a.Bot.WaitMessage(ctx, ua.ID(), func(m telegramtest.Message) bool { return m.Text == "#1 to a" }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Bot.WaitMessage(ctx, ub.ID(), func(m telegramtest.Message) bool { return m.Text == "#1 to b" }); err != nil {
		t.Fatal(err)
	}
}
