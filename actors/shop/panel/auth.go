package panel

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// CookieName is the session cookie.
const CookieName = "kiebot_panel"

const tokenBytes = 32

// errSignedOut: no live session of a current admin.
var errSignedOut = errors.New("not signed in")

func newToken() (raw []byte, text string) {
	raw = make([]byte, tokenBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+)
	return raw, base64.RawURLEncoding.EncodeToString(raw)
}

// hashOf is what the database keeps of a token.
func hashOf(raw []byte) []byte {
	h := sha256.Sum256(raw)
	return h[:]
}

func parseToken(s string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	return raw, err == nil && len(raw) == tokenBytes
}

// IssueLink implements shop.PanelSignIn: a one-time sign-in link for
// adminID, stored (hashed) in tx.
func (p *Panel) IssueLink(ctx context.Context, tx *store.Tx, adminID int64) (string, time.Duration, error) {
	if !p.op.IsAdmin(adminID) {
		return "", 0, fmt.Errorf("panel link for %d: not an admin", adminID)
	}
	raw, text := newToken()
	now := p.now()
	if err := tx.CreatePanelLink(ctx, hashOf(raw), adminID, now, now.Add(p.cfg.LinkTTL)); err != nil {
		return "", 0, err
	}
	return p.cfg.BaseURL + Prefix + "login?t=" + text, p.cfg.LinkTTL, nil
}

// SignOut implements shop.PanelSignIn: every session of adminID ends.
func (p *Panel) SignOut(ctx context.Context, tx *store.Tx, adminID int64) (int64, error) {
	return tx.RevokePanelSessions(ctx, adminID, p.now())
}

// loginPage is where a link lands: it checks the link without spending
// it and offers a button that does. (A GET that signed in would be spent
// by whatever fetches links ahead of the admin, and a cookie set on the
// arrival from Telegram — a cross-site navigation — would not be sent on
// the redirect that follows: SameSite=Strict.)
func (p *Panel) loginPage(w http.ResponseWriter, r *http.Request) {
	raw, ok := parseToken(r.URL.Query().Get("t"))
	if !ok {
		p.log.Warn("panel: sign-in refused: malformed link", "remote", r.RemoteAddr)
		p.plainError(w, r, http.StatusForbidden, "panel.bad_link")
		return
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	// Peek in a transaction that is rolled back: the same checks as the
	// real use, nothing spent.
	var admin int64
	peek := errors.New("peek")
	err := p.st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if admin, err = tx.UsePanelLink(ctx, hashOf(raw), p.now()); err != nil {
			return err
		}
		return peek
	})
	if !errors.Is(err, peek) {
		p.refuseLink(w, r, admin, err)
		return
	}
	if !p.op.IsAdmin(admin) {
		p.refuseLink(w, r, admin, fmt.Errorf("user %d is not in ADMIN_ID", admin))
		return
	}
	lang := p.langOf(ctx, admin)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := p.tpl["login"].ExecuteTemplate(w, "plain", map[string]any{"Lang": lang, "Token": r.URL.Query().Get("t"), "Admin": admin}); err != nil {
		p.log.Error("panel: render sign-in page", "err", err)
	}
}

