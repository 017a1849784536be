package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Manual top-ups: a user pays by card or SBP transfer and sends the
// receipt; an admin approves (the money is credited as a 'paid' top-up of
// method "manual") or rejects it. See migrations/sql/0010_payments.sql.

// ManualState is where a manual top-up is.
type ManualState string

// The manual top-up states.
const (
	ManualAwaiting  ManualState = "awaiting"  // details shown, no receipt yet
	ManualSubmitted ManualState = "submitted" // a receipt arrived; an admin decides
	ManualApproved  ManualState = "approved"  // credited (TopUpID)
	ManualRejected  ManualState = "rejected"  // an admin said no (Reason)
	ManualExpired   ManualState = "expired"   // no receipt within its validity
	ManualCancelled ManualState = "cancelled" // the user asked for another one
)

// MethodManual is the topups.method of an approved manual top-up.
const MethodManual = "manual"

var (
	// ErrManualNotAwaiting: a receipt for a request that no longer waits
	// for one (expired, replaced, or sent already).
	ErrManualNotAwaiting = errors.New("manual top-up is not awaiting a receipt")
	// ErrManualDecided: an approval or rejection of a request decided
	// before (by anyone) or never submitted; the error says its state.
	ErrManualDecided = errors.New("manual top-up is not pending a decision")
	// ErrNotStars: a Stars refund asked for a top-up that was not paid in
	// Stars (a manual transfer).
	ErrNotStars = errors.New("not paid in Telegram Stars")
)

// ManualTopUp is one row of manual_topups.
type ManualTopUp struct {
	ID           int64
	UserID       int64
	Kopecks      int64
	Reference    string
	State        ManualState
	CreatedAt    time.Time
	ExpiresAt    time.Time
	FileID       string
	FileUniqueID string
	FileKind     string // "photo" or "document"
	FileBytes    int64
	SHA256       []byte
	DHash        uint64
	HasDHash     bool
	OCRStatus    string
	OCRKopecks   int64
	OCRPaidAt    time.Time // the wall-clock time printed on the receipt
	Flags        []string
	Report       string // the pre-check's findings, HTML, in the admins' language
	DuplicateOf  int64
	SubmittedAt  time.Time
	DecidedAt    time.Time
	DecidedBy    int64
	Reason       string
	TopUpID      int64
}

// ChargeID is the charge id of the top-up an approval creates.
func (m ManualTopUp) ChargeID() string { return "manual:" + strconv.FormatInt(m.ID, 10) }

// NewManualTopUp is a request to pay by transfer.
type NewManualTopUp struct {
	UserID    int64
	Kopecks   int64
	ValidFor  time.Duration
	Reference func() (string, error) // draws a fresh reference; called again on a clash
}

// CreateManualTopUp records a request awaiting its receipt, with a
// reference no earlier request of this bot has, and cancels the user's
// earlier request still awaiting one (a user pays one transfer at a time).
func (q *queries) CreateManualTopUp(ctx context.Context, n NewManualTopUp) (ManualTopUp, error) {
	if n.Kopecks <= 0 || n.ValidFor <= 0 || n.Reference == nil {
		return ManualTopUp{}, fmt.Errorf("create manual top-up for user %d: %d kopecks, valid %v: invalid", n.UserID, n.Kopecks, n.ValidFor)
	}
	var out ManualTopUp
	err := q.atomic(ctx, func(q *queries) error {
		if _, err := q.db.Exec(ctx, `UPDATE manual_topups SET state = 'cancelled' WHERE bot_id = $1 AND user_id = $2 AND state = 'awaiting'`,
			q.botID, n.UserID); err != nil {
			return fmt.Errorf("cancel the earlier request: %w", interpret(err))
		}
		for attempt := 0; ; attempt++ {
			ref, err := n.Reference()
			if err != nil {
				return err
			}
			err = q.atomic(ctx, func(q *queries) error {
				rows, err := q.db.Query(ctx, `
					INSERT INTO manual_topups (bot_id, user_id, kopecks, reference, expires_at)
					VALUES ($1, $2, $3, $4, now() + $5::interval)
					RETURNING `+manualColumns, q.botID, n.UserID, n.Kopecks, ref, n.ValidFor)
				if err != nil {
					return interpret(err)
				}
				out, err = pgx.CollectExactlyOneRow(rows, scanManual)
				return interpret(err)
			})
			if errors.Is(err, ErrDuplicate) && attempt < 8 {
				continue // the reference was drawn before: draw again
			}
			return err
		}
	})
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("create manual top-up for user %d: %w", n.UserID, err)
	}
	return out, nil
}

