// Package pricing holds the Kie.ai model registry shipped inside the binary,
// price quotes in integer kopecks, the free tier and the registry audit.
//
// # Where the registry comes from
//
//	source/kie-models-catalogue.json ─┐
//	source/kie-official-prices.yaml  ─┼─ Build ─▶ registry.json ─(go:embed)─▶ Load ─▶ *Registry
//	source/curation.yaml             ─┘  (kiebot registry build)            (audited)
//
// The catalogue gives models and typed inputs, Kie's official table gives
// credits per mode, and the curation holds the human judgement in between:
// which table prices which model, how each row's notes map onto input values,
// names, descriptions and every reason to disable. Build is pure and
// reproducible; a test rebuilds the embedded file byte for byte. The
// catalogue's own USD price is never read. `kiebot registry sync` writes a
// separate file from Kie's live catalogue for review; it never replaces the
// shipped registry.
//
// # Price safety
//
// A model is sold only when every option a user can choose has an official
// price. Enum values without a price are removed (and recorded), quantity
// inputs such as num_images are pinned to 1, a field that selects the price
// is always sent, and a mode listed twice with different credits keeps the
// higher price (recorded as a PriceConflict). A model left without a priced
// path is disabled with a DisabledSpec saying why. Load runs Audit and
// refuses any defect, so the bot cannot start on a registry that could sell
// something at an unknown price.
//
// # Price bases
//
// Most prices are per task. A Mode may instead be per unit of a measured
// quantity (Basis: per second of an uploaded file, per second of the
// result, per 1,000 characters of a text), naming the input it is measured
// on. The build accepts a per-unit basis only on table rows whose notes
// state the unit ("Turbo-1.0s-720p"). Such a price needs the quantity:
// Pricer.Quote refuses it (ErrQuantityUnknown), Pricer.QuoteQuantity rounds
// the quantity up to whole units, enforces the input's limit (MaxSeconds,
// MaxLength) and rounds each unit up to a kopeck, so FormatQuote's
// "42 s × 0,90 ₽/s = 37,80 ₽" multiplies out exactly.
//
// # Where a price comes from
//
// Every mode has an Origin: Kie's official table (pricing/source), or an
// operator's Confirmation with its source, date and author. The embedded
// registry stays the default; Registry.WithConfirmations only adds prices
// where the official table has none (a model disabled for its price, an
// unpriced option) and narrows (ConfirmDisable). A confirmation that
// collides with an official price is rejected, never applied. Prose read by
// `registry sync` is never sold: ProposeConfirmations turns it into
// proposals for a person to review and sign.
//
// # Using it
//
//	reg := pricing.Default()                        // or Load() for an error
//	reg, rep := reg.WithConfirmations(stored)        // operator prices; log rep.Rejected
//	p, err := pricing.NewPricer(reg, pricing.Config{USDRUBRate: "92.5"})
//	if err := p.Ready(); err != nil { log it: nothing is sold }  // no USD_RUB_RATE
//	reg.Categories()                                 // menu with counts
//	reg.ByCategory(pricing.TextToVideo)              // enabled, cheapest first
//	m, err := reg.Model(id)                          // *UnknownModelError says "did you mean"
//	f.Parse(text) / f.CheckFiles(files)              // *FieldError → UI message
//	p.Choices(id, "duration", chosen)                // only priced options, each "from" kopecks
//	b, err := m.BasisFor(params)                     // what to measure, if anything
//	q, err := p.QuoteQuantity(id, params, pricing.Seconds(dur)) // or p.Quote for a flat price
//	pricing.FormatQuote(q, lang)                     // "42 с × 0,90 ₽/с = 37,80 ₽"
//	input, err := m.Input(params, files)             // createTask "input", validated
//
// Money is exact: credits are int64 micro-credits parsed from decimal text,
// rates are decimal strings parsed into big.Rat, and the user price is
// credits × KIE_CREDIT_USD × USD_RUB_RATE × PRICING_MARKUP rounded up to a
// whole kopeck (per unit, for a per-unit price). There is no built-in
// exchange rate and no fallback price.
package pricing
