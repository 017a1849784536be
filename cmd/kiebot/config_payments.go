package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// rawPayments is the environment of the payment methods beyond one-off
// Stars invoices — manual card/SBP transfers and the Stars subscription —
// as go-envconfig reads it (rawConfig.Payments).
type rawPayments struct {
	ManualDetails  string `env:"MANUAL_PAYMENT_DETAILS"`
	ManualAmounts  string `env:"MANUAL_AMOUNTS"`
	ManualTTL      string `env:"MANUAL_REQUEST_TTL, default=24h"`
	ManualMaxAge   string `env:"MANUAL_RECEIPT_MAX_AGE, default=72h"`
	ManualMaxBytes string `env:"MANUAL_RECEIPT_MAX_BYTES, default=10485760"`
	SubStars       string `env:"SUBSCRIPTION_STARS"`
	SubKopecks     string `env:"SUBSCRIPTION_KOPECKS"`
}

// PaymentsConfig configures manual top-ups (on when ManualDetails and
// ManualAmounts are both set).
type PaymentsConfig struct {
	ManualDetails  string        // what users pay to, shown as text
	ManualAmounts  []int64       // kopecks offered
	ManualValidFor time.Duration // a request waits this long for its receipt
	ManualMaxAge   time.Duration // receipts dated earlier are flagged
	ManualMaxBytes int64         // the largest receipt file
	// The monthly Stars plan: Stars a month and kopecks credited each
	// month; both 0 when it is not sold.
	SubStars, SubKopecks int64
}

// ManualOn reports whether manual top-ups are offered.
func (p PaymentsConfig) ManualOn() bool { return p.ManualDetails != "" && len(p.ManualAmounts) > 0 }

// Limits on the manual top-up settings.
const (
	maxManualDetails = 1000                            // characters of MANUAL_PAYMENT_DETAILS
	maxManualAmount  = 1_000_000 * 100                 // kopecks of one transfer
	maxManualAmounts = 10                              // amounts offered
	maxReceiptBytes  = 20 << 20                        // Telegram lets a bot download 20 MB
	minReceiptBytes  = 64 << 10                        // a receipt screenshot is larger
	maxManualTTL     = 30 * 24 * time.Hour             // a request open longer is forgotten by the payer
	minManualTTL     = 10 * time.Minute                // time to make a transfer
	maxReceiptAge    = 365 * 24 * time.Hour            // flag receipts older than this at least
	roublesPattern   = `^[0-9]{1,7}([.,][0-9]{1,2})?$` // 1500, 1500.50, 1500,5
)

var roublesRe = regexp.MustCompile(roublesPattern)

// parseRoubles reads "1500" or "1500,50" as kopecks.
func parseRoubles(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if !roublesRe.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	k := w * 100
	if frac != "" {
		f, _ := strconv.ParseInt((frac + "0")[:2], 10, 64)
		k += f
	}
	return k, true
}

