package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/internal/retry"

	"github.com/jackc/pgx/v5"

	"github.com/kiebot/kiebot/store"
)

// Term is one leadership term as the leader hands it to the term function.
type Term struct {
	Epoch int64
}

// TermFunc runs the leader-only work of one term (poller or webhook setup,
// dispatcher, jobs). It must return only after every goroutine it started
// has returned: when ctx ends (leadership lost or released; return nil) or
// on a fatal error (which stops the instance).
type TermFunc func(ctx context.Context, t Term) error

// LeaderHooks let tests observe and perturb the leader. All are optional
// and called from the leader's goroutines.
type LeaderHooks struct {
	// Elected: the lease was claimed (before any start delay).
	Elected func(epoch int64)
	// TermStarted / TermStopped bracket the term function; TermStopped is
	// called after it returned, before the role goes back to standby.
	TermStarted func(epoch int64)
	TermStopped func(epoch int64, reason string)
	// BeforeHeartbeat runs before each heartbeat; a test stalls it (until
	// ctx ends) to freeze the heartbeat.
	BeforeHeartbeat func(ctx context.Context)
	// Evicted: this standby terminated a stale holder's backend.
	Evicted func(pid int32)
	// LockAttempt: a standby tried the lock, with the result.
	LockAttempt func(ok bool)
	// Heartbeat: a heartbeat of epoch finished (err nil: renewed).
	Heartbeat func(epoch int64, err error)
	// HandoverAsked: this standby asked the leader to hand over.
	HandoverAsked func()
}

// LeaderConfig configures the leader actor.
type LeaderConfig struct {
	BotID    int64
	Instance string
	Version  string
	// ConnConfig is the database the lock connection dials; the leader
	// opens its own connections (never pooled ones: a session lock left on
	// a pooled connection goes to whoever gets it next).
	ConnConfig *pgx.ConnConfig
	LockTTL    time.Duration // lease lifetime without a heartbeat
	Heartbeat  time.Duration // heartbeat interval; at most LockTTL/2
	// RetryInterval is how often a standby tries the lock; default 1s.
	RetryInterval time.Duration
	// RequestHandover makes this instance, once standing by, ask an older
	// leader to hand over (deploys); the leader yields only to newer ones.
	RequestHandover bool
	Term            TermFunc
	Logger          *slog.Logger
	Metrics         *Metrics
	Status          *StatusBoard
	Hooks           LeaderHooks
}

// Leader competes for its bot's leadership and runs the term function while
// it leads. See the package doc for the state machine and its guarantees.
type Leader struct {
	cfg       LeaderConfig
	term      leaseTerm
	log       *slog.Logger
	lockKey   int64
	channel   string
	startedAt time.Time // database clock at start: orders instances for handover
	// led: this instance has held a term; asked: it has asked for a
	// handover. Either keeps it from asking (again): only a new
	// deployment asks, once; an instance that lost its lease to a fault
	// does not pull leadership back from a healthy leader.
	led, asked bool
}

// NewLeader validates cfg; bad wiring panics.
func NewLeader(cfg LeaderConfig) *Leader {
	if cfg.ConnConfig == nil || cfg.Term == nil || cfg.Logger == nil || cfg.Metrics == nil || cfg.Status == nil || cfg.BotID <= 0 {
		panic("actors.NewLeader: ConnConfig, Term, Logger, Metrics, Status and BotID are required")
	}
	if cfg.LockTTL <= 0 || cfg.Heartbeat <= 0 || 2*cfg.Heartbeat > cfg.LockTTL {
		panic(fmt.Sprintf("actors.NewLeader: heartbeat %s must be positive and at most half of LOCK_TTL %s", cfg.Heartbeat, cfg.LockTTL))
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = time.Second
	}
	return &Leader{
		cfg:     cfg,
		term:    newLeaseTerm(cfg.LockTTL),
		log:     cfg.Logger.With("component", "leader"),
		lockKey: store.LeaderLockKey(cfg.BotID),
		channel: store.LeaderChannel(cfg.BotID),
	}
}

