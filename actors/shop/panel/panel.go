// Package panel is the shop's web admin panel: server-rendered pages under
// /admin/ on the bot's own HTTP server, on every instance (leader or
// standby: it reads and writes the database only).
//
// Sign-in has no password. An admin sends /panel to the bot and gets a
// one-time link (IssueLink); opening it shows a "sign in" button, whose
// POST spends the link and sets a session cookie. Links and sessions are
// random 256-bit tokens kept only as their SHA-256 (store/panel.go), bound
// to the admin's Telegram id, which must be in ADMIN_ID on every request:
// a session of an id no longer there is revoked on its next request. The
// cookie is HttpOnly, SameSite=Strict, Secure when the base URL is https,
// and expires with the session. Every form carries a CSRF token derived
// from the session's token (HMAC), checked in constant time.
//
// Every change goes through the operator service (package operator) or
// the broadcasts API (shop.Broadcasts) — the same audited operations as
// the Telegram console, each in one transaction with its audit row; the
// user's notice of a change goes to their outbox in that transaction and
// is sent when their conversation next runs (see package operator's doc).
package panel

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/shop"
	"github.com/kiebot/kiebot/actors/shop/operator"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// Prefix is where the panel is mounted.
const Prefix = "/admin/"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Instance describes the instance serving a page.
type Instance struct {
	Name    string
	Version string
	// Role and epoch of this instance now ("leader", "standby"); nil
	// shows none.
	Status func() (role string, epoch int64)
}

// Config configures the panel.
type Config struct {
	Store    *store.Store
	Operator *operator.Service
	// Broadcasts is the broadcasts API; nil hides the broadcasts pages.
	Broadcasts *shop.Broadcasts
	// BaseURL is the bot's public base URL (https://bot.example.com);
	// links are BaseURL + Prefix + "login?t=…". Required: with none there
	// is no panel (the caller does not build one).
	BaseURL  string
	Instance Instance
	Logger   *slog.Logger
	// LinkTTL is how long a sign-in link works; default 10 minutes.
	LinkTTL time.Duration
	// SessionTTL is how long a session lasts; default 12 hours.
	SessionTTL time.Duration
	Now        func() time.Time
}

// Panel is the web panel: an http.Handler for Prefix, and the shop's
// PanelSignIn.
type Panel struct {
	cfg    Config
	log    *slog.Logger
	op     *operator.Service
	st     *store.Store
	tpl    map[string]*template.Template
	mux    *http.ServeMux
	secure bool // cookies are Secure: the base URL is https

	exportHook func(rows int) // tests only: called after each CSV row
}

var _ shop.PanelSignIn = (*Panel)(nil)

// New checks cfg and parses the templates; bad wiring panics.
func New(cfg Config) *Panel {
	if cfg.Store == nil || cfg.Operator == nil || cfg.Logger == nil {
		panic("panel.New: Store, Operator and Logger are required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		panic(fmt.Sprintf("panel.New: base URL %q is not an http(s) URL", cfg.BaseURL))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = 10 * time.Minute
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Panel{cfg: cfg, log: cfg.Logger.With("component", "panel"), op: cfg.Operator, st: cfg.Store,
		secure: u.Scheme == "https"}
	p.tpl = parseTemplates()
	p.routes()
	return p
}

// ServeHTTP implements http.Handler.
func (p *Panel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	p.mux.ServeHTTP(w, r)
}

// handlerFunc is a page or an action of a signed-in admin.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) error

func (p *Panel) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+Prefix+"login", p.loginPage)
	m.HandleFunc("POST "+Prefix+"login", p.login)
	page := func(pattern string, h handlerFunc) { m.Handle(pattern, p.authed(h, false)) }
	action := func(pattern string, h handlerFunc) { m.Handle(pattern, p.authed(h, true)) }

	action("POST "+Prefix+"logout", p.logout)
	action("POST "+Prefix+"logout/all", p.logoutAll)
	page("GET "+Prefix+"{$}", p.dashboard)
	page("GET "+Prefix+"users", p.users)
	page("GET "+Prefix+"users/{id}", p.user)
	action("POST "+Prefix+"users/{id}/adjust", p.adjust)
	action("POST "+Prefix+"users/{id}/ban", p.ban)
	action("POST "+Prefix+"users/{id}/unban", p.unban)
	action("POST "+Prefix+"users/{id}/message", p.message)
	page("GET "+Prefix+"jobs", p.jobs)
	page("GET "+Prefix+"jobs/{id}", p.job)
	action("POST "+Prefix+"jobs/{id}/refund", p.refund)
	page("GET "+Prefix+"payments", p.payments)
	page("GET "+Prefix+"models", p.models)
	action("POST "+Prefix+"models/switch", p.switchModel)
	page("GET "+Prefix+"broadcasts", p.broadcasts)
	action("POST "+Prefix+"broadcasts", p.createBroadcast)
	page("GET "+Prefix+"broadcasts/{id}", p.broadcast)
	action("POST "+Prefix+"broadcasts/{id}/{verb}", p.moveBroadcast)
	page("GET "+Prefix+"audit", p.audit)
	page("GET "+Prefix+"instances", p.instances)
	page("GET "+Prefix+"export", p.exportPage)
	page("GET "+Prefix+"export/{what}", p.export)
	m.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		p.plainError(w, r, http.StatusNotFound, "panel.not_found")
	})
	p.mux = m
}

