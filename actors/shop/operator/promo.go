package operator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kiebot/kiebot/store"
)

// Promo codes and campaign sources: the console's changes (audited, in
// the caller's transaction) and reads.

// The audit log's promo actions.
const (
	ActionPromoCreate  = "promo_create"  // target: the code; after: what it gives, uses, expiry
	ActionPromoDisable = "promo_disable" // target: the code; "active" → "withdrawn"
)

var (
	// ErrPromoExists: a code of that name exists (codes are never reused,
	// so redemptions stay attributable).
	ErrPromoExists = errors.New("the promo code exists already")
	// ErrPromoBad: the code, amount, uses or days are out of range.
	ErrPromoBad = errors.New("promo code out of range")
)

// Bounds of a promo code.
const (
	MaxPromoUses = 1_000_000
	MaxPromoDays = 3650
)

// NewPromo is a code an admin creates.
type NewPromo struct {
	Request
	Code    string
	Kind    store.PromoKind
	Amount  int64 // kopecks, for a credit: 1 to MaxAmount
	Percent int   // for a bonus: 1 to 100
	Uses    int   // 1 to MaxPromoUses
	Days    int   // valid for; 0: no expiry
}

// CreatePromo creates a promo code with its audit row. The same Key again
// is ErrAlreadyDone; a code that exists, ErrPromoExists.
func (s *Service) CreatePromo(ctx context.Context, tx *store.Tx, n NewPromo) (store.PromoCode, error) {
	if err := s.check(&n.Request, false); err != nil {
		return store.PromoCode{}, err
	}
	code, ok := store.NormalizePromoCode(n.Code)
	switch {
	case !ok:
		return store.PromoCode{}, fmt.Errorf("code %q: 3 to 32 of A-Z 0-9 _ -: %w", n.Code, ErrPromoBad)
	case n.Kind == store.PromoCredit && (n.Amount <= 0 || n.Amount > MaxAmount):
		return store.PromoCode{}, fmt.Errorf("%d kopecks: %w", n.Amount, ErrBadAmount)
	case n.Kind == store.PromoBonus && (n.Percent < 1 || n.Percent > 100):
		return store.PromoCode{}, fmt.Errorf("%d%%: want 1 to 100: %w", n.Percent, ErrPromoBad)
	case n.Kind != store.PromoCredit && n.Kind != store.PromoBonus:
		return store.PromoCode{}, fmt.Errorf("kind %q: %w", n.Kind, ErrPromoBad)
	case n.Uses < 1 || n.Uses > MaxPromoUses:
		return store.PromoCode{}, fmt.Errorf("%d uses: want 1 to %d: %w", n.Uses, MaxPromoUses, ErrPromoBad)
	case n.Days < 0 || n.Days > MaxPromoDays:
		return store.PromoCode{}, fmt.Errorf("%d days: want 0 to %d: %w", n.Days, MaxPromoDays, ErrPromoBad)
	}
	np := store.NewPromo{Code: code, Kind: n.Kind, MaxUses: n.Uses, CreatedBy: n.AdminID}
	if n.Kind == store.PromoCredit {
		np.Amount = n.Amount
	} else {
		np.Percent = n.Percent
	}
	if n.Days > 0 {
		np.ExpiresAt = s.cfg.Now().Add(time.Duration(n.Days) * 24 * time.Hour)
	}
	var p store.PromoCode
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		var err error
		p, err = tx.CreatePromo(ctx, np)
		if errors.Is(err, store.ErrDuplicate) {
			return ErrPromoExists
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, n.Request, store.AdminAction{Action: ActionPromoCreate, Target: p.Code, After: PromoTerms(p)})
	})
	if err != nil {
		return store.PromoCode{}, fmt.Errorf("create promo code %s: %w", code, err)
	}
	s.log.Info("operator: promo code created", "admin_id", n.AdminID, "code", p.Code, "terms", PromoTerms(p))
	return p, nil
}

// DisablePromo withdraws a code; one withdrawn before is ErrUnchanged,
// one unknown store.ErrNotFound.
func (s *Service) DisablePromo(ctx context.Context, tx *store.Tx, r Request, code string) (store.PromoCode, error) {
	if err := s.check(&r, false); err != nil {
		return store.PromoCode{}, err
	}
	var p store.PromoCode
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		var (
			changed bool
			err     error
		)
		p, changed, err = tx.DisablePromo(ctx, code, r.AdminID)
		if err != nil {
			return err
		}
		if !changed {
			return ErrUnchanged
		}
		return audit(ctx, tx, r, store.AdminAction{Action: ActionPromoDisable, Target: p.Code, Before: "active", After: "withdrawn"})
	})
	if err != nil {
		return p, fmt.Errorf("disable promo code %s: %w", code, err)
	}
	s.log.Info("operator: promo code withdrawn", "admin_id", r.AdminID, "code", p.Code)
	return p, nil
}

// PromoTerms is a code's terms as the audit log records them.
func PromoTerms(p store.PromoCode) string {
	s := "credit " + strconv.FormatInt(p.Amount, 10) + " kopecks"
	if p.Kind == store.PromoBonus {
		s = "bonus " + strconv.Itoa(p.Percent) + "% of the next top-up"
	}
	s += ", " + strconv.Itoa(p.MaxUses) + " uses"
	if !p.ExpiresAt.IsZero() {
		s += ", until " + p.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return s
}