// Run competes for leadership until ctx ends, then releases cleanly and
// returns nil. It returns an error only when the term function fails
// fatally (e.g. Telegram rejects the token).
func (l *Leader) Run(ctx context.Context) error {
	l.setRole(RoleStandby, 0)
	defer l.setRole(RoleStopping, 0)
	var quietUntil time.Time // after handing over, let the newer instance win
	for {
		conn, err := l.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			l.log.Error("leader: cannot open the lock connection; retrying", "err", err, "sleep_duration", l.cfg.RetryInterval)
			if !retry.Sleep(ctx, l.cfg.RetryInterval) {
				return nil
			}
			continue
		}
		res := l.cycle(ctx, conn, quietUntil)
		closeConn(conn)
		quietUntil = time.Time{}
		if res.handedOver {
			quietUntil = time.Now().Add(3 * l.cfg.RetryInterval)
		}
		if res.fatal != nil {
			return res.fatal
		}
		if ctx.Err() != nil {
			return nil
		}
		if res.connErr != nil {
			l.log.Warn("leader: lock connection failed; reconnecting", "err", res.connErr)
			if !retry.Sleep(ctx, l.cfg.RetryInterval) {
				return nil
			}
		}
	}
}

type cycleResult struct {
	handedOver bool
	fatal      error
	connErr    error
}

// cycle is one connection's life: stand by until the lock is ours, lead,
// and come back (or stop).
func (l *Leader) cycle(ctx context.Context, conn *pgx.Conn, quietUntil time.Time) cycleResult {
	if l.startedAt.IsZero() {
		now, err := store.DBNow(ctx, conn)
		if err != nil {
			return cycleResult{connErr: err}
		}
		l.startedAt = now
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return cycleResult{connErr: fmt.Errorf("listen for leadership notices: %w", err)}
	}
	pid, err := store.BackendPID(ctx, conn)
	if err != nil {
		return cycleResult{connErr: err}
	}
	if err := l.standby(ctx, conn, quietUntil); err != nil {
		if ctx.Err() != nil {
			return cycleResult{}
		}
		return cycleResult{connErr: err}
	}
	attemptStart := time.Now()
	prev, cur, err := store.ClaimLease(ctx, conn, store.ClaimParams{
		BotID: l.cfg.BotID, Holder: l.cfg.Instance, InstanceStartedAt: l.startedAt, Version: l.cfg.Version, BackendPID: pid,
	})
	if err != nil {
		return cycleResult{connErr: err} // closing the connection drops the lock
	}
	return l.lead(ctx, conn, pid, prev, cur, attemptStart)
}

// standby waits until this connection holds the lock, trying every
// RetryInterval and at once on a "released" notice. It evicts a holder whose
// lease has expired and asks an older leader to hand over.
func (l *Leader) standby(ctx context.Context, conn *pgx.Conn, quietUntil time.Time) error {
	var mismatchSince time.Time // local time since the lock holder differs from the lease's
	for {
		if time.Now().After(quietUntil) {
			qctx, cancel := context.WithTimeout(ctx, l.queryTimeout())
			ok, err := store.TryLock(qctx, conn, l.lockKey)
			cancel()
			if err != nil {
				return err
			}
			if l.cfg.Hooks.LockAttempt != nil {
				l.cfg.Hooks.LockAttempt(ok)
			}
			if ok {
				return nil
			}
			if err := l.inspectHolder(ctx, conn, &mismatchSince); err != nil {
				return err
			}
		}
		wctx, cancel := context.WithTimeout(ctx, l.cfg.RetryInterval)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("wait for leadership notice: %w", err)
		}
	}
}

