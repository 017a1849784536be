package pricing

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Defaults for Config fields left empty. There is deliberately no default
// exchange rate: a stale built-in rate would silently sell at a loss.
const (
	DefaultKieCreditUSD  = "0.005" // 1 credit = US$0.005 (200 credits per dollar)
	DefaultMarkup        = "2.0"
	DefaultFreeTierCount = 5 // for callers parsing FREE_TIER_COUNT; Config's zero value disables the free tier
)

// ErrNoExchangeRate is returned by every quoting method while USD_RUB_RATE
// is unset. Log Pricer.Ready at start-up so an operator sees why nothing sells.
var ErrNoExchangeRate = errors.New("USD_RUB_RATE is not set: there is no built-in exchange rate, so no price can be quoted and nothing is sold until it is set")

// Config holds the pricing factors, all exact decimal strings as read from
// the environment. Every factor is logged at start (see Pricer.Rates).
type Config struct {
	// KieCreditUSD is the US-dollar value of one Kie credit (KIE_CREDIT_USD).
	// Empty: DefaultKieCreditUSD.
	KieCreditUSD string
	// USDRUBRate is roubles per US dollar (USD_RUB_RATE). Empty: nothing is
	// quoted (ErrNoExchangeRate).
	USDRUBRate string
	// Markup multiplies Kie's cost (PRICING_MARKUP). Empty: DefaultMarkup.
	// Below 1 is rejected: every sale would lose money.
	Markup string
	// FreeTierCount is how many of the cheapest enabled models are free
	// (FREE_TIER_COUNT). Zero disables the free tier.
	FreeTierCount int
}

// Pricer turns registry prices into rouble quotes. It is immutable and safe
// for concurrent use.
type Pricer struct {
	reg          *Registry
	usdPerCredit *big.Rat
	rubPerUSD    *big.Rat // nil: no rate, nothing quoted
	markup       *big.Rat
	freeCount    int
	free         []string // free-tier model ids, cheapest first
}

// NewPricer validates cfg and derives the free tier. A malformed factor is an
// error; a missing USD_RUB_RATE is not (the bot still starts), but every
// quote then fails with ErrNoExchangeRate and Ready reports it.
func NewPricer(reg *Registry, cfg Config) (*Pricer, error) {
	var problems []error
	positive := func(name, s string) *big.Rat {
		r, err := parseDecimal(strings.TrimSpace(s))
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
			return nil
		}
		if r.Sign() <= 0 {
			problems = append(problems, fmt.Errorf("%s %s must be positive", name, s))
			return nil
		}
		return r
	}
	p := &Pricer{reg: reg, freeCount: cfg.FreeTierCount}
	p.usdPerCredit = positive("KIE_CREDIT_USD", cmp.Or(cfg.KieCreditUSD, DefaultKieCreditUSD))
	p.markup = positive("PRICING_MARKUP", cmp.Or(cfg.Markup, DefaultMarkup))
	if p.markup != nil && p.markup.Cmp(big.NewRat(1, 1)) < 0 {
		problems = append(problems, fmt.Errorf("PRICING_MARKUP %s is below 1: every generation would be sold at a loss", cfg.Markup))
	}
	if strings.TrimSpace(cfg.USDRUBRate) != "" {
		p.rubPerUSD = positive("USD_RUB_RATE", cfg.USDRUBRate)
	}
	if cfg.FreeTierCount < 0 {
		problems = append(problems, fmt.Errorf("FREE_TIER_COUNT %d is negative", cfg.FreeTierCount))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("pricing config: %w", errors.Join(problems...))
	}
	if p.rubPerUSD != nil {
		p.free = p.freeTier()
	}
	return p, nil
}

// Ready returns ErrNoExchangeRate when no rate is configured, else nil.
func (p *Pricer) Ready() error {
	if p.rubPerUSD == nil {
		return ErrNoExchangeRate
	}
	return nil
}

// Registry returns the registry the pricer quotes from.
func (p *Pricer) Registry() *Registry { return p.reg }

// Rates describes the factors for the start-up log and the price list.
type Rates struct {
	KieCreditUSD  string
	USDRUBRate    string // "" when unset
	Markup        string
	FreeTierCount int
}

// Rates returns the configured factors as exact decimals.
func (p *Pricer) Rates() Rates {
	r := Rates{KieCreditUSD: ratString(p.usdPerCredit), Markup: ratString(p.markup), FreeTierCount: p.freeCount}
	if p.rubPerUSD != nil {
		r.USDRUBRate = ratString(p.rubPerUSD)
	}
	return r
}

// Quote is a priced generation with its breakdown, for screens and logs.
type Quote struct {
	ModelID string
	Mode    Mode
	Credits Credits // Kie's charge
	USD     string  // Credits × KIE_CREDIT_USD, exact
	CostRUB string  // USD × USD_RUB_RATE, exact: what Kie costs the operator
	Markup  string
	// Kopecks is the user price: CostRUB × Markup, rounded up to a whole
	// kopeck. Never zero for a priced mode.
	Kopecks int64
	// Free marks a free-tier model: the flows charge nothing for it (under
	// their own limits); Kopecks still says what it is worth.
	Free bool
}

// String is a one-line breakdown for logs.
func (q Quote) String() string {
	return fmt.Sprintf("%s [%s]: %s credits = $%s = %s RUB × %s = %d kopecks (free=%t)",
		q.ModelID, q.Mode.Label, q.Credits, q.USD, q.CostRUB, q.Markup, q.Kopecks, q.Free)
}

