package fsm

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// openModel goes from /start to m's card through the menus.
func (c *chat) openModel(m *pricing.Model) {
	c.t.Helper()
	c.cmd("start")
	if c.env.Pricer.IsFree(m.ID()) && c.env.FreeDailyLimit > 0 {
		c.press("🎁")
	} else {
		c.press(m.Category().Label().In(string(c.env.Lang)))
	}
	name := cutRunes(m.Name(string(c.env.Lang)), 40)
	for range 20 {
		for _, row := range c.screen().Buttons {
			for _, b := range row {
				if b.Text == name || strings.HasPrefix(b.Text, name+" · ") {
					c.data_(b.Data)
					if c.state != StateModel || c.session().Model != m.ID() {
						c.t.Fatalf("pressing %q opened %q in %s", b.Text, c.session().Model, c.state)
					}
					return
				}
			}
		}
		if _, ok := c.button(T(c.env.Lang, KeyBtnNext)); !ok {
			break
		}
		c.press(T(c.env.Lang, KeyBtnNext))
	}
	c.t.Fatalf("model %s not found in its list", m.ID())
}

// order fills m's inputs from its card and returns at the confirmation.
func (c *chat) order(m *pricing.Model) {
	c.t.Helper()
	c.openModel(m)
	c.press(T(c.env.Lang, KeyBtnStart))
	c.fill(m)
	if c.state != StateConfirm {
		c.t.Fatalf("%s: after the inputs the state is %s: %q", m.ID(), c.state, c.screenText())
	}
}

// createJob presses Confirm and returns the command.
func (c *chat) createJob() CreateJob {
	c.t.Helper()
	c.press("✅")
	job, ok := c.last.Cmd.(CreateJob)
	if !ok {
		c.t.Fatalf("confirm gave %#v, answer %q, screen %q", c.last.Cmd, c.answer(), c.screenText())
	}
	return job
}

func TestEveryEnabledModelCanBeOrdered(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	for _, m := range env.Registry.Models() {
		t.Run(m.ID(), func(t *testing.T) {
			t.Parallel()
			c := newChat(t, env)
			c.order(m)
			screen := c.screenText()
			job := c.createJob()
			want := sampleQuote(t, env, m, job)
			if !reflect.DeepEqual(job.Quote, want) {
				t.Fatalf("job quote %v, pricer says %v", job.Quote, want)
			}
			if !strings.Contains(screen, pricing.FormatRUB(want.Kopecks)) {
				t.Fatalf("confirmation does not show %s: %q", pricing.FormatRUB(want.Kopecks), screen)
			}
			if _, err := m.Input(job.Params, job.FileIDs); err != nil {
				t.Fatalf("job inputs do not validate: %v", err)
			}
			if job.ModelID != m.ID() || job.IdempotencyKey == "" || c.state != StateMenu {
				t.Fatalf("job %+v, state %s", job, c.state)
			}
		})
	}
}

