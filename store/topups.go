package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	// ErrTopUpExpired: the invoice is older than its validity; ask the user
	// to request a new one.
	ErrTopUpExpired = errors.New("top-up invoice expired")
	// ErrTopUpNotPending: the invoice was already paid (or refunded).
	ErrTopUpNotPending = errors.New("top-up invoice already paid")
	// ErrTopUpMismatch: the payment's user or Stars amount differs from the
	// invoice's.
	ErrTopUpMismatch = errors.New("top-up does not match its invoice")
	// ErrAlreadyRefunded: a refund of a top-up refunded before.
	ErrAlreadyRefunded = errors.New("top-up already refunded")
)

// DefaultTopUpValidity is how long an invoice can be paid when
// NewTopUp.ValidFor is zero.
const DefaultTopUpValidity = 24 * time.Hour

// TopUpState is where a Stars top-up is.
type TopUpState string

// Top-up states.
const (
	TopUpPending   TopUpState = "pending"   // invoice sent, not paid
	TopUpPaid      TopUpState = "paid"      // credited
	TopUpRefunding TopUpState = "refunding" // credited, taken back, Telegram asked to return the Stars
	TopUpRefunded  TopUpState = "refunded"  // credited, then taken back; the Stars went back
	TopUpExpired   TopUpState = "expired"   // never paid; retention marked it (ExpireInvoices)
)

// TopUp is a Stars invoice and, once paid, its payment.
type TopUp struct {
	ID               int64
	UserID           int64
	Stars            int64
	Kopecks          int64 // credited when paid
	Payload          string
	State            TopUpState
	ChargeID         string // telegram_payment_charge_id; "" while pending
	ProviderChargeID string
	DuplicateOf      int64  // for a second charge of one invoice: the invoice's top-up id
	Method           string // how it is paid: "stars" (the only method so far)
	CreatedAt        time.Time
	ExpiresAt        time.Time
	PaidAt           time.Time
	RefundedAt       time.Time
	RefundAttempts   int   // refunds begun (HoldTopUpRefund) or booked from Telegram's notice
	RefundShortfall  int64 // kopecks a refund Telegram made on its own could not take back
}

// NewTopUp is an invoice to create.
type NewTopUp struct {
	UserID   int64
	Stars    int64
	Kopecks  int64
	ValidFor time.Duration // default DefaultTopUpValidity
	Method   string        // "stars" (default) or "subscription"
}

// CreateTopUp records a pending invoice with an unguessable payload
// ("t:<id>:<22 random characters>", well under Telegram's 128 bytes).
func (q *queries) CreateTopUp(ctx context.Context, nt NewTopUp) (TopUp, error) {
	if nt.Stars <= 0 || nt.Kopecks <= 0 {
		return TopUp{}, fmt.Errorf("create top-up for user %d: %d stars for %d kopecks is not positive", nt.UserID, nt.Stars, nt.Kopecks)
	}
	valid := nt.ValidFor
	if valid <= 0 {
		valid = DefaultTopUpValidity
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return TopUp{}, fmt.Errorf("create top-up for user %d: random payload: %w", nt.UserID, err)
	}
	rows, err := q.db.Query(ctx, `
		WITH n AS (SELECT nextval(pg_get_serial_sequence('topups', 'id')) AS id)
		INSERT INTO topups (bot_id, id, user_id, stars, kopecks, payload, expires_at, method)
		SELECT $1, n.id, $2, $3, $4, 't:' || n.id || ':' || $5, now() + $6::interval, $7 FROM n
		RETURNING `+topUpColumns,
		q.botID, nt.UserID, nt.Stars, nt.Kopecks, base64.RawURLEncoding.EncodeToString(secret), valid, cmp.Or(nt.Method, "stars"))
	if err != nil {
		return TopUp{}, fmt.Errorf("create top-up for user %d: %w", nt.UserID, interpret(err))
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTopUp)
	if err != nil {
		return TopUp{}, fmt.Errorf("create top-up for user %d: %w", nt.UserID, interpret(err))
	}
	return t, nil
}

// TopUpByPayload loads the invoice carrying payload (ErrNotFound if none).
func (q *queries) TopUpByPayload(ctx context.Context, payload string) (TopUp, error) {
	t, err := q.topUpWhere(ctx, `payload = $2 AND duplicate_of IS NULL`, payload)
	if err != nil {
		return TopUp{}, fmt.Errorf("load top-up by payload: %w", err)
	}
	return t, nil
}

