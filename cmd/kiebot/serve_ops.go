package main

import (
	"log/slog"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/shop"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/store"
)

// opsParts are the operator's background work and the API the console
// (and a web panel) calls: broadcasts, alerts to admins, the Kie balance.
type opsParts struct {
	alerts     *shop.Alerter    // MoneyUpdateStuck is the receiver of the engine's stuck-update hook
	kieWatch   *shop.KieWatch   // Balance, Refresh; Check guards the order path
	broadcasts *shop.Broadcasts // the console's broadcast API
}

// buildOps builds them and registers the business metrics.
func buildOps(cfg Config, log *slog.Logger, st *store.Store, tg *telegram.Client, kc *kie.Client, metrics *actors.Metrics) opsParts {
	alerts := shop.NewAlerter(shop.AlertsConfig{
		Store: st, Telegram: tg, Logger: log, AdminIDs: cfg.AdminIDs, Window: cfg.Ops.AlertWindow,
		ModelFailures: cfg.Ops.ModelFailures, ModelJobs: cfg.Ops.ModelJobs,
		Leadership: cfg.Ops.AlertLeadership, Instance: cfg.InstanceName,
	})
	metrics.Registry.MustRegister(shop.NewBusinessMetrics(st, log, 0))
	return opsParts{
		alerts: alerts,
		kieWatch: shop.NewKieWatch(shop.KieWatchConfig{
			Store: st, Kie: kc, Alerts: alerts, Logger: log, Every: cfg.Ops.KieBalanceEvery, AlertBelow: cfg.Ops.KieBalanceAlert,
		}),
		broadcasts: shop.NewBroadcasts(shop.BroadcastsConfig{
			Store: st, Telegram: tg, Logger: log, Rate: cfg.Ops.BroadcastRate, ProgressEvery: cfg.Ops.BroadcastProgressEvery,
		}),
	}
}

// workers are the leader-only parts, run in every term after the jobs
// actor: the broadcast sender, the Kie balance watch, the alerts' checks.
func (o opsParts) workers() []actors.Worker {
	return []actors.Worker{
		{Name: "broadcasts", Run: o.broadcasts.Run},
		{Name: "kiewatch", Run: o.kieWatch.Run},
		{Name: "alerts", Run: o.alerts.Run},
	}
}