func TestHappyPaths(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	facts.avail = 500_00
	var audio string
	if ms := env.Registry.ByCategory(pricing.Audio); len(ms) > 0 {
		audio = ms[0].ID()
	}
	tests := []struct {
		name   string
		model  string
		inputs func(c *chat)
		params pricing.Params
		files  map[string][]string
	}{
		{
			name: "text to image", model: "z-image",
			inputs: func(c *chat) {
				c.text("a <b>red</b> fox & a hen")
				c.press("16:9")
			},
			params: pricing.Params{"prompt": "a <b>red</b> fox & a hen", "aspect_ratio": "16:9"},
		},
		{
			name: "image to image with a photo", model: "qwen/image-edit",
			inputs: func(c *chat) {
				c.file(File{Kind: "photo", FileID: "ph1", Size: 200_000})
				c.text("make it night")
			},
			params: pricing.Params{"prompt": "make it night"},
			files:  map[string][]string{"image_url": {"ph1"}},
		},
		{
			name: "video with enum choices", model: "bytedance/v1-lite-text-to-video",
			inputs: func(c *chat) {
				c.text("waves at dusk")
				c.press("9:16")
				c.press("720p")
				c.press("10 с")
			},
			params: pricing.Params{"prompt": "waves at dusk", "aspect_ratio": "9:16", "resolution": "720p", "duration": "10"},
		},
		{
			name: "audio", model: audio,
			inputs: func(c *chat) { c.fill(c.env.Registry.ByCategory(pricing.Audio)[0]) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.model == "" {
				t.Skip("no audio model is enabled in the registry")
			}
			m, err := env.Registry.Model(tt.model)
			if err != nil {
				t.Fatal(err)
			}
			c := newChat(t, env)
			c.openModel(m)
			c.press(T(RU, KeyBtnStart))
			tt.inputs(c)
			if c.state != StateConfirm {
				t.Fatalf("state %s after inputs: %q", c.state, c.screenText())
			}
			screen := c.screenText()
			job := c.createJob()
			if tt.params != nil && !reflect.DeepEqual(job.Params, tt.params) {
				t.Fatalf("params %v, want %v", job.Params, tt.params)
			}
			if tt.files != nil && !reflect.DeepEqual(job.FileIDs, tt.files) {
				t.Fatalf("files %v, want %v", job.FileIDs, tt.files)
			}
			want, err := env.Pricer.Quote(tt.model, job.Params)
			if err != nil || job.Quote.Kopecks != want.Kopecks || job.Charge != ChargeBalance {
				t.Fatalf("quote %v, pricer %v (%v)", job.Quote, want, err)
			}
			after := pricing.FormatRUB(facts.avail - want.Kopecks)
			if !strings.Contains(screen, after) || strings.Contains(screen, "<b>red</b>") {
				t.Fatalf("confirmation lacks the balance after (%s) or echoes raw HTML: %q", after, screen)
			}
		})
	}
}

