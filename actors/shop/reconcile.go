package shop

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/store"
)

// ReconcileConfig configures the check of Kie's bills against our quotes.
type ReconcileConfig struct {
	Store  *store.Store
	Alerts *Alerter // nil: overruns are only logged
	Logger *slog.Logger
	// Catalogue is kicked when a model is taken off sale, so this instance
	// hides it at once (the others hear the NOTIFY).
	Catalogue *Catalogue
	// TolerancePct: a job billed more than this many percent over its
	// quote counts towards taking the model off sale (COST_OVERRUN_TOLERANCE,
	// 10 by default there; 0 here: any overrun counts). Every overrun,
	// however small, is recorded and alerted.
	TolerancePct int64
	// OffAfter such jobs since an admin last switched the model on take it
	// off sale (COST_OVERRUN_OFF_AFTER, default 1); negative: never.
	OffAfter int
}

// Reconciler compares, after every finished job, what Kie billed
// (creditsConsumed) with the credits we quoted. A job billed more is
// recorded (store cost_overruns) and the admins are told the job, the
// model and the difference; after OffAfter jobs of one model over the
// tolerance, the model is switched off as the system (the runtime switch,
// audited) until an admin reviews it and switches it back on. The shop
// never sells at a loss knowingly: a model whose price Kie raised stops
// selling on the first job that shows it.
type Reconciler struct {
	cfg ReconcileConfig
	log *slog.Logger
}

// NewReconciler validates cfg; bad wiring panics.
func NewReconciler(cfg ReconcileConfig) *Reconciler {
	if cfg.Store == nil || cfg.Logger == nil {
		panic("shop.NewReconciler: Store and Logger are required")
	}
	cfg.TolerancePct = max(cfg.TolerancePct, 0)
	if cfg.OffAfter == 0 {
		cfg.OffAfter = 1
	}
	return &Reconciler{cfg: cfg, log: cfg.Logger.With("component", "reconcile")}
}

// Alert keys of the reconciliation.
const (
	alertOverrunPrefix = "cost_overrun:"
	alertCostOffPrefix = "cost_off:"
)

// Check reconciles one finished job. It is idempotent: a finish seen
// twice records, alerts and switches once. Kie reports nothing for some
// tasks (Suno's record has no creditsConsumed): those are left to the
// balance cross-check (KieWatch).
func (r *Reconciler) Check(ctx context.Context, job store.Job) {
	quoted, billed := job.CostMicroCredits, job.CreditsConsumedMicro
	if billed <= quoted || billed <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	log := r.log.With("job_id", job.ID, "model", job.ModelID, "quoted", kie.Credits(quoted).String(), "billed", kie.Credits(billed).String())
	inserted, err := r.cfg.Store.RecordCostOverrun(ctx, store.CostOverrun{JobID: job.ID, ModelID: job.ModelID, QuotedMicro: quoted, BilledMicro: billed})
	if err != nil {
		log.Error("reconcile: cannot record that Kie billed more than quoted", "err", err)
		return
	}
	if !inserted {
		return
	}
	diff := kie.Credits(billed - quoted)
	pct := overPct(quoted, billed)
	log.Warn("reconcile: Kie billed more than quoted", "difference", diff.String(), "percent", pct)
	r.alert(ctx, alertOverrunPrefix+strconv.FormatInt(job.ID, 10), func(l fsm.Lang) string {
		return fsm.T(l, fsm.KeyAlertCostOverrun, job.ID, fsm.Escape(job.ModelID), kie.Credits(quoted).String(), kie.Credits(billed).String(), diff.String(), pct)
	})
	if r.cfg.OffAfter < 0 || billed*100 <= quoted*(100+r.cfg.TolerancePct) {
		return
	}
	n, err := r.cfg.Store.CostOverrunsSinceReview(ctx, job.ModelID, r.cfg.TolerancePct)
	if err != nil {
		log.Error("reconcile: cannot count the model's overruns", "err", err)
		return
	}
	if n < r.cfg.OffAfter {
		return
	}
	reason := fmt.Sprintf("Kie billed more than quoted for %d job(s) by over %d%% (the last: #%d, %s credits billed for %s quoted); review the price, then switch it back on",
		n, r.cfg.TolerancePct, job.ID, kie.Credits(billed), kie.Credits(quoted))
	changed, err := r.cfg.Store.TakeOffSaleForCost(ctx, job.ModelID, reason, strconv.FormatInt(job.ID, 10))
	if err != nil {
		log.Error("reconcile: cannot take the model off sale", "err", err)
		return
	}
	if !changed {
		return
	}
	log.Warn("reconcile: model taken off sale until an admin reviews it", "overruns", n)
	if r.cfg.Catalogue != nil {
		r.cfg.Catalogue.Kick()
	}
	r.alert(ctx, alertCostOffPrefix+job.ModelID+":"+strconv.FormatInt(job.ID, 10), func(l fsm.Lang) string {
		return fsm.T(l, fsm.KeyAlertCostOff, fsm.Escape(job.ModelID), n, r.cfg.TolerancePct)
	})
}

func (r *Reconciler) alert(ctx context.Context, key string, text func(fsm.Lang) string) {
	if r.cfg.Alerts == nil {
		return
	}
	if _, err := r.cfg.Alerts.Alert(ctx, key, text); err != nil {
		r.log.Error("reconcile: cannot alert the admins", "alert", key, "err", err)
	}
}

// overPct is how far billed is over quoted, in whole percent rounded up
// (100 when nothing was quoted).
func overPct(quoted, billed int64) int64 {
	if quoted <= 0 {
		return 100
	}
	over := (billed - quoted) * 100
	pct := over / quoted
	if over%quoted != 0 {
		pct++
	}
	return pct
}
