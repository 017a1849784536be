package shop

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
)

// chaosModels are the models the random users order: every category, free
// and paid, with and without files.
var chaosModels = [...]string{
	"z-image", "recraft/crisp-upscale", "recraft/remove-background", "google/nano-banana-edit",
	"qwen/text-to-image", "bytedance/v1-lite-text-to-video", "hailuo/02-image-to-video-standard",
}

// chaosUser is one random user: its own generator (seeded from the test's
// seed and its index, so its choices replay), the callback queries it
// made, and the screens its driver did not expect (with the barrier
// before every action, each one is a wrong or missing answer).
type chaosUser struct {
	*client
	rng     *rand.Rand
	queries []string
	lost    []string
	orders  int
}

// tapRecorded taps and remembers the query, to check at the end that
// every callback was answered.
func (u *chaosUser) tapRecorded(msg telegramtest.Message, label string) error {
	id, err := u.u.Press(msg.ID, label)
	if err != nil {
		return err
	}
	u.queries = append(u.queries, id)
	if _, err := u.s.Bot.WaitCallbackAnswer(u.ctx, id); err != nil {
		return fmt.Errorf("press %q not answered: %w", label, err)
	}
	return nil
}

// settle waits until the bot reacted to an action made after since with
// anything at all.
func (u *chaosUser) settle(since mark) error {
	_, err := u.s.Bot.WaitMessage(u.ctx, u.u.ID(), since.changed)
	return err
}

// barrier waits until the bot has answered everything the user sent, so
// the next action reads only its own screens. A user's replies go out in
// order, and an update is taken up only after the replies to the one
// before it were sent: so once /balance is processed, every earlier reply
// is out; then the answer to /help — which no earlier reply can be
// mistaken for, all having come before it — arrives after /balance's.
func (u *chaosUser) barrier() error {
	asked := u.u.SendCommand("balance")
	err := waitUntil(u.ctx, func() (bool, error) {
		var done bool
		err := u.s.st.Pool().QueryRow(u.ctx, `SELECT coalesce(bool_and(processed_at IS NOT NULL), false) FROM inbox
			WHERE user_id = $1 AND (payload->'message'->>'message_id')::int = $2`, u.u.ID(), asked.ID).Scan(&done)
		return done, err
	})
	if err != nil {
		return fmt.Errorf("/balance not processed: %w", err)
	}
	help := u.u.SendCommand("help")
	_, err = u.s.Bot.WaitMessage(u.ctx, u.u.ID(), func(m telegramtest.Message) bool {
		return m.ID > help.ID && strings.Contains(m.Text, "How it works")
	})
	if err != nil {
		return fmt.Errorf("no answer to /help: %w", err)
	}
	return nil
}

// act runs one random action; an error means the bot did not answer.
func (u *chaosUser) act() error {
	if err := u.barrier(); err != nil {
		return err
	}
	since := u.mark()
	switch r := u.rng.IntN(100); {
	case r < 45:
		return u.order()
	case r < 55:
		return u.topUp()
	case r < 65:
		return u.stale()
	case r < 72:
		u.u.SendCommand("balance")
	case r < 79:
		u.u.SendCommand("history")
	case r < 86:
		u.u.SendCommand("cancel")
	case r < 93:
		return u.browse()
	default:
		u.u.SendText("hello?")
	}
	_, err := u.nextScreen(since)
	return err
}

func (u *chaosUser) browse() error {
	since := u.mark()
	u.u.SendCommand("start")
	screen, err := u.nextScreen(since)
	if err != nil {
		return err
	}
	cats := u.s.pricer.Registry().Categories()
	cat := cats[u.rng.IntN(len(cats))].Category.Label().In("en")
	label, ok := button(screen, containing(cat))
	if !ok {
		u.lost = append(u.lost, fmt.Sprintf("/start answered %q without %q (message %d, %d edits, mark %v)\n%s", screen.Text, cat, screen.ID, len(screen.Edits), since, u.transcript()))
		return nil
	}
	since = u.mark()
	if err := u.tapRecorded(screen, label); err != nil {
		return err
	}
	return u.settle(since)
}