func TestDoubleTapMakesOneJob(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	m, _ := env.Registry.Model("z-image")
	c := newChat(t, env)
	c.order(m)
	confirmState, confirmData := c.state, c.data
	button, _ := c.button("✅")
	first := c.createJob()

	// The same tap processed again from the same state (a retried update).
	retry, err := step(env, confirmState, confirmData, Input{Kind: InputCallback, Callback: button.Data, CallbackID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if job, ok := retry.Cmd.(CreateJob); !ok || job.IdempotencyKey != first.IdempotencyKey {
		t.Fatalf("retried tap: %#v, want key %s", retry.Cmd, first.IdempotencyKey)
	}
	// A second tap after the first was committed.
	c.data_(button.Data)
	second, ok := c.last.Cmd.(CreateJob)
	if !ok || !reflect.DeepEqual(second, first) {
		t.Fatalf("second tap: %#v, want %#v", c.last.Cmd, first)
	}
	// Any other button of that confirmation is stale now.
	c.step(Input{Kind: InputCallback, Callback: strings.Replace(button.Data, "|ok|", "|x|", 1)})
	if c.last.Cmd != nil || c.answer() != Outdated(RU) {
		t.Fatalf("cancel after confirming: %#v %q", c.last.Cmd, c.answer())
	}

	// The same order confirmed on a new screen is a new job.
	c.order(m)
	if again := c.createJob(); again.IdempotencyKey == first.IdempotencyKey {
		t.Fatal("a new confirmation reused the old key")
	}
}

func TestConfirmationShowsWhatStandsInTheWay(t *testing.T) {
	t.Parallel()
	m := "z-image"
	tests := []struct {
		name     string
		setup    func(env *Env, f *fakeFacts)
		canOrder bool
		text     string // expected on the confirmation
		button   string // expected button
	}{
		{"enough money", func(*Env, *fakeFacts) {}, true, "после заказа", "Подтвердить"},
		{"short with top-ups", func(_ *Env, f *fakeFacts) { f.avail = 10 }, false, "Не хватает", "Пополнить"},
		{"short without top-ups", func(e *Env, f *fakeFacts) { f.avail, e.KopecksPerStar = 10, 0 }, false, "Не хватает", "Обновить"},
		{"at the running limit", func(_ *Env, f *fakeFacts) { f.running = 3 }, false, "не больше 3", "Обновить"},
		{"admins have no running limit", func(e *Env, f *fakeFacts) { f.running, e.IsAdmin = 30, true }, true, "после заказа", "Подтвердить"},
		{"held money is shown", func(_ *Env, f *fakeFacts) { f.held = 12_34 }, true, "12,34", "Подтвердить"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, facts := newEnv(t, "95", 0)
			tt.setup(&env, facts)
			model, _ := env.Registry.Model(m)
			c := newChat(t, env)
			c.order(model)
			if !strings.Contains(c.screenText(), tt.text) {
				t.Fatalf("confirmation lacks %q: %q", tt.text, c.screenText())
			}
			if _, ok := c.button(tt.button); !ok {
				t.Fatalf("no %q button", tt.button)
			}
			if _, ok := c.button("Подтвердить"); ok != tt.canOrder {
				t.Fatalf("confirm button present = %v, want %v", ok, tt.canOrder)
			}
		})
	}
}

func TestPriceMovesBetweenScreenAndTap(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	m, _ := env.Registry.Model("z-image")
	c := newChat(t, env)
	c.order(m)
	b, _ := c.button("✅")
	// A restart with another rate between showing and pressing.
	c.env.Pricer, _ = pricing.NewPricer(env.Registry, pricing.Config{USDRUBRate: "120"})
	c.data_(b.Data)
	if c.last.Cmd != nil || c.state != StateConfirm || c.answer() != T(RU, KeyPriceChanged) {
		t.Fatalf("moved price: cmd %#v state %s answer %q", c.last.Cmd, c.state, c.answer())
	}
	q, _ := c.env.Pricer.Quote(m.ID(), c.session().Params)
	if job := c.createJob(); job.Quote.Kopecks != q.Kopecks {
		t.Fatalf("second confirmation charged %d, quote %d", job.Quote.Kopecks, q.Kopecks)
	}
}

func TestFreeTier(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 5)
	free := env.Pricer.FreeModels()
	if len(free) == 0 {
		t.Fatal("no free models")
	}
	m := free[0]
	c := newChat(t, env)
	c.cmd("start")
	if _, ok := c.button("🎁"); !ok {
		t.Fatal("no free button in the menu")
	}
	facts.freeUsed = 1
	c.order(m)
	if !strings.Contains(c.screenText(), "осталось сегодня: 2 из 3") {
		t.Fatalf("confirmation: %q", c.screenText())
	}
	if job := c.createJob(); job.Charge != ChargeFreeUse {
		t.Fatalf("free job charged %v, quoted %+v", job.Charge, job.Quote)
	}

	facts.freeUsed = 3 // the day's uses are spent: the normal price applies
	c.order(m)
	q, _ := env.Pricer.Quote(m.ID(), c.session().Params)
	if !strings.Contains(c.screenText(), "закончились") || !strings.Contains(c.screenText(), pricing.FormatRUB(q.Kopecks)) {
		t.Fatalf("confirmation after the limit: %q", c.screenText())
	}
	if job := c.createJob(); job.Charge != ChargeBalance || job.Quote.Kopecks != q.Kopecks {
		t.Fatalf("job after the limit charged %v, quoted %+v", job.Charge, job.Quote)
	}

	env.FreeDailyLimit = 0 // the free tier off: no free button, normal prices
	c = newChat(t, env)
	c.cmd("start")
	if _, ok := c.button("🎁"); ok {
		t.Fatal("free button with the free tier off")
	}
}