// inspectHolder looks at who holds the lock: it evicts a dead holder and
// asks an older live one to hand over.
func (l *Leader) inspectHolder(ctx context.Context, conn *pgx.Conn, mismatchSince *time.Time) error {
	qctx, cancel := context.WithTimeout(ctx, l.queryTimeout())
	defer cancel()
	lease, err := store.ReadLease(qctx, conn, l.cfg.BotID)
	if err != nil {
		return err
	}
	holderPID, err := store.LockHolderPID(qctx, conn, l.lockKey)
	if err != nil {
		return err
	}
	l.cfg.Metrics.LeaseAgeSeconds.Set(lease.Age().Seconds())
	if holderPID == 0 {
		return nil // released between our try and this look; try again
	}
	evict := false
	switch {
	case holderPID == lease.BackendPID && lease.Held() && l.term.stale(lease.HeartbeatAt, lease.DBNow):
		evict = true
	case holderPID != lease.BackendPID || !lease.Held():
		// The holder has not claimed the lease (yet). Give it a full TTL
		// of our own observation before calling it dead.
		if mismatchSince.IsZero() {
			*mismatchSince = time.Now()
		} else if time.Since(*mismatchSince) > l.cfg.LockTTL {
			evict = true
		}
	default:
		*mismatchSince = time.Time{}
	}
	if evict {
		l.log.Error("leader: EVICTING a lock holder whose lease expired: it stopped heartbeating (frozen or cut off)",
			"holder", lease.Holder, "holder_pid", holderPID, "lease_age", lease.Age(), "epoch", lease.Epoch)
		if _, err := store.TerminateBackend(qctx, conn, holderPID); err != nil {
			return err
		}
		*mismatchSince = time.Time{}
		if l.cfg.Hooks.Evicted != nil {
			l.cfg.Hooks.Evicted(holderPID)
		}
		return nil
	}
	if l.cfg.RequestHandover && !l.led && !l.asked && lease.Held() && lease.InstanceStartedAt.Before(l.startedAt) {
		l.asked = true
		l.log.Info("leader: asking the older leader to hand over (once)", "holder", lease.Holder, "epoch", lease.Epoch)
		if l.cfg.Hooks.HandoverAsked != nil {
			l.cfg.Hooks.HandoverAsked()
		}
		return store.Notify(qctx, conn, l.channel, "resign:"+strconv.FormatInt(l.startedAt.UnixNano(), 10))
	}
	return nil
}

// lead runs one term: it waits out an uncleanly lost predecessor, runs the
// term function, and stops it — waiting for it — before it releases the
// lease or reports standby.
func (l *Leader) lead(ctx context.Context, conn *pgx.Conn, pid int32, prev, cur store.Lease, attemptStart time.Time) cycleResult {
	epoch := cur.Epoch
	log := l.log.With("epoch", epoch)
	l.cfg.Metrics.Elections.Inc()
	l.cfg.Metrics.Epoch.Set(float64(epoch))
	if l.cfg.Hooks.Elected != nil {
		l.cfg.Hooks.Elected(epoch)
	}
	delay := l.term.startDelay(prev.Held(), prev.HeartbeatAt, cur.DBNow)
	log.Info("leader: elected", "previous_holder", prev.Holder, "previous_released", !prev.Held(), "start_delay", delay)

	trust := time.NewTimer(time.Until(l.term.trustUntil(attemptStart)))
	defer trust.Stop()
	// The heartbeat lives until the term has stopped, not until shutdown
	// begins: a draining term still holds the lease and must keep it.
	hbCtx, hbCancel := context.WithCancel(context.WithoutCancel(ctx))
	hbEvents := make(chan heartbeatEvent, 4)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		l.heartbeat(hbCtx, conn, epoch, pid, hbEvents)
	}()
	stopHeartbeat := func() { hbCancel(); <-hbDone }

	startTerm := time.NewTimer(delay)
	defer startTerm.Stop()
	termCtx, termCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer termCancel()
	var termDone chan error
	var reason string
	var res cycleResult
	graceful := true