// session is the signed-in admin of one request.
type session struct {
	AdminID int64
	Lang    fsm.Lang
	CSRF    string
	token   []byte
}

// authed runs h for a live session of a current admin; for a change
// (write), only with the session's CSRF token. Anything else is refused
// before h runs.
func (p *Panel) authed(h handlerFunc, write bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := p.session(r)
		if err != nil {
			if !errors.Is(err, errSignedOut) {
				p.fail(w, r, err)
				return
			}
			p.log.Info("panel: refused, not signed in", "path", r.URL.Path, "reason", err.Error())
			p.plainError(w, r, http.StatusUnauthorized, "panel.signed_out")
			return
		}
		if write {
			if err := r.ParseForm(); err != nil {
				p.plainError(w, r, http.StatusBadRequest, "panel.bad_request")
				return
			}
			if !validCSRF(s, r.PostForm.Get("csrf")) {
				p.log.Warn("panel: refused, CSRF token missing or wrong", "admin_id", s.AdminID, "path", r.URL.Path)
				p.plainError(w, r, http.StatusForbidden, "panel.csrf")
				return
			}
		}
		if err := h(w, r, s); err != nil {
			p.fail(w, r, err)
		}
	})
}

// fail answers an unexpected error: logged, and a plain page.
func (p *Panel) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errNotFound) {
		p.plainError(w, r, http.StatusNotFound, "panel.not_found")
		return
	}
	p.log.Error("panel: request failed", "path", r.URL.Path, "err", err)
	p.plainError(w, r, http.StatusInternalServerError, "panel.error")
}

var errNotFound = errors.New("not found")

// plainError is the one error page: a status and one sentence, no detail.
func (p *Panel) plainError(w http.ResponseWriter, r *http.Request, code int, key string) {
	lang := fsm.RU
	if strings.HasPrefix(r.Header.Get("Accept-Language"), "en") {
		lang = fsm.EN
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = p.tpl["error"].ExecuteTemplate(w, "plain", map[string]any{"Lang": lang, "Key": key, "Code": code})
}

// render writes a page of the layout.
func (p *Panel) render(w http.ResponseWriter, s *session, name string, data map[string]any) error {
	t, ok := p.tpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	if data == nil {
		data = map[string]any{}
	}
	if f, ok := data["Flash"].(string); ok && !fsm.PanelTextKnown(f) {
		delete(data, "Flash") // a hand-made ?flash= shows nothing
	}
	data["S"] = s
	data["Page"] = name
	data["Lang"] = s.Lang
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write([]byte(b.String()))
	return err
}

// redirect sends the browser to a panel page after a change (303: the
// page is fetched with GET, and a reload does not post again).
func redirect(w http.ResponseWriter, r *http.Request, path string, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "flash=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r, Prefix+strings.TrimPrefix(path, "/"), http.StatusSeeOther)
}

func (p *Panel) now() time.Time { return p.cfg.Now() }

// ctx bounds a request's database work.
func reqCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 20*time.Second)
}
