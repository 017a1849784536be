package shop

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/store"
)

// newClientAs adds a user with a chosen id (admins must be known before
// the shop starts).
func (s *shop) newClientAs(ctx context.Context, id int64, name string) *client {
	return &client{s: s, u: s.Bot.AddUser(telegramtest.UserConfig{ID: id, FirstName: name, LanguageCode: "en"}), ctx: ctx, t: s.T}
}

// orderRunning orders z-image and waits until its job runs on Kie.
func (c *client) orderRunning(n int) {
	c.t.Helper()
	confirmation := c.mustOrder("z-image")
	c.confirm(confirmation)
	err := waitUntil(c.ctx, func() (bool, error) {
		running := 0
		for _, j := range jobsOf(c.s.jobs(c.ctx), c.u.ID()) {
			if j.State == string(store.JobRunning) {
				running++
			}
		}
		return running == n, nil
	})
	if err != nil {
		c.t.Fatalf("not %d jobs running: %v\n%s", n, err, c.transcript())
	}
}

// Three running jobs is the limit: a fourth order is shown why it cannot
// be confirmed (and can be once one finishes); admins are exempt.
func TestShopRunningJobsLimit(t *testing.T) {
	t.Parallel()
	const adminID = 4242
	s := newShop(t, shopOptions{welcome: 100_00, admins: []int64{adminID}, ratePerMinute: 6000, rateBurst: 1000})
	ctx := actorstest.Context(t, 90*time.Second)
	s.kie.SetScript("z-image", kietest.Script{Generating: time.Hour})
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	admin := s.newClientAs(ctx, adminID, "Boss")

	for i := 1; i <= 3; i++ {
		c.orderRunning(i)
	}
	fourth := c.mustOrder("z-image")
	if _, ok := button(fourth, containing("✅")); ok || !strings.Contains(fourth.Text, "at most 3 at a time") {
		t.Fatalf("fourth order: %q %v", fourth.Text, fourth.Buttons())
	}
	for i := 1; i <= 4; i++ {
		admin.orderRunning(i)
	}

	// One of Ann's jobs finishes: the fourth order can go.
	since := c.mark()
	s.kie.CompleteTask(jobsOf(s.jobs(ctx), c.u.ID())[0].TaskID)
	c.waitResult(since)
	confirmation, err := c.tapOn(fourth, "🔄 Refresh")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.transcript())
	}
	c.confirm(confirmation)
	if err := waitUntil(ctx, func() (bool, error) { return len(jobsOf(s.jobs(ctx), c.u.ID())) == 4, nil }); err != nil {
		t.Fatal(err)
	}
	if err := waitUntil(ctx, func() (bool, error) {
		for _, j := range s.jobs(ctx) {
			if j.TaskID == "" && !store.JobState(j.State).Final() {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, j := range s.jobs(ctx) {
		if j.State == string(store.JobRunning) {
			s.kie.CompleteTask(j.TaskID)
		}
	}
	js := s.waitSettled(ctx)
	if len(js) != 8 {
		t.Fatalf("%d jobs, want 4 + 4", len(js))
	}
	for _, j := range js {
		if j.State != string(store.JobSucceeded) {
			t.Errorf("job %+v", j)
		}
	}
	s.checkBooks(ctx)
}

// The free tier: a free model costs nothing and moves no money, a failed
// free job gives its use back, and once the day's uses are spent the model
// is offered at its normal price.
func TestShopFreeTier(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{freeTier: 2, freeDaily: 2})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	if !s.pricer.IsFree("z-image") {
		t.Fatal("z-image is not in the free tier")
	}
	used := func() int {
		n, err := s.st.FreeUsedToday(ctx, c.u.ID())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	order := func(left int) mark {
		t.Helper()
		confirmation := c.mustOrder("z-image")
		if !strings.Contains(confirmation.Text, "free") || !strings.Contains(confirmation.Text, "left today: "+string(rune('0'+left))+" of 2") {
			t.Fatalf("free confirmation %q", confirmation.Text)
		}
		mustButton(t, confirmation, "✅ Confirm · free")
		since := c.mark()
		c.confirm(confirmation)
		return since
	}

	c.waitResult(order(2))
	if used() != 1 {
		t.Fatalf("%d free uses after one free job", used())
	}
	s.kie.ScriptNext(kietest.Script{Outcome: kietest.Fail})
	c.waitNew(order(1), "Nothing was charged")
	s.waitSettled(ctx)
	if used() != 1 {
		t.Fatalf("a failed free job kept its use: %d used", used())
	}
	c.waitResult(order(1))
	if used() != 2 {
		t.Fatalf("%d free uses after two free jobs", used())
	}
	over := c.mustOrder("z-image")
	if !strings.Contains(over.Text, "free generations are used up (2 a day)") {
		t.Fatalf("third order %q", over.Text)
	}
	if _, ok := button(over, containing("✅")); ok { // no money for the normal price
		t.Fatalf("confirmable with no free use and no money: %v", over.Buttons())
	}
	js := s.waitSettled(ctx)
	for _, j := range js {
		if !j.Free || j.Price != 0 || s.entries(ctx, j.ID, "") != 0 {
			t.Errorf("free job %+v moved money", j)
		}
	}
	if avail, held := c.balance(); avail != 0 || held != 0 {
		t.Fatalf("balance %d held %d", avail, held)
	}
	s.checkBooks(ctx)
}

// /history resends a result and repeats an order with the same inputs —
// for a photo input, uploaded to Kie afresh; /paysupport answers with the
// support contact.
func TestShopHistoryResendRepeatAndPaySupport(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	confirmation := c.mustOrder("recraft/crisp-upscale")
	since := c.mark()
	c.confirm(confirmation)
	first := c.waitResult(since)

	since = c.mark()
	c.u.SendCommand("history")
	history := c.mustScreen(since)
	if !strings.Contains(history.Text, "Recent orders") || !strings.Contains(history.Text, "Crisp Upscale") {
		t.Fatalf("history %q", history.Text)
	}
	since = c.mark()
	if _, err := c.tap(history, mustButton(t, history, "📤")); err != nil {
		t.Fatal(err)
	}
	again := c.waitResult(since)
	if len(again.Photo) == 0 || again.Caption != first.Caption {
		t.Fatalf("resent %+v, want the photo %q again", again.Message, first.Caption)
	}

	// "Again" on the result: the same photo goes to Kie as a new upload.
	repeat, err := c.tapOn(first, "🔁 Again")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.transcript())
	}
	if !strings.Contains(repeat.Text, "Check your order") {
		t.Fatalf("repeat shows %q", repeat.Text)
	}
	since = c.mark()
	c.confirm(repeat)
	c.waitResult(since)
	js := s.waitSettled(ctx)
	if len(js) != 2 {
		t.Fatalf("jobs %+v", js)
	}
	var urls [2]string
	for i, j := range js {
		task, _ := s.kie.Task(j.TaskID)
		u := inputURLs(t, task.Param)
		if len(u) != 1 || !strings.HasPrefix(u[0], s.kie.CDNURL) {
			t.Fatalf("job %d sent Kie %v", j.ID, u)
		}
		urls[i] = u[0]
	}
	if urls[0] == urls[1] {
		t.Errorf("the repeat reused the first upload %q", urls[0])
	}

	since = c.mark()
	c.u.SendCommand("paysupport")
	support := c.waitNew(since, "Help with payments")
	if !strings.Contains(support.Text, "@kiebot_support") {
		t.Errorf("/paysupport %q lacks the support contact", support.Text)
	}
	s.checkBooks(ctx)
}
