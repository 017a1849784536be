package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
)

func TestCreateTopUpPayload(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 51)
	b.user(t, b.s, 1, 0)
	seen := map[string]bool{}
	for range 20 {
		top, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 50, Kopecks: 7500})
		if err != nil {
			t.Fatal(err)
		}
		if len(top.Payload) > 128 || !strings.HasPrefix(top.Payload, fmt.Sprintf("t:%d:", top.ID)) || len(top.Payload) < 20 {
			t.Fatalf("payload %q of top-up %d", top.Payload, top.ID)
		}
		if seen[top.Payload] {
			t.Fatalf("payload %q repeated", top.Payload)
		}
		seen[top.Payload] = true
		if top.State != store.TopUpPending || top.ExpiresAt.Sub(top.CreatedAt) != store.DefaultTopUpValidity {
			t.Fatalf("new top-up = %+v", top)
		}
		if got, err := b.s.TopUpByPayload(b.ctx, top.Payload); err != nil || got.ID != top.ID {
			t.Fatalf("TopUpByPayload = %+v, %v", got, err)
		}
	}
	if _, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 0, Kopecks: 100}); err == nil {
		t.Fatal("a top-up of 0 stars was created")
	}
	if _, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 2, Stars: 1, Kopecks: 100}); err == nil {
		t.Fatal("a top-up for an unknown user was created")
	}
}

func TestCheckTopUp(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 52)
	b.user(t, b.s, 1, 0)
	b.user(t, b.s, 2, 0)
	pending, _ := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 50, Kopecks: 7500})
	expired, _ := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 50, Kopecks: 7500, ValidFor: time.Microsecond})
	paid, _ := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 50, Kopecks: 7500})
	if _, _, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: paid.Payload, UserID: 1, Stars: 50, ChargeID: "c1"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		payload string
		user    int64
		stars   int64
		want    error
	}{
		{"valid", pending.Payload, 1, 50, nil},
		{"unknown payload", "t:1:guessed", 1, 50, store.ErrNotFound},
		{"expired", expired.Payload, 1, 50, store.ErrTopUpExpired},
		{"already paid", paid.Payload, 1, 50, store.ErrTopUpNotPending},
		{"other user", pending.Payload, 2, 50, store.ErrTopUpMismatch},
		{"other amount", pending.Payload, 1, 49, store.ErrTopUpMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := b.s.CheckTopUp(b.ctx, tt.payload, tt.user, tt.stars)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("CheckTopUp = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCompleteTopUpCreditsOncePerCharge(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 53)
	b.user(t, b.s, 1, 0)
	b.user(t, b.s, 2, 0)
	top, _ := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 50, Kopecks: 7500, ValidFor: time.Microsecond})

	// A mismatch credits nothing and leaves the invoice payable.
	for _, p := range []store.CompleteParams{
		{Payload: top.Payload, UserID: 2, Stars: 50, ChargeID: "bad-user"},
		{Payload: top.Payload, UserID: 1, Stars: 5, ChargeID: "bad-stars"},
	} {
		if _, _, err := b.s.CompleteTopUp(b.ctx, p); !errors.Is(err, store.ErrTopUpMismatch) {
			t.Fatalf("mismatch %+v: %v", p, err)
		}
	}
	if _, _, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: "t:0:nope", UserID: 1, Stars: 50, ChargeID: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown payload: %v", err)
	}
	wantBalance(t, b.s, 1, 0, 0)

	// Telegram redelivers successful_payment: concurrently and later.
	const deliveries = 8
	credited := make([]bool, deliveries)
	var wg sync.WaitGroup
	for i := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, c, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: top.Payload, UserID: 1, Stars: 50, ChargeID: "charge-1", ProviderChargeID: "p1"})
			if err != nil || got.ID != top.ID || got.State != store.TopUpPaid {
				t.Errorf("delivery %d: %+v, %v", i, got, err)
			}
			credited[i] = c
		}()
	}
	wg.Wait()
	n := 0
	for _, c := range credited {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d deliveries credited, want 1", n)
	}
	wantBalance(t, b.s, 1, 7500, 0) // credited although the invoice expired: the user paid
	if _, c, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: top.Payload, UserID: 1, Stars: 50, ChargeID: "charge-1"}); err != nil || c {
		t.Fatalf("late redelivery: credited %v, %v", c, err)
	}
	got, _ := b.s.TopUpByPayload(b.ctx, top.Payload)
	if got.ChargeID != "charge-1" || got.ProviderChargeID != "p1" || got.PaidAt.IsZero() {
		t.Fatalf("paid top-up = %+v", got)
	}

	// A second, different charge of the same invoice was paid too: credit it.
	dup, c, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: top.Payload, UserID: 1, Stars: 50, ChargeID: "charge-2"})
	if err != nil || !c || dup.DuplicateOf != top.ID || dup.ID == top.ID {
		t.Fatalf("second charge: %+v, credited %v, %v", dup, c, err)
	}
	wantBalance(t, b.s, 1, 15000, 0)
	if got, _ := b.s.TopUpByPayload(b.ctx, top.Payload); got.ID != top.ID {
		t.Fatalf("payload now finds top-up %d, want the invoice %d", got.ID, top.ID)
	}
	auditOK(t, b.pool, 53)
}