// order walks to a confirmation and then confirms, taps ✅ twice, tops up
// or cancels.
func (u *chaosUser) order() error {
	model := chaosModels[u.rng.IntN(len(chaosModels))]
	confirmation, err := u.orderUpTo(model)
	if err != nil {
		if strings.Contains(err.Error(), "no new screen") || strings.Contains(err.Error(), "not answered") {
			return err
		}
		u.lost = append(u.lost, fmt.Sprintf("order %s: %v", model, err))
		return nil
	}
	label, ok := button(confirmation, containing("✅"))
	since := u.mark()
	switch r := u.rng.IntN(10); {
	case !ok || r == 0:
		u.u.SendCommand("cancel")
		_, err := u.nextScreen(since)
		return err
	case r < 3: // a double tap
		first, err := u.u.Press(confirmation.ID, label)
		if err != nil {
			return err
		}
		second, err := u.u.Press(confirmation.ID, label)
		if err != nil {
			return err
		}
		u.queries = append(u.queries, first, second)
		for _, id := range []string{first, second} {
			if _, err := u.s.Bot.WaitCallbackAnswer(u.ctx, id); err != nil {
				return fmt.Errorf("double tap not answered: %w", err)
			}
		}
	default:
		if err := u.tapRecorded(confirmation, label); err != nil {
			return err
		}
	}
	u.orders++
	return u.settle(since)
}

// topUp buys the smallest Stars package.
func (u *chaosUser) topUp() error {
	since := u.mark()
	u.u.SendCommand("topup")
	screen, err := u.nextScreen(since)
	if err != nil {
		return err
	}
	label, ok := button(screen, containing("⭐ 50"))
	if !ok {
		u.lost = append(u.lost, fmt.Sprintf("/topup answered %q (message %d, %d edits, mark %v)\n%s", screen.Text, screen.ID, len(screen.Edits), since, u.transcript()))
		return nil
	}
	since = u.mark()
	if err := u.tapRecorded(screen, label); err != nil {
		return err
	}
	inv, err := u.s.Bot.WaitMessage(u.ctx, u.u.ID(), func(m telegramtest.Message) bool {
		return since.changed(m) && m.Invoice != nil
	})
	if err != nil {
		return fmt.Errorf("no invoice: %w", err)
	}
	since = u.mark()
	if _, err := u.u.Pay(u.ctx, inv.ID); err != nil {
		return fmt.Errorf("pay: %w", err)
	}
	_, err = u.s.Bot.WaitMessage(u.ctx, u.u.ID(), func(m telegramtest.Message) bool {
		return since.changed(m) && strings.Contains(m.Text, "Payment received")
	})
	return err
}

// stale presses a random button of a random earlier message.
func (u *chaosUser) stale() error {
	var withButtons []telegramtest.Message
	for _, m := range u.s.Bot.Sent(u.u.ID()) {
		if _, ok := button(m, func(string) bool { return true }); ok {
			withButtons = append(withButtons, m)
		}
	}
	if len(withButtons) == 0 {
		return nil
	}
	m := withButtons[u.rng.IntN(len(withButtons))]
	var labels []string
	for _, b := range m.Buttons() {
		if b.CallbackData != "" {
			labels = append(labels, b.Text)
		}
	}
	since := u.mark()
	if err := u.tapRecorded(m, labels[u.rng.IntN(len(labels))]); err != nil {
		return err
	}
	return u.settle(since)
}