// login spends the link and starts a session.
func (p *Panel) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.plainError(w, r, http.StatusBadRequest, "panel.bad_request")
		return
	}
	raw, ok := parseToken(r.PostForm.Get("t"))
	if !ok {
		p.log.Warn("panel: sign-in refused: malformed link", "remote", r.RemoteAddr)
		p.plainError(w, r, http.StatusForbidden, "panel.bad_link")
		return
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	sessRaw, sessText := newToken()
	now := p.now()
	var admin int64
	err := p.st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if admin, err = tx.UsePanelLink(ctx, hashOf(raw), now); err != nil {
			return err
		}
		if !p.op.IsAdmin(admin) {
			return fmt.Errorf("user %d is not in ADMIN_ID", admin)
		}
		return tx.CreatePanelSession(ctx, hashOf(sessRaw), admin, r.UserAgent(), now, now.Add(p.cfg.SessionTTL))
	})
	if err != nil {
		p.refuseLink(w, r, admin, err)
		return
	}
	p.log.Info("panel: signed in", "admin_id", admin, "remote", r.RemoteAddr)
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: sessText, Path: Prefix, Expires: now.Add(p.cfg.SessionTTL), MaxAge: int(p.cfg.SessionTTL / time.Second),
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// refuseLink answers a link that does not sign in: one plain page, one
// log line saying why.
func (p *Panel) refuseLink(w http.ResponseWriter, r *http.Request, admin int64, err error) {
	reason := "error"
	switch {
	case errors.Is(err, store.ErrNotFound):
		reason = "unknown"
	case errors.Is(err, store.ErrLinkUsed):
		reason = "used"
	case errors.Is(err, store.ErrLinkExpired):
		reason = "expired"
	case admin != 0 && !p.op.IsAdmin(admin):
		reason = "not_admin"
	default:
		p.log.Error("panel: sign-in failed", "err", err)
		p.plainError(w, r, http.StatusInternalServerError, "panel.error")
		return
	}
	p.log.Warn("panel: sign-in refused", "reason", reason, "admin_id", admin, "remote", r.RemoteAddr)
	p.plainError(w, r, http.StatusForbidden, "panel.bad_link")
}

// session finds the request's live session; errSignedOut when there is
// none. A session of an id no longer in ADMIN_ID is revoked here.
func (p *Panel) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil, fmt.Errorf("%w: no cookie", errSignedOut)
	}
	raw, ok := parseToken(c.Value)
	if !ok {
		return nil, fmt.Errorf("%w: malformed cookie", errSignedOut)
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	now := p.now()
	ps, err := p.st.TouchPanelSession(ctx, hashOf(raw), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: no live session", errSignedOut)
	}
	if err != nil {
		return nil, err
	}
	if !p.op.IsAdmin(ps.AdminID) {
		n, err := p.st.RevokePanelSessions(ctx, ps.AdminID, now)
		if err != nil {
			return nil, err
		}
		p.log.Warn("panel: sessions of a former admin ended", "admin_id", ps.AdminID, "sessions", n)
		return nil, fmt.Errorf("%w: user %d is no longer an admin", errSignedOut, ps.AdminID)
	}
	return &session{AdminID: ps.AdminID, Lang: p.langOf(ctx, ps.AdminID), CSRF: csrfOf(raw), token: raw}, nil
}

// csrfOf is the CSRF token of a session: an HMAC of a fixed label keyed
// by the session's token, so it needs no storage and dies with it.
func csrfOf(sessionToken []byte) string {
	m := hmac.New(sha256.New, sessionToken)
	m.Write([]byte("kiebot panel csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func validCSRF(s *session, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

// langOf is the admin's language in the bot (Russian when unknown).
func (p *Panel) langOf(ctx context.Context, adminID int64) fsm.Lang {
	u, err := p.st.User(ctx, adminID)
	if err != nil {
		return fsm.RU
	}
	return fsm.LangOf(u.Language)
}

func (p *Panel) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	if _, err := p.st.RevokePanelSession(ctx, hashOf(s.token), p.now()); err != nil {
		return err
	}
	p.log.Info("panel: signed out", "admin_id", s.AdminID)
	clearCookie(w, p.secure)
	p.plainError(w, r, http.StatusOK, "panel.bye")
	return nil
}

func (p *Panel) logoutAll(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	n, err := p.st.RevokePanelSessions(ctx, s.AdminID, p.now())
	if err != nil {
		return err
	}
	p.log.Info("panel: signed out everywhere", "admin_id", s.AdminID, "sessions", n)
	clearCookie(w, p.secure)
	p.plainError(w, r, http.StatusOK, "panel.bye")
	return nil
}

func clearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}
