package panel

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/store"
)

// Without a session nothing is shown and nothing changes: pages answer
// 401 with the plain page, and a change posted without a cookie leaves
// the balance and the audit log as they were.
func TestNoCookieRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	f.credit(customer, 100_00, "seed")
	b := &browser{f: f}
	for _, path := range []string{Prefix, Prefix + "users", Prefix + "users/" + itoa64(customer), Prefix + "export/users.csv?from=2020-01-01&to=2030-01-01"} {
		if a := b.get(path); a.code != http.StatusUnauthorized || !strings.Contains(a.body, "/panel") {
			t.Errorf("GET %s without a cookie = %d\n%s", path, a.code, a.body)
		}
	}
	a := b.do(http.MethodPost, Prefix+"users/"+itoa64(customer)+"/adjust", url.Values{"amount": {"50"}, "reason": {"x"}, "key": {"k"}, "csrf": {"x"}})
	if a.code != http.StatusUnauthorized {
		t.Fatalf("POST without a cookie = %d", a.code)
	}
	// A cookie that is no session is no better.
	b.cookie = &http.Cookie{Name: CookieName, Value: strings.Repeat("A", 43)}
	if a := b.get(Prefix); a.code != http.StatusUnauthorized {
		t.Fatalf("GET with a made-up cookie = %d", a.code)
	}
	if got := f.balance(customer); got != 100_00 {
		t.Fatalf("balance %d, want 10000", got)
	}
	if n := f.count(`SELECT count(*) FROM admin_actions`); n != 0 {
		t.Fatalf("%d audit rows", n)
	}
}

