package operator

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/store"
)

// Period is a span of Moscow days ending now.
type Period string

// The periods the console offers.
const (
	Today Period = "today" // since Moscow midnight
	Week  Period = "7d"    // today and the 6 Moscow days before
	Month Period = "30d"   // today and the 29 Moscow days before
)

// Days is how many calendar days the period covers; 0 for an unknown one.
func (p Period) Days() int {
	switch p {
	case Today:
		return 1
	case Week:
		return 7
	case Month:
		return 30
	}
	return 0
}

// Bounds is the period as [from, to): from the Moscow midnight that starts
// its first day up to now.
func (s *Service) Bounds(p Period, now time.Time) (from, to time.Time) {
	local := now.In(s.cfg.Location)
	y, m, d := local.Date()
	return time.Date(y, m, d-(max(p.Days(), 1)-1), 0, 0, 0, 0, s.cfg.Location), now
}

// ErrNoKieBalance: no way to read Kie's balance is configured.
var ErrNoKieBalance = errors.New("kie balance not available")

// Stats is the business of one period, with the roubles the Kie credits
// cost at the configured rates and Kie's balance now.
type Stats struct {
	Period Period
	store.Stats

	// Rates is false without USD_RUB_RATE: no credit has a rouble cost,
	// and the *Kopecks below are 0.
	Rates          bool
	KieKopecks     int64 // everything Kie charged for the period's jobs
	KiePaidKopecks int64 // of it, for the paid jobs whose price is the revenue
	// Margin is the revenue (captured prices) less admin refunds of jobs
	// and less everything Kie charged in the period (paid, free and
	// failed jobs alike).
	MarginKopecks int64

	// Kie's balance now. KieErr is why it is missing (ErrNoKieBalance when
	// none is configured, or the read failed).
	KieBalance kie.Credits
	KieAt      time.Time
	KieErr     error
	// What Kie charged over the last 7 Moscow days (today included), and
	// how many days the balance lasts at that pace; DaysLeft < 0 when
	// nothing was spent (no pace to measure).
	Spend7Micro int64
	DaysLeft    float64

	// Sources are the campaign tags' new users, payers and revenue in
	// the period, when the Reader can say (SourceReader).
	Sources []store.SourceStat
}

// SourceReader reads the campaign sources' statistics (store.Store does).
type SourceReader interface {
	SourceStatsBetween(ctx context.Context, from, to time.Time) ([]store.SourceStat, error)
}

// Stats aggregates a period from the ledger and jobs tables.
func (s *Service) Stats(ctx context.Context, db Reader, p Period) (Stats, error) {
	if p.Days() == 0 {
		return Stats{}, fmt.Errorf("unknown period %q", p)
	}
	now := s.cfg.Now()
	from, to := s.Bounds(p, now)
	st, err := db.Stats(ctx, from, to)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{Period: p, Stats: st, DaysLeft: -1}
	if all, ok := s.CostKopecks(st.KieMicro()); ok {
		paid, _ := s.CostKopecks(st.KiePaidMicro)
		out.Rates, out.KieKopecks, out.KiePaidKopecks = true, all, paid
	}
	out.MarginKopecks = st.Captured.Kopecks - st.JobRefunds.Kopecks - out.KieKopecks
	if sr, ok := db.(SourceReader); ok {
		src, err := sr.SourceStatsBetween(ctx, from, to)
		if err != nil {
			return Stats{}, err
		}
		if len(src) > 0 {
			out.Sources = src
		}
	}

	from7, _ := s.Bounds(Week, now)
	if out.Spend7Micro, err = db.KieSpend(ctx, from7, now); err != nil {
		return Stats{}, err
	}
	out.KieErr = ErrNoKieBalance
	if s.cfg.Kie != nil {
		out.KieBalance, out.KieAt, out.KieErr = s.cfg.Kie.KieBalance(ctx)
	}
	if out.KieErr == nil && out.Spend7Micro > 0 {
		perDay := float64(out.Spend7Micro) / now.Sub(from7).Hours() * 24
		out.DaysLeft = float64(out.KieBalance.Micro()) / perDay
	}
	return out, nil
}

// CostKopecks is what micro Kie micro-credits cost in kopecks at the
// configured KIE_CREDIT_USD and USD_RUB_RATE, rounded to the nearest
// kopeck (no markup: this is the operator's cost, not a price). ok is false
// without USD_RUB_RATE.
func (s *Service) CostKopecks(micro int64) (kopecks int64, ok bool) {
	r := s.pricer().Rates()
	usd, ok1 := new(big.Rat).SetString(r.KieCreditUSD)
	rub, ok2 := new(big.Rat).SetString(r.USDRUBRate)
	if r.USDRUBRate == "" || !ok1 || !ok2 {
		return 0, false
	}
	v := new(big.Rat).SetFrac64(micro, kie.MicroCredits)
	v.Mul(v, usd).Mul(v, rub).Mul(v, big.NewRat(100, 1))
	// Round half away from zero.
	num, den := new(big.Int).Abs(v.Num()), v.Denom()
	num.Mul(num, big.NewInt(2)).Add(num, den).Quo(num, new(big.Int).Mul(den, big.NewInt(2)))
	if v.Sign() < 0 {
		num.Neg(num)
	}
	if !num.IsInt64() {
		return 0, false
	}
	return num.Int64(), true
}
