package panel

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The panel in a real browser: Debian's headless Chromium driven by
// chromedp, against the whole shop on the fake Bot API. Skipped (loudly)
// only when Chromium is missing and KIEBOT_REQUIRE_BROWSER is unset; CI
// (.ci/run) installs it and sets the variable, so there they always run.

// chromium finds the browser, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("KIEBOT_REQUIRE_BROWSER") != "" {
		t.Fatal("KIEBOT_REQUIRE_BROWSER is set but no Chromium was found (apt-get install -y chromium)")
	}
	t.Log("################################################################")
	t.Log("## BROWSER TESTS SKIPPED: Chromium is not installed.          ##")
	t.Log("## apt-get install -y chromium, or set KIEBOT_REQUIRE_BROWSER. ##")
	t.Log("################################################################")
	t.Skip("no Chromium: browser tests skipped")
	return ""
}

// newBrowser starts a headless Chromium for one test.
func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil { // start it now, without a timeout
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// into runs a and keeps its value in dst.
func into[T any](a chromedp.Action[T], dst *T) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

// artefact is where a test writes what a person may want to look at.
func artefact(t *testing.T, name string) string {
	dir := os.Getenv("KIEBOT_TEST_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kiebot-test-artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// An admin signs in through the link /panel sent, sees the dashboard,
// finds a user, adjusts their balance through the form (with its CSRF
// token), sees the new balance and the audit line, and signs out; the
// database has the change once and its audit row.
func TestBrowserSignInAdjustSignOut(t *testing.T) {
	t.Parallel()
	chromium(t)
	f := newFixture(t, fixtureOptions{bot: true})
	f.credit(customer, 100_00, "seed")
	ctx, cancel := context.WithTimeout(newBrowser(t, f.ctx()), 90*time.Second)
	defer cancel()
	link := f.linkFromBot()

	var dashboard, balance, flash, audit, after string
	var shot []byte
	err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
		into(chromedp.Text(chromedp.CSS("main h1")), &dashboard),
		into(chromedp.FullScreenshot(90), &shot),

		chromedp.Click(chromedp.CSS(`a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "ivan"),
		chromedp.Click(chromedp.ID("search")),
		chromedp.WaitVisible(chromedp.CSS("a.user-link")),
		chromedp.Click(chromedp.CSS("a.user-link")),
		chromedp.WaitVisible(chromedp.ID("adjust-form")),
		chromedp.SendKeys(chromedp.ID("amount"), "25,50"),
		chromedp.SendKeys(chromedp.ID("adjust-reason"), "browser goodwill"),
		chromedp.Click(chromedp.ID("adjust")),
		chromedp.WaitVisible(chromedp.ID("flash")),
		into(chromedp.Text(chromedp.ID("flash")), &flash),
		into(chromedp.Text(chromedp.ID("balance")), &balance),
		into(chromedp.Text(chromedp.CSS("table.audit")), &audit),

		chromedp.Click(chromedp.ID("signout")),
		chromedp.WaitVisible(chromedp.ID("message")),
		chromedp.Navigate(f.base+Prefix),
		chromedp.WaitVisible(chromedp.ID("message")),
		into(chromedp.Text(chromedp.ID("message")), &after),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if err := os.WriteFile(artefact(t, "panel-dashboard.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard screenshot: %s", artefact(t, "panel-dashboard.png"))
	if dashboard != "Dashboard" {
		t.Errorf("dashboard heading %q", dashboard)
	}
	if flash != "Done." || !strings.Contains(balance, "125,50") || !strings.Contains(audit, "adjust_balance") || !strings.Contains(audit, "browser goodwill") {
		t.Errorf("after the adjustment: flash %q, balance %q, audit %q", flash, balance, audit)
	}
	if !strings.Contains(after, "/panel") {
		t.Errorf("after signing out the panel shows %q", after)
	}
	if got := f.balance(customer); got != 125_50 {
		t.Fatalf("balance in the database %d, want 12550", got)
	}
	if n := f.auditRows("adjust_balance"); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
	if n := f.count(`SELECT count(*) FROM panel_sessions WHERE revoked_at IS NULL`); n != 0 {
		t.Fatalf("%d sessions live after signing out", n)
	}
}

// A small broadcast from the browser: composed, previewed in Telegram,
// started, and watched to the end on its page, which refreshes itself.
func TestBrowserBroadcast(t *testing.T) {
	t.Parallel()
	chromium(t)
	f := newFixture(t, fixtureOptions{bot: true})
	ctx, cancel := context.WithTimeout(newBrowser(t, f.ctx()), 90*time.Second)
	defer cancel()
	link := f.linkFromBot()
	var state, sent string
	err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
		chromedp.Navigate(f.base+Prefix+"broadcasts"),
		chromedp.WaitVisible(chromedp.ID("bc-text")),
		chromedp.SendKeys(chromedp.ID("bc-text"), "<b>Hello</b> from the panel"),
		chromedp.Click(chromedp.ID("bc-create")),
		chromedp.WaitVisible(chromedp.ID("bc-start")),
		chromedp.Click(chromedp.ID("bc-start")),
		// The page refreshes every 3 s while sending; the sender is fast.
		chromedp.WaitVisible(chromedp.CSS(`span.st-done`)),
		into(chromedp.Text(chromedp.ID("bc-state")), &state),
		into(chromedp.Text(chromedp.ID("bc-sent")), &sent),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if state != "done" || sent != "2 / 2" {
		t.Fatalf("broadcast page: %s, %s", state, sent)
	}
	f.waitBot(customer, "<b>Hello</b> from the panel")
}
