package panel

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/shop"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

const (
	adminID  int64 = 7070
	otherID  int64 = 7071 // an admin too
	customer int64 = 5001
)

// clock is the panel's and the operator's time: the real time (rows the
// database stamps with now() fall in "today"), moved ahead by the test.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// fixture is one bot's database, the panel mounted on a real
// actors.HTTPServer exactly as cmd/kiebot mounts it, and, with bot, the
// whole shop running on a fake Bot API (for /panel and broadcasts).
type fixture struct {
	t      *testing.T
	h      *actorstest.Harness
	st     *store.Store
	pricer *pricing.Pricer
	op     *operator.Service
	p      *Panel
	base   string // http://127.0.0.1:port
	clock  *clock
	bcs    *shop.Broadcasts
	log    *slog.Logger
	admin  *telegramtest.User // with bot
	user   *telegramtest.User // with bot: the customer
}

type fixtureOptions struct {
	bot bool // run the shop on the fake Bot API
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("PANEL_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	h := actorstest.New(t, actorstest.BotToken)
	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, h: h, st: store.New(storetest.OpenPool(t, h.DSN), h.BotID), pricer: pricer,
		clock: &clock{}, log: testLogger(t)}
	f.op = operator.New(operator.Config{AdminIDs: []int64{adminID, otherID}, Pricer: pricer, Now: f.clock.Now, Logger: f.log})

	// The HTTP server first: the panel's base URL is its address.
	var handler http.Handler = http.NotFoundHandler()
	delegate := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) })
	srv, err := actors.NewHTTPServer(actors.HTTPServerConfig{
		Addr: "127.0.0.1:0", Instance: "panel-test", Version: "test", Logger: f.log,
		Metrics: actors.NewMetrics("test", nil), Status: &actors.StatusBoard{}, Ready: func(context.Context) error { return nil },
		Routes:          []actors.Route{{Pattern: Prefix, Handler: delegate}, {Pattern: ExportPattern, Handler: delegate, Stream: true}},
		ShutdownTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.base = "http://" + srv.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("http server: %v", err)
		}
	})

	tg, err := telegram.New(telegram.Config{APIURL: h.TG.URL, Token: h.Token, Logger: f.log})
	if err != nil {
		t.Fatal(err)
	}
	f.bcs = shop.NewBroadcasts(shop.BroadcastsConfig{Store: f.st, Telegram: tg, Logger: f.log, Rate: 1000, CheckEvery: 100 * time.Millisecond})
	f.p = New(Config{Store: f.st, Operator: f.op, Broadcasts: f.bcs, BaseURL: f.base, Logger: f.log, Now: f.clock.Now,
		Instance: Instance{Name: "panel-test", Version: "test"}})
	handler = f.p

	f.touch(adminID, "Ada", "ada", "en")
	f.touch(customer, "Иван", "ivan_k", "ru")
	if o.bot {
		f.startBot()
	}
	return f
}

// startBot runs the shop with the panel's sign-in and the broadcasts
// sender on the fake Bot API.
func (f *fixture) startBot() {
	t := f.t
	ks := kietest.NewServer()
	t.Cleanup(ks.Close)
	f.h.Build = func(st *store.Store, tg *telegram.Client, _ *actors.Metrics) (actors.UpdateHandler, actors.PreCheckoutHandler, []actors.Worker) {
		kc, err := kie.New(kie.Config{APIKey: ks.APIKey, BaseURL: ks.URL, UploadBaseURL: ks.UploadURL, Logger: f.log})
		if err != nil {
			t.Fatal(err)
		}
		sh := shop.New(shop.Config{Store: st, Telegram: tg, Kie: kc, Pricer: f.pricer, Logger: f.log,
			AdminIDs: []int64{adminID, otherID}, Operator: f.op, Panel: f.p})
		return sh, sh, []actors.Worker{{Name: "broadcasts", Run: f.bcs.Run}}
	}
	f.h.Start("blue", actorstest.Options{Logger: f.log})
	f.admin = f.h.Bot.AddUser(telegramtest.UserConfig{ID: adminID, FirstName: "Ada", Username: "ada", LanguageCode: "en"})
	f.user = f.h.Bot.AddUser(telegramtest.UserConfig{ID: customer, FirstName: "Иван", Username: "ivan_k", LanguageCode: "ru"})
}