// payTopUp creates and pays a top-up of user 1 with charge id charge.
func (b moneyBundle) payTopUp(t *testing.T, charge string, stars, kopecks int64) store.TopUp {
	t.Helper()
	top, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: stars, Kopecks: kopecks})
	if err != nil {
		t.Fatal(err)
	}
	paid, _, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: top.Payload, UserID: 1, Stars: stars, ChargeID: charge})
	if err != nil {
		t.Fatal(err)
	}
	return paid
}

// A refund we make takes the money back before Telegram is asked
// (refunding), then is confirmed or, refused by Telegram, reversed — each
// step once, the audit clean after every one of them.
func TestRefundTopUpInSteps(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 54)
	b.user(t, b.s, 1, 0)
	b.payTopUp(t, "a", 10, 1500)
	b.payTopUp(t, "b", 20, 3000)
	wantBalance(t, b.s, 1, 4500, 0)

	// a: held, then confirmed.
	got, debited, err := b.s.HoldTopUpRefund(b.ctx, "a")
	if err != nil || !debited || got.State != store.TopUpRefunding || got.RefundAttempts != 1 {
		t.Fatalf("hold a: %+v, %v, %v", got, debited, err)
	}
	wantBalance(t, b.s, 1, 3000, 0)
	auditOK(t, b.pool, 54)
	// A retry (after a crash before Telegram answered) resumes: no second debit.
	if again, debited, err := b.s.HoldTopUpRefund(b.ctx, "a"); err != nil || debited || again.State != store.TopUpRefunding || again.RefundAttempts != 1 {
		t.Fatalf("hold a again: %+v, %v, %v", again, debited, err)
	}
	wantBalance(t, b.s, 1, 3000, 0)
	got, confirmed, err := b.s.ConfirmTopUpRefund(b.ctx, "a")
	if err != nil || !confirmed || got.State != store.TopUpRefunded || got.RefundedAt.IsZero() {
		t.Fatalf("confirm a: %+v, %v, %v", got, confirmed, err)
	}
	if _, confirmed, err := b.s.ConfirmTopUpRefund(b.ctx, "a"); err != nil || confirmed {
		t.Fatalf("confirm a again: %v, %v", confirmed, err)
	}
	for name, f := range map[string]func() error{
		"hold":  func() error { _, _, err := b.s.HoldTopUpRefund(b.ctx, "a"); return err },
		"abort": func() error { _, err := b.s.AbortTopUpRefund(b.ctx, "a"); return err },
		"book":  func() error { _, err := b.s.BookTelegramRefund(b.ctx, "a"); return err },
	} {
		if err := f(); !errors.Is(err, store.ErrAlreadyRefunded) {
			t.Errorf("%s of a refunded top-up: %v", name, err)
		}
	}
	if _, _, err := b.s.HoldTopUpRefund(b.ctx, "never-paid"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown charge: %v", err)
	}
	wantBalance(t, b.s, 1, 3000, 0)

	// b: Telegram refuses; the debit is reversed and b can be refunded later.
	if _, _, err := b.s.ConfirmTopUpRefund(b.ctx, "b"); !errors.Is(err, store.ErrRefundNotHeld) {
		t.Fatalf("confirm of a refund never begun: %v", err)
	}
	if _, _, err := b.s.HoldTopUpRefund(b.ctx, "b"); err != nil {
		t.Fatal(err)
	}
	wantBalance(t, b.s, 1, 0, 0)
	got, err = b.s.AbortTopUpRefund(b.ctx, "b")
	if err != nil || got.State != store.TopUpPaid {
		t.Fatalf("abort b: %+v, %v", got, err)
	}
	wantBalance(t, b.s, 1, 3000, 0)
	if _, err := b.s.AbortTopUpRefund(b.ctx, "b"); !errors.Is(err, store.ErrRefundNotHeld) {
		t.Fatalf("second abort: %v", err)
	}
	auditOK(t, b.pool, 54)

	// Spend part of b's money: a new attempt is refused and nothing changes.
	if _, _, err := b.s.CreateJob(b.ctx, newJob(1, 1, "spend")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.s.HoldTopUpRefund(b.ctx, "b"); !errors.Is(err, store.ErrInsufficientFunds) {
		t.Fatalf("refund of spent money: %v", err)
	}
	wantBalance(t, b.s, 1, 2999, 1)
	if top, _ := b.s.TopUpByChargeID(b.ctx, "b"); top.State != store.TopUpPaid || top.RefundAttempts != 1 {
		t.Fatalf("b after a refused hold: %+v", top)
	}
	// With the money back (a top-up), the second attempt goes through.
	b.payTopUp(t, "c", 1, 1)
	got, _, err = b.s.HoldTopUpRefund(b.ctx, "b")
	if err != nil || got.RefundAttempts != 2 {
		t.Fatalf("second attempt: %+v, %v", got, err)
	}
	if _, _, err := b.s.ConfirmTopUpRefund(b.ctx, "b"); err != nil {
		t.Fatal(err)
	}
	wantBalance(t, b.s, 1, 0, 1)
	auditOK(t, b.pool, 54)
}

