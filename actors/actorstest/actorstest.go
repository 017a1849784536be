// Package actorstest starts kiebot instances — the engine's leader, term
// supervisor, poller, dispatcher and user actors — against a real
// PostgreSQL database (store/storetest) and the fake Bot API
// (actors/telegram/telegramtest), for the engine's own tests and for the
// shop's, which plug their handlers and workers in with Harness.Build.
// Instances run with short leases, so failovers happen within a test's
// patience, and report what they do to an EventLog tests wait on.
package actorstest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// Short leases so failovers happen within a test's patience.
const (
	TTL   = 2 * time.Second        // the default LOCK_TTL; the heartbeat runs every TTL/4
	Retry = 100 * time.Millisecond // how often a standby tries the lock
)

// BotToken is the token of the bot tests run unless they need another
// (its numeric prefix is the bot id).
const BotToken = "5550001:AAtestTOKENforLEADERtests_abcdefgh"

// EchoHandler answers every text with "#k text": k counts the user's
// messages in the persisted conversation data, so a reply sequence of
// #1..#n proves every update took effect exactly once, in order, and that
// the state survived failovers.
type EchoHandler struct{}

type echoData struct {
	Count int `json:"count"`
}

// Handle implements actors.UpdateHandler.
func (EchoHandler) Handle(_ context.Context, s actors.Session, upd *models.Update) (actors.Step, error) {
	if upd.Message == nil || upd.Message.From == nil {
		return actors.Step{}, nil
	}
	var d echoData
	if len(s.Data) > 0 {
		if err := json.Unmarshal(s.Data, &d); err != nil {
			return actors.Step{}, err
		}
	}
	d.Count++
	data, _ := json.Marshal(d)
	m := upd.Message
	return actors.Step{
		State: "menu",
		Data:  data,
		Ops:   []telegram.Op{telegram.SendOp(m.Chat.ID, fmt.Sprintf("#%d %s", d.Count, html.EscapeString(m.Text)), nil)},
	}, nil
}

// Apology implements actors.UpdateHandler.
func (EchoHandler) Apology(context.Context, int64) []telegram.Op { return nil }

// EventLog records what instances did, in order, for ordering assertions:
// "<name> poll", "<name> poller stopped", "<name> elected <epoch>",
// "<name> term started <epoch>", "<name> term stopped <epoch>",
// "<name> lock busy", "<name> heartbeat <epoch>", "<name> heartbeat failed
// <epoch>", "<name> asked for a handover" and "<name> <role> <epoch>" for
// every role change.
type EventLog struct {
	mu      sync.Mutex
	events  []string
	times   []time.Time // when each event happened
	changed chan struct{}
}

// NewEventLog returns an empty log.
func NewEventLog() *EventLog { return &EventLog{changed: make(chan struct{})} }

// Add records an event.
func (l *EventLog) Add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf(format, args...))
	l.times = append(l.times, time.Now())
	close(l.changed)
	l.changed = make(chan struct{})
}

// Snapshot is every event so far.
func (l *EventLog) Snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

// WaitFor blocks until cond holds over the events (re-checked at every new
// event) or ctx ends.
func (l *EventLog) WaitFor(ctx context.Context, cond func([]string) bool) error {
	for {
		l.mu.Lock()
		events := append([]string(nil), l.events...)
		ch := l.changed
		l.mu.Unlock()
		if cond(events) { // unlocked: cond may query the database or the log
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for events: %w; events so far: %s", ctx.Err(), strings.Join(l.Snapshot(), ", "))
		}
	}
}

// FirstPollOfNewTerm finds, after t0, the first term started with an epoch
// above epoch and the first poll of that instance after it; it returns
// that poll's time.
func (l *EventLog) FirstPollOfNewTerm(t0 time.Time, epoch int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	who := ""
	for i, e := range l.events {
		if l.times[i].Before(t0) {
			continue
		}
		if who == "" {
			if name, ep, ok := strings.Cut(e, " term started "); ok {
				var n int
				fmt.Sscanf(ep, "%d", &n)
				if n > epoch {
					who = name
				}
			}
			continue
		}
		if e == who+" poll" {
			return l.times[i], true
		}
	}
	return time.Time{}, false
}

// Index is the position of event, -1 if it has not happened.
func (l *EventLog) Index(event string) int {
	for i, e := range l.Snapshot() {
		if e == event {
			return i
		}
	}
	return -1
}

