package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// EntryKind says why a ledger entry moved money.
type EntryKind string

// The ledger's entry kinds. Amount is the change of the spendable balance,
// HeldChange the change of the amount held for unfinished jobs.
const (
	KindTopUp      EntryKind = "topup"      // Stars paid: balance +kopecks
	KindWelcome    EntryKind = "welcome"    // first-contact gift: balance +amount
	KindAdjustment EntryKind = "adjustment" // operator correction: balance ±amount
	KindRefund     EntryKind = "refund"     // Stars refunded: balance −what the top-up credited
	KindHold       EntryKind = "hold"       // job created: balance −price, held +price
	KindCapture    EntryKind = "capture"    // job succeeded: held −price
	KindRelease    EntryKind = "release"    // job failed or expired: held −price, balance +price
	// Entries an admin made (AdminID set): a correction of the balance and
	// a succeeded job's price given back. See store/admin_money.go.
	KindAdminAdjust EntryKind = "admin_adjust" // operator correction: balance ±amount
	KindJobRefund   EntryKind = "job_refund"   // a succeeded job refunded: balance +price
)

// Entry is one row of the append-only ledger.
type Entry struct {
	ID         int64
	UserID     int64
	Kind       EntryKind
	Amount     int64 // kopecks added to (negative: taken from) the balance
	HeldChange int64 // kopecks added to (negative: taken from) the held amount
	Key        string
	JobID      int64 // 0 when the entry is not about a job
	TopUpID    int64 // 0 when the entry is not about a top-up
	AdminID    int64 // the admin who made it (admin_adjust, job_refund); 0 otherwise
	Note       string
	CreatedAt  time.Time
}

// CreditParams describes money given to a user.
type CreditParams struct {
	UserID  int64
	Kind    EntryKind // KindTopUp, KindWelcome or KindAdjustment
	Amount  int64     // kopecks, > 0
	Key     string    // idempotency key, unique per bot
	TopUpID int64     // required for KindTopUp
	Note    string
}

// DebitParams describes money taken from a user's spendable balance.
type DebitParams struct {
	UserID  int64
	Kind    EntryKind // KindRefund or KindAdjustment
	Amount  int64     // kopecks to take, > 0
	Key     string    // idempotency key, unique per bot
	TopUpID int64     // required for KindRefund
	Note    string
}

// Balance returns what userID can spend and what is held for their
// unfinished jobs; ErrNotFound for an unknown user.
func (q *queries) Balance(ctx context.Context, userID int64) (available, held int64, err error) {
	err = q.db.QueryRow(ctx, `SELECT balance_kopecks, held_kopecks FROM bot_users WHERE bot_id = $1 AND user_id = $2`,
		q.botID, userID).Scan(&available, &held)
	if err != nil {
		return 0, 0, fmt.Errorf("read balance of user %d: %w", userID, interpret(err))
	}
	return available, held, nil
}

// Credit adds p.Amount to the user's balance with one ledger entry. A
// repeated Key returns ErrDuplicate and changes nothing.
func (q *queries) Credit(ctx context.Context, p CreditParams) (Entry, error) {
	switch {
	case p.Kind != KindTopUp && p.Kind != KindWelcome && p.Kind != KindAdjustment:
		return Entry{}, fmt.Errorf("credit user %d: kind %q is not a credit", p.UserID, p.Kind)
	case p.Amount <= 0:
		return Entry{}, fmt.Errorf("credit user %d: amount %d kopecks is not positive", p.UserID, p.Amount)
	}
	var e Entry
	err := q.atomic(ctx, func(q *queries) (err error) {
		e, err = q.appendEntry(ctx, Entry{UserID: p.UserID, Kind: p.Kind, Amount: p.Amount, Key: p.Key, TopUpID: p.TopUpID, Note: p.Note})
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("credit %d kopecks (%s) to user %d: %w", p.Amount, p.Kind, p.UserID, err)
	}
	return e, nil
}

// Debit takes p.Amount from the user's spendable balance with one ledger
// entry: ErrInsufficientFunds (and nothing written) if the balance is
// short; a repeated Key returns ErrDuplicate and changes nothing.
func (q *queries) Debit(ctx context.Context, p DebitParams) (Entry, error) {
	switch {
	case p.Kind != KindRefund && p.Kind != KindAdjustment:
		return Entry{}, fmt.Errorf("debit user %d: kind %q is not a debit", p.UserID, p.Kind)
	case p.Amount <= 0:
		return Entry{}, fmt.Errorf("debit user %d: amount %d kopecks is not positive", p.UserID, p.Amount)
	}
	var e Entry
	err := q.atomic(ctx, func(q *queries) (err error) {
		e, err = q.appendEntry(ctx, Entry{UserID: p.UserID, Kind: p.Kind, Amount: -p.Amount, Key: p.Key, TopUpID: p.TopUpID, Note: p.Note})
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("debit %d kopecks (%s) from user %d: %w", p.Amount, p.Kind, p.UserID, err)
	}
	return e, nil
}

// GrantWelcome gives userID the welcome amount once in their life (key
// "welcome:<user>"); granted is false when it was given before or amount
// is 0.
func (q *queries) GrantWelcome(ctx context.Context, userID, amount int64) (granted bool, err error) {
	if amount == 0 {
		return false, nil
	}
	_, err = q.Credit(ctx, CreditParams{UserID: userID, Kind: KindWelcome, Amount: amount, Key: "welcome:" + strconv.FormatInt(userID, 10)})
	if errors.Is(err, ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("grant welcome: %w", err)
	}
	return true, nil
}

// RecentEntries returns userID's latest n ledger entries, newest first.
func (q *queries) RecentEntries(ctx context.Context, userID int64, n int) ([]Entry, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+entryColumns+` FROM ledger_entries
		 WHERE bot_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3`, q.botID, userID, n)
	if err != nil {
		return nil, fmt.Errorf("list entries of user %d: %w", userID, interpret(err))
	}
	es, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("list entries of user %d: %w", userID, interpret(err))
	}
	return es, nil
}

