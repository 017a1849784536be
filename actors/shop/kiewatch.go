package shop

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kiebot/kiebot/actors"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/store"
)

// KieWatchConfig configures the Kie balance watch.
type KieWatchConfig struct {
	Store  *store.Store
	Kie    *kie.Client
	Alerts *Alerter // nil: no alerts
	Logger *slog.Logger
	// Every: how often the leader reads Kie's balance; 0: never (orders are
	// then never refused for want of credits, the balance being unknown).
	Every time.Duration
	// AlertBelow: a balance below it alerts the admins; 0: no such alert.
	AlertBelow kie.Credits
	// MaxAge: an order check treats an older reading as unknown (allows),
	// so a stopped watch never refuses orders on stale news; default three
	// times Every, at least 15 minutes.
	MaxAge time.Duration
	// RefreshGap: after an order is refused the balance is read again at
	// once (Kie may have been topped up since), but at most once per
	// RefreshGap; default 1 minute.
	RefreshGap time.Duration
	// GapAlert: between two readings the balance should fall by what the
	// jobs that finished meanwhile were billed (creditsConsumed, else the
	// quote of a success); a fall larger by more than GapAlert and 10 % of
	// that alerts the admins (another user of the API key, Kie billing
	// more than it reported, a failed task billed). Default 5 credits;
	// negative turns the cross-check off.
	GapAlert kie.Credits
}

// KieWatch reads Kie's credit balance on the leader (Run, a term worker)
// and stores it with its time, so every instance — the order path, the
// console, the metrics — reads the same last known balance. It alerts
// the admins when the balance drops below AlertBelow, and Check refuses
// an order the balance cannot cover before anything is held.
type KieWatch struct {
	cfg KieWatchConfig
	log *slog.Logger
	// refused carries a refused order's figures from Check (any user's
	// actor) to Run, which alerts and re-reads; one slot, never blocks.
	refused chan refusal
}

type refusal struct{ cost, balance, committed kie.Credits }

// ErrKieFundsShort: Kie's balance, less what unfinished jobs will take,
// does not cover an order.
var ErrKieFundsShort = errors.New("kie balance does not cover the order")

// ErrBalanceUnknown: Kie's balance has not been read yet.
var ErrBalanceUnknown = errors.New("kie balance not read yet")

// NewKieWatch validates cfg; bad wiring panics.
func NewKieWatch(cfg KieWatchConfig) *KieWatch {
	if cfg.Store == nil || cfg.Kie == nil || cfg.Logger == nil {
		panic("shop.NewKieWatch: Store, Kie and Logger are required")
	}
	cfg.MaxAge = cmp.Or(cfg.MaxAge, max(3*cfg.Every, 15*time.Minute))
	cfg.RefreshGap = cmp.Or(cfg.RefreshGap, time.Minute)
	cfg.GapAlert = cmp.Or(cfg.GapAlert, kie.CreditsFromInt(5))
	return &KieWatch{cfg: cfg, log: cfg.Logger.With("component", "kiewatch"), refused: make(chan refusal, 1)}
}