// AwaitingManualTopUp is the user's request still awaiting a receipt and
// not past its validity (ErrNotFound when none).
func (q *queries) AwaitingManualTopUp(ctx context.Context, userID int64) (ManualTopUp, error) {
	m, err := q.manualWhere(ctx, `user_id = $2 AND state = 'awaiting' AND expires_at > now()`, userID)
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("load the awaiting manual top-up of user %d: %w", userID, err)
	}
	return m, nil
}

// ManualTopUp loads one manual top-up (ErrNotFound).
func (q *queries) ManualTopUp(ctx context.Context, id int64) (ManualTopUp, error) {
	m, err := q.manualWhere(ctx, `id = $2`, id)
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("load manual top-up %d: %w", id, err)
	}
	return m, nil
}

// Receipt is a receipt file and what the pre-check made of it.
type Receipt struct {
	FileID, FileUniqueID, FileKind string
	FileBytes                      int64
	SHA256                         []byte
	DHash                          uint64
	HasDHash                       bool
	OCRStatus                      string
	OCRKopecks                     int64
	OCRPaidAt                      time.Time
	Flags                          []string
	Report                         string
	DuplicateOf                    int64
}

// SubmitReceipt attaches r to the user's request id, which must still be
// awaiting a receipt (ErrManualNotAwaiting): awaiting → submitted.
func (q *queries) SubmitReceipt(ctx context.Context, id, userID int64, r Receipt) (ManualTopUp, error) {
	var dhash *int64
	if r.HasDHash {
		v := int64(r.DHash)
		dhash = &v
	}
	var paidAt *time.Time
	if !r.OCRPaidAt.IsZero() {
		paidAt = &r.OCRPaidAt
	}
	flags := r.Flags
	if flags == nil {
		flags = []string{}
	}
	rows, err := q.db.Query(ctx, `
		UPDATE manual_topups SET state = 'submitted', submitted_at = now(), file_id = $4, file_unique_id = $5, file_kind = $6,
		       file_bytes = $7, sha256 = $8, dhash = $9, ocr_status = $10, ocr_kopecks = $11, ocr_paid_at = $12, flags = $13,
		       report = $14, duplicate_of = nullif($15::bigint, 0)
		 WHERE bot_id = $1 AND id = $2 AND user_id = $3 AND state = 'awaiting'
		RETURNING `+manualColumns,
		q.botID, id, userID, r.FileID, r.FileUniqueID, r.FileKind, r.FileBytes, r.SHA256, dhash, r.OCRStatus, r.OCRKopecks, paidAt,
		flags, boundedText(r.Report, maxAdminText), r.DuplicateOf)
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("submit the receipt of manual top-up %d: %w", id, interpret(err))
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanManual)
	if errors.Is(err, pgx.ErrNoRows) {
		return ManualTopUp{}, fmt.Errorf("submit the receipt of manual top-up %d: %w", id, ErrManualNotAwaiting)
	}
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("submit the receipt of manual top-up %d: %w", id, interpret(err))
	}
	return m, nil
}

// EarlierReceipt is a receipt sent before that may be the same as a new one.
type EarlierReceipt struct {
	ManualTopUp
	SameFileID bool // Telegram's file_unique_id matches
}

