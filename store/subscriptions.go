package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Stars subscriptions. The invoice is a top-up of method "subscription";
// every payment of it (the first, then one per renewal) is credited by
// CompleteTopUp like any Stars payment, once per charge id — a renewal is
// a second charge of the invoice, recorded as a top-up of its own. This
// file keeps what the user's status screen shows: the plan, the end of
// the period paid for, and whether the user cancelled.

// MethodSubscription is the topups.method of a subscription's payments.
const MethodSubscription = "subscription"

// Subscription is a user's subscription (one per invoice).
type Subscription struct {
	UserID      int64
	TopUpID     int64 // the invoice
	Stars       int64 // a period
	Kopecks     int64 // credited each period
	ChargeID    string
	ExpiresAt   time.Time // the end of the last period paid for
	Payments    int
	CancelledAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Active reports whether the subscription is paid for at now.
func (s Subscription) Active(now time.Time) bool {
	return !s.ExpiresAt.IsZero() && s.ExpiresAt.After(now)
}

// Renews reports whether Telegram charges the next period.
func (s Subscription) Renews(now time.Time) bool { return s.Active(now) && s.CancelledAt.IsZero() }

// RecordSubscriptionPayment notes a credited payment of the subscription
// invoice t.DuplicateOf (or t itself, for the first payment): the period
// now ends at expiresAt (Telegram's subscription_expiration_date; later
// ones only move it forward). The first payment's charge id is kept: it
// is what editUserStarSubscription takes. Call it in the transaction that
// credited t, once per credited charge.
func (q *queries) RecordSubscriptionPayment(ctx context.Context, t TopUp, expiresAt time.Time) (Subscription, error) {
	invoice := t.ID
	if t.DuplicateOf != 0 {
		invoice = t.DuplicateOf
	}
	var exp *time.Time
	if !expiresAt.IsZero() {
		exp = &expiresAt
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO subscriptions (bot_id, user_id, topup_id, stars, kopecks, charge_id, expires_at, payments)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
		ON CONFLICT (bot_id, user_id, topup_id) DO UPDATE
		   SET payments = subscriptions.payments + 1, updated_at = now(),
		       charge_id = CASE WHEN subscriptions.charge_id = '' THEN excluded.charge_id ELSE subscriptions.charge_id END,
		       expires_at = greatest(subscriptions.expires_at, excluded.expires_at)
		RETURNING `+subscriptionColumns, q.botID, t.UserID, invoice, t.Stars, t.Kopecks, t.ChargeID, exp)
	if err != nil {
		return Subscription{}, fmt.Errorf("record subscription payment %s: %w", t.ChargeID, interpret(err))
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSubscription)
	if err != nil {
		return Subscription{}, fmt.Errorf("record subscription payment %s: %w", t.ChargeID, interpret(err))
	}
	return s, nil
}

// UserSubscription is the user's latest subscription (ErrNotFound if none).
func (q *queries) UserSubscription(ctx context.Context, userID int64) (Subscription, error) {
	rows, err := q.db.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE bot_id = $1 AND user_id = $2
		ORDER BY expires_at DESC NULLS LAST, topup_id DESC LIMIT 1`, q.botID, userID)
	if err != nil {
		return Subscription{}, fmt.Errorf("load subscription of user %d: %w", userID, interpret(err))
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSubscription)
	if err != nil {
		return Subscription{}, fmt.Errorf("load subscription of user %d: %w", userID, interpret(err))
	}
	return s, nil
}

// SetSubscriptionCancelled records that the user cancelled (or, with
// cancelled false, resumed) the subscription of invoice topUpID.
func (q *queries) SetSubscriptionCancelled(ctx context.Context, userID, topUpID int64, cancelled bool) (Subscription, error) {
	rows, err := q.db.Query(ctx, `
		UPDATE subscriptions SET cancelled_at = CASE WHEN $4 THEN coalesce(cancelled_at, now()) END, updated_at = now()
		 WHERE bot_id = $1 AND user_id = $2 AND topup_id = $3
		RETURNING `+subscriptionColumns, q.botID, userID, topUpID, cancelled)
	if err != nil {
		return Subscription{}, fmt.Errorf("cancel subscription of user %d: %w", userID, interpret(err))
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSubscription)
	if err != nil {
		return Subscription{}, fmt.Errorf("cancel subscription of user %d: %w", userID, interpret(err))
	}
	return s, nil
}

// ActiveSubscriptions counts the subscriptions paid for at now and lists
// the latest limit of them, newest first (the console's view).
func (q *queries) ActiveSubscriptions(ctx context.Context, limit int) (n int, latest []Subscription, err error) {
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM subscriptions WHERE bot_id = $1 AND expires_at > now()`, q.botID).Scan(&n); err != nil {
		return 0, nil, fmt.Errorf("count subscriptions: %w", interpret(err))
	}
	rows, err := q.db.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE bot_id = $1 AND expires_at > now()
		ORDER BY created_at DESC LIMIT $2`, q.botID, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("list subscriptions: %w", interpret(err))
	}
	latest, err = pgx.CollectRows(rows, scanSubscription)
	if err != nil {
		return 0, nil, fmt.Errorf("list subscriptions: %w", interpret(err))
	}
	return n, latest, nil
}

const subscriptionColumns = `user_id, topup_id, stars, kopecks, charge_id, expires_at, payments, cancelled_at, created_at, updated_at`

func scanSubscription(row pgx.CollectableRow) (Subscription, error) {
	var (
		s              Subscription
		exp, cancelled *time.Time
	)
	err := row.Scan(&s.UserID, &s.TopUpID, &s.Stars, &s.Kopecks, &s.ChargeID, &exp, &s.Payments, &cancelled, &s.CreatedAt, &s.UpdatedAt)
	if exp != nil {
		s.ExpiresAt = *exp
	}
	if cancelled != nil {
		s.CancelledAt = *cancelled
	}
	return s, err
}