// Count is how many events start with prefix.
func Count(events []string, prefix string) int {
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// Harness is one bot on one database and one fake Bot API, with as many
// instances as a test starts.
type Harness struct {
	// Build, when set, supplies an instance's handlers and leader-only
	// workers (the shop's); otherwise instances run EchoHandler and refuse
	// payments. It is called once per instance started.
	Build func(st *store.Store, tg *telegram.Client, metrics *actors.Metrics) (actors.UpdateHandler, actors.PreCheckoutHandler, []actors.Worker)

	T      testing.TB
	DSN    string
	Admin  *pgx.Conn // a connection of the test's own, outside every instance
	TG     *telegramtest.Server
	Bot    *telegramtest.Bot
	Token  string
	BotID  int64
	Events *EventLog
}

// New starts a fake Bot API and a fresh database for one bot.
func New(t testing.TB, token string) *Harness {
	t.Helper()
	tg := telegramtest.NewServer()
	t.Cleanup(tg.Close)
	return NewOn(t, tg, storetest.NewDatabase(t), token)
}

// NewOn is New on a fake Bot API and a database the caller made.
func NewOn(t testing.TB, tg *telegramtest.Server, dsn, token string) *Harness {
	t.Helper()
	var botID int64
	fmt.Sscanf(token, "%d:", &botID)
	admin, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	return &Harness{T: t, DSN: dsn, Admin: admin, TG: tg, Bot: tg.AddBot(token), Token: token, BotID: botID, Events: NewEventLog()}
}

// Instance is one running kiebot instance of the harness's bot.
type Instance struct {
	Name    string
	Status  *actors.StatusBoard
	Metrics *actors.Metrics
	Stall   *StallSwitch
	cancel  context.CancelFunc
	done    chan error
}

// StallSwitch freezes an instance's heartbeat while on.
type StallSwitch struct {
	mu sync.Mutex
	on chan struct{} // non-nil while stalled; closed to release
}

// Freeze stops the heartbeat before its next round.
func (s *StallSwitch) Freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on == nil {
		s.on = make(chan struct{})
	}
}

// Thaw lets a frozen heartbeat go on.
func (s *StallSwitch) Thaw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on != nil {
		close(s.on)
		s.on = nil
	}
}

