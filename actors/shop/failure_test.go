package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// waitJobState waits until the user's only job is in state.
func (s *shop) waitJobState(ctx context.Context, state store.JobState) shopJob {
	s.T.Helper()
	var js []shopJob
	err := waitUntil(ctx, func() (bool, error) {
		js = s.jobs(ctx)
		return len(js) == 1 && js[0].State == string(state), nil
	})
	if err != nil {
		s.T.Fatalf("no job %s: %v: %+v", state, err, js)
	}
	return js[0]
}

// Whatever goes wrong at Kie — the task fails (generically or on content
// policy), createTask is refused (402, 422), the task outlives its
// deadline, or createTask's answer is lost after Kie created the task —
// the user is told why, in their language, and that the money is back;
// the hold is released exactly once; a createTask whose outcome is unknown
// is never sent again, and is either adopted through its callback or
// released at the deadline.
func TestShopKieFailuresReleaseTheHold(t *testing.T) {
	t.Parallel()
	const welcome = 10_00
	image := pricing.Media("image")
	cases := []struct {
		name  string
		lang  string
		opts  shopOptions
		setup func(s *shop)
		// during runs once the order is confirmed.
		during func(t *testing.T, s *shop, ctx context.Context)
		want   []string // in the user's messages
		state  store.JobState
	}{{
		name:  "task fails",
		lang:  "ru",
		setup: func(s *shop) { s.kie.ScriptNext(kietest.Script{Outcome: kietest.Fail}) },
		want:  []string{"не выполнен", "Модель не смогла выполнить генерацию", "Деньги вернулись на баланс"},
		state: store.JobFailed,
	}, {
		name: "content policy",
		lang: "en",
		setup: func(s *shop) {
			s.kie.ScriptNext(kietest.Script{Outcome: kietest.Fail, FailCode: "SENSITIVE_WORD_ERROR", FailMsg: "sensitive words"})
		},
		want:  []string{"did not succeed", "content rules", "The money is back on your balance"},
		state: store.JobFailed,
	}, {
		name: "content policy in Russian",
		lang: "ru",
		setup: func(s *shop) {
			s.kie.ScriptNext(kietest.Script{Outcome: kietest.Fail, FailCode: "SENSITIVE_WORD_ERROR", FailMsg: "sensitive words"})
		},
		want:  []string{"правилам контента", "Деньги вернулись на баланс"},
		state: store.JobFailed,
	}, {
		name: "createTask refused: 402 Kie credits",
		lang: "en",
		setup: func(s *shop) {
			s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultInsufficientCredits})
		},
		want:  []string{"unavailable", "The money is back on your balance"},
		state: store.JobFailed,
	}, {
		name: "createTask refused: 422",
		lang: "en",
		setup: func(s *shop) {
			s.kie.AddModel(kietest.Model{ID: "z-image", Output: kietest.Image, Price: 1,
				Validate: func(map[string]any) error { return errors.New("aspect_ratio is not supported") }})
		},
		want:  []string{"did not succeed", "The money is back on your balance"},
		state: store.JobFailed,
	}, {
		name:  "task outlives its deadline",
		lang:  "en",
		opts:  shopOptions{timeouts: map[pricing.Media]time.Duration{image: time.Second}},
		setup: func(s *shop) { s.kie.ScriptNext(kietest.Script{Outcome: kietest.Stuck}) },
		want:  []string{"did not deliver a result in time", "The money is back on your balance"},
		state: store.JobExpired,
	}, {
		name: "createTask answer lost, no callback: released at the deadline",
		lang: "en",
		opts: shopOptions{timeouts: map[pricing.Media]time.Duration{image: 2 * time.Second}},
		setup: func(s *shop) {
			s.kie.ScriptNext(kietest.Script{Outcome: kietest.Stuck})
			s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultConnReset, AfterHandling: true})
		},
		during: func(t *testing.T, s *shop, ctx context.Context) { s.waitJobState(ctx, store.JobUnknown) },
		want:   []string{"did not deliver a result in time", "The money is back on your balance"},
		state:  store.JobExpired,
	}, {
		name: "createTask answer lost, task adopted through its callback",
		lang: "en",
		opts: shopOptions{callbacks: true, timeouts: map[pricing.Media]time.Duration{image: 30 * time.Second}},
		setup: func(s *shop) {
			s.kie.ScriptNext(kietest.Script{Generating: time.Hour})
			s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultGatewayTimeout, AfterHandling: true})
		},
		during: func(t *testing.T, s *shop, ctx context.Context) {
			s.waitJobState(ctx, store.JobUnknown)
			tasks := s.kie.Tasks()
			if len(tasks) != 1 {
				t.Fatalf("%d Kie tasks", len(tasks))
			}
			s.kie.CompleteTask(tasks[0].ID)
		},
		want:  []string{"is ready"},
		state: store.JobSucceeded,
	}, {
		name: "createTask times out after Kie created the task; adopted through its callback",
		lang: "en",
		opts: shopOptions{callbacks: true, timeouts: map[pricing.Media]time.Duration{image: 30 * time.Second}},
		setup: func(s *shop) {
			s.kie.ScriptNext(kietest.Script{Generating: time.Hour})
			// Held until the client's 3 s request timeout gives up.
			s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultDelay, AfterHandling: true})
		},
		during: func(t *testing.T, s *shop, ctx context.Context) {
			s.waitJobState(ctx, store.JobUnknown)
			s.kie.CompleteTask(s.kie.Tasks()[0].ID)
		},
		want:  []string{"is ready"},
		state: store.JobSucceeded,
	}, {
		name:  "success without a result",
		lang:  "en",
		setup: func(s *shop) { s.kie.ScriptNext(kietest.Script{EmptyResult: true}) },
		want:  []string{"did not succeed", "The money is back on your balance"},
		state: store.JobFailed,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.welcome = welcome
			s := newShop(t, opts)
			ctx := actorstest.Context(t, 60*time.Second)
			s.startShop("a", shopOptions{})
			c := s.newClient(ctx, "Ann", "en") // the order driver reads English screens
			confirmation := c.mustOrder("z-image")
			if tc.lang == "ru" { // the outcome speaks the user's language as it is then
				if err := s.st.SetLanguage(ctx, c.u.ID(), "ru"); err != nil {
					t.Fatal(err)
				}
			}
			tc.setup(s)
			since := c.mark()
			c.confirm(confirmation)
			if tc.during != nil {
				tc.during(t, s, ctx)
			}
			for _, w := range tc.want {
				c.waitNew(since, w)
			}
			js := s.waitSettled(ctx)
			if len(js) != 1 || js[0].State != string(tc.state) {
				t.Fatalf("jobs %+v, want one %s", js, tc.state)
			}
			j := js[0]
			settle := "release"
			if tc.state == store.JobSucceeded {
				settle = "capture"
			}
			if s.entries(ctx, j.ID, "hold") != 1 || s.entries(ctx, j.ID, settle) != 1 || s.entries(ctx, j.ID, "") != 2 {
				t.Errorf("job %d: %d entries, want a hold and a %s", j.ID, s.entries(ctx, j.ID, ""), settle)
			}
			want := int64(welcome)
			if tc.state == store.JobSucceeded {
				want -= j.Price
			}
			if avail, held := c.balance(); avail != want || held != 0 {
				t.Errorf("balance %d held %d, want %d and 0", avail, held, want)
			}
			if n := s.kie.Count(kietest.RouteCreateTask); n != 1 {
				t.Errorf("createTask sent %d times for one job", n)
			}
			s.checkBooks(ctx)
		})
	}
}

