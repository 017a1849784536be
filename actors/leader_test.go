package actors

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/telegramtest"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

const testBotToken = "5550001:AAtestTOKENforLEADERtests_abcdefgh"

// has reports whether events contains e.
func has(e string) func([]string) bool {
	return func(events []string) bool { return slices.Contains(events, e) }
}

func TestLosingLeadershipStopsThePollerBeforeStandby(t *testing.T) {
	h := newHarness(t, testBotToken)
	ctx := testContext(t, 60*time.Second)
	h.start("a", instanceOptions{})

	if err := h.events.waitFor(ctx, has("a poll")); err != nil {
		t.Fatal(err)
	}
	// Kill the lock's backend: the leader must notice, stop polling and
	// only then report standby.
	pid := h.lockBackendPID(ctx)
	if _, err := store.TerminateBackend(ctx, h.admin, pid); err != nil {
		t.Fatal(err)
	}
	if err := h.events.waitFor(ctx, has("a standby 1")); err != nil {
		t.Fatal(err)
	}
	stopped, standby := h.events.index("a poller stopped"), h.events.index("a standby 1")
	termStopped := h.events.index("a term stopped 1")
	if stopped < 0 || termStopped < 0 || !(stopped < termStopped && termStopped < standby) {
		t.Fatalf("want poller stopped < term stopped < standby; events: %v", h.events.snapshot())
	}
	// After an unclean loss it comes back only after the lease expired, and
	// the fake never saw two getUpdates at once.
	if err := h.events.waitFor(ctx, has("a term started 2")); err != nil {
		t.Fatal(err)
	}
	if n := h.tg.Overlaps(testBotToken); n != 0 {
		t.Fatalf("%d overlapping getUpdates", n)
	}
}