// CheckTopUp is the pre-checkout validation: the invoice exists
// (ErrNotFound), is pending (ErrTopUpNotPending), has not expired
// (ErrTopUpExpired) and belongs to userID for exactly stars
// (ErrTopUpMismatch).
func (q *queries) CheckTopUp(ctx context.Context, payload string, userID, stars int64) error {
	var (
		t       TopUp
		expired bool
	)
	rows, err := q.db.Query(ctx, `SELECT `+topUpColumns+`, expires_at <= now() FROM topups WHERE bot_id = $1 AND payload = $2 AND duplicate_of IS NULL`,
		q.botID, payload)
	if err == nil {
		t, err = pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (TopUp, error) {
			return scanTopUpPlus(row, &expired)
		})
	}
	if err != nil {
		return fmt.Errorf("check top-up: %w", interpret(err))
	}
	if err := t.matches(userID, stars); err != nil {
		return fmt.Errorf("check top-up %d: %w", t.ID, err)
	}
	switch {
	case t.State == TopUpExpired:
		return fmt.Errorf("check top-up %d (expired): %w", t.ID, ErrTopUpExpired)
	case t.State != TopUpPending:
		return fmt.Errorf("check top-up %d (%s): %w", t.ID, t.State, ErrTopUpNotPending)
	case expired:
		return fmt.Errorf("check top-up %d (expired %s): %w", t.ID, t.ExpiresAt.UTC().Format(time.RFC3339), ErrTopUpExpired)
	}
	return nil
}

func (t TopUp) matches(userID, stars int64) error {
	if t.UserID != userID || t.Stars != stars {
		return fmt.Errorf("paid by user %d for %d stars, invoiced to user %d for %d: %w", userID, stars, t.UserID, t.Stars, ErrTopUpMismatch)
	}
	return nil
}

// CompleteParams is a successful_payment.
type CompleteParams struct {
	Payload          string
	UserID           int64
	Stars            int64
	ChargeID         string // telegram_payment_charge_id
	ProviderChargeID string
}

