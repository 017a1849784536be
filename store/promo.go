package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Promo codes. An admin creates a code (CreatePromo): a credit of the
// balance, or a percentage bonus on the redeemer's next paid top-up; at
// most MaxUses redemptions in all, one per user, until an expiry. A user
// redeems it (RedeemPromo) atomically: the use is counted by one
// conditional update, so redeemers racing for the last uses get exactly
// as many as are left. Wrong codes are counted per user (promo_failures)
// and limit guessing.

// The ledger kinds of promo codes.
const (
	KindPromo     EntryKind = "promo"      // a code's credit, or its bonus on a top-up: balance +amount
	KindPromoBack EntryKind = "promo_back" // a refunded top-up's bonus taken back: balance −amount
)

// PromoKind is what a code gives.
type PromoKind string

// Promo kinds.
const (
	PromoCredit PromoKind = "credit" // Amount kopecks at once
	PromoBonus  PromoKind = "bonus"  // Percent of the next paid top-up
)

// Redemption states.
const (
	RedemptionCredited = "credited" // a credit code, paid
	RedemptionPending  = "pending"  // a bonus code waiting for a top-up
	RedemptionApplied  = "applied"  // a bonus code paid on a top-up
)

var (
	// ErrPromoUnknown: no such code (or not a code at all).
	ErrPromoUnknown = errors.New("unknown promo code")
	// ErrPromoExpired: the code's expiry has passed.
	ErrPromoExpired = errors.New("promo code expired")
	// ErrPromoDisabled: an admin withdrew the code.
	ErrPromoDisabled = errors.New("promo code withdrawn")
	// ErrPromoUsedUp: every use of the code is taken.
	ErrPromoUsedUp = errors.New("promo code used up")
	// ErrPromoAlreadyUsed: this user redeemed the code before.
	ErrPromoAlreadyUsed = errors.New("promo code already used by this user")
	// ErrPromoRateLimited: too many wrong codes lately; try later.
	ErrPromoRateLimited = errors.New("too many wrong promo codes")
)

var promoPattern = regexp.MustCompile(`^[A-Z0-9_-]{3,32}$`)

// NormalizePromoCode is the code as stored (upper case, trimmed) and
// whether it can be one.
func NormalizePromoCode(s string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	return c, promoPattern.MatchString(c)
}

// PromoCode is one code.
type PromoCode struct {
	ID         int64
	Code       string
	Kind       PromoKind
	Amount     int64 // kopecks, for PromoCredit
	Percent    int   // for PromoBonus
	MaxUses    int
	Used       int
	ExpiresAt  time.Time // zero: never
	CreatedBy  int64
	CreatedAt  time.Time
	DisabledAt time.Time // zero: active
	DisabledBy int64
}

// NewPromo is a code to create.
type NewPromo struct {
	Code      string // normalised by CreatePromo
	Kind      PromoKind
	Amount    int64
	Percent   int
	MaxUses   int
	ExpiresAt time.Time // zero: never
	CreatedBy int64
}

const promoColumns = `id, code, kind, amount_kopecks, percent, max_uses, used, expires_at, created_by, created_at, disabled_at, coalesce(disabled_by, 0)`

