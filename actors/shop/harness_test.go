package shop

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// shop is the whole shop on fakes: one bot on the fake Bot API, the fake
// Kie, a database, and instances running the shop's handler and the jobs
// actor.
type shop struct {
	*actorstest.Harness
	kie            *kietest.Server
	pricer         *pricing.Pricer
	st             *store.Store
	kopecksPerStar int64
	opts           shopOptions
	// callbackURL is the public base URL of the shop's Kie callback
	// route ("" without callbacks).
	callbackURL string
	// catalogues are the instances' live copies of the models switched
	// off at runtime, by instance name.
	catalogues sync.Map
	// parts are each started instance's shop objects, by instance name.
	parts map[string]*shopParts
}

// shopParts are what an instance's Build made, for tests that call the
// operator's API (broadcasts, the Kie balance, alerts) directly.
type shopParts struct {
	shop       *Shop
	broadcasts *Broadcasts
	kieWatch   *KieWatch
	alerts     *Alerter
	telegram   *telegram.Client
}

// shopOptions configure a shop. Fields given to newShop apply to every
// instance; startShop's logger and welcome, when set, override them.
type shopOptions struct {
	freeTier  int   // pricing FREE_TIER_COUNT: how many of the cheapest models are free
	freeDaily int   // free uses a day; default 2
	welcome   int64 // kopecks credited to every new user
	logger    *slog.Logger
	// callbacks serves KieCallbackReceiver on 127.0.0.1 and gives Kie its
	// URL; hmacKey, when set, is Kie's webhook HMAC key on both sides.
	callbacks                bool
	hmacKey                  []byte
	timeouts                 map[pricing.Media]time.Duration // Config.JobTimeouts
	admins                   []int64
	maxRunning               int
	ratePerMinute, rateBurst int
	ttl                      time.Duration // leader lease; default a minute
	pollMax                  time.Duration // jobs' slowest poll; default 100 ms
	// The operator's background work. broadcast configures the sender
	// (Rate default 1000/s, CheckEvery 500 ms); startShop's senderHooks
	// apply to its instance only. kieEvery turns the Kie balance watch on
	// (off by default); alerts configures the admins' alerts.
	broadcast   BroadcastsConfig
	senderHooks senderHooks
	kieEvery    time.Duration
	kieBelow    kie.Credits
	alerts      AlertsConfig
	// The jobs actor's bounds and sweep (JobsConfig); zero: its defaults.
	maxFollowers, maxUploads int
	sweepEvery               time.Duration
	// moneyStuckAfter wires the engine's Stuck hook to the instance's
	// alerts, as cmd/kiebot does, after this many failures (0: not wired),
	// with money updates retried at most 50 ms apart.
	moneyStuckAfter int
	// manual turns manual top-ups on (manual_test.go).
	manual *manualOptions
	// sub sells the monthly Stars plan (subscription_test.go).
	sub *SubscriptionPlan
	// reconcile configures the check of Kie's bills (Store, Alerts,
	// Logger and Catalogue are filled in).
	reconcile ReconcileConfig
	// growth configures referrals and promo codes (Config.Growth).
	growth GrowthConfig
}

// testCallbackKey signs job ids in the shop's callback URLs.
const testCallbackKey = "test-secret:kie"

