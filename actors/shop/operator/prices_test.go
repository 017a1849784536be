package operator_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

func isolation(source string) pricing.Confirmation {
	return pricing.Confirmation{Kind: pricing.ConfirmPrice, ModelID: "elevenlabs/audio-isolation", Unit: pricing.PerInputSecond,
		CreditsPerUnit: 200_000, Source: source, ConfirmedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
}

// A confirmation without a source is refused and leaves nothing behind;
// one with a source is stored with its audit row in the same transaction;
// the same key again is a double tap, stored once; one a non-admin asks
// for is refused.
func TestConfirmPriceNeedsASourceAndIsAudited(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	for _, src := range []string{"", "   "} {
		err := b.in(func(tx *store.Tx) error {
			_, err := b.svc.ConfirmPrice(b.ctx, tx, operator.PriceConfirm{Request: operator.Request{AdminID: admin, Key: "k0"}, Confirmation: isolation(src)})
			return err
		})
		if !errors.Is(err, operator.ErrPriceRefused) || !errors.Is(err, pricing.ErrConfirmNoSource) {
			t.Fatalf("source %q: %v", src, err)
		}
	}
	err := b.in(func(tx *store.Tx) error {
		_, err := b.svc.ConfirmPrice(b.ctx, tx, operator.PriceConfirm{Request: operator.Request{AdminID: 999, Key: "k1"}, Confirmation: isolation("https://kie.ai/x")})
		return err
	})
	if !errors.Is(err, operator.ErrNotAdmin) {
		t.Fatalf("a non-admin's confirmation: %v", err)
	}
	if cs, err := b.st.PriceConfirmations(b.ctx); err != nil || len(cs) != 0 || len(b.actions(t)) != 0 {
		t.Fatalf("refused confirmations left %d rows, %d audit rows (%v)", len(cs), len(b.actions(t)), err)
	}

	for range 2 { // the second is a double tap
		err := b.in(func(tx *store.Tx) error {
			_, err := b.svc.ConfirmPrice(b.ctx, tx, operator.PriceConfirm{Request: operator.Request{AdminID: admin, Key: "k2"},
				Confirmation: isolation("https://kie.ai/elevenlabs-audio-isolation")})
			if errors.Is(err, operator.ErrAlreadyDone) {
				return nil
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, err := b.st.PriceConfirmations(b.ctx)
	if err != nil || len(cs) != 1 || cs[0].AdminID != admin || cs[0].Unit != "input-second" || cs[0].CreditsMicro != 200_000 {
		t.Fatalf("stored: %+v, %v", cs, err)
	}
	as := b.actions(t)
	if len(as) != 1 || as[0].Action != operator.ActionConfirmPrice || as[0].Target != "elevenlabs/audio-isolation" ||
		as[0].After != "0.2 credits per second (https://kie.ai/elevenlabs-audio-isolation)" || as[0].Before == "" {
		t.Fatalf("audit: %+v", as)
	}
	// The table is append-only: a price sold keeps its trail.
	if _, err := b.pool.Exec(b.ctx, `UPDATE price_confirmations SET credits_micro = 1`); err == nil {
		t.Fatal("a stored confirmation was edited")
	}
	// And the store refuses a confirmation without a source on its own.
	if _, err := b.st.AddPriceConfirmation(b.ctx, store.PriceConfirmation{Kind: "price", ModelID: "x", Unit: "task", CreditsMicro: 1,
		ConfirmedAt: time.Now(), AdminID: admin}); !errors.Is(err, store.ErrNoSource) {
		t.Fatalf("store without a source: %v", err)
	}
}
