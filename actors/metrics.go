package actors

import (
	"runtime"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are kiebot's Prometheus collectors. They live on a registry made
// for the process (never the global default), so tests build their own.
type Metrics struct {
	Registry *prometheus.Registry

	Role            *prometheus.GaugeVec // 1 for the current role
	Epoch           prometheus.Gauge
	Elections       prometheus.Counter
	Handovers       prometheus.Counter
	LeaseAgeSeconds prometheus.Gauge

	InboxDepth      prometheus.Gauge
	InboxLagSeconds prometheus.Gauge
	UpdatesStored   *prometheus.CounterVec // by source: poll, webhook
	UpdatesDone     *prometheus.CounterVec // by result: processed, failed
	UpdateSeconds   prometheus.Histogram   // receipt to reply
	Conflicts409    prometheus.Counter
	RateLimited429  prometheus.Counter
	ActiveActors    prometheus.Gauge
	TelegramErrors  *prometheus.CounterVec // by method
	// MoneyRetries counts failed attempts at updates that must not be
	// dropped (payments), by kind; any increase needs a look.
	MoneyRetries *prometheus.CounterVec
}

// NewMetrics registers the collectors, build info and, when pool is not nil,
// the database pool gauges on a new registry.
func NewMetrics(version string, pool *pgxpool.Pool) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Role: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kiebot_role", Help: "1 for the role this instance has now (starting, standby, leader, stopping).",
		}, []string{"role"}),
		Epoch:           prometheus.NewGauge(prometheus.GaugeOpts{Name: "kiebot_leader_epoch", Help: "Leadership term this instance last held or saw."}),
		Elections:       prometheus.NewCounter(prometheus.CounterOpts{Name: "kiebot_elections_total", Help: "Times this instance became leader."}),
		Handovers:       prometheus.NewCounter(prometheus.CounterOpts{Name: "kiebot_handovers_total", Help: "Times this instance stepped down at a newer instance's request."}),
		LeaseAgeSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kiebot_lease_age_seconds", Help: "Age of the lease's last heartbeat, by the database clock, at the last check."}),
		InboxDepth:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "kiebot_inbox_depth", Help: "Stored updates not yet processed."}),
		InboxLagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kiebot_inbox_lag_seconds", Help: "Age of the oldest unprocessed update."}),
		UpdatesStored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiebot_updates_stored_total", Help: "Updates written to the inbox, by source.",
		}, []string{"source"}),
		UpdatesDone: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiebot_updates_done_total", Help: "Updates finished, by result (processed, failed).",
		}, []string{"result"}),
		UpdateSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kiebot_update_seconds", Help: "From storing an update to finishing it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		Conflicts409:   prometheus.NewCounter(prometheus.CounterOpts{Name: "kiebot_telegram_409_total", Help: "getUpdates conflicts (another poller or a webhook)."}),
		RateLimited429: prometheus.NewCounter(prometheus.CounterOpts{Name: "kiebot_telegram_429_total", Help: "Telegram rate-limit answers."}),
		ActiveActors:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "kiebot_active_conversation_actors", Help: "Per-user conversation actors running."}),
		TelegramErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiebot_telegram_errors_total", Help: "Failed Bot API calls, by method.",
		}, []string{"method"}),
		MoneyRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiebot_money_update_failures_total", Help: "Failed attempts at updates that are never given up (payments, refunds), by kind; they are retried until they succeed.",
		}, []string{"kind"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kiebot_build_info", Help: "Build information; always 1.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(version, runtime.Version()).Set(1)
	reg.MustRegister(m.Role, m.Epoch, m.Elections, m.Handovers, m.LeaseAgeSeconds, m.InboxDepth, m.InboxLagSeconds,
		m.UpdatesStored, m.UpdatesDone, m.UpdateSeconds, m.Conflicts409, m.RateLimited429, m.ActiveActors, m.TelegramErrors, m.MoneyRetries,
		build, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		reg.MustRegister(newPoolCollector(pool))
	}
	return m
}

// SetRole flips the role gauge so exactly one role reads 1.
func (m *Metrics) SetRole(r Role) {
	for _, x := range []Role{RoleStarting, RoleStandby, RoleLeader, RoleStopping} {
		v := 0.0
		if x == r {
			v = 1
		}
		m.Role.WithLabelValues(string(x)).Set(v)
	}
}

// poolCollector reads pgxpool statistics at scrape time.
type poolCollector struct {
	pool                                 *pgxpool.Pool
	total, idle, acquired, max, acquires *prometheus.Desc
	waitSeconds                          *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("kiebot_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:        pool,
		total:       d("conns", "Connections open in the pool."),
		idle:        d("idle_conns", "Idle connections in the pool."),
		acquired:    d("acquired_conns", "Connections in use."),
		max:         d("max_conns", "Pool size limit."),
		acquires:    d("acquires_total", "Connections acquired from the pool."),
		waitSeconds: d("acquire_wait_seconds_total", "Time spent waiting for a connection."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.total, c.idle, c.acquired, c.max, c.acquires, c.waitSeconds} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