// EarlierReceipts lists the receipts (of any user) sent before that share
// the new one's file_unique_id or SHA-256, or whose dHash is within
// maxBits of it — the candidates the caller compares (receipt.Compare).
// except is the request the new receipt is for. At most 20, newest first.
func (q *queries) EarlierReceipts(ctx context.Context, except int64, fileUniqueID string, sha []byte, dhash uint64, hasDHash bool, maxBits int) ([]EarlierReceipt, error) {
	var dh *int64
	if hasDHash {
		v := int64(dhash)
		dh = &v
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+manualColumns+`, file_unique_id = $3 AND $3 <> '' FROM manual_topups
		 WHERE bot_id = $1 AND id <> $2 AND file_id <> ''
		   AND ((file_unique_id = $3 AND $3 <> '') OR sha256 = $4
		        OR ($5::bigint IS NOT NULL AND dhash IS NOT NULL AND bit_count((dhash # $5::bigint)::bit(64)) <= $6))
		 ORDER BY id DESC LIMIT 20`, q.botID, except, fileUniqueID, sha, dh, maxBits)
	if err != nil {
		return nil, fmt.Errorf("look for earlier receipts: %w", interpret(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (EarlierReceipt, error) {
		var e EarlierReceipt
		m, err := scanManualPlus(row, &e.SameFileID)
		e.ManualTopUp = m
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("look for earlier receipts: %w", interpret(err))
	}
	return out, nil
}

// ApproveManualTopUp credits a submitted request: a 'paid' top-up of
// method "manual" (charge id "manual:<id>") and its one topup entry, keyed
// by that charge id, and the request approved by adminID — all or nothing.
// The row lock serialises admins: the second of two approving at once
// finds it approved (ErrManualDecided) and credits nothing.
func (q *queries) ApproveManualTopUp(ctx context.Context, id, adminID int64) (m ManualTopUp, c BalanceChange, err error) {
	err = q.atomic(ctx, func(q *queries) error {
		m, err = q.lockSubmitted(ctx, id)
		if err != nil {
			return err
		}
		rows, err := q.db.Query(ctx, `
			INSERT INTO topups (bot_id, user_id, stars, kopecks, payload, state, charge_id, expires_at, paid_at, method)
			VALUES ($1, $2, 0, $3, $4, 'paid', $4, now(), now(), $5)
			RETURNING `+topUpColumns, q.botID, m.UserID, m.Kopecks, m.ChargeID(), MethodManual)
		if err != nil {
			return fmt.Errorf("record the top-up: %w", interpret(err))
		}
		t, err := pgx.CollectExactlyOneRow(rows, scanTopUp)
		if err != nil {
			return fmt.Errorf("record the top-up: %w", interpret(err))
		}
		e, err := q.appendEntry(ctx, Entry{UserID: m.UserID, Kind: KindTopUp, Amount: m.Kopecks, Key: "topup:" + m.ChargeID(), TopUpID: t.ID,
			Note: "manual transfer " + m.Reference})
		if err != nil {
			return fmt.Errorf("credit %d kopecks: %w", m.Kopecks, err)
		}
		var held int64
		if err := q.db.QueryRow(ctx, `SELECT balance_kopecks, held_kopecks FROM bot_users WHERE bot_id = $1 AND user_id = $2`,
			q.botID, m.UserID).Scan(&c.After, &held); err != nil {
			return fmt.Errorf("read the balance: %w", interpret(err))
		}
		c.Entry, c.Before, c.Held = e, c.After-m.Kopecks, held
		m, err = q.decide(ctx, id, ManualApproved, adminID, "", t.ID)
		return err
	})
	if err != nil {
		return ManualTopUp{}, BalanceChange{}, fmt.Errorf("approve manual top-up %d: %w", id, err)
	}
	return m, c, nil
}

// RejectManualTopUp rejects a submitted request with the admin's reason;
// nothing is credited. ErrManualDecided as for ApproveManualTopUp.
func (q *queries) RejectManualTopUp(ctx context.Context, id, adminID int64, reason string) (ManualTopUp, error) {
	var m ManualTopUp
	err := q.atomic(ctx, func(q *queries) error {
		if _, err := q.lockSubmitted(ctx, id); err != nil {
			return err
		}
		var err error
		m, err = q.decide(ctx, id, ManualRejected, adminID, reason, 0)
		return err
	})
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("reject manual top-up %d: %w", id, err)
	}
	return m, nil
}

func (q *queries) lockSubmitted(ctx context.Context, id int64) (ManualTopUp, error) {
	m, err := q.manualWhere(ctx, `id = $2 FOR UPDATE`, id)
	if err != nil {
		return ManualTopUp{}, err
	}
	if m.State != ManualSubmitted {
		return m, fmt.Errorf("it is %s: %w", m.State, ErrManualDecided)
	}
	return m, nil
}

func (q *queries) decide(ctx context.Context, id int64, state ManualState, adminID int64, reason string, topUpID int64) (ManualTopUp, error) {
	rows, err := q.db.Query(ctx, `
		UPDATE manual_topups SET state = $3, decided_at = now(), decided_by = $4, reason = $5, topup_id = nullif($6::bigint, 0)
		 WHERE bot_id = $1 AND id = $2 AND state = 'submitted'
		RETURNING `+manualColumns, q.botID, id, state, adminID, boundedText(reason, maxAdminText), topUpID)
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("mark it %s: %w", state, interpret(err))
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanManual)
	if err != nil {
		return ManualTopUp{}, fmt.Errorf("mark it %s: %w", state, interpret(err))
	}
	return m, nil
}

// PendingManualTopUps lists requests with a receipt awaiting a decision,
// oldest first, at most limit, and whether there are more.
func (q *queries) PendingManualTopUps(ctx context.Context, limit int) ([]ManualTopUp, bool, error) {
	rows, err := q.db.Query(ctx, `SELECT `+manualColumns+` FROM manual_topups WHERE bot_id = $1 AND state = 'submitted' ORDER BY id LIMIT $2`,
		q.botID, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list pending manual top-ups: %w", interpret(err))
	}
	ms, err := pgx.CollectRows(rows, scanManual)
	if err != nil {
		return nil, false, fmt.Errorf("list pending manual top-ups: %w", interpret(err))
	}
	if len(ms) > limit {
		return ms[:limit], true, nil
	}
	return ms, false, nil
}

// ExpireManualTopUps marks expired up to limit requests still awaiting a
// receipt created more than age ago and past their own validity, and
// returns how many (retention). A receipt being submitted at this moment
// (its row locked) is skipped. Submitted requests never expire: the user
// may have paid, so an admin decides each of them.
func (q *queries) ExpireManualTopUps(ctx context.Context, age time.Duration, limit int) (int64, error) {
	return q.purge(ctx, "expire manual top-up requests", `
		UPDATE manual_topups SET state = 'expired' WHERE (bot_id, id) IN (
			SELECT bot_id, id FROM manual_topups
			 WHERE bot_id = $1 AND state = 'awaiting' AND created_at < now() - make_interval(secs => $2) AND expires_at <= now()
			 LIMIT $3 FOR UPDATE SKIP LOCKED)
		  AND state = 'awaiting'`, age, limit)
}

const manualColumns = `id, user_id, kopecks, reference, state, created_at, expires_at, file_id, file_unique_id, file_kind, file_bytes,
	sha256, dhash, ocr_status, ocr_kopecks, ocr_paid_at, flags, report, coalesce(duplicate_of, 0), submitted_at, decided_at,
	coalesce(decided_by, 0), reason, coalesce(topup_id, 0)`

func scanManual(row pgx.CollectableRow) (ManualTopUp, error) { return scanManualPlus(row) }

func scanManualPlus(row pgx.CollectableRow, extra ...any) (ManualTopUp, error) {
	var (
		m                          ManualTopUp
		dhash                      *int64
		paidAt, submitted, decided *time.Time
	)
	dst := append([]any{&m.ID, &m.UserID, &m.Kopecks, &m.Reference, &m.State, &m.CreatedAt, &m.ExpiresAt, &m.FileID, &m.FileUniqueID,
		&m.FileKind, &m.FileBytes, &m.SHA256, &dhash, &m.OCRStatus, &m.OCRKopecks, &paidAt, &m.Flags, &m.Report, &m.DuplicateOf,
		&submitted, &decided, &m.DecidedBy, &m.Reason, &m.TopUpID}, extra...)
	if err := row.Scan(dst...); err != nil {
		return ManualTopUp{}, err
	}
	if dhash != nil {
		m.DHash, m.HasDHash = uint64(*dhash), true
	}
	for _, p := range []struct {
		src *time.Time
		dst *time.Time
	}{{paidAt, &m.OCRPaidAt}, {submitted, &m.SubmittedAt}, {decided, &m.DecidedAt}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return m, nil
}

func (q *queries) manualWhere(ctx context.Context, cond string, args ...any) (ManualTopUp, error) {
	rows, err := q.db.Query(ctx, `SELECT `+manualColumns+` FROM manual_topups WHERE bot_id = $1 AND `+cond, append([]any{q.botID}, args...)...)
	if err != nil {
		return ManualTopUp{}, interpret(err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanManual)
	return m, interpret(err)
}
