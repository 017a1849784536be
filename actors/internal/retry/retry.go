// Package retry holds the waiting rules the engine, the shop and the
// Telegram adapter share: jittered exponential backoff and a sleep that ends
// with its context.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is base·2^(attempt-1), capped, with ±25 % jitter so instances
// that failed together do not retry together.
func Backoff(attempt int, base, capped time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < capped; i++ {
		d *= 2
	}
	d = min(d, capped)
	jitter := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return max(d+jitter, time.Millisecond)
}

// Sleep waits d or until ctx ends; it reports whether the full wait
// elapsed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