// chaosSeed is CHAOS_SEED, else the time: logged, so a failure replays.
func chaosSeed(t *testing.T) uint64 {
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED: %v", err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// A hundred users do random things at once — browse, order any of several
// models (free and paid, with files), confirm once or twice, cancel, top
// up, press old buttons, ask for their balance and history — while Kie
// fails at random (seeded) and by script (failed, rejected, stuck and
// empty tasks, lost createTask answers, early, late and duplicate
// callbacks). Once all is quiet the books balance: the audit is clean,
// every job finished, no balance is negative, every button press was
// answered, and no job ever had two Kie tasks.
func TestShopChaos(t *testing.T) {
	t.Parallel()
	seed := chaosSeed(t)
	t.Logf("CHAOS_SEED=%d", seed)
	const users, actions = 100, 6
	image, video := pricing.Media("image"), pricing.Media("video")
	s := newShop(t, shopOptions{
		welcome: 30_00, freeTier: 2, freeDaily: 2, callbacks: true, hmacKey: []byte("chaos-hmac"),
		timeouts:      map[pricing.Media]time.Duration{image: 3 * time.Second, video: 3 * time.Second},
		ratePerMinute: 60_000, rateBurst: 10_000, pollMax: 300 * time.Millisecond,
	})
	ctx := actorstest.Context(t, 5*time.Minute) // a guard, not a measurement: a busy machine is slow

	// Faults: random ones on every route, and scripted outcomes for the
	// first tasks, whichever users they belong to.
	s.kie.SetRandomFaults(seed, 0.04, kietest.FaultRateLimit, kietest.FaultMaintenance, kietest.FaultServerError,
		kietest.FaultBadGateway, kietest.FaultConnReset, kietest.FaultMalformedJSON, kietest.FaultInsufficientCredits)
	for range 3 {
		for _, sc := range []kietest.Script{
			{Outcome: kietest.Fail},
			{Outcome: kietest.Fail, FailCode: "SENSITIVE_WORD_ERROR"},
			{Outcome: kietest.Stuck},
			{EmptyResult: true},
			{Generating: 2 * time.Second, Callback: kietest.CallbackScript{Duplicates: 2}},
			{Callback: kietest.CallbackScript{BeforeResponse: true}},
			{Generating: time.Second, Callback: kietest.CallbackScript{Delay: 3 * time.Second}},
			{Generating: time.Second, Callback: kietest.CallbackScript{Skip: true}, NullRecordQueries: 2},
		} {
			s.kie.ScriptNext(sc)
		}
	}
	s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultConnReset, AfterHandling: true, Count: 2})
	s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultGatewayTimeout, AfterHandling: true})

	// The fake Kie's clock runs at 25× real time while the users act.
	clockDone := make(chan struct{})
	var clock sync.WaitGroup
	clock.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-clockDone:
				return
			case <-tick.C:
				s.kie.Advance(500 * time.Millisecond)
			}
		}
	})
	stopClock := sync.OnceFunc(func() { close(clockDone); clock.Wait() })
	t.Cleanup(stopClock)

	s.startShop("a", shopOptions{})
	var (
		wg     sync.WaitGroup
		failed atomic.Int32
		all    = make([]*chaosUser, users)
	)
	for i := range users {
		lang := "en"
		u := &chaosUser{client: s.newClient(ctx, fmt.Sprintf("u%d", i), lang), rng: rand.New(rand.NewPCG(seed, uint64(i)))}
		all[i] = u
		wg.Go(func() {
			for a := range actions {
				if err := u.act(); err != nil {
					if failed.Add(1) <= 3 {
						t.Errorf("user %d, action %d: %v\n%s", u.u.ID(), a, err, u.transcript())
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	js := s.waitSettled(ctx)
	s.waitInboxDrained(ctx)
	stopClock()

	s.checkBooks(ctx)
	var queries []string
	var lost []string
	orders := 0
	for _, u := range all {
		queries = append(queries, u.queries...)
		for _, l := range u.lost {
			lost = append(lost, fmt.Sprintf("user %d: %s", u.u.ID(), l))
		}
		orders += u.orders
	}
	if err := s.TG.WaitFor(ctx, func() bool {
		for _, q := range queries {
			if _, ok := s.Bot.CallbackAnswer(q); !ok {
				return false
			}
		}
		return true
	}); err != nil {
		t.Errorf("not every button press was answered: %v", err)
	}
	tasksPerJob := map[string]int{}
	for _, task := range s.kie.Tasks() {
		u, err := url.Parse(task.CallbackURL)
		if err != nil || u.Query().Get("job") == "" {
			t.Errorf("task %s has callback URL %q", task.ID, task.CallbackURL)
			continue
		}
		tasksPerJob[u.Query().Get("job")]++
	}
	for job, n := range tasksPerJob {
		if n > 1 {
			t.Errorf("job %s has %d Kie tasks: submitted twice", job, n)
		}
	}
	states := map[string]int{}
	for _, j := range js {
		states[j.State]++
	}
	for _, l := range lost {
		t.Errorf("unexpected screen: %s", l)
	}
	t.Logf("%d users × %d actions: %d confirmations, %d jobs %v, %d Kie tasks, %d createTask requests, %d callbacks, %d presses, %d unexpected screens",
		users, actions, orders, len(js), states, len(s.kie.Tasks()), s.kie.Count(kietest.RouteCreateTask), len(s.kie.Callbacks()), len(queries), len(lost))
	if states["succeeded"] == 0 || states["failed"]+states["expired"] == 0 {
		t.Errorf("the run exercised too little: %v", states)
	}
}
