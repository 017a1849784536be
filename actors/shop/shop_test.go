package shop

import (
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// A user tops up with Stars, orders a text-to-image generation, and gets
// the picture; the money moves exactly as the ledger audit expects.
func TestShopTopUpThenGenerate(t *testing.T) {
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	c.u.SendCommand("start")
	c.waitText("Hi")
	c.press("Top up")
	c.press("100")
	inv, err := s.Bot.WaitMessage(ctx, c.u.ID(), func(m telegramtest.Message) bool { return m.Invoice != nil })
	if err != nil {
		t.Fatalf("no invoice: %v\n%s", err, c.transcript())
	}
	if _, err := c.u.Pay(ctx, inv.ID); err != nil {
		t.Fatalf("pay: %v\n%s", err, c.transcript())
	}
	c.waitText("Payment received: +100,00") // 100 Stars × 100 kopecks

	c.u.SendCommand("start")
	c.press("Text to image")
	c.press("Z-Image")
	c.press("Create")
	c.u.SendText("a red fox in the snow")
	c.press("1:1")
	c.press("✅")
	photo, err := s.Bot.WaitMessage(ctx, c.u.ID(), func(m telegramtest.Message) bool { return len(m.Photo) > 0 })
	if err != nil {
		dumpJobs(t, s)
		t.Fatalf("no picture: %v\n%s", err, c.transcript())
	}
	if !strings.Contains(photo.Caption, "Z-Image") {
		t.Errorf("caption %q", photo.Caption)
	}
	report, err := store.Audit(ctx, s.st.Pool(), 0)
	if err != nil || !report.OK() {
		t.Fatalf("audit: %v\n%s", err, report.String())
	}
	avail, held, _ := s.st.Balance(ctx, c.u.ID())
	if held != 0 || avail >= 100_00 || avail <= 0 {
		t.Fatalf("balance %d held %d after one paid picture", avail, held)
	}
}

func dumpJobs(t *testing.T, s *shop) {
	rows, err := s.st.Pool().Query(t.Context(), `SELECT id, state, model_id, fail_code, fail_msg FROM jobs`)
	if err != nil {
		t.Logf("dump jobs: %v", err)
		return
	}
	for rows.Next() {
		var id int64
		var st, m, fc, fm string
		_ = rows.Scan(&id, &st, &m, &fc, &fm)
		t.Logf("job %d %s %s %s %s", id, st, m, fc, fm)
	}
	rows.Close()
	rows, _ = s.st.Pool().Query(t.Context(), `SELECT update_id, kind, attempts, last_error, failed FROM inbox WHERE attempts > 0 OR failed`)
	for rows.Next() {
		var id int64
		var k, e string
		var a int
		var f bool
		_ = rows.Scan(&id, &k, &a, &e, &f)
		t.Logf("update %d %s attempts %d failed %v: %s", id, k, a, f, e)
	}
	rows.Close()
}

// Issue 9 #2: the shop tells the engine which updates must never be given
// up: the ones that move money.
func TestShopMarksMoneyUpdatesAsNotToBeDropped(t *testing.T) {
	sh := &Shop{}
	for _, tc := range []struct {
		upd  models.Update
		want string
	}{
		{models.Update{Message: &models.Message{SuccessfulPayment: &models.SuccessfulPayment{}}}, "successful_payment"},
		{models.Update{Message: &models.Message{RefundedPayment: &models.RefundedPayment{}}}, "refunded_payment"},
		{models.Update{Message: &models.Message{Text: "hi"}}, ""},
		{models.Update{CallbackQuery: &models.CallbackQuery{}}, ""},
	} {
		if got := sh.MustNotDrop(&tc.upd); got != tc.want {
			t.Errorf("MustNotDrop(%+v) = %q, want %q", tc.upd, got, tc.want)
		}
	}
}