loop:
	for {
		select {
		case <-ctx.Done():
			reason = "shutting down"
			break loop
		case <-startTerm.C:
			termDone = make(chan error, 1)
			l.led = true
			l.setRole(RoleLeader, epoch)
			if l.cfg.Hooks.TermStarted != nil {
				l.cfg.Hooks.TermStarted(epoch)
			}
			go func() { termDone <- l.cfg.Term(termCtx, Term{Epoch: epoch}) }()
		case err := <-termDone:
			termDone = nil
			reason = "term failed"
			res.fatal = err
			if err == nil {
				res.fatal = errors.New("leader term ended on its own")
			}
			break loop
		case <-trust.C:
			reason = "trust window expired: no successful heartbeat in time"
			graceful = false
			break loop
		case ev := <-hbEvents:
			switch {
			case ev.lost != nil:
				reason = "lost: " + ev.lost.Error()
				graceful = false
				break loop
			case ev.resignFrom:
				reason = "handing over to a newer instance"
				res.handedOver = true
				l.cfg.Metrics.Handovers.Inc()
				break loop
			default:
				resetTimer(trust, time.Until(l.term.trustUntil(ev.renewedAt)))
			}
		}
	}

	// Stop the term and wait for it: nothing of this term may run once we
	// report standby or another instance may lead. Heartbeats go on while
	// it drains, so a drain within the trust window keeps the lease; one
	// that outlives it is reported (the lease may lapse under it).
	termCancel()
	for termDone != nil {
		select {
		case err := <-termDone:
			termDone = nil
			if err != nil && res.fatal == nil {
				log.Error("leader: term ended with an error while stopping", "err", err)
			}
		case ev := <-hbEvents:
			switch {
			case ev.lost != nil:
				log.Error("leader: lease lost while the term drains", "err", ev.lost)
				graceful = false
			case !ev.renewedAt.IsZero():
				resetTimer(trust, time.Until(l.term.trustUntil(ev.renewedAt)))
			}
		case <-trust.C:
			log.Error("leader: the term is still draining when the trust window ends; another instance may lead soon")
			graceful = false
		}
	}
	if l.cfg.Hooks.TermStopped != nil {
		l.cfg.Hooks.TermStopped(epoch, reason)
	}
	stopHeartbeat()
	if graceful {
		l.release(ctx, conn, epoch, log)
	}
	if graceful {
		log.Info("leader: stepped down", "reason", reason)
	} else {
		log.Warn("leader: leadership LOST; stopped leading", "reason", reason)
	}
	if ctx.Err() == nil && res.fatal == nil {
		l.setRole(RoleStandby, epoch)
	}
	if !graceful {
		res.connErr = errors.New(reason)
	}
	return res
}

// release ends the term cleanly so a standby starts at once. It must work
// after ctx is cancelled (that is when shutdown calls it): per-attempt
// timeouts, three tries; if all fail, closing the connection drops the lock
// and the lease's expiry is the safety net.
func (l *Leader) release(ctx context.Context, conn *pgx.Conn, epoch int64, log *slog.Logger) {
	for attempt := 1; attempt <= 3; attempt++ {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(attempt)*time.Second)
		err := store.ReleaseLease(rctx, conn, l.cfg.BotID, epoch, l.lockKey)
		cancel()
		if err == nil {
			log.Info("leader: lease released; standbys notified")
			return
		}
		log.Error("leader: releasing the lease failed", "err", err, "attempt", attempt)
		if conn.IsClosed() {
			return
		}
	}
}

type heartbeatEvent struct {
	renewedAt  time.Time // local start of a successful heartbeat
	lost       error
	resignFrom bool // a newer instance asked for a handover
}

