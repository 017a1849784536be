package shop

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// CatalogueSyncConfig configures the scheduled catalogue sync.
type CatalogueSyncConfig struct {
	Store *store.Store
	// Source reads Kie's live catalogue, schemas and prose prices, paced to
	// Kie's one catalogue request per second (KieCatalogue does).
	Source pricing.CatalogueSource
	// Catalogue is what is on sale (its registry and switches); models the
	// sync takes off sale are switched through the store and it is kicked.
	Catalogue *Catalogue
	Alerts    *Alerter // the report goes to the admins; nil: logged only
	Logger    *slog.Logger
	// Every: how often a run is due (CATALOGUE_SYNC_EVERY, a day by
	// default there); 0: never — Run only waits (the tests' default).
	Every time.Duration
	Now   func() time.Time
}

// CatalogueSync is the leader's scheduled comparison of Kie's live
// catalogue with what is on sale. Once per Every (counted from the last
// run's start, kept in the database, so a new leader does not run it
// again) it fetches the catalogue, every schema and every prose price,
// and reports to the admins:
//
//   - new models: listed; they are not in the registry, so not on sale
//     until a person adds them;
//   - removed models: taken off sale at once (the runtime switch, as the
//     system);
//   - changed input schemas of models on sale (an input gone, a new
//     required one, an offered value Kie no longer takes): the model is
//     taken off sale until reviewed;
//   - changed prose prices since the last run: listed only.
//
// Nothing goes on sale and no price changes without a person: the sync
// only narrows.
type CatalogueSync struct {
	cfg CatalogueSyncConfig
	log *slog.Logger
}

