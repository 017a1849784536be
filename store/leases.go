package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeaderLockKey is the advisory lock key of botID's leadership, derived
// from the bot id so bots sharing a database never block each other.
func LeaderLockKey(botID int64) int64 {
	h := fnv.New64a()
	h.Write([]byte("kiebot:leader:" + strconv.FormatInt(botID, 10)))
	return int64(h.Sum64())
}

// LeaderChannel is the NOTIFY channel of botID's leadership: "released"
// wakes standbys; "resign:<started_at unix nanos>" asks the leader to hand
// over to a newer instance.
func LeaderChannel(botID int64) string { return "kiebot_leader_" + strconv.FormatInt(botID, 10) }

// Lease is the leadership row of a bot, with the database's clock at the
// time it was read.
type Lease struct {
	Epoch             int64
	Holder            string
	InstanceStartedAt time.Time
	Version           string
	BackendPID        int32 // 0 when unknown
	ElectedAt         time.Time
	HeartbeatAt       time.Time // zero when never held
	ReleasedAt        time.Time // zero while held (or never held)
	DBNow             time.Time
}

// Held reports whether the lease was taken and not released.
func (l Lease) Held() bool { return !l.HeartbeatAt.IsZero() && l.ReleasedAt.IsZero() }

// Age is how long ago, by the database clock, the holder last heartbeat.
func (l Lease) Age() time.Duration {
	if l.HeartbeatAt.IsZero() {
		return 0
	}
	return l.DBNow.Sub(l.HeartbeatAt)
}

// DBNow returns the database clock.
func DBNow(ctx context.Context, db DBTX) (time.Time, error) {
	var now time.Time
	if err := db.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return time.Time{}, fmt.Errorf("read database clock: %w", err)
	}
	return now, nil
}

// TryLock takes the session advisory lock key on db (a dedicated
// connection) without waiting.
func TryLock(ctx context.Context, db DBTX, key int64) (bool, error) {
	var ok bool
	if err := db.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		return false, fmt.Errorf("try advisory lock: %w", err)
	}
	return ok, nil
}

// Unlock releases the session advisory lock key held by db.
func Unlock(ctx context.Context, db DBTX, key int64) error {
	var ok bool
	if err := db.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&ok); err != nil {
		return fmt.Errorf("advisory unlock: %w", err)
	}
	if !ok {
		return errors.New("advisory unlock: the lock was not held by this session")
	}
	return nil
}

// LockHolderPID returns the backend pid holding advisory lock key in this
// database, or 0 when nobody holds it. A bigint key appears in pg_locks as
// classid (high 32 bits), objid (low 32 bits) and objsubid 1.
func LockHolderPID(ctx context.Context, db DBTX, key int64) (int32, error) {
	u := uint64(key)
	var pid int32
	err := db.QueryRow(ctx, `
		SELECT pid FROM pg_locks
		 WHERE locktype = 'advisory' AND granted AND objsubid = 1
		   AND classid::bigint = $1 AND objid::bigint = $2
		   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		 LIMIT 1`, int64(u>>32), int64(u&0xffffffff)).Scan(&pid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find advisory lock holder: %w", err)
	}
	return pid, nil
}

// TerminateBackend ends backend pid's session, releasing its locks.
func TerminateBackend(ctx context.Context, db DBTX, pid int32) (bool, error) {
	var ok bool
	if err := db.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil {
		return false, fmt.Errorf("terminate backend %d: %w", pid, err)
	}
	return ok, nil
}

// BackendPID is the pid of db's own backend.
func BackendPID(ctx context.Context, db DBTX) (int32, error) {
	var pid int32
	if err := db.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return 0, fmt.Errorf("read backend pid: %w", err)
	}
	return pid, nil
}

const leaseColumns = `epoch, holder, instance_started_at, version, coalesce(backend_pid, 0), elected_at, heartbeat_at, released_at, now()`

