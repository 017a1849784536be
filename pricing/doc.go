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
// # Using it
//
//	reg := pricing.Default()                        // or Load() for an error
//	p, err := pricing.NewPricer(reg, pricing.Config{USDRUBRate: "92.5"})
//	if err := p.Ready(); err != nil { log it: nothing is sold }  // no USD_RUB_RATE
//	reg.Categories()                                 // menu with counts
//	reg.ByCategory(pricing.TextToVideo)              // enabled, cheapest first
//	m, err := reg.Model(id)                          // *UnknownModelError says "did you mean"
//	f.Parse(text) / f.CheckFiles(files)              // *FieldError → UI message
//	p.Choices(id, "duration", chosen)                // only priced options, each "from" kopecks
//	q, err := p.Quote(id, params)                    // breakdown + Kopecks, rounded up
//	input, err := m.Input(params, files)             // createTask "input", validated
//
// Money is exact: credits are int64 micro-credits parsed from decimal text,
// rates are decimal strings parsed into big.Rat, and the user price is
// credits × KIE_CREDIT_USD × USD_RUB_RATE × PRICING_MARKUP rounded up to a
// whole kopeck. There is no built-in exchange rate and no fallback price.
package pricing
