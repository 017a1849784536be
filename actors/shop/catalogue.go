package shop

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

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
}

// NewCatalogue validates cfg; bad wiring panics.
func NewCatalogue(cfg CatalogueConfig) *Catalogue {
	if cfg.Store == nil || cfg.Logger == nil {
		panic("shop.NewCatalogue: Store and Logger are required")
	}
	if cfg.Reload <= 0 {
		cfg.Reload = 30 * time.Second
	}
	return &Catalogue{cfg: cfg, log: cfg.Logger.With("component", "catalogue"), kick: make(chan struct{}, 1), off: map[string]bool{}}
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
	c.mu.Lock()
	changed := len(off) != len(c.off)
	for id := range off {
		changed = changed || !c.off[id]
	}
	c.off = off
	c.mu.Unlock()
	if changed {
		c.log.Info("catalogue: models switched off", "models", len(off))
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
