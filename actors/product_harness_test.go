package actors

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/telegramtest"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// shop is the whole product on fakes: one bot on the fake Bot API, the fake
// Kie, a database, and instances running the product handler and the jobs
// actor.
type shop struct {
	*harness
	kie            *kietest.Server
	pricer         *pricing.Pricer
	st             *store.Store
	kopecksPerStar int64
}

type shopOptions struct {
	freeTier int
	welcome  int64
	logger   *slog.Logger
}

func newShop(t testing.TB, opts shopOptions) *shop {
	t.Helper()
	tg := telegramtest.NewServer()
	t.Cleanup(tg.Close)
	ks := kietest.NewServer()
	t.Cleanup(ks.Close)
	ks.SetLimits(kietest.Limits{})
	ks.SetCredits(1_000_000)
	h := newHarnessOn(t, tg, storetest.NewDatabase(t), testBotToken)
	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95", FreeTierCount: opts.freeTier})
	if err != nil {
		t.Fatal(err)
	}
	// The fake Kie knows every enabled model; tasks finish at once unless a
	// test scripts them otherwise.
	for _, m := range pricer.Registry().Models() {
		out := kietest.Image
		switch m.Output() {
		case "video":
			out = kietest.Video
		case "audio":
			out = kietest.Audio
		}
		ks.AddModel(kietest.Model{ID: m.ID(), Output: out, Price: 1})
	}
	return &shop{harness: h, kie: ks, pricer: pricer, st: store.New(storetest.OpenPool(t, h.dsn), h.botID), kopecksPerStar: 100}
}

// startShop starts an instance running the real product.
func (s *shop) startShop(name string, opts shopOptions) *instance {
	s.t.Helper()
	log := opts.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kc, err := kie.New(kie.Config{APIKey: s.kie.APIKey, BaseURL: s.kie.URL, UploadBaseURL: s.kie.UploadURL, Logger: log,
		ReadRetry: kie.RetryPolicy{Attempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}})
	if err != nil {
		s.t.Fatal(err)
	}
	var inst *instance
	s.build = func(st *store.Store, tg *Telegram, metrics *Metrics, wake chan int64) (UpdateHandler, PreCheckoutHandler, func(context.Context, Term) error) {
		product := NewProduct(ProductConfig{
			Store: st, Telegram: tg, Kie: kc, Pricer: s.pricer, Logger: log,
			FreeDailyLimit: 2, StarsPackages: []int64{50, 100}, KopecksPerStar: s.kopecksPerStar, WelcomeBalance: opts.welcome,
			WakeJobs: func(id int64) {
				select {
				case wake <- id:
				default:
				}
			},
		})
		jobs := NewJobs(JobsConfig{Store: st, Kie: kc, Telegram: tg, Registry: s.pricer.Registry(), Logger: log, Metrics: metrics,
			Wake: wake, PollMin: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, PollRate: 200})
		return product, product, jobs.Run
	}
	inst = s.start(name, instanceOptions{ttl: time.Minute, logger: log})
	return inst
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
	return &client{s: s, u: s.bot.AddUser(telegramtest.UserConfig{FirstName: name, LanguageCode: lang}), ctx: ctx, t: s.t}
}

// waitText waits for a bot message (new or edited) containing sub.
func (c *client) waitText(sub string) telegramtest.Message {
	c.t.Helper()
	m, err := c.s.bot.WaitMessage(c.ctx, c.u.ID(), func(m telegramtest.Message) bool {
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
	err := c.s.tg.WaitFor(c.ctx, func() bool {
		msgs := c.s.bot.Messages(c.u.ID())
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
	before := len(c.s.bot.CallbackAnswers())
	id, err := c.u.Press(msgID, found)
	if err != nil {
		c.t.Fatal(err)
	}
	// Every press is answered; wait for it so steps do not race.
	if _, err := c.s.bot.WaitCallbackAnswer(c.ctx, id); err != nil {
		c.t.Fatalf("press %q not answered: %v (answers before %d)\n%s", found, err, before, c.transcript())
	}
	return id
}

func (c *client) transcript() string {
	var b strings.Builder
	for _, m := range c.s.bot.Messages(c.u.ID()) {
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
