package actors

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5"

	"github.com/kiebot/kiebot/store"
)

// DispatcherConfig configures the dispatcher.
type DispatcherConfig struct {
	Store       *store.Store
	Telegram    *telegram.Client
	Handler     UpdateHandler
	PreCheckout PreCheckoutHandler
	Logger      *slog.Logger
	Metrics     *Metrics
	// ConnConfig, if set, lets the dispatcher LISTEN for updates stored by
	// other instances (the webhook); without it it polls every RescanEvery.
	ConnConfig *pgx.ConnConfig
	// Wake is signalled by the local poller or webhook after storing.
	Wake <-chan struct{}
	// MaxBuffered bounds updates held in memory (the inbox is the buffer);
	// default 2048. MailboxSize bounds one user's mailbox; default 8.
	MaxBuffered int
	MailboxSize int
	// IdleTimeout ends a user's actor after this long without updates;
	// default 15s.
	IdleTimeout time.Duration
	// RescanEvery is the safety-net rescan of the inbox; default 1s.
	RescanEvery time.Duration
	// SendTimeout bounds one Bot API call; default 30s.
	SendTimeout time.Duration
	// Stuck, if set, is called once an update the handler's MoneyClassifier
	// marks as not to be dropped has failed StuckAfter attempts in a row
	// (default 10), and again every StuckAfter attempts after that. Such an
	// update waits MaxRetryWait at most between attempts (default 30s).
	// CatchUpBatch bounds how many actors a new term starts at once for
	// users with replies a previous leader committed but did not send:
	// the next start only when one of them has sent its backlog; default
	// 64.
	CatchUpBatch int
	Stuck        StuckFunc
	StuckAfter   int
	MaxRetryWait time.Duration
	// Trace, if set, sees every update started, committed and sent.
	Trace TraceFunc

	direct *directFeed // polling mode: batches straight from the poller

	// commitFault, set by tests, turns a successful commit into an error,
	// as when the commit's answer is lost.
	commitFault func(updateID int64) error
}

// Dispatcher reads unprocessed updates in arrival order and routes each to
// its user's actor: users run in parallel, one user's updates in order.
// Pre-checkout queries skip the queues (Telegram wants an answer in 10 s).
// Run returns only after every actor it started has returned.
type Dispatcher struct {
	cfg    DispatcherConfig
	log    *slog.Logger
	events chan actorEvent

	// owned by the Run goroutine
	cursor     int64 // highest seq read so far
	actors     map[int64]*userActor
	pending    map[int64][]store.PendingUpdate // per user, not yet in a mailbox
	held       map[int64]bool                  // update ids in memory (pending or in flight)
	waiters    map[int64]chan int64            // direct updates: where to say they are durable
	starved    bool                            // the last read filled the buffer
	readGen    uint64                          // directFeed.stored when the inbox was last read
	backlog    []int64                         // users with unsent replies whose actors are not started yet
	catchingUp int                             // actors started and not yet through their first flush
	wg         sync.WaitGroup
}

// NewDispatcher validates cfg; bad wiring panics.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	if cfg.Store == nil || cfg.Telegram == nil || cfg.Handler == nil || cfg.PreCheckout == nil || cfg.Logger == nil || cfg.Metrics == nil {
		panic("actors.NewDispatcher: Store, Telegram, Handler, PreCheckout, Logger and Metrics are required")
	}
	cfg.MaxBuffered = cmpOrInt(cfg.MaxBuffered, 2048)
	cfg.MailboxSize = cmpOrInt(cfg.MailboxSize, 8)
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 15 * time.Second
	}
	if cfg.RescanEvery <= 0 {
		cfg.RescanEvery = time.Second
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 30 * time.Second
	}
	cfg.StuckAfter = cmpOrInt(cfg.StuckAfter, 10)
	cfg.CatchUpBatch = cmpOrInt(cfg.CatchUpBatch, 64)
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	return &Dispatcher{cfg: cfg, log: cfg.Logger.With("component", "dispatcher")}
}