// heartbeat renews the lease every interval on the lock's own connection,
// scoped to epoch and backend pid, and listens for handover requests in
// between. It reports successes (the leader extends its trust window),
// definitive loss, and handover requests.
func (l *Leader) heartbeat(ctx context.Context, conn *pgx.Conn, epoch int64, pid int32, events chan<- heartbeatEvent) {
	send := func(ev heartbeatEvent) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	next := time.Now().Add(l.cfg.Heartbeat)
	for {
		// Between heartbeats, wait for notices on the same connection.
		for time.Now().Before(next) {
			wctx, cancel := context.WithDeadline(ctx, next)
			n, err := conn.WaitForNotification(wctx)
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				send(heartbeatEvent{lost: fmt.Errorf("lock connection: %w", err)})
				return
			}
			if l.newerInstanceAsks(n.Payload) {
				if !send(heartbeatEvent{resignFrom: true}) {
					return
				}
			}
		}
		if l.cfg.Hooks.BeforeHeartbeat != nil {
			l.cfg.Hooks.BeforeHeartbeat(ctx)
			if ctx.Err() != nil {
				return
			}
		}
		start := time.Now()
		// A slow heartbeat is ended by the server (the lock connection's
		// statement_timeout), which keeps the connection and its lock; a
		// client-side deadline would make pgx close the connection and
		// drop the lock. The context's own deadline is only the backstop
		// for a server that does not answer at all, after the trust
		// window has long decided.
		qctx, cancel := context.WithTimeout(ctx, l.cfg.LockTTL)
		ok, err := store.HeartbeatLease(qctx, conn, l.cfg.BotID, epoch, pid)
		cancel()
		if l.cfg.Hooks.Heartbeat != nil {
			l.cfg.Hooks.Heartbeat(epoch, err)
		}
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil && conn.IsClosed():
			send(heartbeatEvent{lost: fmt.Errorf("lock connection closed: %w", err)})
			return
		case err != nil:
			// A slow or failed heartbeat: try again soon; the trust
			// window decides when it is too late.
			l.log.Warn("leader: heartbeat failed; retrying", "epoch", epoch, "err", err)
			next = time.Now().Add(l.cfg.Heartbeat / 4)
			continue
		case !ok:
			send(heartbeatEvent{lost: errors.New("the lease belongs to another term")})
			return
		}
		if !send(heartbeatEvent{renewedAt: start}) {
			return
		}
		next = start.Add(l.cfg.Heartbeat)
	}
}

// newerInstanceAsks reports whether payload is a handover request from an
// instance started after this one (a leader never yields to an older one).
func (l *Leader) newerInstanceAsks(payload string) bool {
	rest, ok := strings.CutPrefix(payload, "resign:")
	if !ok {
		return false
	}
	nanos, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return false
	}
	return time.Unix(0, nanos).After(l.startedAt)
}

func (l *Leader) queryTimeout() time.Duration {
	return max(min(l.cfg.Heartbeat, 5*time.Second), 100*time.Millisecond)
}

func (l *Leader) setRole(r Role, epoch int64) {
	st := l.cfg.Status.Get()
	if epoch == 0 {
		epoch = st.Epoch
	}
	l.cfg.Status.Set(Status{Role: r, Epoch: epoch})
	l.cfg.Metrics.SetRole(r)
}

// connect opens the dedicated lock connection with settings that bound a
// dead peer: TCP keepalives find a vanished host in about 25 s, and the
// server ends a session idle past the lease TTL (a frozen process).
func (l *Leader) connect(ctx context.Context) (*pgx.Conn, error) {
	cc := l.cfg.ConnConfig.Copy()
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["application_name"] = "kiebot-lock/" + l.cfg.Instance
	cc.RuntimeParams["tcp_keepalives_idle"] = "10"
	cc.RuntimeParams["tcp_keepalives_interval"] = "5"
	cc.RuntimeParams["tcp_keepalives_count"] = "3"
	cc.RuntimeParams["idle_session_timeout"] = strconv.FormatInt(max(l.cfg.LockTTL.Milliseconds(), 1000), 10)
	// The server cancels a statement that runs too long (a heartbeat
	// behind a row lock, a stalled disk) and the connection, with the
	// lock, survives: the heartbeat retries and the trust window decides.
	cc.RuntimeParams["statement_timeout"] = strconv.FormatInt(l.queryTimeout().Milliseconds(), 10)
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cc)
	if err != nil {
		return nil, fmt.Errorf("open lock connection: %w", err)
	}
	return conn, nil
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = conn.Close(ctx) // closing ends the session and drops any lock it held
}