func scanLease(row pgx.Row) (Lease, error) {
	var l Lease
	var started, elected, hb, released *time.Time
	if err := row.Scan(&l.Epoch, &l.Holder, &started, &l.Version, &l.BackendPID, &elected, &hb, &released, &l.DBNow); err != nil {
		return Lease{}, err
	}
	for _, p := range []struct {
		src *time.Time
		dst *time.Time
	}{{started, &l.InstanceStartedAt}, {elected, &l.ElectedAt}, {hb, &l.HeartbeatAt}, {released, &l.ReleasedAt}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return l, nil
}

// ReadLease returns botID's lease; a bot never led has a zero lease.
func ReadLease(ctx context.Context, db DBTX, botID int64) (Lease, error) {
	l, err := scanLease(db.QueryRow(ctx, `SELECT `+leaseColumns+` FROM leader_leases WHERE bot_id = $1`, botID))
	if errors.Is(err, pgx.ErrNoRows) {
		now, err := DBNow(ctx, db)
		return Lease{DBNow: now}, err
	}
	if err != nil {
		return Lease{}, fmt.Errorf("read lease of bot %d: %w", botID, err)
	}
	return l, nil
}

// ClaimParams describe the instance taking the lease.
type ClaimParams struct {
	BotID             int64
	Holder            string
	InstanceStartedAt time.Time
	Version           string
	BackendPID        int32
}

// ClaimLease starts a new term for the caller, who must hold the advisory
// lock: it increments the epoch and stamps the database clock. It returns
// the previous lease (to decide whether the old holder must be waited out)
// and the new one, in one transaction.
func ClaimLease(ctx context.Context, db DBTX, p ClaimParams) (prev, cur Lease, err error) {
	err = pgx.BeginFunc(ctx, txBeginner{db}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO leader_leases (bot_id) VALUES ($1) ON CONFLICT DO NOTHING`, p.BotID); err != nil {
			return err
		}
		prev, err = scanLease(tx.QueryRow(ctx, `SELECT `+leaseColumns+` FROM leader_leases WHERE bot_id = $1 FOR UPDATE`, p.BotID))
		if err != nil {
			return err
		}
		cur, err = scanLease(tx.QueryRow(ctx, `
			UPDATE leader_leases
			   SET epoch = epoch + 1, holder = $2, instance_started_at = $3, version = $4, backend_pid = $5,
			       elected_at = now(), heartbeat_at = now(), released_at = NULL
			 WHERE bot_id = $1
			RETURNING `+leaseColumns, p.BotID, p.Holder, p.InstanceStartedAt, p.Version, p.BackendPID))
		return err
	})
	if err != nil {
		return Lease{}, Lease{}, fmt.Errorf("claim lease of bot %d: %w", p.BotID, err)
	}
	return prev, cur, nil
}

// HeartbeatLease renews the lease of term epoch held through backend pid.
// ok is false when the term is gone (someone else claimed the lease).
func HeartbeatLease(ctx context.Context, db DBTX, botID, epoch int64, pid int32) (ok bool, err error) {
	tag, err := db.Exec(ctx, `
		UPDATE leader_leases SET heartbeat_at = now()
		 WHERE bot_id = $1 AND epoch = $2 AND backend_pid = $3 AND released_at IS NULL`, botID, epoch, pid)
	if err != nil {
		return false, fmt.Errorf("heartbeat lease of bot %d epoch %d: %w", botID, epoch, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseLease ends term epoch cleanly: it marks the lease released, drops
// the advisory lock and notifies standbys, so one takes over at once. The
// release is committed before the unlock, so whoever takes the lock next
// sees a clean release and needs no wait.
func ReleaseLease(ctx context.Context, db DBTX, botID, epoch, key int64) error {
	if _, err := db.Exec(ctx, `
		UPDATE leader_leases SET released_at = now() WHERE bot_id = $1 AND epoch = $2 AND released_at IS NULL`,
		botID, epoch); err != nil {
		return fmt.Errorf("release lease of bot %d epoch %d: %w", botID, epoch, err)
	}
	if err := Unlock(ctx, db, key); err != nil {
		return err
	}
	return Notify(ctx, db, LeaderChannel(botID), "released")
}

// Notify sends a NOTIFY on channel.
func Notify(ctx context.Context, db DBTX, channel, payload string) error {
	if _, err := db.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// SetWebhookFingerprint records what webhook (URL and secret, hashed) the
// leader last set, so the next leader sets it again only when it differs.
func SetWebhookFingerprint(ctx context.Context, db DBTX, botID int64, fp string) error {
	if _, err := db.Exec(ctx, `UPDATE leader_leases SET webhook_fingerprint = $2 WHERE bot_id = $1`, botID, fp); err != nil {
		return fmt.Errorf("record webhook of bot %d: %w", botID, err)
	}
	return nil
}

// WebhookFingerprint returns what SetWebhookFingerprint recorded.
func WebhookFingerprint(ctx context.Context, db DBTX, botID int64) (string, error) {
	var fp string
	err := db.QueryRow(ctx, `SELECT webhook_fingerprint FROM leader_leases WHERE bot_id = $1`, botID).Scan(&fp)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("read webhook of bot %d: %w", botID, err)
	}
	return fp, nil
}

// txBeginner adapts a DBTX that can begin transactions (pool, conn) for
// pgx.BeginFunc.
type txBeginner struct{ db DBTX }

func (b txBeginner) Begin(ctx context.Context) (pgx.Tx, error) {
	if tb, ok := b.db.(interface {
		Begin(context.Context) (pgx.Tx, error)
	}); ok {
		return tb.Begin(ctx)
	}
	return nil, errors.New("store: this connection cannot begin a transaction")
}
