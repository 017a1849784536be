package shop

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// ✅ pressed twice in quick succession, the same callback query delivered
// again (as a new update, and as the very same update stored twice): one
// job, one hold, one result.
func TestShopDoubleConfirmMakesOneJob(t *testing.T) {
	t.Parallel()
	const welcome = 10_00
	s := newShop(t, shopOptions{welcome: welcome})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	confirmation := c.mustOrder("z-image")
	label := mustButton(t, confirmation, "✅")
	since := c.mark()
	first, err := c.u.Press(confirmation.ID, label)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.u.Press(confirmation.ID, label)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{first, second} {
		if _, err := s.Bot.WaitCallbackAnswer(ctx, id); err != nil {
			t.Fatalf("tap %s not answered: %v", id, err)
		}
	}
	c.waitResult(since)

	// Telegram hands the bot the first tap again: once under a new
	// update id, once as the same update (a webhook retry).
	var updateID int64
	var payload []byte
	if err := s.st.Pool().QueryRow(ctx, `SELECT update_id, payload FROM inbox WHERE payload->'callback_query'->>'id' = $1`, first).Scan(&updateID, &payload); err != nil {
		t.Fatal(err)
	}
	var upd models.Update
	if err := json.Unmarshal(payload, &upd); err != nil {
		t.Fatal(err)
	}
	upd.ID = 0
	again, _ := s.Bot.SendUpdate(upd)
	s.waitProcessed(ctx, again)
	inbox := &actors.Inbox{Store: s.st, Metrics: actors.NewMetrics("test", nil), Source: "webhook"}
	if err := inbox.StoreUpdates(ctx, []telegram.RawUpdate{{ID: updateID, JSON: payload}}); err != nil {
		t.Fatal(err)
	}

	js := s.waitSettled(ctx)
	if len(js) != 1 {
		t.Fatalf("%d jobs from one confirmation: %+v", len(js), js)
	}
	if h := s.entries(ctx, js[0].ID, "hold"); h != 1 {
		t.Fatalf("%d holds", h)
	}
	if n := c.countSent(isMedia); n != 1 {
		t.Fatalf("%d results\n%s", n, c.transcript())
	}
	if n := s.kie.Count("createTask"); n != 1 {
		t.Fatalf("createTask sent %d times", n)
	}
	if avail, held := c.balance(); avail != welcome-js[0].Price || held != 0 {
		t.Fatalf("balance %d held %d", avail, held)
	}
	s.checkBooks(ctx)
}

// Bad input is answered with what is wrong and changes nothing: a file of
// the wrong kind (a PDF or a video where a photo is needed, a photo where
// a video is), one over Telegram's 20 MB download limit, text where a file
// is needed, a prompt over the model's limit, and a button of an old
// screen. Nothing is charged, and the order then completes normally.
func TestShopBadInputIsExplainedAndChargesNothing(t *testing.T) {
	t.Parallel()
	const welcome = 100_00
	s := newShop(t, shopOptions{welcome: welcome})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	// Nano Banana Edit asks for a photo, then a prompt of up to 5000 characters.
	since := c.mark()
	c.u.SendCommand("start")
	screen := c.mustScreen(since)
	for _, step := range []string{"Image editing", "Nano Banana Edit · ", "▶️ Create"} {
		var err error
		if screen, err = c.tapOn(screen, step); err != nil {
			t.Fatalf("%v\n%s", err, c.transcript())
		}
	}
	if !strings.Contains(screen.Text, "Send a photo") {
		t.Fatalf("first step %q", screen.Text)
	}
	firstPrompt := screen
	refused := func(send func(), want string) {
		t.Helper()
		since := c.mark()
		send()
		got := c.mustScreen(since)
		if !strings.Contains(got.Text, want) || !strings.Contains(got.Text, "Send a photo") {
			t.Errorf("answer %q, want %q above the same prompt", got.Text, want)
		}
	}
	refused(func() {
		c.u.SendDocument(telegramtest.Upload{Name: "terms.pdf", MIME: "application/pdf", Content: []byte("%PDF-1.4")})
	}, "This file does not fit: a photo is needed")
	refused(func() { c.sendMedia("video") }, "This file does not fit: a photo is needed")
	refused(func() {
		c.u.SendDocument(telegramtest.Upload{Name: "huge.png", MIME: "image/png", Content: testPNG(), Size: 25 << 20})
	}, "up to 20 MB only")
	refused(func() { c.u.SendText("here is my photo") }, "A file is needed here")

	// A photo as a document is fine; then a prompt one character too long.
	since = c.mark()
	c.u.SendDocument(telegramtest.Upload{Name: "cat.png", MIME: "image/png", Content: testPNG()})
	screen = c.mustScreen(since)
	if !strings.Contains(screen.Text, "Type it as a message") {
		t.Fatalf("after the photo: %q", screen.Text)
	}
	since = c.mark()
	c.u.SendText(strings.Repeat("ж", 5001))
	if got := c.mustScreen(since); !strings.Contains(got.Text, "Too long: 5001 characters, and the limit is 5000") {
		t.Errorf("over-long prompt answered %q", got.Text)
	}

	// A button of the first prompt, long gone.
	since = c.mark()
	q, err := c.tap(firstPrompt, mustButton(t, firstPrompt, "Back"))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Bot.CallbackAnswer(q); !strings.Contains(a.Text, "outdated") {
		t.Errorf("stale button answered %q", a.Text)
	}
	screen = c.mustScreen(since)
	if !strings.Contains(screen.Text, "Type it as a message") {
		t.Errorf("after a stale button the screen is %q, want the prompt still asked", screen.Text)
	}
	if js := s.jobs(ctx); len(js) != 0 {
		t.Fatalf("jobs before any confirmation: %+v", js)
	}
	if avail, held := c.balance(); avail != welcome || held != 0 {
		t.Fatalf("balance %d held %d before any order", avail, held)
	}

	// The order goes on from where it was.
	confirmation, err := c.answerUntilConfirm(screen)
	if err != nil {
		t.Fatalf("%v\n%s", err, c.transcript())
	}
	since = c.mark()
	c.confirm(confirmation)
	c.waitResult(since)

	// A photo where a video is needed, then /cancel: nothing charged.
	since = c.mark()
	c.u.SendCommand("start")
	screen = c.mustScreen(since)
	for _, step := range []string{"Video to video", "Wan 2.6 Video to Video · ", "▶️ Create"} {
		if screen, err = c.tapOn(screen, step); err != nil {
			t.Fatalf("%v\n%s", err, c.transcript())
		}
	}
	since = c.mark()
	c.sendMedia("image")
	if got := c.mustScreen(since); !strings.Contains(got.Text, "This file does not fit: a video is needed") {
		t.Errorf("photo for a video answered %q", got.Text)
	}
	since = c.mark()
	c.u.SendCommand("cancel")
	c.waitNew(since, "nothing was charged")

	js := s.waitSettled(ctx)
	if len(js) != 1 || js[0].State != string(store.JobSucceeded) {
		t.Fatalf("jobs %+v, want the one confirmed order", js)
	}
	if avail, held := c.balance(); avail != welcome-js[0].Price || held != 0 {
		t.Fatalf("balance %d held %d", avail, held)
	}
	s.checkBooks(ctx)
}