// Balance is the last known balance and when it was read (by the database
// clock), from any instance; ErrBalanceUnknown before the first reading.
func (w *KieWatch) Balance(ctx context.Context) (kie.Credits, time.Time, error) {
	b, err := w.cfg.Store.KieBalance(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return 0, time.Time{}, ErrBalanceUnknown
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	return kie.Credits(b.CreditsMicro), b.ReadAt, nil
}

// Refresh reads the balance from Kie now, stores it and alerts on a low
// one (the console's "refresh" asks for this on any instance).
func (w *KieWatch) Refresh(ctx context.Context) (kie.Credits, time.Time, error) {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	credits, err := w.cfg.Kie.Credits(rctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	prev, perr := w.cfg.Store.KieBalance(ctx)
	saved, err := w.cfg.Store.SaveKieBalance(ctx, credits.Micro())
	if err != nil {
		return 0, time.Time{}, err
	}
	if perr == nil {
		w.crossCheck(ctx, prev, credits, saved.ReadAt)
	}
	w.log.Debug("kiewatch: balance read", "credits", credits.String())
	if w.cfg.AlertBelow > 0 && credits < w.cfg.AlertBelow && w.cfg.Alerts != nil {
		_, err := w.cfg.Alerts.Alert(ctx, AlertKieBalanceLow, func(lang fsm.Lang) string {
			return fsm.T(lang, fsm.KeyAlertKieLow, credits.String(), w.cfg.AlertBelow.String())
		})
		if err != nil {
			w.log.Error("kiewatch: cannot alert about the low balance", "err", err)
		}
	}
	return credits, saved.ReadAt, nil
}

// AlertKieBalanceGap is the alert key of a balance that fell by more than
// the jobs account for.
const AlertKieBalanceGap = "kie_balance_gap"

// crossCheck compares the balance's fall since the previous reading with
// what the jobs finished in between were billed, and reports a gap. A
// balance that rose (a top-up) is not checked. A job Kie charged just
// before a reading but that finished on our side just after counts in the
// next interval: the tolerance absorbs such a shift.
func (w *KieWatch) crossCheck(ctx context.Context, prev store.KieBalance, now kie.Credits, at time.Time) {
	if w.cfg.GapAlert < 0 || !at.After(prev.ReadAt) {
		return
	}
	fell := prev.CreditsMicro - now.Micro()
	if fell <= 0 {
		return
	}
	spent, err := w.cfg.Store.KieSpend(ctx, prev.ReadAt, at)
	if err != nil {
		w.log.Error("kiewatch: cannot sum the jobs' charges to cross-check the balance", "err", err)
		return
	}
	gap := fell - spent
	if gap <= w.cfg.GapAlert.Micro() || gap*10 <= spent {
		return
	}
	w.log.Warn("kiewatch: Kie's balance fell by more than the jobs account for", "fell", kie.Credits(fell).String(),
		"jobs", kie.Credits(spent).String(), "gap", kie.Credits(gap).String(), "since", prev.ReadAt)
	if w.cfg.Alerts == nil {
		return
	}
	if _, err := w.cfg.Alerts.Alert(ctx, AlertKieBalanceGap, func(lang fsm.Lang) string {
		return fsm.T(lang, fsm.KeyAlertKieGap, kie.Credits(fell).String(), kie.Credits(spent).String(), kie.Credits(gap).String())
	}); err != nil {
		w.log.Error("kiewatch: cannot alert about the balance gap", "err", err)
	}
}

// Check is the order path's question: can Kie take an order costing cost,
// confirmed under idempotencyKey? It compares the last known balance,
// less the Kie cost of every job not finished yet, with cost. A balance
// never read, or read longer than MaxAge ago, is unknown and allows the
// order; so does a failure to read the database (the order then meets
// Kie's own 402 at worst, which releases its hold), and so does a repeat
// of an order already taken (a second tap of its confirmation). It is a
// best-effort guard: two orders checked at the same moment can both pass.
func (w *KieWatch) Check(ctx context.Context, cost kie.Credits, idempotencyKey string) error {
	bal, known, committed, ordered, err := w.cfg.Store.KieFunds(ctx, idempotencyKey)
	if err != nil {
		w.log.Warn("kiewatch: cannot read the funds; allowing the order", "err", err)
		return nil
	}
	if !known || bal.Age > w.cfg.MaxAge || ordered {
		return nil
	}
	balance, taken := kie.Credits(bal.CreditsMicro), kie.Credits(committed)
	if cost <= balance-taken {
		return nil
	}
	select {
	case w.refused <- refusal{cost: cost, balance: balance, committed: taken}:
	default:
	}
	return fmt.Errorf("%w: order %s credits, balance %s, %s taken by unfinished jobs", ErrKieFundsShort, cost, balance, taken)
}

// Run reads the balance at once and every Every until ctx ends, and
// answers refused orders with an alert and a fresh reading.
func (w *KieWatch) Run(ctx context.Context, _ actors.Term) error {
	var tick <-chan time.Time
	failures := 0 // readings failed in a row
	if w.cfg.Every > 0 {
		t := time.NewTicker(w.cfg.Every)
		defer t.Stop()
		tick = t.C
		w.read(ctx, &failures)
	}
	var lastForced time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			w.read(ctx, &failures)
		case r := <-w.refused:
			w.log.Warn("kiewatch: an order was refused for want of Kie credits",
				"cost", r.cost.String(), "balance", r.balance.String(), "committed", r.committed.String())
			if w.cfg.Alerts != nil {
				if _, err := w.cfg.Alerts.Alert(ctx, AlertKieRefusing, func(lang fsm.Lang) string {
					return fsm.T(lang, fsm.KeyAlertKieRefusing, r.cost.String(), r.balance.String(), r.committed.String())
				}); err != nil && ctx.Err() == nil {
					w.log.Error("kiewatch: cannot alert about refused orders", "err", err)
				}
			}
			if w.cfg.Every > 0 && time.Since(lastForced) >= w.cfg.RefreshGap {
				lastForced = time.Now()
				w.read(ctx, &failures)
			}
		}
	}
}

// unreadableAfter is how many readings in a row must fail before the
// admins hear of it (the client already retries each one); a key Kie
// refuses is reported at once.
const unreadableAfter = 3

// read refreshes the stored balance; failures counts the readings failed
// in a row.
func (w *KieWatch) read(ctx context.Context, failures *int) {
	_, _, err := w.Refresh(ctx)
	if err == nil {
		*failures = 0
		return
	}
	if ctx.Err() != nil {
		return
	}
	*failures++
	w.log.Error("kiewatch: cannot read Kie's balance; the last reading stands", "err", err, "failures", *failures)
	if w.cfg.Alerts == nil || (*failures < unreadableAfter && !errors.Is(err, kie.ErrUnauthorized)) {
		return
	}
	if _, aerr := w.cfg.Alerts.Alert(ctx, AlertKieUnreadable, func(lang fsm.Lang) string {
		return fsm.T(lang, fsm.KeyAlertKieUnreadable, fsm.Escape(cutRunes(err.Error(), 300)))
	}); aerr != nil && ctx.Err() == nil {
		w.log.Error("kiewatch: cannot alert about the unreadable balance", "err", aerr)
	}
}