func newShop(t testing.TB, opts shopOptions) *shop {
	t.Helper()
	tg := telegramtest.NewServer()
	t.Cleanup(tg.Close)
	ks := kietest.NewServer()
	t.Cleanup(ks.Close)
	ks.SetLimits(kietest.Limits{})
	ks.SetCredits(1_000_000)
	if len(opts.hmacKey) > 0 {
		ks.SetHMACKey(opts.hmacKey)
	}
	if opts.logger == nil {
		opts.logger = testLogger(t)
	}
	h := actorstest.NewOn(t, tg, storetest.NewDatabase(t), actorstest.BotToken)
	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95", FreeTierCount: opts.freeTier})
	if err != nil {
		t.Fatal(err)
	}
	// The fake Kie knows every model (an operator may put a disabled one
	// on sale) and bills each task the model's cheapest price, never more
	// than a quote; tasks finish at once unless a test scripts them
	// otherwise.
	for _, m := range pricer.Registry().All() {
		out := kietest.Image
		switch m.Output() {
		case "video":
			out = kietest.Video
		case "audio":
			out = kietest.Audio
		}
		price := 0.01
		if md, ok := m.Cheapest(); ok {
			price = float64(md.Credits) / pricing.MicroPerCredit
		}
		fake := kietest.Model{ID: m.ID(), Output: out, Price: price}
		if m.Family() == pricing.FamilySuno {
			fake.Suno, fake.Output = true, kietest.Music
		}
		ks.AddModel(fake)
	}
	s := &shop{Harness: h, kie: ks, pricer: pricer, st: store.New(storetest.OpenPool(t, h.DSN), h.BotID), kopecksPerStar: 100, opts: opts,
		parts: map[string]*shopParts{}}
	if opts.callbacks {
		s.serveCallbacks(t)
	}
	return s
}

// testLogger discards logs unless SHOP_LOG is set (then they go to the
// test's output: SHOP_LOG=debug for everything).
func testLogger(t testing.TB) *slog.Logger {
	level, ok := os.LookupEnv("SHOP_LOG")
	if !ok {
		return slog.New(slog.DiscardHandler)
	}
	l := slog.LevelInfo
	if level == "debug" {
		l = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: l}))
}

// serveCallbacks runs the Kie callback route, as an instance's HTTP server
// does, on a loopback port.
func (s *shop) serveCallbacks(t testing.TB) {
	t.Helper()
	srv, err := actors.NewHTTPServer(actors.HTTPServerConfig{
		Addr: "127.0.0.1:0", Instance: "callbacks", Version: "test", Logger: s.opts.logger,
		Metrics: actors.NewMetrics("test", nil), Status: &actors.StatusBoard{}, Ready: func(context.Context) error { return nil },
		Routes: []actors.Route{{Pattern: "POST " + CallbackPath, Handler: &KieCallbackReceiver{
			Store: s.st, CallbackKey: []byte(testCallbackKey), HMACKey: s.opts.hmacKey, Logger: s.opts.logger, Kie: s.kieClient(s.opts.logger),
			Now: s.kie.Now, // signatures carry the fake Kie's clock
		}}},
		ShutdownTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("callback server: %v", err)
		}
	})
	s.callbackURL = "http://" + srv.Addr()
}

