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
	Credits Credits // Kie's charge: Units × the mode's credits
	USD     string  // Credits × KIE_CREDIT_USD, exact
	CostRUB string  // USD × USD_RUB_RATE, exact: what Kie costs the operator
	Markup  string
	// Kopecks is the user price: Units × UnitKopecks. Never zero for a
	// priced mode.
	Kopecks int64
	// Free marks a free-tier model: the flows charge nothing for it (under
	// their own limits); Kopecks still says what it is worth.
	Free bool
	// Basis is how the price is counted (Unit PerTask for a flat price).
	Basis Basis
	// Quantity is what was measured for a per-unit price; zero for a flat
	// price and for a rate quote (From, ModeQuotes) of a per-unit one.
	Quantity Quantity
	// Units is the billed amount: 1 per task, else the quantity rounded up
	// to whole units of the basis (⌈seconds⌉, ⌈characters / 1000⌉). A rate
	// quote of a per-unit price has Units 1: the least it can cost.
	Units int64
	// UnitKopecks is the user price of one unit: the mode's credits ×
	// KIE_CREDIT_USD × USD_RUB_RATE × PRICING_MARKUP, rounded up to a
	// kopeck. Rounding once per unit, not once per total, keeps the
	// confirmation's arithmetic exact ("42 s × 0,90 ₽/s = 37,80 ₽") at a cost
	// of under a kopeck per unit.
	UnitKopecks int64
}

// PerUnit reports whether the price depends on a measured quantity.
func (q Quote) PerUnit() bool { return q.Basis.PerUnit() }

// String is a one-line breakdown for logs.
func (q Quote) String() string {
	units := ""
	if q.PerUnit() {
		units = fmt.Sprintf(" = %d × %s (%s)", q.Units, q.Basis.Unit, q.Quantity)
	}
	return fmt.Sprintf("%s [%s]: %s credits%s = $%s = %s RUB × %s = %d kopecks (free=%t)",
		q.ModelID, q.Mode.Label, q.Credits, units, q.USD, q.CostRUB, q.Markup, q.Kopecks, q.Free)
}

// Quote prices a complete parameter set for an enabled model whose price is
// per task. A per-unit price needs the measured quantity: Quote returns a
// *QuantityError matching ErrQuantityUnknown for it (use QuoteQuantity).
func (p *Pricer) Quote(modelID string, params Params) (Quote, error) {
	return p.QuoteQuantity(modelID, params, Quantity{})
}

// QuoteQuantity prices a complete parameter set with the measured quantity
// of its basis (Model.BasisFor says what to measure): the duration of a
// file, as Seconds(telegramDuration), or the length of a text, as
// CharactersOf(text). A flat price ignores q. For a per-unit price, q is
// rounded up to whole units and checked against the model's limit; errors
// are *QuantityError matching ErrQuantityUnknown (not measured: do not offer
// the option for that file), ErrQuantityKind or ErrQuantityTooLarge (its
// Max says the limit, for "too long, the limit is N s").
func (p *Pricer) QuoteQuantity(modelID string, params Params, q Quantity) (Quote, error) {
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
	b := md.PriceBasis()
	if !b.PerUnit() {
		return p.quoteMode(m.ID(), md, 1, Quantity{})
	}
	qe := &QuantityError{Model: m.ID(), Field: b.Field, Unit: b.Unit, Got: q}
	want := b.Unit.Measures()
	switch {
	case !q.Known():
		qe.Err = ErrQuantityUnknown
		return Quote{}, qe
	case q.Kind() != want:
		qe.Err = ErrQuantityKind
		return Quote{}, qe
	}
	if limit := m.limitOf(b); q.exceeds(limit) {
		qe.Err = ErrQuantityTooLarge
		if want == QuantitySeconds {
			qe.Max = Seconds(limit)
		} else {
			qe.Max = Characters(limit)
		}
		return Quote{}, qe
	}
	return p.quoteMode(m.ID(), md, q.units(b.Unit), q)
}

// limitOf is the most a per-unit basis may measure, from the measured
// field: MaxSeconds of a file, MaxLength of a text (0: none documented).
func (m *Model) limitOf(b Basis) int64 {
	f, ok := m.Field(b.Field)
	if !ok {
		return 0
	}
	if b.Unit.Measures() == QuantitySeconds {
		return int64(f.MaxSeconds)
	}
	return int64(f.MaxLength)
}