// parsePayments validates raw, adding every problem to problems.
func parsePayments(raw rawPayments, problems *[]error) PaymentsConfig {
	bad := func(format string, args ...any) { *problems = append(*problems, fmt.Errorf(format, args...)) }
	var p PaymentsConfig
	p.ManualDetails = strings.TrimSpace(raw.ManualDetails)
	if n := utf8.RuneCountInString(p.ManualDetails); n > maxManualDetails {
		bad("MANUAL_PAYMENT_DETAILS: %d characters, at most %d", n, maxManualDetails)
	}
	if s := strings.TrimSpace(raw.ManualAmounts); s != "" {
		for _, f := range strings.Split(s, ",") {
			// "1500,50" would split: amounts are separated by commas, so
			// kopecks take a dot here.
			k, ok := parseRoubles(strings.ReplaceAll(f, ",", "."))
			switch {
			case !ok:
				bad("MANUAL_AMOUNTS %q: want roubles separated by commas, e.g. 500,1000,2500 (kopecks with a dot: 499.50)", raw.ManualAmounts)
			case k <= 0 || k > maxManualAmount:
				bad("MANUAL_AMOUNTS: %s roubles is outside 0.01-1000000", strings.TrimSpace(f))
			default:
				p.ManualAmounts = append(p.ManualAmounts, k)
				continue
			}
			p.ManualAmounts = nil
			break
		}
		if len(p.ManualAmounts) > maxManualAmounts {
			bad("MANUAL_AMOUNTS: %d amounts, at most %d", len(p.ManualAmounts), maxManualAmounts)
		}
	}
	switch {
	case p.ManualDetails != "" && strings.TrimSpace(raw.ManualAmounts) == "":
		bad("MANUAL_PAYMENT_DETAILS is set but MANUAL_AMOUNTS is not: set both to offer transfers, or neither")
	case p.ManualDetails == "" && strings.TrimSpace(raw.ManualAmounts) != "":
		bad("MANUAL_AMOUNTS is set but MANUAL_PAYMENT_DETAILS is not: users would not know where to pay")
	}
	p.ManualValidFor = parseDuration(problems, "MANUAL_REQUEST_TTL", raw.ManualTTL)
	if p.ManualValidFor > 0 && (p.ManualValidFor < minManualTTL || p.ManualValidFor > maxManualTTL) {
		bad("MANUAL_REQUEST_TTL %s: want %s to %s", p.ManualValidFor, minManualTTL, maxManualTTL)
	}
	p.ManualMaxAge = parseDuration(problems, "MANUAL_RECEIPT_MAX_AGE", raw.ManualMaxAge)
	if p.ManualMaxAge > maxReceiptAge {
		bad("MANUAL_RECEIPT_MAX_AGE %s: at most %s", p.ManualMaxAge, maxReceiptAge)
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(raw.ManualMaxBytes), 10, 64); err != nil || n < minReceiptBytes || n > maxReceiptBytes {
		bad("MANUAL_RECEIPT_MAX_BYTES %q: want bytes, %d to %d (Telegram lets a bot download 20 MB)", raw.ManualMaxBytes, minReceiptBytes, maxReceiptBytes)
	} else {
		p.ManualMaxBytes = n
	}
	stars, kopecks := strings.TrimSpace(raw.SubStars), strings.TrimSpace(raw.SubKopecks)
	switch {
	case stars == "" && kopecks == "":
	case stars == "" || kopecks == "":
		bad("SUBSCRIPTION_STARS and SUBSCRIPTION_KOPECKS: set both to sell the monthly plan, or neither")
	default:
		s, err1 := strconv.ParseInt(stars, 10, 64)
		k, err2 := strconv.ParseInt(kopecks, 10, 64)
		if err1 != nil || s < 1 || s > 10000 {
			bad("SUBSCRIPTION_STARS %q: want Stars a month, 1-10000 (Telegram's limit for subscriptions)", raw.SubStars)
		}
		if err2 != nil || k < 1 || k > maxManualAmount {
			bad("SUBSCRIPTION_KOPECKS %q: want kopecks credited each month, 1-100000000", raw.SubKopecks)
		}
		if err1 == nil && err2 == nil {
			p.SubStars, p.SubKopecks = s, k
		}
	}
	return p
}

// checkSubscriptionRate refuses a plan that credits less than the same
// Stars would as one-off top-ups (kopecksPerStar: STARS_RUB_RATE).
func (p PaymentsConfig) checkSubscriptionRate(kopecksPerStar int64, problems *[]error) {
	if p.SubStars > 0 && kopecksPerStar > 0 && p.SubKopecks < p.SubStars*kopecksPerStar {
		*problems = append(*problems, fmt.Errorf("SUBSCRIPTION_KOPECKS %d: below what %d Stars give as one-off top-ups (%d at STARS_RUB_RATE %d); the plan must not be a worse deal",
			p.SubKopecks, p.SubStars, p.SubStars*kopecksPerStar, kopecksPerStar))
	}
}

// summary is the start-up log's view of p.
func (p PaymentsConfig) summary() [][2]string {
	manual := "off (set MANUAL_PAYMENT_DETAILS and MANUAL_AMOUNTS)"
	if p.ManualOn() {
		var amounts []string
		for _, k := range p.ManualAmounts {
			amounts = append(amounts, fmt.Sprintf("%d.%02d", k/100, k%100))
		}
		manual = fmt.Sprintf("on: %s ₽; requests valid %s, receipts older than %s flagged, files up to %d bytes",
			strings.Join(amounts, ", "), p.ManualValidFor, p.ManualMaxAge, p.ManualMaxBytes)
	}
	sub := "off (set SUBSCRIPTION_STARS and SUBSCRIPTION_KOPECKS)"
	if p.SubStars > 0 {
		sub = fmt.Sprintf("%d Stars a month → %d kopecks credited each month", p.SubStars, p.SubKopecks)
	}
	return [][2]string{{"manual top-ups", manual}, {"subscription", sub}}
}
