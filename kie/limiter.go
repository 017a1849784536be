package kie

import (
	"context"
	"sync"
	"time"
)

// windowLimiter admits at most limit events in any sliding window. Kie's
// createTask limit is "20 new requests per 10 s" and excess requests are
// refused with 429; a token bucket with burst 20 would allow nearly 40 in
// one window, so this keeps the exact timestamps of the last limit
// admissions instead.
type windowLimiter struct {
	limit  int
	window time.Duration

	mu   sync.Mutex
	sent []time.Time // admissions, oldest first; at most limit entries
}

func newWindowLimiter(limit int, window time.Duration) *windowLimiter {
	return &windowLimiter{limit: limit, window: window, sent: make([]time.Time, 0, limit)}
}

// reserve admits an event at now and returns 0, or returns how long to wait
// before trying again (and admits nothing). It is pure bookkeeping so it can
// be tested with made-up times.
func (l *windowLimiter) reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget admissions that have left the window.
	drop := 0
	for drop < len(l.sent) && now.Sub(l.sent[drop]) >= l.window {
		drop++
	}
	l.sent = append(l.sent[:0], l.sent[drop:]...)
	if len(l.sent) < l.limit {
		l.sent = append(l.sent, now)
		return 0
	}
	return l.window - now.Sub(l.sent[0])
}

// wait blocks until an event is admitted or ctx is done.
func (l *windowLimiter) wait(ctx context.Context) error {
	for {
		d := l.reserve(time.Now())
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}
