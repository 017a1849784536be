package shop

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/fsm"
)

// Without a public base URL there is no panel: an admin's /panel says so
// and why, and makes nothing. (With one, package shop/panel's tests sign
// in through the link /panel sends.)
func TestPanelCommandWithoutPanel(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	got := admin.cmdScreen("panel")
	if got.Text != fsm.T(fsm.EN, fsm.KeyPanelOff) || !strings.Contains(got.Text, "WEBHOOK_BASE_URL") {
		t.Fatalf("/panel without a base URL: %q", got.Text)
	}
	var n int
	if err := s.Admin.QueryRow(ctx, `SELECT count(*) FROM panel_links`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("panel links: %d, %v", n, err)
	}
}
