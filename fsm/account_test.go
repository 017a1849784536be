package fsm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

func TestBalanceShowsFacts(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	facts.avail, facts.held = 123_45, 47_50
	facts.entries = []LedgerLine{
		{At: testNow(), Kind: "hold", Amount: -47_50, JobID: 9},
		{At: testNow().Add(-time.Hour), Kind: "topup", Amount: 150_00},
		{At: testNow().Add(-2 * time.Hour), Kind: "welcome", Amount: 20_00},
	}
	c := newChat(t, env)
	c.cmd("balance")
	text := c.screenText()
	for _, want := range []string{"123,45", "47,50", "-47,50", "#9", "+150,00", "пополнение", "приветственный бонус", "12.05 14:03"} {
		if !strings.Contains(text, want) {
			t.Fatalf("balance lacks %q: %q", want, text)
		}
	}
	facts.entries = nil
	c.cmd("balance")
	if strings.Contains(c.screenText(), T(RU, KeyBalanceRecent)) {
		t.Fatalf("empty ledger still lists entries: %q", c.screenText())
	}
}

func TestHistoryResendAndRepeat(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	facts.jobs = []JobLine{
		{ID: 31, At: testNow(), ModelID: "qwen/image-edit", State: "succeeded", PriceKopecks: 4_75, HasResult: true,
			Params: pricing.Params{"prompt": "<night>", "num_images": "1"}, FileIDs: map[string][]string{"image_url": {"ph31"}}},
		{ID: 30, At: testNow(), ModelID: "z-image", State: "failed", PriceKopecks: 76},
		{ID: 29, At: testNow(), ModelID: "retired/model", State: "expired", PriceKopecks: 100},
		{ID: 28, At: testNow(), ModelID: "z-image", State: "running", Free: true,
			Params: pricing.Params{"prompt": "fox", "aspect_ratio": "4:3", "gone_field": "x"}},
	}
	c := newChat(t, env)
	c.cmd("history")
	text := c.screenText()
	for _, want := range []string{"#31", "готово", "4,75", "#30", "не удалось", "retired/model", "истекло", "генерируется", "бесплатно"} {
		if !strings.Contains(text, want) {
			t.Fatalf("history lacks %q: %q", want, text)
		}
	}
	if _, ok := c.button("📤 #30"); ok {
		t.Fatal("a job without a result offers a resend")
	}
	if _, ok := c.button("🔁 #29"); ok {
		t.Fatal("a job of a retired model offers a repeat")
	}

	c.press("📤 #31")
	if !reflect.DeepEqual(c.last.Cmd, ResendResult{JobID: 31}) || c.state != StateHistory {
		t.Fatalf("resend: %#v in %s", c.last.Cmd, c.state)
	}

	c.press("🔁 #31")
	if c.state != StateConfirm || !strings.Contains(c.screenText(), "&lt;night&gt;") {
		t.Fatalf("repeat: %s %q", c.state, c.screenText())
	}
	job := c.createJob()
	q, _ := env.Pricer.Quote("qwen/image-edit", job.Params)
	if job.Quote.Kopecks != q.Kopecks || job.FileIDs["image_url"][0] != "ph31" || job.Params["prompt"] != "<night>" {
		t.Fatalf("repeated job %+v", job)
	}

	// A repeat whose inputs the registry no longer knows drops them.
	c.cmd("history")
	c.press("🔁 #28")
	job = c.createJob()
	if _, ok := job.Params["gone_field"]; ok || job.Params["aspect_ratio"] != "4:3" {
		t.Fatalf("repeated params %v", job.Params)
	}

	// Result buttons work from any state, for this user's jobs only.
	c.cmd("help")
	rows := ResultButtons(RU, 30, "z-image")
	c.data_(rows[0][0].Data)
	if c.state != StateInput || !strings.Contains(c.screenText(), "укажите: "+fieldLabel(RU, "prompt")) {
		t.Fatalf("repeat of a job without stored inputs: %s %q", c.state, c.screenText())
	}
	c.data_(rows[1][0].Data)
	if c.state != StateModel || c.session().Model != "z-image" {
		t.Fatalf("to the model from a result: %s", c.state)
	}
	c.data_(ResultButtons(RU, 999, "z-image")[0][0].Data)
	if c.answer() != T(RU, KeyJobNotFound) || c.state != StateModel {
		t.Fatalf("someone else's job: %q %s", c.answer(), c.state)
	}
}

