package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"

	"github.com/kiebot/kiebot/actors/telegramtest"
	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// Short leases so failovers happen within a test's patience.
const (
	testTTL       = 2 * time.Second
	testHeartbeat = 500 * time.Millisecond
	testRetry     = 100 * time.Millisecond
)

// echoHandler answers every text with "#k text": k counts the user's
// messages in the persisted conversation data, so a reply sequence of
// #1..#n proves every update took effect exactly once, in order, and that
// the state survived failovers.
type echoHandler struct{}

type echoData struct {
	Count int `json:"count"`
}

func (echoHandler) Handle(_ context.Context, s Session, upd *models.Update) (Step, error) {
	if upd.Message == nil || upd.Message.From == nil {
		return Step{}, nil
	}
	var d echoData
	if len(s.Data) > 0 {
		if err := json.Unmarshal(s.Data, &d); err != nil {
			return Step{}, err
		}
	}
	d.Count++
	data, _ := json.Marshal(d)
	m := upd.Message
	return Step{
		State: fsm.StateMenu,
		Data:  data,
		Ops:   []Op{ScreenOp(m.Chat.ID, fsm.Screen{Text: fmt.Sprintf("#%d %s", d.Count, fsm.Escape(m.Text))})},
	}, nil
}

func (echoHandler) Apology(context.Context, int64) []Op { return nil }

// eventLog records what instances did, in order, for ordering assertions.
type eventLog struct {
	mu      sync.Mutex
	events  []string
	times   []time.Time // when each event happened
	changed chan struct{}
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf(format, args...))
	l.times = append(l.times, time.Now())
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *eventLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

// waitFor blocks until cond holds over the events (re-checked at every new
// event) or ctx ends.
func (l *eventLog) waitFor(ctx context.Context, cond func([]string) bool) error {
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
			return fmt.Errorf("waiting for events: %w; events so far: %s", ctx.Err(), strings.Join(l.snapshot(), ", "))
		}
	}
}

// firstPollOfNewTerm finds, after t0, the first term started with an epoch
// above epoch and the first poll of that instance after it; it returns
// that poll's time.
func (l *eventLog) firstPollOfNewTerm(t0 time.Time, epoch int) (time.Time, bool) {
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

func (l *eventLog) index(event string) int {
	for i, e := range l.snapshot() {
		if e == event {
			return i
		}
	}
	return -1
}

func count(events []string, prefix string) int {
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// harness is one bot on one database and one fake Bot API, with as many
// instances as a test starts.
type harness struct {
	// build, when set, supplies an instance's handlers and jobs actor
	// (the shop); otherwise instances run the echo conversation.
	build func(st *store.Store, tg *Telegram, metrics *Metrics, wake chan int64) (UpdateHandler, PreCheckoutHandler, func(context.Context, Term) error)

	t      testing.TB
	dsn    string
	admin  *pgx.Conn
	tg     *telegramtest.Server
	bot    *telegramtest.Bot
	token  string
	botID  int64
	events *eventLog
}

func newHarness(t *testing.T, token string) *harness {
	t.Helper()
	tg := telegramtest.NewServer()
	t.Cleanup(tg.Close)
	return newHarnessOn(t, tg, storetest.NewDatabase(t), token)
}

func newHarnessOn(t testing.TB, tg *telegramtest.Server, dsn, token string) *harness {
	t.Helper()
	var botID int64
	fmt.Sscanf(token, "%d:", &botID)
	admin, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	return &harness{t: t, dsn: dsn, admin: admin, tg: tg, bot: tg.AddBot(token), token: token, botID: botID, events: newEventLog()}
}

// instance is one running kiebot instance of the harness's bot.
type instance struct {
	name    string
	status  *StatusBoard
	metrics *Metrics
	stall   *stallSwitch
	cancel  context.CancelFunc
	done    chan error
	pool    interface{ Close() }
}

// stallSwitch freezes an instance's heartbeat while on.
type stallSwitch struct {
	mu sync.Mutex
	on chan struct{} // non-nil while stalled; closed to release
}

func (s *stallSwitch) freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on == nil {
		s.on = make(chan struct{})
	}
}

func (s *stallSwitch) thaw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on != nil {
		close(s.on)
		s.on = nil
	}
}