func scanPromo(row pgx.CollectableRow) (PromoCode, error) {
	var (
		p                 PromoCode
		expires, disabled *time.Time
	)
	err := row.Scan(&p.ID, &p.Code, &p.Kind, &p.Amount, &p.Percent, &p.MaxUses, &p.Used, &expires, &p.CreatedBy, &p.CreatedAt, &disabled, &p.DisabledBy)
	if expires != nil {
		p.ExpiresAt = *expires
	}
	if disabled != nil {
		p.DisabledAt = *disabled
	}
	return p, err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// CreatePromo creates a code; ErrDuplicate when the code exists.
func (q *queries) CreatePromo(ctx context.Context, np NewPromo) (PromoCode, error) {
	code, ok := NormalizePromoCode(np.Code)
	if !ok {
		return PromoCode{}, fmt.Errorf("create promo code %q: 3 to 32 of A-Z 0-9 _ -", np.Code)
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO promo_codes (bot_id, code, kind, amount_kopecks, percent, max_uses, expires_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+promoColumns,
		q.botID, code, np.Kind, np.Amount, np.Percent, np.MaxUses, nullTime(np.ExpiresAt), np.CreatedBy)
	if err != nil {
		return PromoCode{}, fmt.Errorf("create promo code %s: %w", code, interpret(err))
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanPromo)
	if err != nil {
		return PromoCode{}, fmt.Errorf("create promo code %s: %w", code, interpret(err))
	}
	return p, nil
}

// PromoByCode loads a code (ErrNotFound if none).
func (q *queries) PromoByCode(ctx context.Context, code string) (PromoCode, error) {
	code, _ = NormalizePromoCode(code)
	rows, err := q.db.Query(ctx, `SELECT `+promoColumns+` FROM promo_codes WHERE bot_id = $1 AND code = $2`, q.botID, code)
	if err != nil {
		return PromoCode{}, fmt.Errorf("load promo code: %w", interpret(err))
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanPromo)
	if err != nil {
		return PromoCode{}, fmt.Errorf("load promo code %s: %w", code, interpret(err))
	}
	return p, nil
}

// PromoCodes lists the newest limit codes, newest first.
func (q *queries) PromoCodes(ctx context.Context, limit int) ([]PromoCode, error) {
	rows, err := q.db.Query(ctx, `SELECT `+promoColumns+` FROM promo_codes WHERE bot_id = $1 ORDER BY id DESC LIMIT $2`, q.botID, limit)
	if err != nil {
		return nil, fmt.Errorf("list promo codes: %w", interpret(err))
	}
	ps, err := pgx.CollectRows(rows, scanPromo)
	if err != nil {
		return nil, fmt.Errorf("list promo codes: %w", interpret(err))
	}
	return ps, nil
}

// DisablePromo withdraws a code; changed is false when it was withdrawn
// before (ErrNotFound: no such code).
func (q *queries) DisablePromo(ctx context.Context, code string, adminID int64) (p PromoCode, changed bool, err error) {
	code, _ = NormalizePromoCode(code)
	rows, err := q.db.Query(ctx, `
		UPDATE promo_codes SET disabled_at = now(), disabled_by = $3
		 WHERE bot_id = $1 AND code = $2 AND disabled_at IS NULL RETURNING `+promoColumns, q.botID, code, adminID)
	if err == nil {
		p, err = pgx.CollectExactlyOneRow(rows, scanPromo)
	}
	if errors.Is(interpret(err), ErrNotFound) {
		p, err = q.PromoByCode(ctx, code)
		return p, false, err
	}
	if err != nil {
		return PromoCode{}, false, fmt.Errorf("disable promo code %s: %w", code, interpret(err))
	}
	return p, true, nil
}

// PromoRedemption is one user's use of a code.
type PromoRedemption struct {
	CodeID, UserID int64
	State          string
	Amount         int64 // kopecks credited (0 while a bonus is pending)
	TopUpID        int64 // the top-up a bonus was paid on
	TakenBack      int64
	CreatedAt      time.Time
}

const redemptionColumns = `code_id, user_id, state, amount_kopecks, coalesce(topup_id, 0), taken_back, created_at`

func scanRedemption(row pgx.CollectableRow) (PromoRedemption, error) {
	var r PromoRedemption
	err := row.Scan(&r.CodeID, &r.UserID, &r.State, &r.Amount, &r.TopUpID, &r.TakenBack, &r.CreatedAt)
	return r, err
}

// PromoRedemptions lists a code's newest limit redemptions.
func (q *queries) PromoRedemptions(ctx context.Context, codeID int64, limit int) ([]PromoRedemption, error) {
	rows, err := q.db.Query(ctx, `SELECT `+redemptionColumns+` FROM promo_redemptions
		WHERE bot_id = $1 AND code_id = $2 ORDER BY created_at DESC, user_id LIMIT $3`, q.botID, codeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list redemptions of promo code %d: %w", codeID, interpret(err))
	}
	rs, err := pgx.CollectRows(rows, scanRedemption)
	if err != nil {
		return nil, fmt.Errorf("list redemptions of promo code %d: %w", codeID, interpret(err))
	}
	return rs, nil
}

// PromoLimit bounds guessing: at most Failures wrong codes per user in
// Window; beyond it every attempt is ErrPromoRateLimited until the oldest
// failure leaves the window. Zero Failures: no limit.
type PromoLimit struct {
	Failures int
	Window   time.Duration
}

func promoKey(codeID, userID int64) (credit, back string) {
	s := strconv.FormatInt(codeID, 10) + ":" + strconv.FormatInt(userID, 10)
	return "promo:" + s, "promo-back:" + s
}

// RedeemPromo redeems code for userID: a credit code credits its amount at
// once, a bonus code waits for the next paid top-up (ApplyPromoBonus). The
// refusals, each with nothing changed but the failure count: a wrong code
// (ErrPromoUnknown, counted toward limit), too many wrong codes lately
// (ErrPromoRateLimited), this user's second use (ErrPromoAlreadyUsed), a
// withdrawn code (ErrPromoDisabled), an expired one (ErrPromoExpired),
// one with no uses left (ErrPromoUsedUp).
func (q *queries) RedeemPromo(ctx context.Context, userID int64, code string, limit PromoLimit) (PromoRedemption, PromoCode, error) {
	if limit.Failures > 0 {
		var n int
		if err := q.db.QueryRow(ctx, `SELECT count(*) FROM promo_failures WHERE bot_id = $1 AND user_id = $2 AND at > now() - $3::interval`,
			q.botID, userID, limit.Window).Scan(&n); err != nil {
			return PromoRedemption{}, PromoCode{}, fmt.Errorf("redeem promo code: count failures: %w", interpret(err))
		}
		if n >= limit.Failures {
			return PromoRedemption{}, PromoCode{}, fmt.Errorf("redeem promo code for user %d: %d wrong in %s: %w", userID, n, limit.Window, ErrPromoRateLimited)
		}
	}
	norm, valid := NormalizePromoCode(code)
	var (
		p   PromoCode
		err error
	)
	if valid {
		p, err = q.PromoByCode(ctx, norm)
	}
	if !valid || errors.Is(err, ErrNotFound) {
		// Counted outside any savepoint: the refusal commits with it.
		if _, err := q.db.Exec(ctx, `
			WITH old AS (DELETE FROM promo_failures WHERE bot_id = $1 AND user_id = $2 AND at < now() - interval '1 day')
			INSERT INTO promo_failures (bot_id, user_id) VALUES ($1, $2)`, q.botID, userID); err != nil {
			return PromoRedemption{}, PromoCode{}, fmt.Errorf("redeem promo code: count a failure: %w", interpret(err))
		}
		return PromoRedemption{}, PromoCode{}, fmt.Errorf("redeem promo code for user %d: %w", userID, ErrPromoUnknown)
	}
	if err != nil {
		return PromoRedemption{}, PromoCode{}, fmt.Errorf("redeem promo code: %w", err)
	}
	var r PromoRedemption
	err = q.atomic(ctx, func(q *queries) error {
		state := RedemptionCredited
		amount := p.Amount
		if p.Kind == PromoBonus {
			state, amount = RedemptionPending, 0
		}
		rows, err := q.db.Query(ctx, `
			INSERT INTO promo_redemptions (bot_id, code_id, user_id, state, amount_kopecks) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (bot_id, code_id, user_id) DO NOTHING RETURNING `+redemptionColumns, q.botID, p.ID, userID, state, amount)
		if err == nil {
			r, err = pgx.CollectExactlyOneRow(rows, scanRedemption)
		}
		if errors.Is(interpret(err), ErrNotFound) {
			return ErrPromoAlreadyUsed
		}
		if err != nil {
			return fmt.Errorf("record the redemption: %w", interpret(err))
		}
		// The one conditional update that counts the use: concurrent
		// redeemers queue on the row and each re-checks what is left.
		var expired, disabled bool
		rows, err = q.db.Query(ctx, `
			UPDATE promo_codes SET used = used + 1
			 WHERE bot_id = $1 AND id = $2 AND used < max_uses AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > now())
			RETURNING `+promoColumns, q.botID, p.ID)
		var counted PromoCode
		if err == nil {
			counted, err = pgx.CollectExactlyOneRow(rows, scanPromo)
		}
		if errors.Is(interpret(err), ErrNotFound) {
			if err := q.db.QueryRow(ctx, `SELECT disabled_at IS NOT NULL, expires_at IS NOT NULL AND expires_at <= now() FROM promo_codes WHERE bot_id = $1 AND id = $2`,
				q.botID, p.ID).Scan(&disabled, &expired); err != nil {
				return fmt.Errorf("read the code: %w", interpret(err))
			}
			switch {
			case disabled:
				return ErrPromoDisabled
			case expired:
				return ErrPromoExpired
			}
			return ErrPromoUsedUp
		}
		if err != nil {
			return fmt.Errorf("count the use: %w", interpret(err))
		}
		p = counted
		if p.Kind == PromoCredit {
			key, _ := promoKey(p.ID, userID)
			if _, err := q.appendEntry(ctx, Entry{UserID: userID, Kind: KindPromo, Amount: p.Amount, Key: key, Note: "promo code " + p.Code}); err != nil {
				return fmt.Errorf("credit the code: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return PromoRedemption{}, p, fmt.Errorf("redeem promo code %s for user %d: %w", p.Code, userID, err)
	}
	return r, p, nil
}

// ApplyPromoBonus pays the oldest bonus code userID redeemed and has not
// used yet on t, their paid top-up: Percent of what t credited, once per
// top-up and per redemption. applied is false when no bonus was waiting
// (or t paid one before).
func (q *queries) ApplyPromoBonus(ctx context.Context, t TopUp) (r PromoRedemption, p PromoCode, applied bool, err error) {
	if t.State != TopUpPaid || t.ChargeID == "" || t.Kopecks <= 0 {
		return PromoRedemption{}, PromoCode{}, false, nil
	}
	err = q.atomic(ctx, func(q *queries) error {
		var done bool
		if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM promo_redemptions WHERE bot_id = $1 AND topup_id = $2)`,
			q.botID, t.ID).Scan(&done); err != nil {
			return fmt.Errorf("look for a bonus paid before: %w", interpret(err))
		}
		if done {
			return nil
		}
		rows, err := q.db.Query(ctx, `SELECT `+redemptionColumns+` FROM promo_redemptions
			WHERE bot_id = $1 AND user_id = $2 AND state = 'pending' ORDER BY created_at, code_id LIMIT 1 FOR UPDATE`, q.botID, t.UserID)
		if err == nil {
			r, err = pgx.CollectExactlyOneRow(rows, scanRedemption)
		}
		if errors.Is(interpret(err), ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find a waiting bonus: %w", interpret(err))
		}
		rows, err = q.db.Query(ctx, `SELECT `+promoColumns+` FROM promo_codes WHERE bot_id = $1 AND id = $2`, q.botID, r.CodeID)
		if err == nil {
			p, err = pgx.CollectExactlyOneRow(rows, scanPromo)
		}
		if err != nil {
			return fmt.Errorf("load the bonus's code: %w", interpret(err))
		}
		amount := t.Kopecks * int64(p.Percent) / 100
		if _, err := q.db.Exec(ctx, `
			UPDATE promo_redemptions SET state = 'applied', topup_id = $4, amount_kopecks = $5, applied_at = now()
			 WHERE bot_id = $1 AND code_id = $2 AND user_id = $3`, q.botID, r.CodeID, r.UserID, t.ID, amount); err != nil {
			return fmt.Errorf("mark the bonus paid: %w", interpret(err))
		}
		if amount > 0 {
			key, _ := promoKey(r.CodeID, r.UserID)
			if _, err := q.appendEntry(ctx, Entry{UserID: t.UserID, Kind: KindPromo, Amount: amount, Key: key,
				Note: fmt.Sprintf("promo code %s: %d%% of top-up %d", p.Code, p.Percent, t.ID)}); err != nil {
				return fmt.Errorf("credit the bonus: %w", err)
			}
		}
		r.State, r.TopUpID, r.Amount = RedemptionApplied, t.ID, amount
		applied = true
		return nil
	})
	if err != nil {
		return PromoRedemption{}, PromoCode{}, false, fmt.Errorf("apply a promo bonus to top-up %d: %w", t.ID, err)
	}
	return r, p, applied, nil
}

// TakeBackPromoBonus takes back the bonus top-up topUpID paid, once its
// money went back to the payer: all of it or what the balance still has.
// taken is false when the top-up paid no bonus or it was taken back before.
func (q *queries) TakeBackPromoBonus(ctx context.Context, topUpID int64) (r PromoRedemption, taken bool, shortfall int64, err error) {
	err = q.atomic(ctx, func(q *queries) error {
		var done bool
		err := q.db.QueryRow(ctx, `SELECT `+redemptionColumns+`, taken_back + shortfall > 0 FROM promo_redemptions
			WHERE bot_id = $1 AND topup_id = $2 FOR UPDATE`, q.botID, topUpID).
			Scan(&r.CodeID, &r.UserID, &r.State, &r.Amount, &r.TopUpID, &r.TakenBack, &r.CreatedAt, &done)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (done || r.Amount == 0)) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find the bonus: %w", interpret(err))
		}
		_, key := promoKey(r.CodeID, r.UserID)
		r.TakenBack, shortfall, err = q.takeBack(ctx, r.UserID, KindPromoBack, key, r.Amount, fmt.Sprintf("top-up %d refunded", topUpID))
		if err != nil {
			return err
		}
		if _, err := q.db.Exec(ctx, `UPDATE promo_redemptions SET taken_back = $4, shortfall = $5
			WHERE bot_id = $1 AND code_id = $2 AND user_id = $3`, q.botID, r.CodeID, r.UserID, r.TakenBack, shortfall); err != nil {
			return fmt.Errorf("record the taking back: %w", interpret(err))
		}
		taken = true
		return nil
	})
	if err != nil {
		return PromoRedemption{}, false, 0, fmt.Errorf("take back the promo bonus of top-up %d: %w", topUpID, err)
	}
	return r, taken, shortfall, nil
}
