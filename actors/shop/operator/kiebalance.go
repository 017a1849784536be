package operator

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kiebot/kiebot/kie"
)

// KieBalance is where the statistics read Kie's credit balance: the
// amount and when it was read. The Kie balance watch (a leader-only
// worker) will provide the balance it stores; until then KieCredits asks
// Kie, with a short cache.
type KieBalance interface {
	KieBalance(ctx context.Context) (credits kie.Credits, at time.Time, err error)
}

// CreditsReader is Kie's credit call (*kie.Client has it).
type CreditsReader interface {
	Credits(ctx context.Context) (kie.Credits, error)
}

// KieCredits is a KieBalance asking Kie directly and reusing an answer for
// TTL, so admins opening statistics repeatedly do not each cost a Kie
// call. Safe for concurrent use.
type KieCredits struct {
	kie     CreditsReader
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time

	mu      sync.Mutex
	credits kie.Credits
	at      time.Time // zero until a read succeeded
}

// NewKieCredits caches src's balance for ttl (default a minute); now
// defaults to time.Now.
func NewKieCredits(src CreditsReader, ttl time.Duration, now func() time.Time) *KieCredits {
	if src == nil {
		panic("operator.NewKieCredits: nil credits reader")
	}
	if ttl <= 0 {
		ttl = defaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &KieCredits{kie: src, ttl: ttl, timeout: 5 * time.Second, now: now}
}

// KieBalance implements KieBalance. A failed read is an error (the cached
// value is not passed off as current beyond its TTL).
func (k *KieCredits) KieBalance(ctx context.Context) (kie.Credits, time.Time, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if !k.at.IsZero() && now.Sub(k.at) < k.ttl {
		return k.credits, k.at, nil
	}
	// One caller reads while the others wait for its answer: the lock is
	// held across the call, bounded by the timeout.
	cctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	c, err := k.kie.Credits(cctx)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read kie balance: %w", err)
	}
	k.credits, k.at = c, now
	return c, now, nil
}
