package shop

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// CatalogueConfig configures a Catalogue.
type CatalogueConfig struct {
	Store *store.Store
	// ConnConfig is where the catalogue LISTENs for switches (its own
	// connection); nil relies on the periodic reload alone.
	ConnConfig *pgx.ConnConfig
	// Reload is the safety net's period: a NOTIFY lost while reconnecting
	// costs at most this long. Default 30 s.
	Reload time.Duration
	// Pricer is the shipped registry with the configured rates. When set,
	// the catalogue also loads the operators' price confirmations
	// (store.PriceConfirmations), applies them over its registry
	// (pricing.Registry.WithConfirmations) and serves the result from
	// Pricer(): a confirmed model goes on sale on every instance at the
	// next reload. Nil: switches only.
	Pricer *pricing.Pricer
	Logger *slog.Logger
}

// Catalogue is this instance's live copy of the models an admin switched
// off at runtime (store.ModelSwitches). Menus hide them at once on every
// instance: a switch is announced by NOTIFY on store.ModelsChannel and each
// instance's catalogue reloads on it, and on a timer in case a
// notification was lost. It is only ever a view for the menus: a
// confirmation re-reads the switch in its own transaction, so an old
// screen on a lagging instance is still refused.
//
// Run it for the life of the process on every instance (leader or not),
// so a standby that takes over already knows. Safe for concurrent use.
type Catalogue struct {
	cfg  CatalogueConfig
	log  *slog.Logger
	kick chan struct{}

	mu  sync.RWMutex
	off map[string]bool // replaced whole on reload, never changed: readers share it
	// live is the base pricer with the confirmations applied (the base
	// itself until the first load); report is what applying them did.
	live    *pricing.Pricer
	report  pricing.OverlayReport
	applied []store.PriceConfirmation // the stored rows the registry was built from
}

// NewCatalogue validates cfg; bad wiring panics.
func NewCatalogue(cfg CatalogueConfig) *Catalogue {
	if cfg.Store == nil || cfg.Logger == nil {
		panic("shop.NewCatalogue: Store and Logger are required")
	}
	if cfg.Reload <= 0 {
		cfg.Reload = 30 * time.Second
	}
	return &Catalogue{cfg: cfg, log: cfg.Logger.With("component", "catalogue"), kick: make(chan struct{}, 1), off: map[string]bool{}, live: cfg.Pricer}
}

// Pricer is the pricer of what is on sale now: the shipped registry with
// every stored confirmation applied, as last loaded. Nil when the
// catalogue was built without a Pricer.
func (c *Catalogue) Pricer() *pricing.Pricer {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.live
}

// Confirmations is the stored confirmations as last loaded, with what
// applying them did (rejected ones and why).
func (c *Catalogue) Confirmations() ([]store.PriceConfirmation, pricing.OverlayReport) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.applied, c.report
}

// ToConfirmation is a stored confirmation as package pricing takes it.
func ToConfirmation(s store.PriceConfirmation) pricing.Confirmation {
	c := pricing.Confirmation{
		Kind: pricing.ConfirmationKind(s.Kind), ModelID: s.ModelID, Unit: pricing.Unit(s.Unit), Field: s.Field,
		CreditsPerUnit: pricing.Credits(s.CreditsMicro), Source: s.Source, ConfirmedAt: s.ConfirmedAt,
		ConfirmedBy: "tg:" + strconv.FormatInt(s.AdminID, 10),
	}
	if len(s.Option) > 0 {
		c.Option = pricing.Params(s.Option)
	}
	return c
}

// Off is the set of switched-off model ids as last loaded. The map is
// shared: read it, never change it.
func (c *Catalogue) Off() map[string]bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.off
}

// Load reads the switches from the database.
func (c *Catalogue) Load(ctx context.Context) error {
	list, err := c.cfg.Store.ModelSwitches(ctx)
	if err != nil {
		return err
	}
	off := map[string]bool{}
	for _, s := range list {
		if s.Off {
			off[s.ModelID] = true
		}
	}
	var (
		stored []store.PriceConfirmation
		live   *pricing.Pricer
		rep    pricing.OverlayReport
	)
	if c.cfg.Pricer != nil {
		if stored, err = c.cfg.Store.PriceConfirmations(ctx); err != nil {
			return err
		}
		cs := make([]pricing.Confirmation, len(stored))
		for i, s := range stored {
			cs[i] = ToConfirmation(s)
		}
		reg, r := c.cfg.Pricer.Registry().WithConfirmations(cs)
		live, rep = c.cfg.Pricer.WithRegistry(reg), r
	}
	c.mu.Lock()
	changed := len(off) != len(c.off)
	for id := range off {
		changed = changed || !c.off[id]
	}
	c.off = off
	newPrices := c.cfg.Pricer != nil && len(stored) != len(c.applied)
	if c.cfg.Pricer != nil {
		c.live, c.report, c.applied = live, rep, stored
	}
	c.mu.Unlock()
	if changed {
		c.log.Info("catalogue: models switched off", "models", len(off))
	}
	if newPrices {
		c.log.Info("catalogue: operator confirmations applied", "stored", len(stored), "applied", len(rep.Applied),
			"superseded", len(rep.Superseded), "rejected", len(rep.Rejected), "on_sale", len(live.Registry().Models()))
		for _, e := range rep.Rejected {
			c.log.Warn("catalogue: a stored confirmation does not apply to this registry", "model", e.Confirmation.ModelID, "err", e)
		}
	}
	return nil
}

// Kick asks Run to reload soon (after a switch made by this instance);
// it never blocks.
func (c *Catalogue) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run loads the switches, then reloads them on every notification, every
// Kick and every Reload period, until ctx ends. It returns nil once its
// listener has stopped too.
func (c *Catalogue) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.cfg.ConnConfig != nil {
		bot := strconv.FormatInt(c.cfg.Store.BotID(), 10)
		l := store.Listener{
			ConnConfig: c.cfg.ConnConfig, Channel: store.ModelsChannel,
			Notify: func(_ context.Context, payload string) {
				if payload == bot {
					c.Kick()
				}
			},
			Interrupted: func(err error) { c.log.Warn("catalogue: listen interrupted; reconnecting", "err", err) },
		}
		wg.Go(func() { l.Run(ctx) })
	}
	c.reload(ctx)
	tick := time.NewTicker(c.cfg.Reload)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-c.kick:
		}
		c.reload(ctx)
	}
}

func (c *Catalogue) reload(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Load(lctx); err != nil && ctx.Err() == nil {
		c.log.Error("catalogue: cannot load model switches; keeping the last copy", "err", err)
	}
}