func (f *fixture) ctx() context.Context {
	return actorstest.Context(f.t, 30*time.Second)
}

func (f *fixture) touch(id int64, name, username, lang string) {
	f.t.Helper()
	if err := f.st.InTx(f.ctx(), func(tx *store.Tx) error {
		_, _, err := tx.TouchUser(f.ctx(), store.SeenUser{ID: id, ChatID: id, FirstName: name, Username: username, LanguageCode: lang})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) credit(userID, kopecks int64, key string) {
	f.t.Helper()
	if err := f.st.InTx(f.ctx(), func(tx *store.Tx) error {
		_, err := tx.Credit(f.ctx(), store.CreditParams{UserID: userID, Kind: store.KindAdjustment, Amount: kopecks, Key: key})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) balance(userID int64) int64 {
	f.t.Helper()
	a, _, err := f.st.Balance(f.ctx(), userID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// count runs a count(*) query of the test's own.
func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.h.Admin.QueryRow(f.ctx(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// link issues a sign-in link as /panel does, in a transaction.
func (f *fixture) link(admin int64) string {
	f.t.Helper()
	var u string
	if err := f.st.InTx(f.ctx(), func(tx *store.Tx) error {
		var err error
		u, _, err = f.p.IssueLink(f.ctx(), tx, admin)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// browser is a cookie-keeping client of the panel (no redirects followed,
// so each answer is seen).
type browser struct {
	f      *fixture
	cookie *http.Cookie
}

type answer struct {
	code     int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values) answer {
	b.f.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.f.base + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.f.ctx(), method, target, body)
	if err != nil {
		b.f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == CookieName {
			if c.MaxAge < 0 {
				b.cookie = nil
			} else {
				b.cookie = c
			}
		}
	}
	return answer{code: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) answer { return b.do(http.MethodGet, path, nil) }

// mustGet fetches a page that must render.
func (b *browser) mustGet(path string) string {
	b.f.t.Helper()
	a := b.get(path)
	if a.code != http.StatusOK {
		b.f.t.Fatalf("GET %s = %d\n%s", path, a.code, a.body)
	}
	return a.body
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var keyRE = regexp.MustCompile(`name="key" value="([^"]+)"`)

// post submits a form of page (read for its CSRF token and idempotency
// key) to action with fields.
func (b *browser) post(page, action string, fields url.Values) answer {
	b.f.t.Helper()
	body := b.mustGet(page)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.f.t.Fatalf("no CSRF token on %s", page)
	}
	form := url.Values{"csrf": {m[1]}}
	if k := keyRE.FindStringSubmatch(body); k != nil {
		form.Set("key", k[1])
	}
	for k, v := range fields {
		form[k] = v
	}
	return b.do(http.MethodPost, action, form)
}

// signIn opens a link and presses its button.
func (f *fixture) signIn(admin int64) *browser {
	f.t.Helper()
	b := &browser{f: f}
	link := f.link(admin)
	if a := b.get(link); a.code != http.StatusOK || !strings.Contains(a.body, `id="signin"`) {
		f.t.Fatalf("link page = %d\n%s", a.code, a.body)
	}
	tok := strings.TrimPrefix(link[strings.Index(link, "?t="):], "?t=")
	a := b.do(http.MethodPost, Prefix+"login", url.Values{"t": {tok}})
	if a.code != http.StatusSeeOther || b.cookie == nil {
		f.t.Fatalf("sign-in = %d (cookie %v)\n%s", a.code, b.cookie, a.body)
	}
	return b
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

// serveLocal runs one GET of h in process with the browser's cookie.
func (b *browser) serveLocal(h http.Handler, path string) int {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// recordPost runs one form POST of h in process.
func recordPost(h http.Handler, path string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