// Errors a *QuantityError unwraps to.
var (
	// ErrQuantityUnknown: the price is per unit and the quantity was not
	// measured (or is zero). Do not offer the option for that input.
	ErrQuantityUnknown = errors.New("the price is per unit and the quantity is unknown")
	// ErrQuantityKind: seconds given for a per-character price, or the reverse.
	ErrQuantityKind = errors.New("quantity of the wrong kind for the price")
	// ErrQuantityTooLarge: longer than the model takes; Max says the limit.
	ErrQuantityTooLarge = errors.New("quantity over the model's limit")
)

// QuantityError says why a per-unit price could not be quoted, with the
// limit a message needs ("too long, the limit is 15 s").
type QuantityError struct {
	Model string
	Field string // the input measured
	Unit  Unit
	Err   error // ErrQuantityUnknown, ErrQuantityKind or ErrQuantityTooLarge
	Got   Quantity
	Max   Quantity // the limit, for ErrQuantityTooLarge
}

func (e *QuantityError) Error() string {
	switch e.Err {
	case ErrQuantityTooLarge:
		return fmt.Sprintf("quote %s: %s: %s is over the limit of %s", e.Model, e.Field, e.Got, e.Max)
	case ErrQuantityKind:
		return fmt.Sprintf("quote %s: priced %s of %s, got %s", e.Model, e.Unit, e.Field, e.Got)
	}
	return fmt.Sprintf("quote %s: priced %s of %s: %v", e.Model, e.Unit, e.Field, e.Err)
}

// Unwrap lets callers test the reason with errors.Is.
func (e *QuantityError) Unwrap() error { return e.Err }

// From quotes a model's cheapest mode: the "from X ₽" on a menu button. For
// a per-unit price it is the price of one unit (Units 1), the least a task
// can cost; FormatRate renders it as "0,90 ₽/s".
func (p *Pricer) From(modelID string) (Quote, error) {
	if err := p.Ready(); err != nil {
		return Quote{}, err
	}
	m, err := p.reg.Model(modelID)
	if err != nil {
		return Quote{}, fmt.Errorf("quote: %w", err)
	}
	md, _ := m.Cheapest() // enabled models always have modes (audited)
	return p.quoteMode(m.ID(), md, 1, Quantity{})
}

// ModeQuotes quotes every mode of a model, cheapest first, for its card.
// Per-unit modes are quoted for one unit, as From does.
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
		q, err := p.quoteMode(m.ID(), md, 1, Quantity{})
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// PricedChoice is a field option with the cheapest user price it leads to.
type PricedChoice struct {
	Value       string
	FromKopecks int64 // per Unit for a per-unit price
	Unit        Unit  // the basis of that cheapest price (PerTask for a flat one)
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
		out = append(out, PricedChoice{Value: c.Value, FromKopecks: p.Kopecks(c.From), Unit: c.Unit})
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

// quoteMode prices units of a mode. Units × per-unit kopecks and units ×
// credits are checked for overflow: a quantity so large is refused rather
// than wrapped into a small price.
func (p *Pricer) quoteMode(id string, md Mode, units int64, q Quantity) (Quote, error) {
	unitKopecks := p.Kopecks(md.Credits)
	kopecks, ok1 := mulInt64(units, unitKopecks)
	credits, ok2 := mulInt64(units, int64(md.Credits))
	if !ok1 || !ok2 {
		return Quote{}, &QuantityError{Model: id, Field: md.PriceBasis().Field, Unit: md.PriceBasis().Unit, Err: ErrQuantityTooLarge, Got: q}
	}
	c := Credits(credits)
	usd := new(big.Rat).Mul(c.Rat(), p.usdPerCredit)
	return Quote{
		ModelID:     id,
		Mode:        md,
		Credits:     c,
		USD:         ratString(usd),
		CostRUB:     ratString(p.costRUB(c)),
		Markup:      ratString(p.markup),
		Kopecks:     kopecks,
		Free:        p.IsFree(id),
		Basis:       md.PriceBasis(),
		Quantity:    q,
		Units:       units,
		UnitKopecks: unitKopecks,
	}, nil
}

// mulInt64 multiplies non-negative numbers, reporting overflow.
func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	r := a * b
	if a < 0 || b < 0 || r/b != a || r < 0 {
		return 0, false
	}
	return r, true
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
// away can cost), ties by id, and keeps the first FreeTierCount. Per-unit
// models are never free: nothing bounds what one task could cost.
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
		if m.PerUnit() {
			continue
		}
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

// WithRegistry returns a pricer with p's rates quoting from reg (the
// registry with an operator's confirmations applied, say); the free tier
// is chosen again from reg's models.
func (p *Pricer) WithRegistry(reg *Registry) *Pricer {
	out := *p
	out.reg = reg
	out.free = nil
	if out.rubPerUSD != nil {
		out.free = out.freeTier()
	}
	return &out
}
