package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Money moved by an admin: ledger entries of their own kinds carrying the
// admin's id, each keyed so a repeat changes nothing. The caller audits
// them (RecordAdminAction) in the same transaction.

var (
	// ErrJobRefunded: RefundJob on a job refunded before.
	ErrJobRefunded = errors.New("job already refunded")
	// ErrNotRefundable: the job did not take money for a result (not
	// succeeded, free, or its price was already credited back because the
	// result was lost).
	ErrNotRefundable = errors.New("job not refundable")
)

// AdminAdjustParams is a correction of a user's spendable balance.
type AdminAdjustParams struct {
	UserID  int64
	AdminID int64
	Amount  int64  // kopecks, ≠ 0: positive credits, negative debits
	Key     string // idempotency key, unique per bot
	Note    string
}

// BalanceChange is what an admin's entry did to a balance.
type BalanceChange struct {
	Entry         Entry
	Before, After int64 // spendable balance, kopecks
	Held          int64 // held for unfinished jobs (unchanged by these entries)
}

// AdminAdjust changes userID's balance by p.Amount with one admin_adjust
// entry. The user's row is locked first, so Before and After are exact
// even when two admins adjust one user at once (both land, in turn). A
// debit beyond the balance is ErrInsufficientFunds and writes nothing; a
// repeated Key is ErrDuplicate and writes nothing; an unknown user
// ErrNotFound. Inside a caller's transaction a refusal leaves it usable.
func (q *queries) AdminAdjust(ctx context.Context, p AdminAdjustParams) (BalanceChange, error) {
	switch {
	case p.Amount == 0:
		return BalanceChange{}, fmt.Errorf("adjust balance of user %d: amount is zero", p.UserID)
	case p.AdminID == 0:
		return BalanceChange{}, fmt.Errorf("adjust balance of user %d: no admin", p.UserID)
	}
	var c BalanceChange
	err := q.atomic(ctx, func(q *queries) error {
		_, before, held, err := q.LockUser(ctx, p.UserID)
		if err != nil {
			return err
		}
		e, err := q.appendEntry(ctx, Entry{UserID: p.UserID, Kind: KindAdminAdjust, Amount: p.Amount, Key: p.Key, AdminID: p.AdminID, Note: p.Note})
		if err != nil {
			return err
		}
		c = BalanceChange{Entry: e, Before: before, After: before + p.Amount, Held: held}
		return nil
	})
	if err != nil {
		return BalanceChange{}, fmt.Errorf("adjust balance of user %d by %d kopecks: %w", p.UserID, p.Amount, err)
	}
	return c, nil
}

// RefundJob gives a succeeded, paid job's price back to its user with one
// job_refund entry keyed by the job ("job_refund:<id>"), so it happens once
// whoever asks and however often: ErrJobRefunded the second time. A job
// that did not take money for a result is ErrNotRefundable; an unknown one
// ErrNotFound. Nothing is written on any refusal.
func (q *queries) RefundJob(ctx context.Context, jobID, adminID int64, note string) (Job, BalanceChange, error) {
	if adminID == 0 {
		return Job{}, BalanceChange{}, fmt.Errorf("refund job %d: no admin", jobID)
	}
	var (
		job Job
		c   BalanceChange
	)
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		if job, err = q.jobWhere(ctx, `id = $2 FOR UPDATE`, jobID); err != nil {
			return err
		}
		id := strconv.FormatInt(job.ID, 10)
		switch {
		case job.State != JobSucceeded:
			return fmt.Errorf("%w: the job is %s", ErrNotRefundable, job.State)
		case job.Free || job.PriceKopecks == 0:
			return fmt.Errorf("%w: the job was free", ErrNotRefundable)
		}
		var refunded, lost bool
		if err := q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE bot_id = $1 AND job_id = $2 AND kind = 'job_refund'),
			       EXISTS (SELECT 1 FROM ledger_entries WHERE bot_id = $1 AND idem_key = $3)`,
			q.botID, job.ID, "result-lost:"+id).Scan(&refunded, &lost); err != nil {
			return interpret(err)
		}
		switch {
		case refunded:
			return ErrJobRefunded
		case lost:
			// delivery.go credits a result that vanished before delivery.
			return fmt.Errorf("%w: its price was credited back when its result was lost", ErrNotRefundable)
		}
		_, before, held, err := q.LockUser(ctx, job.UserID)
		if err != nil {
			return err
		}
		e, err := q.appendEntry(ctx, Entry{UserID: job.UserID, Kind: KindJobRefund, Amount: job.PriceKopecks, Key: "job_refund:" + id,
			JobID: job.ID, AdminID: adminID, Note: note})
		if errors.Is(err, ErrDuplicate) {
			return ErrJobRefunded
		}
		if err != nil {
			return err
		}
		c = BalanceChange{Entry: e, Before: before, After: before + job.PriceKopecks, Held: held}
		return nil
	})
	if err != nil {
		return Job{}, BalanceChange{}, fmt.Errorf("refund job %d: %w", jobID, err)
	}
	return job, c, nil
}

// JobEntries lists the ledger entries of job jobID, oldest first.
func (q *queries) JobEntries(ctx context.Context, jobID int64) ([]Entry, error) {
	rows, err := q.db.Query(ctx, `SELECT `+entryColumns+` FROM ledger_entries WHERE bot_id = $1 AND job_id = $2 ORDER BY id`, q.botID, jobID)
	if err != nil {
		return nil, fmt.Errorf("list entries of job %d: %w", jobID, interpret(err))
	}
	es, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("list entries of job %d: %w", jobID, interpret(err))
	}
	return es, nil
}