// Run dispatches until ctx ends, then stops every actor after its current
// update and waits for them.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.events = make(chan actorEvent, 256)
	d.actors = map[int64]*userActor{}
	d.pending = map[int64][]store.PendingUpdate{}
	d.held = map[int64]bool{}
	d.waiters = map[int64]chan int64{}
	var direct chan directBatch // nil (never ready) without a direct feed
	if d.cfg.direct != nil {
		direct = d.cfg.direct.batches
	}
	defer func() {
		for _, a := range d.actors {
			close(a.mailbox)
		}
		d.wg.Wait()
		d.cfg.Metrics.ActiveActors.Set(0)
	}()

	notified := make(chan struct{}, 1)
	if d.cfg.ConnConfig != nil {
		lctx, stopListen := context.WithCancel(ctx)
		listenDone := make(chan struct{})
		l := store.Listener{
			ConnConfig: d.cfg.ConnConfig, Channel: store.InboxChannel(d.cfg.Store.BotID()), Retry: d.cfg.RescanEvery,
			Notify: func(context.Context, string) {
				select {
				case notified <- struct{}{}:
				default:
				}
			},
			Interrupted: func(err error) {
				d.log.Warn("dispatcher: inbox notifications interrupted; relying on rescans until reconnected", "err", err)
			},
		}
		go func() { defer close(listenDone); l.Run(lctx) }()
		defer func() { stopListen(); <-listenDone }()
	}

	// Ops a previous leader committed but did not send: their users'
	// actors start CatchUpBatch at a time.
	if users, err := d.cfg.Store.UsersWithPendingOps(ctx); err != nil {
		d.log.Error("dispatcher: cannot list users with unsent ops", "err", err)
	} else {
		d.backlog = users
		d.catchUp(ctx)
	}

	tick := time.NewTicker(d.cfg.RescanEvery)
	defer tick.Stop()
	read, sweep := true, true
	for {
		if sweep {
			// The safety net: rows behind the cursor that nobody holds.
			if err := d.load(ctx, true); err != nil && ctx.Err() == nil {
				d.log.Error("dispatcher: cannot read the inbox", "err", err)
			}
		}
		if read || sweep {
			if err := d.load(ctx, false); err != nil && ctx.Err() == nil {
				d.log.Error("dispatcher: cannot read the inbox", "err", err)
			}
		}
		read, sweep = false, false
		d.route(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-d.cfg.Wake:
			read = true
		case <-notified:
			read = true
		case <-tick.C:
			sweep = true
			d.stats(ctx)
		case b := <-direct:
			d.takeDirect(ctx, b)
		case ev := <-d.events:
			if ev.caughtUp {
				d.catchingUp--
				d.catchUp(ctx)
				break
			}
			d.handle(ev)
			// Read on only once half the buffer is free, so a full buffer
			// costs one query per many updates, not one per update.
			read = d.starved && len(d.held) <= d.cfg.MaxBuffered/2
		}
	}
}

// load reads unprocessed updates into memory in arrival order: new ones
// after the cursor or, sweeping, those behind it that nobody holds —
// committed late by a concurrent writer (two webhook calls), or left
// pending by an attempt that gave up.
func (d *Dispatcher) load(ctx context.Context, sweeping bool) error {
	if d.cfg.direct != nil {
		d.readGen = d.cfg.direct.stored.Load() // before the read: a store after it is read next time
	}
	room := d.cfg.MaxBuffered - len(d.held)
	if room <= 0 {
		d.starved = true
		return nil
	}
	var rows []store.PendingUpdate
	var err error
	if sweeping {
		held := make([]int64, 0, len(d.held))
		for id := range d.held {
			held = append(held, id)
		}
		rows, err = d.cfg.Store.PendingUpdatesMissed(ctx, d.cursor, held, room)
	} else {
		rows, err = d.cfg.Store.PendingUpdatesAfter(ctx, d.cursor, room)
		d.starved = len(rows) == room // the buffer filled: more may wait
	}
	if err != nil {
		return err
	}
	for _, u := range rows {
		if !sweeping {
			d.cursor = max(d.cursor, u.Seq)
		}
		if d.held[u.UpdateID] || len(d.held) >= d.cfg.MaxBuffered {
			continue
		}
		d.held[u.UpdateID] = true
		if u.Kind == KindPreCheckout {
			d.wg.Add(1)
			go func() { defer d.wg.Done(); d.preCheckout(ctx, u) }()
			continue
		}
		d.pending[u.UserID] = append(d.pending[u.UserID], u)
	}
	return nil
}

// takeDirect takes a batch from the poller. Updates the poller stored
// before are read from the inbox first, so each user's updates are routed
// in order; with the buffer full the batch is refused and the poller
// stores it.
func (d *Dispatcher) takeDirect(ctx context.Context, b directBatch) {
	if d.cfg.direct.stored.Load() != d.readGen {
		if err := d.load(ctx, false); err != nil {
			d.log.Error("dispatcher: cannot read the inbox", "err", err)
			close(b.refused)
			return
		}
	}
	if d.starved || len(d.held)+len(b.updates) > d.cfg.MaxBuffered {
		close(b.refused)
		return
	}
	for _, u := range b.updates {
		d.waiters[u.UpdateID] = b.done
		if d.held[u.UpdateID] {
			continue // polled again after a failed store: already on its way
		}
		d.held[u.UpdateID] = true
		d.pending[u.UserID] = append(d.pending[u.UserID], u)
	}
}