func TestALockThatCannotBeTakenNeverPolls(t *testing.T) {
	h := newHarness(t, testBotToken)
	ctx := testContext(t, 60*time.Second)
	// Someone else holds the lock with a fresh lease (we heartbeat it).
	holder := h.admin
	if ok, err := store.TryLock(ctx, holder, store.LeaderLockKey(h.botID)); err != nil || !ok {
		t.Fatalf("take lock: %v %v", ok, err)
	}
	pid, _ := store.BackendPID(ctx, holder)
	if _, _, err := store.ClaimLease(ctx, holder, store.ClaimParams{BotID: h.botID, Holder: "other", InstanceStartedAt: time.Now(), BackendPID: pid}); err != nil {
		t.Fatal(err)
	}
	h.start("a", instanceOptions{ttl: time.Minute})
	if err := h.events.waitFor(ctx, func(ev []string) bool { return count(ev, "a lock busy") >= 10 }); err != nil {
		t.Fatal(err)
	}
	if polls := h.tg.Polls(testBotToken); len(polls) != 0 {
		t.Fatalf("an instance without the lock polled %d times", len(polls))
	}
	if ev := h.events.snapshot(); slices.Contains(ev, "a elected 1") || slices.Contains(ev, "a elected 2") {
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
			h := newHarness(t, testBotToken)
			ctx := testContext(t, 3*time.Minute)
			live := map[string]*instance{}
			next := 0
			startOne := func() {
				name := fmt.Sprintf("i%d", next)
				next++
				live[name] = h.start(name, instanceOptions{})
			}
			for range n {
				startOne()
			}
			const users, perRound = 8, 2
			var us []*telegramtest.User
			for i := range users {
				us = append(us, h.bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("u%d", i)}))
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
				err := h.events.waitFor(ctx, func(ev []string) bool {
					name = lastTermStarter(ev)
					return name != "" && live[name] != nil && h.leaderName() == name
				})
				if err != nil {
					t.Fatal(err)
				}
				return name
			}
			waitAnswered := func() {
				want := sent * perRound
				err := h.tg.WaitFor(ctx, func() bool {
					for _, u := range us {
						if len(h.bot.Sent(u.ID())) < want {
							return false
						}
					}
					return true
				})
				if err != nil {
					t.Fatalf("not every message answered: %v; events: %v", err, h.events.snapshot())
				}
			}

			for round := range 6 {
				leader := waitLeader()
				send()
				switch round % 3 {
				case 0: // graceful stop of the leader, and a replacement
					live[leader].stop(t)
					delete(live, leader)
					startOne()
				case 1: // the leader's lock connection is killed
					if pid := h.lockBackendPID(ctx); pid != 0 {
						if _, err := store.TerminateBackend(ctx, h.admin, pid); err != nil {
							t.Fatal(err)
						}
					}
				case 2: // the leader's heartbeat freezes until someone else leads
					inst := live[leader]
					inst.stall.freeze()
					err := h.events.waitFor(ctx, func(ev []string) bool {
						return slices.Contains(ev, leader+" standby "+lastEpoch(ev, leader)) &&
							lastTermStarter(ev) != leader
					})
					inst.stall.thaw()
					if err != nil {
						t.Fatal(err)
					}
				}
				send()
				waitAnswered()
			}

			if n := h.tg.Overlaps(testBotToken); n != 0 {
				t.Fatalf("%d overlapping getUpdates; polls: %+v", n, h.tg.Polls(testBotToken))
			}
			want := sent * perRound
			for _, u := range us {
				got := h.bot.Sent(u.ID())
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

// lastEpoch is the epoch of name's most recent term start, as text.
func lastEpoch(events []string, name string) string {
	for i := len(events) - 1; i >= 0; i-- {
		if e, ok := strings.CutPrefix(events[i], name+" term started "); ok {
			return e
		}
	}
	return "?"
}

func TestGracefulStopHandsOverAtOnce(t *testing.T) {
	h := newHarness(t, testBotToken)
	ctx := testContext(t, 60*time.Second)
	a := h.start("a", instanceOptions{ttl: time.Minute}) // a long lease: only a clean release is fast
	if err := h.events.waitFor(ctx, has("a poll")); err != nil {
		t.Fatal(err)
	}
	h.start("b", instanceOptions{ttl: time.Minute})
	if err := h.events.waitFor(ctx, has("b lock busy")); err != nil {
		t.Fatal(err)
	}
	a.stop(t)
	if err := h.events.waitFor(ctx, has("b poll")); err != nil {
		t.Fatal(err)
	}
	// b polled long before a 60 s lease could have expired: the release
	// was clean and b waited for nothing.
	if got := h.events.snapshot(); !slices.Contains(got, "b elected 2") {
		t.Fatalf("b was not elected in term 2: %v", got)
	}
}

func TestNewerInstanceGetsAHandover(t *testing.T) {
	h := newHarness(t, testBotToken)
	ctx := testContext(t, 60*time.Second)
	old := h.start("old", instanceOptions{ttl: time.Minute, requestHandover: true})
	if err := h.events.waitFor(ctx, has("old poll")); err != nil {
		t.Fatal(err)
	}
	h.start("new", instanceOptions{ttl: time.Minute, requestHandover: true})
	if err := h.events.waitFor(ctx, has("new poll")); err != nil {
		t.Fatal(err)
	}
	if i, j := h.events.index("old poller stopped"), h.events.index("new elected 2"); i < 0 || j < 0 || i > j {
		t.Fatalf("the old leader must stop polling before the new one is elected: %v", h.events.snapshot())
	}
	if got := testutilCounter(old.metrics.Handovers); got != 1 {
		t.Fatalf("old instance counted %v handovers, want 1", got)
	}
	// The old instance, now the older standby, must not take it back.
	if err := h.events.waitFor(ctx, func(ev []string) bool { return count(ev, "old lock busy") >= 5 }); err != nil {
		t.Fatal(err)
	}
	if h.leaderName() != "new" || h.tg.Overlaps(testBotToken) != 0 {
		t.Fatalf("leader %q, overlaps %d", h.leaderName(), h.tg.Overlaps(testBotToken))
	}
}

func TestTwoBotsSharingADatabaseElectIndependently(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	dsn := storetest.NewDatabase(t)
	ctx := testContext(t, 60*time.Second)
	a := newHarnessOn(t, tg, dsn, "7001:AAbotAtokenAAAAAAAAAAAAAAAAAAAAA")
	b := newHarnessOn(t, tg, dsn, "7002:AAbotBtokenBBBBBBBBBBBBBBBBBBBBB")
	a.start("a1", instanceOptions{})
	b.start("b1", instanceOptions{})
	for _, w := range []struct {
		h    *harness
		name string
	}{{a, "a1"}, {b, "b1"}} {
		if err := w.h.events.waitFor(ctx, has(w.name+" poll")); err != nil {
			t.Fatal(err)
		}
	}
	ua := a.bot.AddUser(telegramtest.UserConfig{FirstName: "A"})
	ub := b.bot.AddUser(telegramtest.UserConfig{FirstName: "B"})
	ua.SendText("to a")
	ub.SendText("to b")
	if _, err := a.bot.WaitMessage(ctx, ua.ID(), func(m telegramtest.Message) bool { return m.Text == "#1 to a" }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.bot.WaitMessage(ctx, ub.ID(), func(m telegramtest.Message) bool { return m.Text == "#1 to b" }); err != nil {
		t.Fatal(err)
	}
}