// A link signs in once: the session works, the link's second use (the
// page or the button) is the plain error page, and the link is stored
// only as a hash.
func TestLinkSignsInOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	link := f.link(adminID)
	tok := link[strings.Index(link, "?t=")+3:]
	if n := f.count(`SELECT count(*) FROM panel_links WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, tok); n != 0 {
		t.Fatal("the link's text is stored")
	}
	b := &browser{f: f}
	// Opening the link spends nothing: a prefetcher cannot use it up.
	for range 2 {
		if a := b.get(link); a.code != http.StatusOK {
			t.Fatalf("link page = %d", a.code)
		}
	}
	a := b.do(http.MethodPost, Prefix+"login", url.Values{"t": {tok}})
	if a.code != http.StatusSeeOther || a.location != Prefix || b.cookie == nil {
		t.Fatalf("sign-in = %d %q cookie %v", a.code, a.location, b.cookie)
	}
	if body := b.mustGet(Prefix); !strings.Contains(body, "Signed in as 7070") {
		t.Fatalf("dashboard:\n%s", body)
	}
	other := &browser{f: f}
	if a := other.get(link); a.code != http.StatusForbidden || !strings.Contains(a.body, "/panel") {
		t.Fatalf("used link's page = %d\n%s", a.code, a.body)
	}
	if a := other.do(http.MethodPost, Prefix+"login", url.Values{"t": {tok}}); a.code != http.StatusForbidden || other.cookie != nil {
		t.Fatalf("used link signed in again: %d", a.code)
	}
	if n := f.count(`SELECT count(*) FROM panel_sessions`); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
}

// An expired link, a made-up one and a malformed one sign no one in.
func TestExpiredAndWrongLinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	link := f.link(adminID)
	tok := link[strings.Index(link, "?t=")+3:]
	f.clock.Add(10*time.Minute + time.Second)
	b := &browser{f: f}
	if a := b.get(link); a.code != http.StatusForbidden {
		t.Fatalf("expired link page = %d", a.code)
	}
	if a := b.do(http.MethodPost, Prefix+"login", url.Values{"t": {tok}}); a.code != http.StatusForbidden || b.cookie != nil {
		t.Fatalf("expired link signed in: %d", a.code)
	}
	for _, bad := range []string{strings.Repeat("B", 43), "short", ""} {
		if a := b.do(http.MethodPost, Prefix+"login", url.Values{"t": {bad}}); a.code != http.StatusForbidden {
			t.Fatalf("link %q = %d", bad, a.code)
		}
	}
	if n := f.count(`SELECT count(*) FROM panel_sessions`); n != 0 {
		t.Fatalf("%d sessions", n)
	}
}

// Only ADMIN_ID: no link is issued for anyone else; a link made for an id
// no longer an admin does not sign in; and a session of an admin removed
// from ADMIN_ID ends at its next request, for good.
func TestOnlyAdminsSignIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	if err := f.st.InTx(f.ctx(), func(tx *store.Tx) error {
		_, _, err := f.p.IssueLink(f.ctx(), tx, customer)
		return err
	}); err == nil {
		t.Fatal("a link was issued for a non-admin")
	}
	// A link stored for a non-admin id (as if ADMIN_ID changed after it).
	raw, tok := newToken()
	now := f.clock.Now()
	if err := f.st.CreatePanelLink(f.ctx(), hashOf(raw), customer, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	b := &browser{f: f}
	if a := b.get(Prefix + "login?t=" + tok); a.code != http.StatusForbidden {
		t.Fatalf("non-admin link page = %d", a.code)
	}
	if a := b.do(http.MethodPost, Prefix+"login", url.Values{"t": {tok}}); a.code != http.StatusForbidden || b.cookie != nil {
		t.Fatalf("non-admin signed in: %d", a.code)
	}

	// otherID signs in, then leaves ADMIN_ID: the same database, served by
	// a panel whose operator no longer lists them.
	sess := f.signIn(otherID)
	sess.mustGet(Prefix)
	f.op = operator.New(operator.Config{AdminIDs: []int64{adminID}, Pricer: f.pricer, Now: f.clock.Now})
	f.p = New(Config{Store: f.st, Operator: f.op, BaseURL: f.base, Logger: f.log, Now: f.clock.Now})
	srv := &browser{f: f, cookie: sess.cookie}
	a := srv.serveLocal(f.p, Prefix)
	if a != http.StatusUnauthorized {
		t.Fatalf("a former admin's session = %d", a)
	}
	if n := f.count(`SELECT count(*) FROM panel_sessions WHERE admin_id = $1 AND revoked_at IS NULL`, otherID); n != 0 {
		t.Fatalf("the former admin's session is still live")
	}
}

// CSRF: a change posted with a live session but without the form's token,
// or with another session's, is refused and changes nothing.
func TestCSRFRequired(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	f.credit(customer, 100_00, "seed")
	b := f.signIn(adminID)
	other := f.signIn(otherID)
	otherCSRF := csrfRE.FindStringSubmatch(other.mustGet(Prefix))[1]
	action := Prefix + "users/" + itoa64(customer) + "/adjust"
	for name, csrf := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {"nope"}, "another session's": {otherCSRF}} {
		form := url.Values{"amount": {"50"}, "reason": {"csrf test"}, "key": {"k-" + name}}
		if csrf != nil {
			form["csrf"] = csrf
		}
		if a := b.do(http.MethodPost, action, form); a.code != http.StatusForbidden {
			t.Errorf("CSRF %s: %d", name, a.code)
		}
	}
	for _, path := range []string{"logout", "users/" + itoa64(customer) + "/ban", "models/switch", "broadcasts"} {
		if a := b.do(http.MethodPost, Prefix+path, url.Values{"reason": {"x"}, "key": {"k"}}); a.code != http.StatusForbidden {
			t.Errorf("POST %s without CSRF: %d", path, a.code)
		}
	}
	if got := f.balance(customer); got != 100_00 {
		t.Fatalf("balance %d, want 10000", got)
	}
	if n := f.count(`SELECT count(*) FROM admin_actions`); n != 0 {
		t.Fatalf("%d audit rows", n)
	}
	b.mustGet(Prefix) // still signed in: logout without CSRF did nothing
}

// The cookie: HttpOnly, SameSite=Strict, scoped to the panel, expiring
// with the session, and Secure when the base URL is https.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	b := f.signIn(adminID)
	c := b.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != Prefix || c.MaxAge != int((12*time.Hour)/time.Second) || c.Secure {
		t.Fatalf("cookie over http: %+v", c)
	}
	if n := f.count(`SELECT count(*) FROM panel_sessions WHERE token_hash = sha256(decode(translate($1, '-_', '+/') || '=', 'base64'))`, c.Value); n != 1 {
		t.Fatal("the session is not stored as the hash of its token")
	}
	// The session expires with its cookie.
	f.clock.Add(12*time.Hour + time.Second)
	if a := b.get(Prefix); a.code != http.StatusUnauthorized {
		t.Fatalf("expired session = %d", a.code)
	}

	fs := newFixture(t, fixtureOptions{})
	fs.p = New(Config{Store: fs.st, Operator: fs.op, BaseURL: "https://bot.example.com", Logger: fs.log, Now: fs.clock.Now})
	link := fs.link(adminID)
	if !strings.HasPrefix(link, "https://bot.example.com/admin/login?t=") {
		t.Fatalf("link %s", link)
	}
	tok := link[strings.Index(link, "?t=")+3:]
	w := recordPost(fs.p, Prefix+"login", url.Values{"t": {tok}}, nil)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Set-Cookie"), "Secure") {
		t.Fatalf("https sign-in = %d, Set-Cookie %q", w.Code, w.Header().Get("Set-Cookie"))
	}
}

// Signing out: the panel's button ends this session; /panel logout (the
// shop's SignOut) ends every session of the admin.
func TestSignOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	one, two := f.signIn(adminID), f.signIn(adminID)
	if a := one.post(Prefix, Prefix+"logout", nil); a.code != http.StatusOK || one.cookie != nil {
		t.Fatalf("sign out = %d, cookie %v", a.code, one.cookie)
	}
	saved := two.cookie
	two.mustGet(Prefix)
	if err := f.st.InTx(f.ctx(), func(tx *store.Tx) error {
		n, err := f.p.SignOut(f.ctx(), tx, adminID)
		if n != 1 {
			t.Errorf("signed out %d sessions, want 1", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	two.cookie = saved
	if a := two.get(Prefix); a.code != http.StatusUnauthorized {
		t.Fatalf("after /panel logout = %d", a.code)
	}
}