func (s *StallSwitch) wait(ctx context.Context) {
	s.mu.Lock()
	ch := s.on
	s.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Options configure one instance; the zero value polls with EchoHandler.
type Options struct {
	Mode            string // "polling" (default) or "webhook"
	Handler         actors.UpdateHandler
	PreCheckout     actors.PreCheckoutHandler
	IdleTimeout     time.Duration
	RequestHandover bool
	TTL             time.Duration // LOCK_TTL; default TTL
	Logger          *slog.Logger  // default: discarded
	WebhookURL      string
	// Trace, if set, sees updates pass the engine's stages (benchmarks).
	Trace actors.TraceFunc
	// SpillAfter is the poller's actors.PollerConfig.SpillAfter.
	SpillAfter time.Duration
	// Dispatcher, if set, adjusts the dispatcher's configuration.
	Dispatcher func(*actors.DispatcherConfig)
	// Workers run in every term after Build's.
	Workers []actors.Worker
}

// Start runs an instance until the test ends (or Instance.Stop).
func (h *Harness) Start(name string, opts Options) *Instance {
	h.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool := storetest.OpenPool(h.T, h.DSN)
	st := store.New(pool, h.BotID)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("instance", name)
	metrics := actors.NewMetrics("test", nil)
	inst := &Instance{Name: name, Metrics: metrics, Stall: &StallSwitch{}, cancel: cancel, done: make(chan error, 1)}
	inst.Status = &actors.StatusBoard{OnSet: func(s actors.Status) { h.Events.Add("%s %s %d", name, s.Role, s.Epoch) }}
	tg, err := telegram.New(telegram.Config{APIURL: h.TG.URL, Token: h.Token, Logger: log})
	if err != nil {
		h.T.Fatal(err)
	}
	handler, preCheckout := opts.Handler, opts.PreCheckout
	if handler == nil {
		handler = EchoHandler{}
	}
	if preCheckout == nil {
		preCheckout = RefusePayments{}
	}
	var workers []actors.Worker
	if h.Build != nil {
		handler, preCheckout, workers = h.Build(st, tg, metrics)
	}
	workers = append(workers, opts.Workers...)
	mode := cmp.Or(opts.Mode, "polling")
	ttl := cmp.Or(opts.TTL, TTL)
	connConfig := pool.Config().ConnConfig.Copy()
	wake := make(chan struct{}, 1)
	tcfg := actors.TermSupervisorConfig{
		Mode: mode, WebhookURL: opts.WebhookURL, WebhookSecret: "test-secret", Telegram: tg, Store: st, Logger: log, Metrics: metrics,
		Poller: actors.PollerConfig{Telegram: tg, Logger: log, Metrics: metrics, PollTimeout: 2 * time.Second, MaxBackoff: time.Second,
			OnPoll: func() { h.Events.Add("%s poll", name) },
			OnStop: func() { h.Events.Add("%s poller stopped", name) }, Trace: opts.Trace, SpillAfter: opts.SpillAfter},
		Dispatcher: actors.DispatcherConfig{Store: st, Telegram: tg, Handler: handler, PreCheckout: preCheckout, Logger: log,
			Metrics: metrics, ConnConfig: connConfig, RescanEvery: 200 * time.Millisecond, SendTimeout: 5 * time.Second,
			IdleTimeout: opts.IdleTimeout, Trace: opts.Trace},
		Workers: workers,
		Wake:    wake,
	}
	if opts.Dispatcher != nil {
		opts.Dispatcher(&tcfg.Dispatcher)
	}
	term := actors.NewTermSupervisor(tcfg)
	leader := actors.NewLeader(actors.LeaderConfig{
		BotID: h.BotID, Instance: name, Version: "test", ConnConfig: connConfig, LockTTL: ttl, Heartbeat: ttl / 4,
		RetryInterval: Retry, RequestHandover: opts.RequestHandover, Term: term.Run, Logger: log, Metrics: metrics, Status: inst.Status,
		Hooks: actors.LeaderHooks{
			Elected:         func(epoch int64) { h.Events.Add("%s elected %d", name, epoch) },
			TermStarted:     func(epoch int64) { h.Events.Add("%s term started %d", name, epoch) },
			TermStopped:     func(epoch int64, reason string) { h.Events.Add("%s term stopped %d", name, epoch) },
			BeforeHeartbeat: inst.Stall.wait,
			LockAttempt: func(ok bool) {
				if !ok {
					h.Events.Add("%s lock busy", name)
				}
			},
			Heartbeat: func(epoch int64, err error) {
				if err != nil {
					h.Events.Add("%s heartbeat failed %d", name, epoch)
				} else {
					h.Events.Add("%s heartbeat %d", name, epoch)
				}
			},
			HandoverAsked: func() { h.Events.Add("%s asked for a handover", name) },
		},
	})
	go func() { inst.done <- leader.Run(ctx) }()
	h.T.Cleanup(func() { inst.Stop(h.T) })
	return inst
}

// Cancel starts a graceful shutdown (SIGTERM) without waiting for it;
// Stop waits.
func (i *Instance) Cancel() { i.cancel() }

// Stop shuts the instance down gracefully and waits for it; a second call
// does nothing.
func (i *Instance) Stop(t testing.TB) {
	t.Helper()
	i.cancel()
	select {
	case err, ok := <-i.done:
		if ok && err != nil {
			t.Errorf("instance %s: %v", i.Name, err)
		}
		if ok {
			close(i.done)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("instance %s did not stop", i.Name)
	}
}

// LockBackendPID is the backend holding the bot's leader lock (0: none).
func (h *Harness) LockBackendPID(ctx context.Context) int32 {
	h.T.Helper()
	pid, err := store.LockHolderPID(ctx, h.Admin, store.LeaderLockKey(h.BotID))
	if err != nil {
		h.T.Fatal(err)
	}
	return pid
}

// LeaderName is the instance the lease names.
func (h *Harness) LeaderName() string {
	lease, err := store.ReadLease(context.Background(), h.Admin, h.BotID)
	if err != nil {
		h.T.Fatal(err)
	}
	return lease.Holder
}

// Context is a context that ends after d or with the test.
func Context(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// LastTermStarter returns the instance that most recently started a term.
func LastTermStarter(events []string) string {
	for i := len(events) - 1; i >= 0; i-- {
		if name, _, ok := strings.Cut(events[i], " term started "); ok {
			return name
		}
	}
	return ""
}

// LastEpoch is the epoch of name's most recent term start, as text ("?"
// before any).
func LastEpoch(events []string, name string) string {
	for i := len(events) - 1; i >= 0; i-- {
		if e, ok := strings.CutPrefix(events[i], name+" term started "); ok {
			return e
		}
	}
	return "?"
}

// CounterValue reads a Prometheus counter (-1 if it cannot).
func CounterValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// GaugeValue reads a Prometheus gauge (-1 if it cannot).
func GaugeValue(g interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		return -1
	}
	return m.GetGauge().GetValue()
}

// RefusePayments answers every pre-checkout query with a refusal.
type RefusePayments struct{}

// PreCheckout implements actors.PreCheckoutHandler.
func (RefusePayments) PreCheckout(context.Context, *models.PreCheckoutQuery) string {
	return "Payments are not available in this test."
}