// CompleteTopUp credits a successful payment once per charge id: it checks
// user and amount against the invoice (ErrTopUpMismatch, nothing written),
// marks the invoice paid and credits its kopecks, in one transaction. A
// repeat of a charge id returns the top-up with credited false. Expiry is
// not checked: the user has paid, so an invoice past its validity, even one
// ExpireInvoices marked expired, is credited like a pending one. A second,
// different charge for an invoice already paid is credited as a top-up of
// its own (DuplicateOf).
func (q *queries) CompleteTopUp(ctx context.Context, p CompleteParams) (t TopUp, credited bool, err error) {
	if p.ChargeID == "" {
		return TopUp{}, false, errors.New("complete top-up: empty charge id")
	}
	err = q.atomic(ctx, func(q *queries) error {
		// Locking the invoice serialises deliveries of its payments, so the
		// charge lookup below sees any concurrent completion.
		inv, err := q.topUpWhere(ctx, `payload = $2 AND duplicate_of IS NULL FOR UPDATE`, p.Payload)
		if err != nil {
			return err
		}
		if t, err = q.topUpWhere(ctx, `charge_id = $2`, p.ChargeID); err == nil {
			return nil // this charge was credited before
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := inv.matches(p.UserID, p.Stars); err != nil {
			return err
		}
		t, err = q.recordPayment(ctx, inv, p)
		if err != nil {
			return err
		}
		_, err = q.appendEntry(ctx, Entry{
			UserID: t.UserID, Kind: KindTopUp, Amount: t.Kopecks, Key: "topup:" + p.ChargeID, TopUpID: t.ID,
			Note: fmt.Sprintf("%d stars", t.Stars),
		})
		if err != nil {
			return fmt.Errorf("credit %d kopecks for top-up %d: %w", t.Kopecks, t.ID, err)
		}
		credited = true
		return nil
	})
	if err != nil {
		return TopUp{}, false, fmt.Errorf("complete top-up (charge %s): %w", p.ChargeID, err)
	}
	return t, credited, nil
}

// recordPayment marks the pending (or expired) invoice paid by p's charge
// or, when it was paid already, records p's charge as a top-up of its own.
func (q *queries) recordPayment(ctx context.Context, inv TopUp, p CompleteParams) (TopUp, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if inv.State == TopUpPending || inv.State == TopUpExpired {
		rows, err = q.db.Query(ctx, `
			UPDATE topups SET state = 'paid', charge_id = $3, provider_charge_id = $4, paid_at = now()
			 WHERE bot_id = $1 AND id = $2 AND state IN ('pending', 'expired')
			RETURNING `+topUpColumns, q.botID, inv.ID, p.ChargeID, p.ProviderChargeID)
	} else {
		rows, err = q.db.Query(ctx, `
			INSERT INTO topups (bot_id, user_id, stars, kopecks, payload, state, charge_id, provider_charge_id,
			                    duplicate_of, expires_at, paid_at, method)
			SELECT bot_id, user_id, stars, kopecks, payload, 'paid', $3, $4, id, expires_at, now(), method
			  FROM topups WHERE bot_id = $1 AND id = $2
			RETURNING `+topUpColumns, q.botID, inv.ID, p.ChargeID, p.ProviderChargeID)
	}
	if err != nil {
		return TopUp{}, fmt.Errorf("mark top-up %d paid: %w", inv.ID, interpret(err))
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTopUp)
	if err != nil {
		return TopUp{}, fmt.Errorf("mark top-up %d paid: %w", inv.ID, interpret(err))
	}
	return t, nil
}

// Refunds. A refund we make (the admin's /refund) goes in three steps, so
// Stars are never returned for money that can still be spent and money is
// never kept for Stars returned:
//
//  1. HoldTopUpRefund takes back what the charge credited and marks the
//     top-up refunding, in its own transaction, before Telegram is asked;
//  2. the caller asks Telegram (refundStarPayment);
//  3. ConfirmTopUpRefund when Telegram refunded (or says it already had),
//     AbortTopUpRefund when it refused for good (a keyed reversing credit).
//
// A retry after a crash anywhere in between repeats from step 1, which
// resumes a refund under way. BookTelegramRefund books Telegram's
// refunded_payment notice: it confirms our own refund, or takes back what
// it can of one Telegram made on its own.

// ErrRefundNotHeld: ConfirmTopUpRefund or AbortTopUpRefund on a top-up
// whose refund is not under way (never started, or aborted).
var ErrRefundNotHeld = errors.New("no refund under way")

// refundKeys are the idempotency keys of a refund attempt's debit and its
// reversal. The first attempt keeps the key refunds always had.
func refundKeys(chargeID string, attempt int) (debit, reversal string) {
	if attempt <= 1 {
		return "refund:" + chargeID, "refund-undo:" + chargeID
	}
	n := strconv.Itoa(attempt)
	return "refund:" + chargeID + ":" + n, "refund-undo:" + chargeID + ":" + n
}

// creditOf is what a top-up's charge credited (its "topup" entry).
func (q *queries) creditOf(ctx context.Context, t TopUp) (int64, error) {
	var credited int64
	if err := q.db.QueryRow(ctx, `SELECT amount_kopecks FROM ledger_entries WHERE bot_id = $1 AND idem_key = $2`,
		q.botID, "topup:"+t.ChargeID).Scan(&credited); err != nil {
		return 0, fmt.Errorf("find the credit of top-up %d: %w", t.ID, interpret(err))
	}
	return credited, nil
}

// setTopUpState moves top-up id to state with the extra assignments set.
func (q *queries) setTopUpState(ctx context.Context, id int64, state TopUpState, set string) (TopUp, error) {
	if set != "" {
		set = ", " + set
	}
	rows, err := q.db.Query(ctx, `UPDATE topups SET state = $3`+set+` WHERE bot_id = $1 AND id = $2 RETURNING `+topUpColumns,
		q.botID, id, state)
	if err != nil {
		return TopUp{}, fmt.Errorf("mark top-up %d %s: %w", id, state, interpret(err))
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTopUp)
	if err != nil {
		return TopUp{}, fmt.Errorf("mark top-up %d %s: %w", id, state, interpret(err))
	}
	return t, nil
}

// HoldTopUpRefund is step 1 of a refund we make: it takes back exactly what
// the charge credited (a refund entry keyed by the charge and attempt) and
// marks the top-up refunding, in one transaction; debited says it did so
// now. When the balance no longer covers it: ErrInsufficientFunds, and
// nothing changes. A top-up already refunding is returned as it is, with
// debited false (a retry resumes there: ask Telegram again); one refunded
// before gives ErrAlreadyRefunded.
func (q *queries) HoldTopUpRefund(ctx context.Context, chargeID string) (t TopUp, debited bool, err error) {
	err = q.atomic(ctx, func(q *queries) error {
		var err error
		t, err = q.topUpWhere(ctx, `charge_id = $2 FOR UPDATE`, chargeID)
		switch {
		case err != nil:
			return err
		case t.State == TopUpRefunding:
			return nil
		case t.State == TopUpRefunded:
			return ErrAlreadyRefunded
		case t.Method == MethodManual:
			return ErrNotStars
		}
		credited, err := q.creditOf(ctx, t)
		if err != nil {
			return err
		}
		attempt := t.RefundAttempts + 1
		key, _ := refundKeys(chargeID, attempt)
		_, err = q.appendEntry(ctx, Entry{
			UserID: t.UserID, Kind: KindRefund, Amount: -credited, Key: key, TopUpID: t.ID,
			Note: fmt.Sprintf("%d stars being refunded", t.Stars),
		})
		if err != nil {
			return fmt.Errorf("debit %d kopecks for top-up %d: %w", credited, t.ID, err)
		}
		t, err = q.setTopUpState(ctx, t.ID, TopUpRefunding, fmt.Sprintf("refund_attempts = %d", attempt))
		debited = err == nil
		return err
	})
	if err != nil {
		return TopUp{}, false, fmt.Errorf("hold refund of top-up (charge %s): %w", chargeID, err)
	}
	return t, debited, nil
}

// ConfirmTopUpRefund is step 3 once Telegram has returned the Stars:
// refunding → refunded, nothing more taken. confirmed is false (and
// nothing changes) when it was refunded already — Telegram's notice came
// first. ErrRefundNotHeld when no refund is under way.
func (q *queries) ConfirmTopUpRefund(ctx context.Context, chargeID string) (t TopUp, confirmed bool, err error) {
	err = q.atomic(ctx, func(q *queries) error {
		var err error
		t, err = q.topUpWhere(ctx, `charge_id = $2 FOR UPDATE`, chargeID)
		switch {
		case err != nil:
			return err
		case t.State == TopUpRefunded:
			return nil
		case t.State != TopUpRefunding:
			return fmt.Errorf("top-up %d is %s: %w", t.ID, t.State, ErrRefundNotHeld)
		}
		t, err = q.setTopUpState(ctx, t.ID, TopUpRefunded, "refunded_at = now()")
		confirmed = err == nil
		return err
	})
	if err != nil {
		return TopUp{}, false, fmt.Errorf("confirm refund of top-up (charge %s): %w", chargeID, err)
	}
	return t, confirmed, nil
}

// AbortTopUpRefund is step 3 when Telegram refused the refund for good: it
// credits back what HoldTopUpRefund took (an adjustment on the top-up,
// keyed by the attempt) and returns the top-up to paid. ErrRefundNotHeld
// when no refund is under way; a refunded top-up is never reversed
// (ErrAlreadyRefunded: Telegram's notice says the Stars went back).
func (q *queries) AbortTopUpRefund(ctx context.Context, chargeID string) (TopUp, error) {
	var t TopUp
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		t, err = q.topUpWhere(ctx, `charge_id = $2 FOR UPDATE`, chargeID)
		switch {
		case err != nil:
			return err
		case t.State == TopUpRefunded:
			return ErrAlreadyRefunded
		case t.State != TopUpRefunding:
			return fmt.Errorf("top-up %d is %s: %w", t.ID, t.State, ErrRefundNotHeld)
		}
		debitKey, reversalKey := refundKeys(chargeID, t.RefundAttempts)
		var taken int64
		if err := q.db.QueryRow(ctx, `SELECT -amount_kopecks FROM ledger_entries WHERE bot_id = $1 AND idem_key = $2`,
			q.botID, debitKey).Scan(&taken); err != nil {
			return fmt.Errorf("find the refund debit of top-up %d: %w", t.ID, interpret(err))
		}
		_, err = q.appendEntry(ctx, Entry{
			UserID: t.UserID, Kind: KindAdjustment, Amount: taken, Key: reversalKey, TopUpID: t.ID,
			Note: fmt.Sprintf("refund of %d stars refused by Telegram; debit reversed", t.Stars),
		})
		if err != nil {
			return fmt.Errorf("reverse the refund debit of top-up %d: %w", t.ID, err)
		}
		t, err = q.setTopUpState(ctx, t.ID, TopUpPaid, "")
		return err
	})
	if err != nil {
		return TopUp{}, fmt.Errorf("abort refund of top-up (charge %s): %w", chargeID, err)
	}
	return t, nil
}