// kieClient is a kie client of the shop's fake Kie.
func (s *shop) kieClient(log *slog.Logger) *kie.Client {
	s.T.Helper()
	kc, err := kie.New(kie.Config{APIKey: s.kie.APIKey, BaseURL: s.kie.URL, UploadBaseURL: s.kie.UploadURL, Logger: log,
		ReadRetry: kie.RetryPolicy{Attempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		// A short client timeout, so an answer the fake holds back (a
		// lost createTask response) is given up on quickly.
		RequestTimeout: 3 * time.Second,
		// The fake's rate limits are lifted; so are the client's, or a
		// busy test would queue createTask behind Kie's 20 per 11 s.
		CreateTaskLimit: 10_000, CreateTaskWindow: time.Second})
	if err != nil {
		s.T.Fatal(err)
	}
	return kc
}

// startShop starts an instance running the real shop.
func (s *shop) startShop(name string, opts shopOptions) *actorstest.Instance {
	s.T.Helper()
	o := s.opts
	if opts.logger != nil {
		o.logger = opts.logger
	}
	if opts.welcome != 0 {
		o.welcome = opts.welcome
	}
	o.senderHooks = opts.senderHooks
	log := o.logger
	kc := s.kieClient(log)
	freeDaily := o.freeDaily
	if freeDaily == 0 {
		freeDaily = 2
	}
	pollMax := o.pollMax
	if pollMax == 0 {
		pollMax = 100 * time.Millisecond
	}
	s.Build = func(st *store.Store, tg *telegram.Client, _ *actors.Metrics) (actors.UpdateHandler, actors.PreCheckoutHandler, []actors.Worker) {
		wake := make(chan int64, 256)
		// The catalogue reloads on NOTIFY only (its timer is an hour), so
		// a test that waits for it proves the notification arrived.
		cat := NewCatalogue(CatalogueConfig{Store: st, ConnConfig: st.Pool().Config().ConnConfig.Copy(), Pricer: s.pricer, Logger: log, Reload: time.Hour})
		s.runCatalogue(name, cat)
		acfg := o.alerts
		acfg.Store, acfg.Telegram, acfg.Logger, acfg.AdminIDs, acfg.Instance = st, tg, log, o.admins, name
		alerts := NewAlerter(acfg)
		kw := NewKieWatch(KieWatchConfig{Store: st, Kie: kc, Alerts: alerts, Logger: log, Every: o.kieEvery, AlertBelow: o.kieBelow})
		bcfg := o.broadcast
		bcfg.Store, bcfg.Telegram, bcfg.Logger = st, tg, log
		bcfg.Rate = cmp.Or(bcfg.Rate, 1000)
		bcfg.CheckEvery = cmp.Or(bcfg.CheckEvery, 500*time.Millisecond)
		bcs := NewBroadcasts(bcfg)
		bcs.hooks = o.senderHooks
		sh := New(Config{
			Store: st, Telegram: tg, Kie: kc, Pricer: s.pricer, Logger: log, AdminIDs: o.admins,
			FreeDailyLimit: freeDaily, StarsPackages: []int64{50, 100}, KopecksPerStar: s.kopecksPerStar, WelcomeBalance: o.welcome,
			SupportContact: "@kiebot_support", MaxRunningJobs: o.maxRunning, JobTimeouts: o.timeouts,
			RatePerMinute: o.ratePerMinute, RateBurst: o.rateBurst, Catalogue: cat,
			WakeJobs: func(id int64) {
				select {
				case wake <- id:
				default:
				}
			},
			CheckKieFunds: kw.Check,
			Broadcasts:    bcs,
			Manual:        s.manualConfig(o.manual),
			Subscription:  o.sub,
			Growth:        o.growth,
		})
		s.parts[name] = &shopParts{shop: sh, broadcasts: bcs, kieWatch: kw, alerts: alerts, telegram: tg}
		rcfg := o.reconcile
		rcfg.Store, rcfg.Alerts, rcfg.Logger, rcfg.Catalogue = st, alerts, log, cat
		jcfg := JobsConfig{Store: st, Kie: kc, Telegram: tg, Registry: s.pricer.Registry(), Catalogue: cat, Logger: log,
			Wake: wake, PollMin: 20 * time.Millisecond, PollMax: pollMax, PollRate: 200, ProgressEvery: time.Hour,
			MaxFollowers: o.maxFollowers, MaxUploads: o.maxUploads, SweepEvery: o.sweepEvery, Reconcile: NewReconciler(rcfg).Check}
		if s.callbackURL != "" {
			jcfg.CallbackBaseURL, jcfg.CallbackKey = s.callbackURL, []byte(testCallbackKey)
			jcfg.ConnConfig = st.Pool().Config().ConnConfig.Copy()
		}
		return sh, sh, []actors.Worker{{Name: "jobs", Run: NewJobs(jcfg).Run},
			{Name: "broadcasts", Run: bcs.Run}, {Name: "kiewatch", Run: kw.Run}, {Name: "alerts", Run: alerts.Run}}
	}
	ttl := o.ttl
	if ttl == 0 {
		ttl = time.Minute
	}
	opts2 := actorstest.Options{TTL: ttl, Logger: log}
	if o.moneyStuckAfter > 0 {
		opts2.Dispatcher = func(c *actors.DispatcherConfig) {
			c.StuckAfter, c.MaxRetryWait = o.moneyStuckAfter, 50*time.Millisecond
			c.Stuck = func(ctx context.Context, userID, updateID int64, kind string, attempts int, err error) {
				s.parts[name].alerts.MoneyUpdateStuck(ctx, userID, updateID, kind, attempts, err)
			}
		}
	}
	return s.Start(name, opts2)
}

// runCatalogue runs an instance's catalogue, as cmd/kiebot does for the
// life of the process, until the test ends.
func (s *shop) runCatalogue(name string, cat *Catalogue) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cat.Run(ctx)
	}()
	s.T.Cleanup(func() {
		cancel()
		<-done
	})
	s.catalogues.Store(name, cat)
}