const entryColumns = `id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key,
	coalesce(job_id, 0), coalesce(topup_id, 0), coalesce(admin_id, 0), note, created_at`

func scanEntry(row pgx.CollectableRow) (Entry, error) {
	var e Entry
	err := row.Scan(&e.ID, &e.UserID, &e.Kind, &e.Amount, &e.HeldChange, &e.Key, &e.JobID, &e.TopUpID, &e.AdminID, &e.Note, &e.CreatedAt)
	return e, err
}

// appendEntry inserts e and applies it to its user's balance and held
// amount in one statement, so the two never diverge even outside a
// transaction. A key used before yields ErrDuplicate with nothing written;
// a balance that would go negative yields ErrInsufficientFunds (the CHECK
// balance_not_negative fails the whole statement). An unknown user yields
// ErrNotFound.
func (q *queries) appendEntry(ctx context.Context, e Entry) (Entry, error) {
	if e.Key == "" {
		return Entry{}, errors.New("ledger entry without an idempotency key")
	}
	var (
		out     Entry
		applied bool
	)
	err := q.db.QueryRow(ctx, `
		WITH e AS (
			INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key, job_id, topup_id, note, admin_id)
			SELECT $1, u.user_id, $3, $4, $5, $6, nullif($7::bigint, 0), nullif($8::bigint, 0), $9, nullif($10::bigint, 0)
			  FROM bot_users u WHERE u.bot_id = $1 AND u.user_id = $2
			ON CONFLICT (bot_id, idem_key) DO NOTHING
			RETURNING `+entryColumns+`
		), u AS (
			UPDATE bot_users b
			   SET balance_kopecks = b.balance_kopecks + e.amount_kopecks,
			       held_kopecks = b.held_kopecks + e.held_change_kopecks
			  FROM e WHERE b.bot_id = $1 AND b.user_id = e.user_id
			RETURNING 1
		)
		SELECT e.*, EXISTS (SELECT 1 FROM u) FROM e`,
		q.botID, e.UserID, e.Kind, e.Amount, e.HeldChange, e.Key, e.JobID, e.TopUpID, boundedText(e.Note, maxNoteText), e.AdminID,
	).Scan(&out.ID, &out.UserID, &out.Kind, &out.Amount, &out.HeldChange, &out.Key, &out.JobID, &out.TopUpID, &out.AdminID, &out.Note, &out.CreatedAt, &applied)
	if errors.Is(err, pgx.ErrNoRows) {
		// Nothing inserted: either the key exists or the user does not.
		var exists bool
		if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bot_users WHERE bot_id = $1 AND user_id = $2)`,
			q.botID, e.UserID).Scan(&exists); err != nil {
			return Entry{}, interpret(err)
		}
		if !exists {
			return Entry{}, fmt.Errorf("user %d: %w", e.UserID, ErrNotFound)
		}
		return Entry{}, fmt.Errorf("ledger key %q: %w", e.Key, ErrDuplicate)
	}
	if err != nil {
		return Entry{}, interpret(err)
	}
	if !applied {
		return Entry{}, fmt.Errorf("ledger entry %q did not reach user %d's balance", e.Key, e.UserID)
	}
	return out, nil
}

// beginner starts a transaction, or a savepoint inside one: the pool, a
// connection and pgx.Tx all do.
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// atomic runs fn as one unit: a transaction on the pool or a connection, a
// savepoint inside a caller's transaction. The savepoint matters for
// expected failures such as ErrInsufficientFunds: they undo fn's writes
// without aborting the caller's transaction, which can still commit its
// own (the update's processed mark and a "not enough money" reply).
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	b, ok := q.db.(beginner)
	if !ok {
		return fmt.Errorf("store: %T cannot begin a transaction", q.db)
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", interpret(err))
	}
	if err := fn(&queries{db: tx, botID: q.botID}); err != nil {
		rollback(ctx, tx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		rollback(ctx, tx)
		return fmt.Errorf("commit: %w", interpret(err))
	}
	return nil
}
