package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/kiebot/kiebot/actors/shop"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/shop/panel"
	"github.com/kiebot/kiebot/actors/shop/receipt"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/run"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/logging"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/migrations"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/localpg"
)

// runServe is the service: config, logger, database, migrations, then one
// run group of actors until a signal or a fatal error.
func runServe(ctx context.Context, e env, stdout, stderr io.Writer) int {
	cfg, log, db, code := startup(ctx, e, stderr)
	if db == nil {
		return code
	}
	defer db.close()
	if _, err := store.Migrate(ctx, db.pool, migrations.All(), log); err != nil {
		log.Error("kiebot: cannot migrate the database", "err", err)
		return exitFail
	}

	if err := serve(ctx, cfg, log, db.pool); err != nil {
		if errors.Is(err, run.ErrSignal) || errors.Is(err, context.Canceled) {
			log.Info("kiebot: stopped", "reason", err.Error())
			return exitOK
		}
		log.Error("kiebot: stopped on error", "err", err)
		return exitFail
	}
	return exitOK
}

// startup is what serve and migrate share: the validated configuration, a
// redacting logger (the configuration logged, secrets masked) and the open
// database. When db is nil, code is the exit code to return.
func startup(ctx context.Context, e env, stderr io.Writer) (cfg Config, log *slog.Logger, db *database, code int) {
	cfg, err := loadConfig(ctx, e.lookup, e.hostname)
	if err != nil {
		printProblems(stderr, err)
		return cfg, nil, nil, exitConfig
	}
	log, err = logging.New(stderr, logging.Options{Format: cfg.LogFormat, Level: cfg.LogLevel, Secrets: cfg.secrets()})
	if err != nil {
		fmt.Fprintf(stderr, "kiebot: %v\n", err)
		return cfg, nil, nil, exitConfig
	}
	log = log.With("instance", cfg.InstanceName, "bot_id", cfg.BotID)
	logConfig(log, cfg)
	db, err = openDatabase(ctx, cfg, log)
	if err != nil {
		log.Error("kiebot: cannot open the database", "err", err)
		return cfg, log, nil, exitFail
	}
	return cfg, log, db, exitOK
}

