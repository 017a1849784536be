package shop

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/store"
)

// BusinessMetrics is a Prometheus collector of the bot's business figures:
// top-ups and their kopecks by payment method, refunds by kind, finished
// jobs by model and outcome with the sales they captured, Kie's last known
// balance, and the active broadcast's recipients by state.
//
// It reads them from the database at scrape time (store.BusinessTotals)
// instead of counting events in the process: every instance, leader or
// standby, then reports the same totals, and a restart or a failover
// resets nothing. Reading costs a scan of the ledger and the finished
// jobs, so a result is reused for CacheFor; a failed read serves the last
// good one (or nothing before the first) and is logged.
type BusinessMetrics struct {
	st       *store.Store
	log      *slog.Logger
	cacheFor time.Duration

	mu     sync.Mutex
	cached store.BusinessTotals
	have   bool
	readAt time.Time

	topUps, topUpKopecks, refunds, refundKopecks *prometheus.Desc
	jobs, sales                                  *prometheus.Desc
	kieBalance, kieBalanceAt                     *prometheus.Desc
	broadcastActive, broadcastRecipients         *prometheus.Desc
}

// NewBusinessMetrics builds the collector; register it on the engine's
// registry (actors.Metrics.Registry). cacheFor defaults to 15 s.
func NewBusinessMetrics(st *store.Store, log *slog.Logger, cacheFor time.Duration) *BusinessMetrics {
	if st == nil || log == nil {
		panic("shop.NewBusinessMetrics: Store and Logger are required")
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("kiebot_"+name, help, labels, nil)
	}
	return &BusinessMetrics{
		st: st, log: log.With("component", "metrics"), cacheFor: cmp.Or(cacheFor, 15*time.Second),
		topUps:              d("topups_total", "Top-ups credited, by payment method.", "method"),
		topUpKopecks:        d("topup_kopecks_total", "Kopecks credited by top-ups, by payment method.", "method"),
		refunds:             d("refunds_total", "Money given back, by kind (stars: a top-up refunded; job_release: a failed job's hold; result_lost).", "kind"),
		refundKopecks:       d("refund_kopecks_total", "Kopecks given back, by kind.", "kind"),
		jobs:                d("jobs_finished_total", "Finished generation jobs, by model and outcome (succeeded, failed, expired).", "model", "outcome"),
		sales:               d("sales_kopecks_total", "Kopecks captured for successful paid jobs, by model.", "model"),
		kieBalance:          d("kie_balance_credits", "Kie's credit balance at its last reading."),
		kieBalanceAt:        d("kie_balance_read_timestamp_seconds", "When Kie's balance was last read (Unix time)."),
		broadcastActive:     d("broadcast_active", "1 while a broadcast is in this state (sending or paused), else 0.", "state"),
		broadcastRecipients: d("broadcast_recipients", "Recipients of the sending or paused broadcast, by state.", "state"),
	}
}

// Describe implements prometheus.Collector.
func (m *BusinessMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.topUps, m.topUpKopecks, m.refunds, m.refundKopecks, m.jobs, m.sales,
		m.kieBalance, m.kieBalanceAt, m.broadcastActive, m.broadcastRecipients} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *BusinessMetrics) Collect(ch chan<- prometheus.Metric) {
	t, ok := m.totals()
	if !ok {
		return
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, x := range t.TopUps {
		counter(m.topUps, x.Count, x.Label)
		counter(m.topUpKopecks, x.Kopecks, x.Label)
	}
	for _, x := range t.Refunds {
		counter(m.refunds, x.Count, x.Label)
		counter(m.refundKopecks, x.Kopecks, x.Label)
	}
	sales := map[string]int64{}
	for _, j := range t.Jobs {
		counter(m.jobs, j.Count, j.ModelID, string(j.Outcome))
		sales[j.ModelID] += j.Kopecks
	}
	for model, v := range sales {
		counter(m.sales, v, model)
	}
	if t.KieBalanceKnown {
		gauge(m.kieBalance, kie.Credits(t.KieBalance.CreditsMicro).Float64())
		gauge(m.kieBalanceAt, float64(t.KieBalance.ReadAt.UnixMilli())/1000)
	}
	for _, s := range []store.BroadcastState{store.BroadcastSending, store.BroadcastPaused} {
		v := 0.0
		if t.Broadcast != nil && t.Broadcast.State == s {
			v = 1
		}
		gauge(m.broadcastActive, v, string(s))
	}
	if t.Broadcast != nil {
		for state, n := range t.BroadcastCounts.ByState() {
			gauge(m.broadcastRecipients, float64(n), string(state))
		}
	}
}

// totals is the cached aggregate, refreshed when older than cacheFor.
func (m *BusinessMetrics) totals() (store.BusinessTotals, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.have && time.Since(m.readAt) < m.cacheFor {
		return m.cached, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t, err := m.st.BusinessTotals(ctx)
	if err != nil {
		m.log.Warn("metrics: cannot read the business totals; serving the last ones", "err", err, "have_last", m.have)
		return m.cached, m.have
	}
	m.cached, m.have, m.readAt = t, true, time.Now()
	return t, true
}
