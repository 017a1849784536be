package actors_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/store"
)

// since is cond over the events after the first n.
func since(n int, cond func([]string) bool) func([]string) bool {
	return func(ev []string) bool { return len(ev) > n && cond(ev[n:]) }
}

func hasEvent(e string) func([]string) bool {
	return func(ev []string) bool { return slices.Contains(ev, e) }
}

// Issue 9 #10: a heartbeat slower than the query timeout used to make pgx
// close the lock connection (its deadline handler), dropping the lock and
// costing a full lease of downtime. The server now ends the slow statement
// (statement_timeout), the connection and its lock survive, and the trust
// window decides: a stall that ends in time keeps the same term.
func TestASlowHeartbeatKeepsTheLockConnection(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	// TTL 8 s: heartbeat every 2 s, query timeout 2 s, trust window 6 s.
	h.Start("a", actorstest.Options{TTL: 8 * time.Second})
	if err := h.Events.WaitFor(ctx, hasEvent("a heartbeat 1")); err != nil {
		t.Fatal(err)
	}
	pid := h.LockBackendPID(ctx)
	// Another connection holds the lease row: the next heartbeat waits on
	// it past its timeout.
	tx, err := h.Admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM leader_leases WHERE bot_id = $1 FOR UPDATE`, h.BotID); err != nil {
		t.Fatal(err)
	}
	if err := h.Events.WaitFor(ctx, hasEvent("a heartbeat failed 1")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	failedAt := h.Events.Index("a heartbeat failed 1")
	if err := h.Events.WaitFor(ctx, since(failedAt, hasEvent("a heartbeat 1"))); err != nil {
		t.Fatal(err)
	}
	ev := h.Events.Snapshot()
	if slices.Contains(ev, "a term stopped 1") || slices.Contains(ev, "a elected 2") {
		t.Fatalf("a slow heartbeat cost the term: %v", ev)
	}
	if got := h.LockBackendPID(ctx); got != pid {
		t.Fatalf("lock held by backend %d after the stall, was %d: the lock connection was closed", got, pid)
	}
}

// Issue 9 #11: heartbeats used to stop at SIGTERM while the term was still
// draining, so a drain longer than the trust window ran on a lapsing
// lease. They now go on until the term has stopped, and the release after
// the drain is clean.
func TestHeartbeatsGoOnWhileTheTermDrains(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 90*time.Second)
	running, draining, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	slow := actors.Worker{Name: "slow drain", Run: func(ctx context.Context, _ actors.Term) error {
		close(running)
		<-ctx.Done()
		close(draining)
		<-release // a result upload finishing, say
		return nil
	}}
	inst := h.Start("a", actorstest.Options{Workers: []actors.Worker{slow}})
	select {
	case <-running:
	case <-ctx.Done():
		t.Fatal("the term's worker never ran")
	}
	inst.Cancel() // SIGTERM
	<-draining
	n := len(h.Events.Snapshot())
	// Four heartbeats of 500 ms outlast the 1.5 s trust window.
	err := h.Events.WaitFor(ctx, since(n, func(ev []string) bool { return actorstest.Count(ev, "a heartbeat 1") >= 4 }))
	close(release)
	if err != nil {
		t.Fatalf("no heartbeats while the term drained: %v", err)
	}
	inst.Stop(t)
	lease, err := store.ReadLease(ctx, h.Admin, h.BotID)
	if err != nil {
		t.Fatal(err)
	}
	if lease.Held() {
		t.Fatalf("lease %+v still held after a graceful stop", lease)
	}
	for _, e := range h.Events.Snapshot()[n:] {
		if strings.HasPrefix(e, "a heartbeat failed") {
			t.Fatalf("a heartbeat failed during the drain: %v", h.Events.Snapshot())
		}
	}
}

// Issue 9 #9: an instance that led and lost its lease to a fault (frozen,
// as by SIGSTOP) used to ask the healthy leader to hand over as soon as it
// was back, because it had started later, and got leadership back. Only a
// new deployment asks, once: the deploy's handover happens, the recovered
// instance stands by.
func TestARecoveredInstanceDoesNotPreemptAHealthyLeader(t *testing.T) {
	h := actorstest.New(t, testBotToken)
	ctx := actorstest.Context(t, 120*time.Second)
	h.Start("a", actorstest.Options{RequestHandover: true})
	if err := h.Events.WaitFor(ctx, hasEvent("a term started 1")); err != nil {
		t.Fatal(err)
	}
	// A deploy: b starts later and asks once; a hands over.
	b := h.Start("b", actorstest.Options{RequestHandover: true})
	if err := h.Events.WaitFor(ctx, func(ev []string) bool { return actorstest.LastTermStarter(ev) == "b" }); err != nil {
		t.Fatal(err)
	}
	// b freezes; a takes over when b's lease has lapsed.
	b.Stall.Freeze()
	if err := h.Events.WaitFor(ctx, func(ev []string) bool { return actorstest.LastTermStarter(ev) == "a" }); err != nil {
		t.Fatal(err)
	}
	b.Stall.Thaw()
	aTerm := h.Events.Index("a term started " + actorstest.LastEpoch(h.Events.Snapshot(), "a"))
	// b is back and stands by: give it many looks at the lock (and so
	// chances to ask).
	if err := h.Events.WaitFor(ctx, since(aTerm, func(ev []string) bool { return actorstest.Count(ev, "b lock busy") >= 10 })); err != nil {
		t.Fatal(err)
	}
	ev := h.Events.Snapshot()
	if n := actorstest.Count(ev, "b asked for a handover"); n != 1 {
		t.Fatalf("b asked for a handover %d times; want once, for its deploy: %v", n, ev)
	}
	if actorstest.LastTermStarter(ev) != "a" || slices.Contains(ev[aTerm:], "a term stopped "+actorstest.LastEpoch(ev, "a")) {
		t.Fatalf("the healthy leader a lost its term to the recovered b: %v", ev[aTerm:])
	}
}