// NewCatalogueSync validates cfg; bad wiring panics.
func NewCatalogueSync(cfg CatalogueSyncConfig) *CatalogueSync {
	if cfg.Store == nil || cfg.Source == nil || cfg.Catalogue == nil || cfg.Logger == nil {
		panic("shop.NewCatalogueSync: Store, Source, Catalogue and Logger are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &CatalogueSync{cfg: cfg, log: cfg.Logger.With("component", "catalogue-sync")}
}

// SyncReport is what one run found and did.
type SyncReport struct {
	SyncID        int64
	Listed        int      // models in Kie's catalogue
	New           []string // in Kie's catalogue, not in the registry
	Removed       []string // on sale, gone from Kie's catalogue: taken off sale
	SchemaChanged []SchemaChange
	PriceChanged  []ProseChange
}

// SchemaChange is a model on sale whose inputs Kie changed.
type SchemaChange struct {
	ModelID string
	Changes []string
}

// ProseChange is a model whose prose price changed since the last run.
type ProseChange struct {
	ModelID, Before, After string
}

// Run runs the sync whenever it is due, until ctx ends.
func (c *CatalogueSync) Run(ctx context.Context, _ actors.Term) error {
	if c.cfg.Every <= 0 {
		<-ctx.Done()
		return nil
	}
	for {
		var wait time.Duration // never ran (or cannot tell): run now
		last, _, _, err := c.cfg.Store.LastCatalogueSync(ctx)
		switch {
		case err == nil:
			wait = max(last.StartedAt.Add(c.cfg.Every).Sub(c.cfg.Now()), 0)
		case ctx.Err() != nil:
			return nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		if _, err := c.RunOnce(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("catalogue sync: failed; the next run is due in a period", "err", err)
		}
	}
}

// RunOnce syncs now and reports to the admins.
func (c *CatalogueSync) RunOnce(ctx context.Context) (SyncReport, error) {
	run, err := c.cfg.Store.StartCatalogueSync(ctx)
	if err != nil {
		return SyncReport{}, err
	}
	rep, prices, err := c.sync(ctx, run.ID)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err != nil {
		if ferr := c.cfg.Store.FinishCatalogueSync(fctx, run.ID, "", nil, err.Error()); ferr != nil {
			c.log.Error("catalogue sync: cannot record the failure", "err", ferr)
		}
		return rep, err
	}
	text := rep.Text(fsm.EN)
	if err := c.cfg.Store.FinishCatalogueSync(fctx, run.ID, text, prices, ""); err != nil {
		return rep, err
	}
	c.log.Info("catalogue sync: done", "listed", rep.Listed, "new", len(rep.New), "removed", len(rep.Removed),
		"schema_changed", len(rep.SchemaChanged), "price_changed", len(rep.PriceChanged))
	if c.cfg.Alerts != nil {
		if _, err := c.cfg.Alerts.Alert(fctx, "catalogue_sync:"+strconv.FormatInt(run.ID, 10), rep.Text); err != nil {
			c.log.Error("catalogue sync: cannot send the report", "err", err)
		}
	}
	return rep, nil
}

func (c *CatalogueSync) sync(ctx context.Context, syncID int64) (SyncReport, map[string]string, error) {
	rep := SyncReport{SyncID: syncID}
	_, lastOK, hadOK, err := c.cfg.Store.LastCatalogueSync(ctx)
	if err != nil {
		return rep, nil, err
	}
	synced, err := pricing.Sync(ctx, c.cfg.Source, pricing.SyncOptions{})
	if err != nil {
		return rep, nil, err
	}
	p := c.cfg.Catalogue.Pricer()
	if p == nil {
		return rep, nil, fmt.Errorf("catalogue sync: the catalogue has no registry")
	}
	reg, off := p.Registry(), c.cfg.Catalogue.Off()
	rep.Listed = len(synced.Models)
	live := map[string]pricing.ModelSpec{}
	prices := map[string]string{}
	for _, s := range synced.Models {
		live[s.ID] = s
		prices[s.ID] = s.PricingDesc
		if _, ok := reg.Lookup(s.ID); !ok {
			rep.New = append(rep.New, s.ID)
		}
		if before, ok := lastOK.Prices[s.ID]; hadOK && ok && before != s.PricingDesc {
			rep.PriceChanged = append(rep.PriceChanged, ProseChange{ModelID: s.ID, Before: before, After: s.PricingDesc})
		}
	}
	takeOff := func(id, reason string) (bool, error) {
		return c.cfg.Store.SwitchOffAsSystem(ctx, id, reason, "sync:"+strconv.FormatInt(syncID, 10)+":"+id)
	}
	switched := false
	for _, m := range reg.Models() {
		if off[m.ID()] {
			continue
		}
		s, listed := live[m.ID()]
		if !listed {
			changed, err := takeOff(m.ID(), fmt.Sprintf("Kie's catalogue no longer lists it (catalogue sync #%d)", syncID))
			if err != nil {
				return rep, nil, err
			}
			switched = switched || changed
			rep.Removed = append(rep.Removed, m.ID())
			continue
		}
		if s.Endpoint == "" {
			continue // no schema to compare (Kie publishes none, or it could not be read)
		}
		if diffs := schemaDiff(m.Fields(), s.Fields); len(diffs) > 0 {
			changed, err := takeOff(m.ID(), fmt.Sprintf("Kie changed its inputs (catalogue sync #%d): %s; review before selling it again", syncID, strings.Join(diffs, "; ")))
			if err != nil {
				return rep, nil, err
			}
			switched = switched || changed
			rep.SchemaChanged = append(rep.SchemaChanged, SchemaChange{ModelID: m.ID(), Changes: diffs})
		}
	}
	if switched {
		c.cfg.Catalogue.Kick()
	}
	return rep, prices, nil
}

// schemaDiff lists what Kie changed in a model's inputs that could make an
// order on sale fail: an input we send gone, a new required input, an
// offered value Kie no longer allows.
func schemaDiff(ours, kies []pricing.Field) []string {
	theirs := map[string]pricing.Field{}
	for _, f := range kies {
		theirs[f.Name] = f
	}
	var out []string
	for _, f := range ours {
		k, ok := theirs[f.Name]
		if !ok {
			out = append(out, "input "+f.Name+" is gone")
			continue
		}
		if opts := k.Options(); len(opts) > 0 && (f.Type == pricing.KindEnum || f.Type == pricing.KindBool) {
			for _, v := range f.Options() {
				if !slices.Contains(opts, v) {
					out = append(out, fmt.Sprintf("%s=%s is no longer offered", f.Name, v))
				}
			}
		}
	}
	mine := map[string]bool{}
	for _, f := range ours {
		mine[f.Name] = true
	}
	for _, f := range kies {
		if f.Required && !mine[f.Name] {
			out = append(out, "Kie now requires input "+f.Name)
		}
	}
	return out
}

// Text is the report as the admins get it.
func (r SyncReport) Text(l fsm.Lang) string {
	var b strings.Builder
	b.WriteString(fsm.T(l, fsm.KeySyncTitle, r.SyncID, r.Listed))
	list := func(key fsm.Key, ids []string) {
		if len(ids) == 0 {
			return
		}
		shown := ids[:min(len(ids), 10)]
		esc := make([]string, len(shown))
		for i, id := range shown {
			esc[i] = "<code>" + fsm.Escape(id) + "</code>"
		}
		more := ""
		if len(ids) > len(shown) {
			more = fmt.Sprintf(" … +%d", len(ids)-len(shown))
		}
		b.WriteString("\n" + fsm.T(l, key, len(ids)) + " " + strings.Join(esc, ", ") + more)
	}
	list(fsm.KeySyncNew, r.New)
	list(fsm.KeySyncRemoved, r.Removed)
	for i, s := range r.SchemaChanged {
		if i == 0 {
			b.WriteString("\n" + fsm.T(l, fsm.KeySyncSchema, len(r.SchemaChanged)))
		}
		if i < 10 {
			b.WriteString("\n• <code>" + fsm.Escape(s.ModelID) + "</code>: " + fsm.Escape(cutRunes(strings.Join(s.Changes, "; "), 200)))
		}
	}
	for i, p := range r.PriceChanged {
		if i == 0 {
			b.WriteString("\n" + fsm.T(l, fsm.KeySyncPrices, len(r.PriceChanged)))
		}
		if i < 10 {
			b.WriteString("\n• <code>" + fsm.Escape(p.ModelID) + "</code>: «" + fsm.Escape(cutRunes(p.Before, 80)) + "» → «" + fsm.Escape(cutRunes(p.After, 80)) + "»")
		}
	}
	if len(r.New)+len(r.Removed)+len(r.SchemaChanged)+len(r.PriceChanged) == 0 {
		b.WriteString("\n" + fsm.T(l, fsm.KeySyncNothing))
	}
	return b.String()
}

var _ pricing.CatalogueSource = KieCatalogue{}

// KieCatalogue adapts the Kie client to pricing.CatalogueSource; the client
// paces catalogue calls to Kie's one request per second itself.
type KieCatalogue struct{ Client *kie.Client }

// ListModels lists Kie's live catalogue.
func (k KieCatalogue) ListModels(ctx context.Context) ([]pricing.CatalogueModel, error) {
	ms, err := k.Client.ListModels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]pricing.CatalogueModel, 0, len(ms))
	for _, m := range ms {
		out = append(out, pricing.CatalogueModel{ID: m.Model, Title: m.Title, Provider: m.Provider, TaskTypes: m.TaskTypes,
			Description: m.Description, PricingDesc: m.PricingDesc})
	}
	return out, nil
}

// ModelSchema returns a model's OpenAPI document (nil when none).
func (k KieCatalogue) ModelSchema(ctx context.Context, id string) (json.RawMessage, error) {
	s, err := k.Client.ModelSchema(ctx, id)
	return s.OpenAPI, err
}

// ModelPrice returns a model's prose price.
func (k KieCatalogue) ModelPrice(ctx context.Context, id string) (string, error) {
	p, err := k.Client.ModelPrice(ctx, id)
	return p.PricingDesc, err
}