// Telegram's refunded_payment notice: for our own refund under way it
// only confirms it; for a refund Telegram made on its own it takes back
// what the balance still has, never below zero, and records the rest.
func TestBookTelegramRefund(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 55)
	b.user(t, b.s, 1, 0)
	b.payTopUp(t, "ours", 10, 1000)
	b.payTopUp(t, "whole", 10, 1000)
	b.payTopUp(t, "part", 10, 1000)
	b.payTopUp(t, "none", 10, 1000)
	wantBalance(t, b.s, 1, 4000, 0)

	if _, _, err := b.s.HoldTopUpRefund(b.ctx, "ours"); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.BookTelegramRefund(b.ctx, "ours")
	if err != nil || !got.Ours || got.Taken != 0 || got.TopUp.State != store.TopUpRefunded {
		t.Fatalf("notice of our refund: %+v, %v", got, err)
	}
	wantBalance(t, b.s, 1, 3000, 0)
	if _, confirmed, err := b.s.ConfirmTopUpRefund(b.ctx, "ours"); err != nil || confirmed {
		t.Fatalf("our confirmation after the notice: %v, %v", confirmed, err)
	}
	if _, err := b.s.BookTelegramRefund(b.ctx, "ours"); !errors.Is(err, store.ErrAlreadyRefunded) {
		t.Fatalf("second notice: %v", err)
	}

	got, err = b.s.BookTelegramRefund(b.ctx, "whole")
	if err != nil || got.Ours || got.Taken != 1000 || got.Shortfall != 0 {
		t.Fatalf("Telegram's own refund: %+v, %v", got, err)
	}
	wantBalance(t, b.s, 1, 2000, 0)

	// 1999 kopecks held by jobs: 1 is left to spend.
	for i := range 1999 / 1000 {
		if _, _, err := b.s.CreateJob(b.ctx, newJob(1, 1000, fmt.Sprint("spend", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := b.s.CreateJob(b.ctx, newJob(1, 999, "spend-rest")); err != nil {
		t.Fatal(err)
	}
	wantBalance(t, b.s, 1, 1, 1999)
	got, err = b.s.BookTelegramRefund(b.ctx, "part")
	if err != nil || got.Taken != 1 || got.Shortfall != 999 || got.TopUp.RefundShortfall != 999 {
		t.Fatalf("refund of spent money: %+v, %v", got, err)
	}
	wantBalance(t, b.s, 1, 0, 1999)
	got, err = b.s.BookTelegramRefund(b.ctx, "none")
	if err != nil || got.Taken != 0 || got.Shortfall != 1000 || got.TopUp.State != store.TopUpRefunded {
		t.Fatalf("refund with nothing left: %+v, %v", got, err)
	}
	wantBalance(t, b.s, 1, 0, 1999)
	auditOK(t, b.pool, 55)
}