// serve builds the actors and runs them in one group: the signal handler,
// the leader (whose terms run the term supervisor: poller, dispatcher with
// per-user conversation actors, the shop's jobs actor), the HTTP server,
// which outlives the leader so the webhook stores updates until the lock is
// released, and the shop's catalogue of models switched off at runtime.
func serve(ctx context.Context, cfg Config, log *slog.Logger, pool *pgxpool.Pool) error {
	st := store.New(pool, cfg.BotID)
	metrics := actors.NewMetrics(version, pool)
	status := &actors.StatusBoard{}
	metrics.SetRole(actors.RoleStarting)
	tg, err := telegram.New(telegram.Config{APIURL: cfg.TelegramAPIURL, Token: cfg.TelegramToken, Logger: log})
	if err != nil {
		return err
	}
	connConfig := pool.Config().ConnConfig.Copy()
	wake := make(chan struct{}, 1)    // local poller or webhook → local dispatcher
	jobWake := make(chan int64, 1024) // conversation actors → jobs actor

	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{
		KieCreditUSD: cfg.KieCreditUSD, USDRUBRate: cfg.USDRUBRate, Markup: cfg.PricingMarkup, FreeTierCount: cfg.FreeTierCount,
	})
	if err != nil {
		return fmt.Errorf("pricing: %w", err)
	}
	logPricing(log, pricer)
	kc, err := kie.New(kie.Config{APIKey: cfg.KieAPIKey, BaseURL: cfg.KieBaseURL, UploadBaseURL: cfg.KieUploadURL, Logger: log})
	if err != nil {
		return fmt.Errorf("kie client: %w", err)
	}
	callbackKey := []byte(cfg.WebhookSecret + ":kie")
	// Models switched off by an admin, kept current on every instance.
	// and the operators' price confirmations applied over the registry.
	catalogue := shop.NewCatalogue(shop.CatalogueConfig{Store: st, ConnConfig: connConfig, Pricer: pricer, Logger: log})
	ops := buildOps(cfg, log, st, tg, kc, metrics)
	manual, err := manualConfig(ctx, cfg.Payments, log)
	if err != nil {
		return err
	}
	// One operator service for the Telegram console and the web panel.
	op := operator.New(operator.Config{AdminIDs: cfg.AdminIDs, Pricer: pricer, Logger: log,
		Kie: operator.NewKieCredits(kc, time.Minute, nil)})
	// The web panel needs a public base URL for its sign-in links.
	var (
		signIn      shop.PanelSignIn
		panelRoutes []actors.Route
	)
	if cfg.PublicBaseURL != "" {
		pnl := panel.New(panel.Config{
			Store: st, Operator: op, Broadcasts: ops.broadcasts, BaseURL: cfg.PublicBaseURL, Logger: log,
			Instance: panel.Instance{Name: cfg.InstanceName, Version: version, Status: func() (string, int64) {
				s := status.Get()
				return string(s.Role), s.Epoch
			}},
		})
		signIn = pnl
		panelRoutes = []actors.Route{{Pattern: panel.Prefix, Handler: pnl}, {Pattern: panel.ExportPattern, Handler: pnl, Stream: true}}
	} else {
		log.Info("kiebot: no public base URL (WEBHOOK_BASE_URL or RENDER_EXTERNAL_URL): the web panel is off")
	}
	handler := shop.New(shop.Config{
		Store: st, Telegram: tg, Kie: kc, Pricer: pricer, Logger: log,
		AdminIDs: cfg.AdminIDs, FreeDailyLimit: cfg.FreeDailyLimit, StarsPackages: cfg.StarsPackages,
		KopecksPerStar: cfg.StarsRUBRate, WelcomeBalance: cfg.WelcomeBalance, SupportContact: cfg.SupportContact,
		Catalogue:   catalogue,
		JobTimeouts: map[pricing.Media]time.Duration{"image": cfg.JobTimeoutImage, "audio": cfg.JobTimeoutAudio, "video": cfg.JobTimeoutVideo},
		WakeJobs: func(id int64) {
			select {
			case jobWake <- id:
			default: // the jobs actor's sweep picks it up
			}
		},
		CheckKieFunds: ops.kieWatch.Check,
		Broadcasts:    ops.broadcasts,
		Manual:        manual,
		Subscription:  subscriptionPlan(cfg.Payments),
		Operator:      op,
		Panel:         signIn,
		Growth: shop.GrowthConfig{
			Referral:      store.ReferralTerms{Bonus: cfg.Growth.ReferralBonus, Percent: cfg.Growth.ReferralPercent, Days: cfg.Growth.ReferralDays},
			PromoFailures: cfg.Growth.PromoMaxFailures, BotUsername: cfg.Growth.BotUsername,
		},
	})
	jobs := shop.NewJobs(shop.JobsConfig{
		Store: st, Kie: kc, Telegram: tg, Registry: pricer.Registry(), Catalogue: catalogue, Logger: log,
		Reconcile: shop.NewReconciler(shop.ReconcileConfig{Store: st, Alerts: ops.alerts, Logger: log, Catalogue: catalogue,
			TolerancePct: cfg.Catalogue.CostTolerancePct, OffAfter: offAfter(cfg.Catalogue.CostOffAfter)}).Check,
		CallbackBaseURL: cfg.PublicBaseURL, CallbackKey: callbackKey, ConnConfig: connConfig, Wake: jobWake,
	})
	term := actors.NewTermSupervisor(actors.TermSupervisorConfig{
		Mode:          cfg.BotMode,
		WebhookURL:    cfg.PublicBaseURL + actors.WebhookPath,
		WebhookSecret: cfg.WebhookSecret,
		Telegram:      tg,
		Store:         st,
		Logger:        log,
		Metrics:       metrics,
		Poller:        actors.PollerConfig{Telegram: tg, Logger: log, Metrics: metrics},
		Dispatcher: actors.DispatcherConfig{
			Store: st, Telegram: tg, Handler: handler, PreCheckout: handler,
			Logger: log, Metrics: metrics, ConnConfig: connConfig,
			// A payment or refund failing 10 attempts in a row (about two
			// minutes of backoff) is reported to the admins; it is retried on.
			Stuck: ops.alerts.MoneyUpdateStuck,
		},
		Workers: append([]actors.Worker{
			{Name: "jobs", Run: jobs.Run},
			{Name: "retention", Run: (&actors.Retention{Store: st, Policy: cfg.Retention, Every: cfg.RetentionEvery, Logger: log}).Run},
			{Name: "catalogue-sync", Run: shop.NewCatalogueSync(shop.CatalogueSyncConfig{
				Store: st, Source: shop.KieCatalogue{Client: kc}, Catalogue: catalogue, Alerts: ops.alerts, Logger: log,
				Every: cfg.Catalogue.SyncEvery,
			}).Run},
		}, ops.workers()...),
		Wake: wake,
	})
	leader := actors.NewLeader(actors.LeaderConfig{
		BotID:           cfg.BotID,
		Instance:        cfg.InstanceName,
		Version:         version,
		ConnConfig:      connConfig,
		LockTTL:         cfg.LockTTL,
		Heartbeat:       cfg.HeartbeatInterval,
		RequestHandover: true,
		Term:            term.Run,
		Logger:          log,
		Metrics:         metrics,
		Status:          status,
	})
	leaderDone := make(chan struct{})

	ms := migrations.All()
	httpSrv, err := actors.NewHTTPServer(actors.HTTPServerConfig{
		Addr:     net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Instance: cfg.InstanceName,
		Version:  version,
		Logger:   log,
		Metrics:  metrics,
		Status:   status,
		Ready: func(ctx context.Context) error {
			if err := st.Ping(ctx); err != nil {
				return err
			}
			return store.MigrationsApplied(ctx, pool, ms)
		},
		Routes: append([]actors.Route{{
			Pattern: "POST " + actors.WebhookPath,
			Handler: &actors.WebhookReceiver{
				Secret: cfg.WebhookSecret,
				Inbox:  &actors.Inbox{Store: st, Metrics: metrics, Source: "webhook", Stored: wake},
				Logger: log,
			},
		}, {
			Pattern: "POST " + shop.CallbackPath,
			Handler: &shop.KieCallbackReceiver{Store: st, Kie: kc, CallbackKey: callbackKey, HMACKey: hmacKey(cfg), Logger: log},
		}}, panelRoutes...),
		StopAfter:       leaderDone,
		ShutdownTimeout: cfg.ShutdownTimeout,
	})
	if err != nil {
		return err
	}

	var g run.Group
	{
		execute, interrupt := run.SignalHandler(ctx, syscall.SIGINT, syscall.SIGTERM)
		g.Add(execute, interrupt)
	}
	{
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error {
			defer close(leaderDone)
			return leader.Run(ctx)
		}, func(error) { cancel() })
	}
	{
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error { return httpSrv.Run(ctx) }, func(error) { cancel() })
	}
	{
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error { return catalogue.Run(ctx) }, func(error) { cancel() })
	}
	return runBounded(&g, cfg.ShutdownTimeout, log)
}