// TelegramRefund is how BookTelegramRefund booked a refunded_payment.
type TelegramRefund struct {
	TopUp TopUp
	// Ours: the refund was one we had debited already (HoldTopUpRefund);
	// nothing more was taken.
	Ours bool
	// Taken is what was debited now (a refund Telegram made on its own);
	// Shortfall what the balance could not cover of the credit.
	Taken, Shortfall int64
}

// BookTelegramRefund books Telegram's refunded_payment notice. For a refund
// under way (ours) it only confirms it. For a paid top-up — a refund
// Telegram made on its own — it takes back what the charge credited, or as
// much of it as the spendable balance still has, never going below zero,
// and records the rest as the top-up's shortfall. A top-up refunded before
// gives ErrAlreadyRefunded and nothing changes.
func (q *queries) BookTelegramRefund(ctx context.Context, chargeID string) (TelegramRefund, error) {
	var b TelegramRefund
	err := q.atomic(ctx, func(q *queries) error {
		t, err := q.topUpWhere(ctx, `charge_id = $2 FOR UPDATE`, chargeID)
		switch {
		case err != nil:
			return err
		case t.State == TopUpRefunded:
			return ErrAlreadyRefunded
		case t.State == TopUpRefunding:
			b.Ours = true
			b.TopUp, err = q.setTopUpState(ctx, t.ID, TopUpRefunded, "refunded_at = now()")
			return err
		}
		credited, err := q.creditOf(ctx, t)
		if err != nil {
			return err
		}
		var balance int64
		if err := q.db.QueryRow(ctx, `SELECT balance_kopecks FROM bot_users WHERE bot_id = $1 AND user_id = $2 FOR UPDATE`,
			q.botID, t.UserID).Scan(&balance); err != nil {
			return fmt.Errorf("lock the balance of user %d: %w", t.UserID, interpret(err))
		}
		attempt := t.RefundAttempts + 1
		b.Taken = min(balance, credited)
		b.Shortfall = credited - b.Taken
		if b.Taken > 0 {
			key, _ := refundKeys(chargeID, attempt)
			_, err = q.appendEntry(ctx, Entry{
				UserID: t.UserID, Kind: KindRefund, Amount: -b.Taken, Key: key, TopUpID: t.ID,
				Note: fmt.Sprintf("%d stars refunded by Telegram; %d kopecks not covered", t.Stars, b.Shortfall),
			})
			if err != nil {
				return fmt.Errorf("debit %d kopecks for top-up %d: %w", b.Taken, t.ID, err)
			}
		}
		b.TopUp, err = q.setTopUpState(ctx, t.ID, TopUpRefunded,
			fmt.Sprintf("refunded_at = now(), refund_attempts = %d, refund_shortfall_kopecks = %d", attempt, b.Shortfall))
		return err
	})
	if err != nil {
		return TelegramRefund{}, fmt.Errorf("book Telegram's refund of top-up (charge %s): %w", chargeID, err)
	}
	return b, nil
}