// Quote prices a complete parameter set for an enabled model.
func (p *Pricer) Quote(modelID string, params Params) (Quote, error) {
	if err := p.Ready(); err != nil {
		return Quote{}, err
	}
	m, err := p.reg.Model(modelID)
	if err != nil {
		return Quote{}, fmt.Errorf("quote: %w", err)
	}
	md, err := m.ModeFor(params)
	if err != nil {
		return Quote{}, fmt.Errorf("quote: %w", err)
	}
	return p.quoteMode(m.ID(), md), nil
}

// From quotes a model's cheapest mode: the "from X ₽" on a menu button.
func (p *Pricer) From(modelID string) (Quote, error) {
	if err := p.Ready(); err != nil {
		return Quote{}, err
	}
	m, err := p.reg.Model(modelID)
	if err != nil {
		return Quote{}, fmt.Errorf("quote: %w", err)
	}
	md, _ := m.Cheapest() // enabled models always have modes (audited)
	return p.quoteMode(m.ID(), md), nil
}

// ModeQuotes quotes every mode of a model, cheapest first, for its card.
func (p *Pricer) ModeQuotes(modelID string) ([]Quote, error) {
	if err := p.Ready(); err != nil {
		return nil, err
	}
	m, err := p.reg.Model(modelID)
	if err != nil {
		return nil, fmt.Errorf("quote: %w", err)
	}
	var out []Quote
	for _, md := range m.Modes() {
		out = append(out, p.quoteMode(m.ID(), md))
	}
	return out, nil
}

// PricedChoice is a field option with the cheapest user price it leads to.
type PricedChoice struct {
	Value       string
	FromKopecks int64
}

// Choices prices Model.Choices: the options of field still priced given the
// choices so far, each with its "from" price in kopecks.
func (p *Pricer) Choices(modelID, field string, chosen Params) ([]PricedChoice, error) {
	if err := p.Ready(); err != nil {
		return nil, err
	}
	m, err := p.reg.Model(modelID)
	if err != nil {
		return nil, fmt.Errorf("price choices: %w", err)
	}
	var out []PricedChoice
	for _, c := range m.Choices(field, chosen) {
		out = append(out, PricedChoice{Value: c.Value, FromKopecks: p.Kopecks(c.From)})
	}
	return out, nil
}

// Kopecks converts credits to the user price in kopecks, rounded up. It
// must only be called on a Ready pricer.
func (p *Pricer) Kopecks(c Credits) int64 {
	return ceilInt64(p.userRUB(c))
}

// userRUB is credits × USD per credit × RUB per USD × markup, in kopecks, exact.
func (p *Pricer) userRUB(c Credits) *big.Rat {
	r := new(big.Rat).Mul(p.costRUB(c), p.markup)
	return r.Mul(r, big.NewRat(100, 1))
}

func (p *Pricer) costRUB(c Credits) *big.Rat {
	r := new(big.Rat).Mul(c.Rat(), p.usdPerCredit)
	return r.Mul(r, p.rubPerUSD)
}

func (p *Pricer) quoteMode(id string, md Mode) Quote {
	usd := new(big.Rat).Mul(md.Credits.Rat(), p.usdPerCredit)
	return Quote{
		ModelID: id,
		Mode:    md,
		Credits: md.Credits,
		USD:     ratString(usd),
		CostRUB: ratString(p.costRUB(md.Credits)),
		Markup:  ratString(p.markup),
		Kopecks: p.Kopecks(md.Credits),
		Free:    p.IsFree(id),
	}
}

// ceilInt64 rounds a non-negative rational up to an integer. Prices are far
// below the int64 range; saturate rather than wrap if one ever is not.
func ceilInt64(r *big.Rat) int64 {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 1<<63 - 1
	}
	return q.Int64()
}

// freeTier ranks enabled models by the user price of their most expensive
// mode (a free model is free in every mode, so that bounds what giving it
// away can cost), ties by id, and keeps the first FreeTierCount.
func (p *Pricer) freeTier() []string {
	if p.freeCount <= 0 {
		return nil
	}
	type ranked struct {
		id    string
		worst int64
	}
	var rs []ranked
	for _, m := range p.reg.Models() {
		modes := m.Modes()
		worst := p.Kopecks(modes[len(modes)-1].Credits) // modes are cheapest first
		rs = append(rs, ranked{m.ID(), worst})
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.worst, b.worst), strings.Compare(a.id, b.id))
	})
	var out []string
	for _, r := range rs[:min(p.freeCount, len(rs))] {
		out = append(out, r.id)
	}
	return out
}

// FreeModels lists the free-tier models, cheapest first. Empty when the tier
// is disabled or no exchange rate is set (free models are chosen by price).
func (p *Pricer) FreeModels() []*Model {
	var out []*Model
	for _, id := range p.free {
		if m, ok := p.reg.Lookup(id); ok {
			out = append(out, m)
		}
	}
	return out
}

// IsFree reports whether a model is in the free tier.
func (p *Pricer) IsFree(id string) bool { return slices.Contains(p.free, id) }

// FormatRUB renders kopecks the Russian way: "1 234,50 ₽" (no-break spaces).
func FormatRUB(kopecks int64) string {
	neg := kopecks < 0
	if neg {
		kopecks = -kopecks
	}
	whole := strconv.FormatInt(kopecks/100, 10)
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(d)
	}
	fmt.Fprintf(&b, ",%02d\u00a0₽", kopecks%100)
	return b.String()
}
