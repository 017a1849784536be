package actors

import (
	"testing"
	"time"
)

func TestLeaseTermOldLeaderStopsBeforeNewLeaderStarts(t *testing.T) {
	for _, ttl := range []time.Duration{2 * time.Second, 10 * time.Second, time.Minute} {
		lt := newLeaseTerm(ttl)
		// The old leader begins a heartbeat at local time L; the database
		// stamps it at D, no earlier in real time.
		local := time.Unix(1000, 0)
		for _, stampDelay := range []time.Duration{0, 5 * time.Millisecond, time.Second} {
			db := time.Unix(5000, 0)                            // database clock (any offset)
			stopAt := lt.trustUntil(local)                      // old leader's local deadline
			realStop := stopAt.Sub(local)                       // as a real-time offset from L
			takeover := lt.startDelay(true, db, db)             // a standby claims right after the stamp
			realStart := stampDelay + takeover                  // real-time offset from L
			if realStop+lt.margin > realStart+time.Nanosecond { // the old leader must be margin ahead
				t.Errorf("ttl %s, stamp delay %s: old leader stops at +%s, new one starts at +%s", ttl, stampDelay, realStop, realStart)
			}
		}
	}
}

func TestLeaseTermStartDelay(t *testing.T) {
	lt := newLeaseTerm(time.Minute)
	now := time.Unix(10_000, 0)
	tests := []struct {
		name      string
		held      bool
		heartbeat time.Time
		want      time.Duration
	}{
		{"clean release starts at once", false, now.Add(-time.Second), 0},
		{"never led", true, time.Time{}, 0},
		{"fresh unclean loss waits the lease out", true, now.Add(-10 * time.Second), 50 * time.Second},
		{"expired lease starts at once", true, now.Add(-2 * time.Minute), 0},
	}
	for _, tt := range tests {
		if got := lt.startDelay(tt.held, tt.heartbeat, now); got != tt.want {
			t.Errorf("%s: startDelay = %s, want %s", tt.name, got, tt.want)
		}
	}
	if lt.stale(now.Add(-59*time.Second), now) || !lt.stale(now.Add(-61*time.Second), now) {
		t.Error("stale misjudges a 60 s lease")
	}
}
