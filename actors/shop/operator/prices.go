package operator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Price confirmations: an admin gives a model (or an option of it) the
// price Kie's official table lacks, with its unit, credits per unit and a
// source. The confirmation is checked against the registry on sale now,
// stored with its audit row in the caller's transaction, and announced to
// every instance (store.ModelsChannel), whose catalogue rebuilds its
// registry with it: the model goes on sale at once.

// The audit log's price actions.
const (
	ActionConfirmPrice = "confirm_price" // target: model [option]; after: the price and its source
	ActionNarrowPrice  = "narrow_price"  // target: model [option]; after: "off sale" and why
)

// ErrPriceRefused is a confirmation the registry would not apply; it
// wraps the *pricing.ConfirmationError that says why (no source, an
// official price already, a unit the model cannot be measured in, …).
var ErrPriceRefused = errors.New("the confirmation is refused")

// PriceConfirm is an operator's confirmation of a price, or a narrowing
// disable (Confirmation.Kind). ConfirmedBy and ConfirmedAt default to the
// admin and now.
type PriceConfirm struct {
	Request
	Confirmation pricing.Confirmation
}

// ConfirmPrice checks c against the registry on sale now, refusing what it
// would not apply (ErrPriceRefused: no source, an option Kie's table
// prices, an unknown option, an implausible price …), then stores it with
// its audit row. The same Key again is ErrAlreadyDone.
func (s *Service) ConfirmPrice(ctx context.Context, tx *store.Tx, pc PriceConfirm) (store.PriceConfirmation, error) {
	c := pc.Confirmation
	if pc.Reason == "" {
		pc.Reason = cut(strings.TrimSpace(c.Source), MaxReason)
	}
	if err := s.check(&pc.Request, false); err != nil {
		return store.PriceConfirmation{}, err
	}
	if c.ConfirmedAt.IsZero() {
		c.ConfirmedAt = s.cfg.Now().UTC()
	}
	c.ConfirmedBy = "tg:" + strconv.FormatInt(pc.AdminID, 10)
	if c.Kind == "" {
		c.Kind = pricing.ConfirmPrice
	}
	if err := s.pricer().Registry().CheckConfirmation(c); err != nil {
		return store.PriceConfirmation{}, fmt.Errorf("%w: %w", ErrPriceRefused, err)
	}
	row := store.PriceConfirmation{
		Kind: string(c.Kind), ModelID: c.ModelID, OptionKey: c.OptionKey(), Option: map[string]string(c.Option),
		Unit: string(c.Unit), Field: c.Field, CreditsMicro: int64(c.CreditsPerUnit), Source: c.Source,
		ConfirmedAt: c.ConfirmedAt, AdminID: pc.AdminID,
	}
	action := ActionConfirmPrice
	after := fmt.Sprintf("%s credits %s (%s)", c.CreditsPerUnit, c.Unit.Phrase().EN, strings.TrimSpace(c.Source))
	if c.Kind == pricing.ConfirmDisable {
		action, after = ActionNarrowPrice, "off sale: "+strings.TrimSpace(c.Source)
		row.Unit, row.CreditsMicro = "", 0
	}
	target := c.ModelID
	if k := c.OptionKey(); k != "" {
		target += " [" + k + "]"
	}
	var out store.PriceConfirmation
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		// The audit row first: a double tap stops here, before a second
		// confirmation row is stored.
		if err := audit(ctx, tx, pc.Request, store.AdminAction{Action: action, Target: target, Before: s.priceBefore(c), After: after}); err != nil {
			return err
		}
		var err error
		out, err = tx.AddPriceConfirmation(ctx, row)
		return err
	})
	if err != nil {
		return store.PriceConfirmation{}, fmt.Errorf("confirm price of %s: %w", target, err)
	}
	s.log.Info("operator: price confirmed", "admin_id", pc.AdminID, "model", c.ModelID, "option", c.OptionKey(),
		"kind", c.Kind, "unit", c.Unit, "credits", c.CreditsPerUnit.String(), "source", c.Source)
	return out, nil
}

// priceBefore describes what the option costs now, for the audit row.
func (s *Service) priceBefore(c pricing.Confirmation) string {
	m, ok := s.pricer().Registry().Lookup(c.ModelID)
	if !ok {
		return ""
	}
	if !m.Enabled() {
		return "off sale: " + m.DisabledReason()
	}
	for _, md := range m.Modes() {
		if optionKeyOf(md.When) == c.OptionKey() {
			return fmt.Sprintf("%s credits %s (%s)", md.Credits, md.PriceBasis().Unit.Phrase().EN, md.Source)
		}
	}
	return "no price for this option"
}

func optionKeyOf(when map[string]string) string {
	return pricing.Confirmation{Option: pricing.Params(when)}.OptionKey()
}
