package actors

import "time"

// leaseTerm is the trust-window arithmetic of one leadership term, kept
// apart from the database so it can be tested with plain times (River's
// leadershipTerm). Local times are monotonic; database times only ever
// meet database times.
type leaseTerm struct {
	ttl    time.Duration
	margin time.Duration
}

func newLeaseTerm(ttl time.Duration) leaseTerm {
	// The margin is how much earlier than the lease's expiry the leader
	// stops itself; it must cover stopping the poller and draining the
	// update in hand. A quarter of the TTL: 15 s of a 60 s lease.
	return leaseTerm{ttl: ttl, margin: max(ttl/4, 100*time.Millisecond)}
}

// trustUntil is when a leader whose last successful heartbeat *began* at
// attemptStart (local clock) must have stopped leading. The database
// stamped that heartbeat no earlier than attemptStart, and a standby may
// take over only TTL after the stamp, so the leader stops `margin` before
// anyone else can start.
func (t leaseTerm) trustUntil(attemptStart time.Time) time.Time {
	return attemptStart.Add(t.ttl - t.margin)
}

// startDelay is how long a new leader waits before polling, given the lease
// it took over (database clock throughout). After a clean release it is
// zero. After an unclean loss it waits until the old lease has expired,
// by which time the old leader's trust window has closed.
func (t leaseTerm) startDelay(prevHeld bool, prevHeartbeat, dbNow time.Time) time.Duration {
	if !prevHeld || prevHeartbeat.IsZero() {
		return 0
	}
	return max(prevHeartbeat.Add(t.ttl).Sub(dbNow), 0)
}

// stale reports whether a lease last renewed at heartbeat is expired at
// dbNow, so a standby may evict its holder.
func (t leaseTerm) stale(heartbeat, dbNow time.Time) bool {
	return !heartbeat.IsZero() && dbNow.Sub(heartbeat) > t.ttl
}