// runBounded runs g and, once the first actor has returned, gives the rest
// at most timeout to finish: oklog/run would wait forever for a stuck one.
func runBounded(g *run.Group, timeout time.Duration, log *slog.Logger) error {
	stopping := make(chan struct{})
	g.Add(func() error { <-stopping; return nil }, func(error) {
		select {
		case <-stopping:
		default:
			close(stopping)
		}
	})
	done := make(chan error, 1)
	go func() { done <- g.Run() }()
	select {
	case err := <-done:
		return err
	case <-stopping:
	}
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		log.Error("kiebot: shutdown timed out; exiting without waiting for the remaining actors", "timeout", timeout)
		return fmt.Errorf("shutdown exceeded SHUTDOWN_TIMEOUT (%s)", timeout)
	}
}

func hmacKey(cfg Config) []byte {
	if cfg.KieWebhookHMACKey == "" {
		return nil
	}
	return []byte(cfg.KieWebhookHMACKey)
}

// logPricing says at start-up what every price is made of, and whether the
// bot sells at all.
// offAfter maps COST_OVERRUN_OFF_AFTER (0: never) onto
// ReconcileConfig.OffAfter (negative: never).
func offAfter(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func logPricing(log *slog.Logger, p *pricing.Pricer) {
	r := p.Rates()
	reg := p.Registry()
	log.Info("kiebot: pricing", "kie_credit_usd", r.KieCreditUSD, "usd_rub_rate", r.USDRUBRate, "markup", r.Markup,
		"free_tier_count", r.FreeTierCount, "models_enabled", len(reg.Models()), "models_known", len(reg.All()))
	if err := p.Ready(); err != nil {
		log.Warn("kiebot: nothing is for sale", "reason", err.Error())
	}
}

func logConfig(log *slog.Logger, cfg Config) {
	attrs := make([]any, 0, 2*len(cfg.summary()))
	for _, kv := range cfg.summary() {
		attrs = append(attrs, kv[0], kv[1])
	}
	log.Info("kiebot: starting", append([]any{"version", version}, attrs...)...)
}

// database is the pool and, with no DATABASE_URL, the embedded server.
type database struct {
	pool     *pgxpool.Pool
	embedded *localpg.Server
	log      *slog.Logger
}

func openDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*database, error) {
	d := &database{log: log}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		log.Info("kiebot: DATABASE_URL is not set; starting the embedded PostgreSQL", "data_dir", cfg.DataDir)
		srv, err := localpg.Start(ctx, localpg.Config{DataDir: cfg.DataDir, Logger: log})
		if err != nil {
			return nil, err
		}
		d.embedded = srv
		dsn = srv.URL()
	}
	pool, err := store.OpenPool(ctx, dsn, store.PoolConfig{ApplicationName: "kiebot/" + cfg.InstanceName})
	if err != nil {
		d.close()
		return nil, err
	}
	d.pool = pool
	return d, nil
}