const topUpColumns = `id, user_id, stars, kopecks, payload, state, coalesce(charge_id, ''), provider_charge_id,
	coalesce(duplicate_of, 0), created_at, expires_at, paid_at, refunded_at, method, refund_attempts, refund_shortfall_kopecks`

func scanTopUp(row pgx.CollectableRow) (TopUp, error) { return scanTopUpPlus(row) }

// scanTopUpPlus scans topUpColumns followed by extra columns.
func scanTopUpPlus(row pgx.CollectableRow, extra ...any) (TopUp, error) {
	var (
		t              TopUp
		paid, refunded *time.Time
	)
	dst := append([]any{&t.ID, &t.UserID, &t.Stars, &t.Kopecks, &t.Payload, &t.State, &t.ChargeID, &t.ProviderChargeID,
		&t.DuplicateOf, &t.CreatedAt, &t.ExpiresAt, &paid, &refunded, &t.Method, &t.RefundAttempts, &t.RefundShortfall}, extra...)
	err := row.Scan(dst...)
	if paid != nil {
		t.PaidAt = *paid
	}
	if refunded != nil {
		t.RefundedAt = *refunded
	}
	return t, err
}

// topUpWhere loads the one top-up matching cond, whose $1 is the bot id.
func (q *queries) topUpWhere(ctx context.Context, cond string, args ...any) (TopUp, error) {
	rows, err := q.db.Query(ctx, `SELECT `+topUpColumns+` FROM topups WHERE bot_id = $1 AND `+cond, append([]any{q.botID}, args...)...)
	if err != nil {
		return TopUp{}, interpret(err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTopUp)
	return t, interpret(err)
}

// TopUpByChargeID finds a paid (or refunded) top-up by Telegram's charge id.
func (q *queries) TopUpByChargeID(ctx context.Context, chargeID string) (TopUp, error) {
	t, err := q.topUpWhere(ctx, `charge_id = $2`, chargeID)
	if err != nil {
		return TopUp{}, fmt.Errorf("load top-up by charge id: %w", err)
	}
	return t, nil
}