// Telegram rate-limits the result's delivery (429 twice): it is retried
// and arrives once, paid once. A task with several results sends them all,
// the caption and buttons on the first only.
func TestShopDeliveryRetriesAndSendsEveryResult(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	confirmation := c.mustOrder("z-image")
	s.Bot.InjectError("sendPhoto", 2, 429, "Too Many Requests: retry after 1", 1)
	since := c.mark()
	c.confirm(confirmation)
	c.waitNew(since, "is ready")
	s.waitSettled(ctx)
	if n := c.countSent(isMedia); n != 1 {
		t.Fatalf("%d results after 429s", n)
	}

	confirmation = c.mustOrder("z-image")
	s.kie.ScriptNext(kietest.Script{URLs: 3})
	since = c.mark()
	c.confirm(confirmation)
	c.waitNew(since, "is ready")
	js := s.waitSettled(ctx)
	var results []string
	for _, m := range s.Bot.Sent(c.u.ID()) {
		if since.changed(m) && isMedia(m) {
			results = append(results, fmt.Sprintf("%q/%d", m.Caption, len(m.Buttons())))
		}
	}
	if len(results) != 3 || !strings.Contains(results[0], "Order") || results[1] != `""/0` || results[2] != `""/0` {
		t.Fatalf("results %v", results)
	}
	for _, j := range js {
		if s.entries(ctx, j.ID, "capture") != 1 {
			t.Errorf("job %d not captured once", j.ID)
		}
	}
	s.checkBooks(ctx)
}

// Kie created the task, but recording its id failed once (the database
// hiccuped). The id is kept and recorded on a retry, so the job runs on
// and is paid for its result — not released at its deadline while Kie
// bills the task. (No callbacks here: nothing else could name the task.)
func TestShopTaskIDSurvivesAFailedMarkRunning(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00, timeouts: map[pricing.Media]time.Duration{pricing.Media("image"): 5 * time.Second}})
	ctx := actorstest.Context(t, 60*time.Second)
	// The first submitting → running update of a job fails, once.
	for _, sql := range []string{
		`CREATE SEQUENCE test_mark_running_failures`,
		`CREATE FUNCTION test_fail_mark_running_once() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN
		     IF OLD.state = 'submitting' AND NEW.state = 'running' AND nextval('test_mark_running_failures') = 1 THEN
		         RAISE EXCEPTION 'injected: MarkRunning fails once';
		     END IF;
		     RETURN NEW;
		 END $$`,
		`CREATE TRIGGER test_fail_mark_running_once BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION test_fail_mark_running_once()`,
	} {
		if _, err := s.st.Pool().Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	confirmation := c.mustOrder("z-image")
	since := c.mark()
	c.confirm(confirmation)
	c.waitNew(since, "is ready")
	js := s.waitSettled(ctx)
	var failures int64
	if err := s.st.Pool().QueryRow(ctx, `SELECT last_value FROM test_mark_running_failures`).Scan(&failures); err != nil || failures < 1 {
		t.Fatalf("MarkRunning never failed (%d, %v): the test proves nothing", failures, err)
	}
	if len(js) != 1 || js[0].State != string(store.JobSucceeded) || s.entries(ctx, js[0].ID, "capture") != 1 {
		t.Fatalf("jobs %+v, want one succeeded and captured", js)
	}
	if n := s.kie.Count(kietest.RouteCreateTask); n != 1 {
		t.Fatalf("createTask sent %d times", n)
	}
	s.checkBooks(ctx)
}