func (d *database) close() {
	if d.pool != nil {
		d.pool.Close()
	}
	if d.embedded != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.embedded.Stop(ctx); err != nil {
			d.log.Error("kiebot: stopping the embedded PostgreSQL failed", "err", err)
		}
	}
}

// runMigrate applies migrations and exits.
func runMigrate(ctx context.Context, e env, _, stderr io.Writer) int {
	_, log, db, code := startup(ctx, e, stderr)
	if db == nil {
		return code
	}
	defer db.close()
	applied, err := store.Migrate(ctx, db.pool, migrations.All(), log)
	if err != nil {
		log.Error("kiebot: migration failed", "err", err)
		return exitFail
	}
	log.Info("kiebot: database is up to date", "applied", len(applied))
	return exitOK
}

// manualConfig builds the manual top-ups' settings and receipt checker, or
// nil when they are off. Without tesseract (or its Russian and English
// data) receipts go to the admins unchecked, and the log says so now.
func manualConfig(ctx context.Context, p PaymentsConfig, log *slog.Logger) (*shop.ManualConfig, error) {
	if !p.ManualOn() {
		return nil, nil
	}
	checker, err := receipt.New(ctx, receipt.Config{MaxInputBytes: p.ManualMaxBytes})
	if err != nil {
		return nil, fmt.Errorf("receipt checker: %w", err)
	}
	caps := checker.Capabilities()
	if notice := caps.StartupNotice(receipt.EN); notice != "" {
		log.Warn("kiebot: manual top-ups: receipts are not fully checked; they go to the admins as they are", "notice", notice, "err", caps.OCRErr)
	} else {
		log.Info("kiebot: manual top-ups on, receipts pre-checked by OCR", "tesseract", caps.Version, "pdftoppm", caps.Pdftoppm)
	}
	return &shop.ManualConfig{Details: p.ManualDetails, Amounts: p.ManualAmounts, ValidFor: p.ManualValidFor, MaxAge: p.ManualMaxAge,
		MaxBytes: p.ManualMaxBytes, Checker: checker}, nil
}

// subscriptionPlan is the monthly Stars plan, or nil when it is not sold.
func subscriptionPlan(p PaymentsConfig) *shop.SubscriptionPlan {
	if p.SubStars <= 0 {
		return nil
	}
	return &shop.SubscriptionPlan{Stars: p.SubStars, Kopecks: p.SubKopecks}
}