// route moves pending updates into mailboxes that have room, never
// blocking: a busy user waits in memory (or in the inbox), others go on.
func (d *Dispatcher) route(ctx context.Context) {
	for user, queue := range d.pending {
		a := d.actor(ctx, user)
		n := 0
		for n < len(queue) {
			select {
			case a.mailbox <- queue[n]:
				a.inflight++
				n++
				continue
			default:
			}
			break
		}
		if n == len(queue) {
			delete(d.pending, user)
		} else {
			d.pending[user] = queue[n:]
		}
	}
}

// catchUp starts backlog actors while fewer than CatchUpBatch are still
// sending what earlier leaders left.
func (d *Dispatcher) catchUp(ctx context.Context) {
	for d.catchingUp < d.cfg.CatchUpBatch && len(d.backlog) > 0 {
		user := d.backlog[0]
		d.backlog = d.backlog[1:]
		if _, ok := d.actors[user]; !ok {
			d.actor(ctx, user)
		}
	}
	if len(d.backlog) == 0 {
		d.backlog = nil
	}
}

func (d *Dispatcher) actor(ctx context.Context, user int64) *userActor {
	if a, ok := d.actors[user]; ok {
		return a
	}
	d.catchingUp++ // every actor first sends what is pending for its user
	a := &userActor{
		userID:  user,
		mailbox: make(chan store.PendingUpdate, d.cfg.MailboxSize),
		d:       d,
		log:     d.log.With("user_id", user),
	}
	d.actors[user] = a
	d.cfg.Metrics.ActiveActors.Set(float64(len(d.actors)))
	d.wg.Add(1)
	go func() { defer d.wg.Done(); a.run(ctx) }()
	return a
}

func (d *Dispatcher) handle(ev actorEvent) {
	a, ok := d.actors[ev.userID]
	if !ev.idle {
		delete(d.held, ev.updateID)
		if ch, waiting := d.waiters[ev.updateID]; waiting {
			delete(d.waiters, ev.updateID)
			if ev.durable {
				ch <- ev.updateID // buffered for the whole batch
			}
		}
		if ok && !ev.bypass && a.inflight > 0 {
			a.inflight--
		}
		return
	}
	// An idle notice can be stale: the actor may have taken an update
	// since. Only an actor with nothing in flight or queued may go, or a
	// successor could run beside it and break the user's order.
	if !ok || a.inflight > 0 || len(d.pending[ev.userID]) > 0 {
		return
	}
	// Nothing queued and the actor is waiting: let it go. The dispatcher
	// is the mailbox's only sender and closer, so nothing can be lost.
	close(a.mailbox)
	delete(d.actors, ev.userID)
	d.cfg.Metrics.ActiveActors.Set(float64(len(d.actors)))
}

// notify is how actors talk to the dispatcher; it never blocks past ctx.
func (d *Dispatcher) notify(ctx context.Context, ev actorEvent) {
	select {
	case d.events <- ev:
	case <-ctx.Done():
	}
}

// preCheckout answers a pre-checkout query at once, outside the user's
// queue, and marks it processed.
func (d *Dispatcher) preCheckout(ctx context.Context, u store.PendingUpdate) {
	defer d.notify(ctx, actorEvent{userID: u.UserID, updateID: u.UpdateID, bypass: true})
	var upd models.Update
	if err := json.Unmarshal(u.Payload, &upd); err != nil || upd.PreCheckoutQuery == nil {
		d.log.Error("dispatcher: undecodable pre-checkout query", "update_id", u.UpdateID, "err", err)
		_ = d.cfg.Store.RecordFailure(ctx, u.UpdateID, "undecodable pre-checkout query", true)
		return
	}
	q := upd.PreCheckoutQuery
	refusal := d.cfg.PreCheckout.PreCheckout(ctx, q)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	_, err := d.cfg.Telegram.Bot.AnswerPreCheckoutQuery(actx, &bot.AnswerPreCheckoutQueryParams{
		PreCheckoutQueryID: q.ID, OK: refusal == "", ErrorMessage: refusal,
	})
	cancel()
	if err != nil {
		d.log.Error("dispatcher: answering a pre-checkout query failed", "update_id", u.UpdateID, "err", err)
	}
	if err := d.cfg.Store.MarkProcessed(context.WithoutCancel(ctx), u.UpdateID); err != nil && !errors.Is(err, store.ErrNotFound) {
		d.log.Error("dispatcher: cannot mark a pre-checkout query processed", "update_id", u.UpdateID, "err", err)
	}
}

func (d *Dispatcher) stats(ctx context.Context) {
	depth, lag, err := d.cfg.Store.InboxStats(ctx)
	if err != nil {
		return
	}
	d.cfg.Metrics.InboxDepth.Set(float64(depth))
	d.cfg.Metrics.InboxLagSeconds.Set(lag.Seconds())
}

func cmpOrInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