func (s *stallSwitch) wait(ctx context.Context) {
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

type instanceOptions struct {
	mode            string
	handler         UpdateHandler
	preCheckout     PreCheckoutHandler
	idleTimeout     time.Duration
	requestHandover bool
	ttl             time.Duration
	logger          *slog.Logger
	webhookURL      string
}

func (h *harness) start(name string, opts instanceOptions) *instance {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool := storetest.OpenPool(h.t, h.dsn)
	st := store.New(pool, h.botID)
	log := opts.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("instance", name)
	metrics := NewMetrics("test", nil)
	inst := &instance{name: name, metrics: metrics, stall: &stallSwitch{}, cancel: cancel, done: make(chan error, 1), pool: pool}
	inst.status = &StatusBoard{OnSet: func(s Status) { h.events.add("%s %s %d", name, s.Role, s.Epoch) }}
	tg, err := NewTelegram(TelegramConfig{APIURL: h.tg.URL, Token: h.token, Logger: log})
	if err != nil {
		h.t.Fatal(err)
	}
	handler := opts.handler
	if handler == nil {
		handler = echoHandler{}
	}
	mode := opts.mode
	if mode == "" {
		mode = "polling"
	}
	ttl := opts.ttl
	if ttl == 0 {
		ttl = testTTL
	}
	preCheckout := opts.preCheckout
	if preCheckout == nil {
		preCheckout = refusePayments{}
	}
	connConfig := pool.Config().ConnConfig.Copy()
	wake := make(chan struct{}, 1)
	var jobsRun func(context.Context, Term) error
	if h.build != nil {
		handler, preCheckout, jobsRun = h.build(st, tg, metrics, make(chan int64, 256))
	}
	ingest := NewIngest(IngestConfig{
		Mode: mode, WebhookURL: opts.webhookURL, WebhookSecret: "test-secret", Telegram: tg, Store: st, Logger: log, Metrics: metrics,
		Poller: PollerConfig{Telegram: tg, Logger: log, Metrics: metrics, PollTimeout: 2 * time.Second, MaxBackoff: time.Second,
			OnPoll: func() { h.events.add("%s poll", name) },
			OnStop: func() { h.events.add("%s poller stopped", name) }},
		Dispatcher: DispatcherConfig{Store: st, Telegram: tg, Handler: handler, PreCheckout: preCheckout, Logger: log,
			Metrics: metrics, ConnConfig: connConfig, RescanEvery: 200 * time.Millisecond, SendTimeout: 5 * time.Second,
			IdleTimeout: opts.idleTimeout},
		Jobs: jobsRun,
		Wake: wake,
	})
	leader := NewLeader(LeaderConfig{
		BotID: h.botID, Instance: name, Version: "test", ConnConfig: connConfig, LockTTL: ttl, Heartbeat: ttl / 4,
		RetryInterval: testRetry, RequestHandover: opts.requestHandover, Term: ingest.Run, Logger: log, Metrics: metrics, Status: inst.status,
		Hooks: LeaderHooks{
			Elected:         func(epoch int64) { h.events.add("%s elected %d", name, epoch) },
			TermStarted:     func(epoch int64) { h.events.add("%s term started %d", name, epoch) },
			TermStopped:     func(epoch int64, reason string) { h.events.add("%s term stopped %d", name, epoch) },
			BeforeHeartbeat: inst.stall.wait,
			LockAttempt: func(ok bool) {
				if !ok {
					h.events.add("%s lock busy", name)
				}
			},
		},
	})
	go func() { inst.done <- leader.Run(ctx) }()
	h.t.Cleanup(func() { inst.stop(h.t) })
	return inst
}

// newBenchHarness is newHarness for benchmarks.
func newBenchHarness(b *testing.B) *harness {
	b.Helper()
	tg := telegramtest.NewServer()
	b.Cleanup(tg.Close)
	return newHarnessOn(b, tg, storetest.NewDatabase(b), testBotToken)
}

// stop shuts the instance down gracefully and waits for it.
func (i *instance) stop(t testing.TB) {
	t.Helper()
	i.cancel()
	select {
	case err, ok := <-i.done:
		if ok && err != nil {
			t.Errorf("instance %s: %v", i.name, err)
		}
		if ok {
			close(i.done)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("instance %s did not stop", i.name)
	}
}

// lockBackendPID is the backend holding the bot's leader lock (0: none).
func (h *harness) lockBackendPID(ctx context.Context) int32 {
	h.t.Helper()
	pid, err := store.LockHolderPID(ctx, h.admin, store.LeaderLockKey(h.botID))
	if err != nil {
		h.t.Fatal(err)
	}
	return pid
}

func (h *harness) leaderName() string {
	var lease store.Lease
	lease, err := store.ReadLease(context.Background(), h.admin, h.botID)
	if err != nil {
		h.t.Fatal(err)
	}
	return lease.Holder
}

func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// lastLeaderEvent returns the instance that most recently started a term.
func lastTermStarter(events []string) string {
	for i := len(events) - 1; i >= 0; i-- {
		if name, _, ok := strings.Cut(events[i], " term started "); ok {
			return name
		}
	}
	return ""
}

func testutilCounter(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

func testutilGauge(g interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		return -1
	}
	return m.GetGauge().GetValue()
}

// refusePayments answers every pre-checkout query with a refusal.
type refusePayments struct{}

func (refusePayments) PreCheckout(context.Context, *models.PreCheckoutQuery) string {
	return "Payments are not available in this test."
}