// onSale is the registry on sale: an instance's catalogue's (with the
// operators' confirmations), else the shipped one.
func (s *shop) onSale() *pricing.Registry {
	reg := s.pricer.Registry()
	s.catalogues.Range(func(_, v any) bool {
		if p := v.(*Catalogue).Pricer(); p != nil {
			reg = p.Registry()
			return false
		}
		return true
	})
	return reg
}

// client is a user of the shop, with helpers to read the bot's messages
// and press buttons by (part of) their text.
type client struct {
	s   *shop
	u   *telegramtest.User
	ctx context.Context
	t   testing.TB
}

func (s *shop) newClient(ctx context.Context, name, lang string) *client {
	return &client{s: s, u: s.Bot.AddUser(telegramtest.UserConfig{FirstName: name, LanguageCode: lang}), ctx: ctx, t: s.T}
}

// waitText waits for a bot message (new or edited) containing sub.
func (c *client) waitText(sub string) telegramtest.Message {
	c.t.Helper()
	m, err := c.s.Bot.WaitMessage(c.ctx, c.u.ID(), func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, sub) || strings.Contains(m.Caption, sub)
	})
	if err != nil {
		c.t.Fatalf("no message containing %q: %v\n%s", sub, err, c.transcript())
	}
	return m
}

// press presses the newest button whose text contains sub.
func (c *client) press(sub string) string {
	c.t.Helper()
	var found string
	var msgID int
	err := c.s.TG.WaitFor(c.ctx, func() bool {
		msgs := c.s.Bot.Messages(c.u.ID())
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, b := range msgs[i].Buttons() {
				if strings.Contains(b.Text, sub) && b.CallbackData != "" {
					found, msgID = b.Text, msgs[i].ID
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		c.t.Fatalf("no button containing %q: %v\n%s", sub, err, c.transcript())
	}
	before := len(c.s.Bot.CallbackAnswers())
	id, err := c.u.Press(msgID, found)
	if err != nil {
		c.t.Fatal(err)
	}
	// Every press is answered; wait for it so steps do not race.
	if _, err := c.s.Bot.WaitCallbackAnswer(c.ctx, id); err != nil {
		c.t.Fatalf("press %q not answered: %v (answers before %d)\n%s", found, err, before, c.transcript())
	}
	return id
}

func (c *client) transcript() string {
	var b strings.Builder
	for _, m := range c.s.Bot.Messages(c.u.ID()) {
		who := "user"
		if m.FromBot {
			who = "bot "
		}
		text := m.Text
		if text == "" {
			text = "[" + m.Caption + "]"
		}
		fmt.Fprintf(&b, "%s #%d: %s", who, m.ID, text)
		for _, btn := range m.Buttons() {
			fmt.Fprintf(&b, " [%s]", btn.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// mark is a point in a chat's history: how many versions each message had
// then, so "what changed since" covers new messages and edits alike.
type mark map[int]int

func (c *client) mark() mark {
	m := mark{}
	for _, msg := range c.s.Bot.Messages(c.u.ID()) {
		m[msg.ID] = len(msg.Edits) + 1
	}
	return m
}

func (m mark) changed(msg telegramtest.Message) bool {
	v, ok := m[msg.ID]
	return !ok || len(msg.Edits)+1 > v
}

// isMedia: a delivered result (or an invoice), not a conversation screen.
func isMedia(m telegramtest.Message) bool {
	return len(m.Photo) > 0 || m.Video != nil || m.Audio != nil || m.Document != nil || m.Invoice != nil
}

// isJobNotice: a job's progress message or its outcome, which the jobs
// actor edits at its own pace.
func isJobNotice(m telegramtest.Message) bool {
	for _, p := range []string{"✅ Order", "⏳ Order", "❌ Order", "✅ Заказ", "⏳ Заказ", "❌ Заказ"} {
		if strings.HasPrefix(m.Text, p) {
			return true
		}
	}
	return false
}

// nextScreen waits for the conversation's reaction to an input made after
// since: the newest bot text message changed since then, job notices and
// media aside.
func (c *client) nextScreen(since mark) (telegramtest.Message, error) {
	var found telegramtest.Message
	err := c.s.TG.WaitFor(c.ctx, func() bool {
		found = telegramtest.Message{}
		for _, m := range c.s.Bot.Sent(c.u.ID()) {
			if since.changed(m) && !isMedia(m) && !isJobNotice(m) && m.ID > found.ID {
				found = m
			}
		}
		return found.ID != 0
	})
	if err != nil {
		return found, fmt.Errorf("no new screen: %w", err)
	}
	return found, nil
}

// mustScreen is nextScreen for tests that stop at the first surprise.
func (c *client) mustScreen(since mark) telegramtest.Message {
	c.t.Helper()
	m, err := c.nextScreen(since)
	if err != nil {
		c.t.Fatalf("%v\n%s", err, c.transcript())
	}
	return m
}

// button finds the first button of msg whose text satisfies match.
func button(msg telegramtest.Message, match func(text string) bool) (string, bool) {
	for _, b := range msg.Buttons() {
		if b.CallbackData != "" && match(b.Text) {
			return b.Text, true
		}
	}
	return "", false
}

func containing(sub string) func(string) bool {
	return func(text string) bool { return strings.Contains(text, sub) }
}

// tap presses a button of msg and waits for its callback answer.
func (c *client) tap(msg telegramtest.Message, label string) (string, error) {
	id, err := c.u.Press(msg.ID, label)
	if err != nil {
		return "", err
	}
	if _, err := c.s.Bot.WaitCallbackAnswer(c.ctx, id); err != nil {
		return id, fmt.Errorf("press %q not answered: %w", label, err)
	}
	return id, nil
}

// tapOn presses the button of msg containing sub and returns the screen
// that follows.
func (c *client) tapOn(msg telegramtest.Message, sub string) (telegramtest.Message, error) {
	label, ok := button(msg, containing(sub))
	if !ok {
		return msg, fmt.Errorf("no button %q on message %d %q", sub, msg.ID, msg.Text)
	}
	since := c.mark()
	if _, err := c.tap(msg, label); err != nil {
		return msg, err
	}
	return c.nextScreen(since)
}

// testPNG is a small picture a user sends.
func testPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func (c *client) sendMedia(media pricing.Media) {
	switch media {
	case pricing.MediaVideo:
		c.u.SendVideo(telegramtest.Upload{Name: "clip.mp4", MIME: "video/mp4", Content: []byte("fake mp4 bytes"), Width: 640, Height: 360, Duration: 3})
	case pricing.MediaAudio:
		c.u.SendAudio(telegramtest.Upload{Name: "song.mp3", MIME: "audio/mpeg", Content: []byte("fake mp3 bytes"), Duration: 3})
	default:
		c.u.SendPhoto(telegramtest.Upload{MIME: "image/png", Content: testPNG()})
	}
}

// testPrompt is what the order driver types into text fields.
const testPrompt = "a red fox in the snow"

// orderUpTo walks the menus to modelID's confirmation screen (English
// texts), answering each step the way a careful user would: the first
// option of every choice, a small file of the asked media, a short prompt.
// It returns the confirmation.
func (c *client) orderUpTo(modelID string) (telegramtest.Message, error) {
	m, err := c.s.onSale().Model(modelID)
	if err != nil {
		return telegramtest.Message{}, err
	}
	since := c.mark()
	c.u.SendCommand("start")
	screen, err := c.nextScreen(since)
	if err != nil {
		return screen, err
	}
	if screen, err = c.tapOn(screen, m.Category().Label().In("en")); err != nil {
		return screen, err
	}
	name := m.Name("en") + " · "
	for page := 0; ; page++ {
		if label, ok := button(screen, func(t string) bool { return strings.HasPrefix(t, name) }); ok {
			if screen, err = c.tapOn(screen, label); err != nil {
				return screen, err
			}
			break
		}
		if page > 10 {
			return screen, fmt.Errorf("model %s not listed", modelID)
		}
		if screen, err = c.tapOn(screen, "Next ▶️"); err != nil {
			return screen, err
		}
	}
	if screen, err = c.tapOn(screen, "▶️ Create"); err != nil {
		return screen, err
	}
	return c.answerUntilConfirm(screen)
}

// answerUntilConfirm answers input prompts until the confirmation shows.
func (c *client) answerUntilConfirm(screen telegramtest.Message) (telegramtest.Message, error) {
	var err error
	for step := 0; step < 20; step++ {
		text := screen.Text
		switch {
		case strings.Contains(text, "Check your order"):
			return screen, nil
		case strings.Contains(text, "⚠️"):
			return screen, fmt.Errorf("the bot objected: %q", text)
		}
		if label, ok := button(screen, containing("✅ Done (")); ok {
			screen, err = c.tapOn(screen, label)
		} else {
			since := c.mark()
			switch {
			case strings.Contains(text, "Send a photo"):
				c.sendMedia(pricing.MediaImage)
			case strings.Contains(text, "Send a video"):
				c.sendMedia(pricing.MediaVideo)
			case strings.Contains(text, "Send an audio"):
				c.sendMedia(pricing.MediaAudio)
			case strings.Contains(text, "Type it as a message"):
				c.u.SendText(testPrompt)
			case strings.Contains(text, "Choose an option"):
				label, ok := button(screen, func(string) bool { return true })
				if !ok {
					return screen, fmt.Errorf("a choice without options: %q", text)
				}
				screen, err = c.tapOn(screen, label)
				if err != nil {
					return screen, err
				}
				continue
			case strings.Contains(text, "Send a whole number"), strings.Contains(text, "Send a number"):
				c.u.SendText(lowestNumber(text))
			default:
				return screen, fmt.Errorf("unexpected screen %q", text)
			}
			screen, err = c.nextScreen(since)
		}
		if err != nil {
			return screen, err
		}
	}
	return screen, fmt.Errorf("no confirmation after 20 steps")
}

// lowestNumber picks a valid number from a prompt's bounds.
func lowestNumber(prompt string) string {
	for _, p := range []string{"from ", "of at least "} {
		if _, rest, ok := strings.Cut(prompt, p); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return strings.TrimSuffix(f[0], ".")
			}
		}
	}
	return "1"
}

// mustOrder is orderUpTo for tests that stop at the first surprise.
func (c *client) mustOrder(modelID string) telegramtest.Message {
	c.t.Helper()
	m, err := c.orderUpTo(modelID)
	if err != nil {
		c.t.Fatalf("order %s: %v\n%s", modelID, err, c.transcript())
	}
	return m
}

// confirm presses ✅ on a confirmation and returns the query id.
func (c *client) confirm(confirmation telegramtest.Message) string {
	c.t.Helper()
	label, ok := button(confirmation, containing("✅"))
	if !ok {
		c.t.Fatalf("no ✅ on %q\n%s", confirmation.Text, c.transcript())
	}
	id, err := c.tap(confirmation, label)
	if err != nil {
		c.t.Fatalf("%v\n%s", err, c.transcript())
	}
	return id
}

// waitResult waits for a delivered result (a message with media) changed
// since `since`.
func (c *client) waitResult(since mark) telegramtest.Message {
	c.t.Helper()
	m, err := c.s.Bot.WaitMessage(c.ctx, c.u.ID(), func(m telegramtest.Message) bool {
		return since.changed(m) && isMedia(m) && m.Invoice == nil
	})
	if err != nil {
		c.t.Fatalf("no result: %v\n%s", err, c.transcript())
	}
	return m
}

// waitNew waits for a bot message changed since `since` containing sub.
func (c *client) waitNew(since mark, sub string) telegramtest.Message {
	c.t.Helper()
	m, err := c.s.Bot.WaitMessage(c.ctx, c.u.ID(), func(m telegramtest.Message) bool {
		return since.changed(m) && (strings.Contains(m.Text, sub) || strings.Contains(m.Caption, sub))
	})
	if err != nil {
		c.t.Fatalf("no new message containing %q: %v\n%s", sub, err, c.transcript())
	}
	return m
}

// balance is the user's available and held kopecks.
func (c *client) balance() (int64, int64) {
	c.t.Helper()
	avail, held, err := c.s.st.Balance(c.ctx, c.u.ID())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.t.Fatal(err)
	}
	return avail, held
}

// waitUntil re-checks cond every few milliseconds until it holds: for
// database states no fake announces (a job marked delivered after its last
// Bot API call).
func waitUntil(ctx context.Context, cond func() (bool, error)) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// shopJob is a job as the tests look at it.
type shopJob struct {
	ID, User, Price int64
	State           string
	Free, Delivered bool
	TaskID          string
}

func (s *shop) jobs(ctx context.Context) []shopJob {
	s.T.Helper()
	rows, err := s.st.Pool().Query(ctx, `SELECT id, user_id, price_kopecks, state, free, delivered_at IS NOT NULL, coalesce(task_id, '') FROM jobs ORDER BY id`)
	if err != nil {
		s.T.Fatal(err)
	}
	var out []shopJob
	for rows.Next() {
		var j shopJob
		if err := rows.Scan(&j.ID, &j.User, &j.Price, &j.State, &j.Free, &j.Delivered, &j.TaskID); err != nil {
			s.T.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		s.T.Fatal(err)
	}
	return out
}

// waitSettled waits until every job is finished and its outcome delivered.
func (s *shop) waitSettled(ctx context.Context) []shopJob {
	s.T.Helper()
	var js []shopJob
	err := waitUntil(ctx, func() (bool, error) {
		js = s.jobs(ctx)
		for _, j := range js {
			if !store.JobState(j.State).Final() || !j.Delivered {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		s.T.Fatalf("jobs not settled: %v: %+v", err, js)
	}
	return js
}

// entries counts ledger entries of a kind for a job (kind "" counts all).
func (s *shop) entries(ctx context.Context, jobID int64, kind string) int {
	s.T.Helper()
	var n int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE job_id = $1 AND ($2 = '' OR kind = $2)`, jobID, kind).Scan(&n); err != nil {
		s.T.Fatal(err)
	}
	return n
}

// checkBooks asserts the money invariants: the audit is clean, no balance
// or hold is negative, and no job is left unfinished.
func (s *shop) checkBooks(ctx context.Context) {
	s.T.Helper()
	report, err := store.Audit(ctx, s.st.Pool(), 0)
	if err != nil {
		s.T.Fatalf("audit: %v", err)
	}
	if !report.OK() {
		s.T.Fatalf("audit:\n%s", report.String())
	}
	var negative, unfinished int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM bot_users WHERE balance_kopecks < 0 OR held_kopecks < 0`).Scan(&negative); err != nil {
		s.T.Fatal(err)
	}
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM jobs WHERE finished_at IS NULL`).Scan(&unfinished); err != nil {
		s.T.Fatal(err)
	}
	if negative != 0 || unfinished != 0 {
		s.T.Fatalf("%d negative balances, %d unfinished jobs", negative, unfinished)
	}
}