func TestTopUp(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c := newChat(t, env)
	c.cmd("topup")
	c.press("⭐ 500")
	if want := (CreateInvoice{Stars: 500, Kopecks: 500 * 150}); !reflect.DeepEqual(c.last.Cmd, want) {
		t.Fatalf("invoice %#v, want %#v", c.last.Cmd, want)
	}
	env.KopecksPerStar = 0
	c = newChat(t, env)
	c.cmd("topup")
	if c.screenText() != T(RU, KeyTopUpUnavailable) {
		t.Fatalf("without a Star price: %q", c.screenText())
	}
	if _, ok := c.button("⭐"); ok {
		t.Fatal("packages offered without a Star price")
	}
	title, desc, label := InvoiceText(EN, 500, 75_000)
	if len([]rune(title)) > 32 || len([]rune(desc)) > 255 || !strings.Contains(label, "750.00") && !strings.Contains(label, "750,00") {
		t.Fatalf("invoice text %q %q %q", title, desc, label)
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c := newChat(t, env)
	c.cmd("start")
	c.press("🌐")
	c.press("English")
	if !reflect.DeepEqual(c.last.Cmd, SetLanguage{Lang: EN}) || c.state != StateMenu {
		t.Fatalf("switch: %#v %s", c.last.Cmd, c.state)
	}
	if !strings.Contains(c.screenText(), T(EN, KeyMenuTitle)) || c.answer() != T(EN, KeyLanguageSet) {
		t.Fatalf("not in English: %q", c.screenText())
	}
	c.env.Lang = EN
	c.cmd("language")
	c.press("Русский")
	if !reflect.DeepEqual(c.last.Cmd, SetLanguage{Lang: RU}) || !strings.Contains(c.screenText(), T(RU, KeyMenuTitle)) {
		t.Fatalf("back to Russian: %#v %q", c.last.Cmd, c.screenText())
	}
}

func TestSalesPausedWithoutARate(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "", 5)
	facts.jobs = []JobLine{{ID: 5, ModelID: "z-image", State: "succeeded", Params: pricing.Params{"prompt": "x", "aspect_ratio": "1:1"}}}
	c := newChat(t, env)
	c.cmd("start")
	if !strings.Contains(c.screenText(), "⏸") {
		t.Fatalf("menu does not say sales are paused: %q", c.screenText())
	}
	if _, ok := c.button("🎁"); ok {
		t.Fatal("free models offered without prices")
	}
	m, _ := env.Registry.Model("z-image")
	c.openModel(m)
	if strings.Contains(c.screenText(), "₽") {
		t.Fatalf("card shows a price: %q", c.screenText())
	}
	if _, ok := c.button(T(RU, KeyBtnStart)); ok {
		t.Fatal("card offers to start")
	}
	c.step(Input{Kind: InputCallback, Callback: callbackData(c.session().Nonce, aGo, "")})
	if c.state != StateModel || c.answer() != T(RU, KeySalesPausedShort) {
		t.Fatalf("forged start: %s %q", c.state, c.answer())
	}
	for _, row := range reach(t, env, StateCategory).screen().Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, "₽") {
				t.Fatalf("list shows a price: %q", b.Text)
			}
		}
	}
	// A repeat reaches the confirmation, which cannot be confirmed.
	c.data_(ResultButtons(RU, 5, "z-image")[0][0].Data)
	if c.state != StateConfirm || strings.Contains(c.screenText(), "₽") {
		t.Fatalf("paused confirmation: %s %q", c.state, c.screenText())
	}
	if _, ok := c.button("Подтвердить"); ok {
		t.Fatal("paused confirmation has a confirm button")
	}
	c.step(Input{Kind: InputCallback, Callback: callbackData(c.session().Nonce, aConfirm, "")})
	if c.last.Cmd != nil || c.answer() != T(RU, KeySalesPausedShort) {
		t.Fatalf("forged confirm while paused: %#v %q", c.last.Cmd, c.answer())
	}
}

func TestHelpAndPaySupport(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 5)
	env.SupportContact = "@help<desk>"
	c := newChat(t, env)
	c.cmd("paysupport")
	if !strings.Contains(c.screenText(), "@help&lt;desk&gt;") || c.state != StateHelp {
		t.Fatalf("paysupport: %q", c.screenText())
	}
	c.cmd("help")
	if !strings.Contains(c.screenText(), "/paysupport") || !strings.Contains(c.screenText(), "до 3 раз") {
		t.Fatalf("help: %q", c.screenText())
	}
}

func TestFactsErrorsAreReturned(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	c := reach(t, env, StateInput)
	facts.err = errFacts
	for _, in := range []Input{
		{Kind: InputCommand, Command: "balance"}, {Kind: InputCommand, Command: "history"},
		{Kind: InputCallback, Callback: "*|again|1", CallbackID: "q"}, {Kind: InputCallback, Callback: "*|send|1", CallbackID: "q"},
	} {
		if _, err := Step(env, c.state, c.data, in); !errors.Is(err, errFacts) {
			t.Fatalf("%+v: %v", in, err)
		}
	}
	// Reaching the confirmation needs the balance.
	c.press("16:9")
	c.press("480p")
	b, _ := c.button("5 с")
	if _, err := Step(env, c.state, c.data, Input{Kind: InputCallback, Callback: b.Data, CallbackID: "q"}); !errors.Is(err, errFacts) {
		t.Fatalf("confirmation without facts: %v", err)
	}
	env.Facts = nil
	if _, err := Step(env, c.state, c.data, Input{Kind: InputCommand, Command: "balance"}); err == nil {
		t.Fatal("no error without facts")
	}
	env.Registry, env.Pricer = nil, nil
	if _, err := Step(env, "", nil, Input{Kind: InputCommand, Command: "start"}); err == nil {
		t.Fatal("no error without a registry")
	}
}
