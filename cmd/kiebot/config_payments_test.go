package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Manual top-ups are off unless both the details and the amounts are
// set; amounts are roubles (kopecks after a dot); every problem is named.
func TestConfigManualTopUps(t *testing.T) {
	c, err := load(t, validEnv())
	if err != nil {
		t.Fatal(err)
	}
	if c.Payments.ManualOn() || c.Retention.Manual != 0 {
		t.Fatalf("manual top-ups on by default: %+v", c.Payments)
	}
	c, err = load(t, validEnv("MANUAL_PAYMENT_DETAILS", " Карта 2200 0000 0000 0000 ", "MANUAL_AMOUNTS", "500, 1000,2499.50", "MANUAL_REQUEST_TTL", "12h"))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Payments
	if !p.ManualOn() || p.ManualDetails != "Карта 2200 0000 0000 0000" || !slices.Equal(p.ManualAmounts, []int64{500_00, 1000_00, 2499_50}) ||
		p.ManualValidFor != 12*time.Hour || p.ManualMaxAge != 72*time.Hour || p.ManualMaxBytes != 10<<20 || c.Retention.Manual != 12*time.Hour {
		t.Fatalf("payments %+v, retention %v", p, c.Retention.Manual)
	}
	for _, tc := range []struct {
		env  []string
		want []string
	}{
		{[]string{"MANUAL_PAYMENT_DETAILS", "card"}, []string{"MANUAL_PAYMENT_DETAILS is set but MANUAL_AMOUNTS is not"}},
		{[]string{"MANUAL_AMOUNTS", "500"}, []string{"MANUAL_AMOUNTS is set but MANUAL_PAYMENT_DETAILS is not"}},
		{[]string{"MANUAL_PAYMENT_DETAILS", "card", "MANUAL_AMOUNTS", "five hundred"}, []string{`MANUAL_AMOUNTS "five hundred"`}},
		{[]string{"MANUAL_PAYMENT_DETAILS", "card", "MANUAL_AMOUNTS", "0,2000000"}, []string{"MANUAL_AMOUNTS: 0 roubles"}},
		{[]string{"MANUAL_PAYMENT_DETAILS", strings.Repeat("x", 1001), "MANUAL_AMOUNTS", "500", "MANUAL_REQUEST_TTL", "1m",
			"MANUAL_RECEIPT_MAX_BYTES", "50000000", "MANUAL_RECEIPT_MAX_AGE", "soon"},
			[]string{"MANUAL_PAYMENT_DETAILS: 1001 characters", "MANUAL_REQUEST_TTL 1m0s", "MANUAL_RECEIPT_MAX_BYTES", `MANUAL_RECEIPT_MAX_AGE "soon"`}},
	} {
		_, err := load(t, validEnv(tc.env...))
		if err == nil {
			t.Fatalf("%v accepted", tc.env)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", tc.env, err, w)
			}
		}
	}
}

// The monthly plan needs both settings, Telegram's Star range, and a rate
// no worse than one-off top-ups.
func TestConfigSubscription(t *testing.T) {
	c, err := load(t, validEnv("SUBSCRIPTION_STARS", "500", "SUBSCRIPTION_KOPECKS", "60000", "STARS_RUB_RATE", "100"))
	if err != nil || c.Payments.SubStars != 500 || c.Payments.SubKopecks != 60000 {
		t.Fatalf("plan %+v, %v", c.Payments, err)
	}
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"SUBSCRIPTION_STARS", "500"}, "set both"},
		{[]string{"SUBSCRIPTION_STARS", "20000", "SUBSCRIPTION_KOPECKS", "60000"}, `SUBSCRIPTION_STARS "20000"`},
		{[]string{"SUBSCRIPTION_STARS", "500", "SUBSCRIPTION_KOPECKS", "-1"}, `SUBSCRIPTION_KOPECKS "-1"`},
		{[]string{"SUBSCRIPTION_STARS", "500", "SUBSCRIPTION_KOPECKS", "40000", "STARS_RUB_RATE", "100"}, "must not be a worse deal"},
	} {
		if _, err := load(t, validEnv(tc.env...)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.env, err, tc.want)
		}
	}
}
