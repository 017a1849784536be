package panel

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// waitBot waits for the bot's message to chat containing sub.
func (f *fixture) waitBot(chat int64, sub string) telegramtest.Message {
	f.t.Helper()
	m, err := f.h.Bot.WaitMessage(f.ctx(), chat, func(m telegramtest.Message) bool {
		return m.FromBot && strings.Contains(m.Source, sub)
	})
	if err != nil {
		f.t.Fatalf("no bot message with %q to %d: %v", sub, chat, err)
	}
	return m
}

// linkFromBot sends /panel as the admin and returns the link the bot
// answers with.
func (f *fixture) linkFromBot() string {
	f.t.Helper()
	f.admin.SendCommand("panel")
	m := f.waitBot(adminID, "/admin/login?t=")
	h := hrefRE.FindStringSubmatch(m.Source)
	if h == nil {
		f.t.Fatalf("no link in %q", m.Source)
	}
	return strings.ReplaceAll(h[1], "&amp;", "&")
}

// /panel through the fake Bot API: the admin's link signs in; /panel
// logout ends the session; a non-admin's /panel gets the ordinary answer
// to an unknown command and no link is made.
func TestPanelCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{bot: true})
	link := f.linkFromBot()
	if !strings.HasPrefix(link, f.base+"/admin/login?t=") {
		t.Fatalf("link %q", link)
	}
	b := &browser{f: f}
	if a := b.get(link); a.code != http.StatusOK {
		t.Fatalf("link page = %d", a.code)
	}
	tok := link[strings.Index(link, "?t=")+3:]
	if a := b.do(http.MethodPost, Prefix+"login", map[string][]string{"t": {tok}}); a.code != http.StatusSeeOther {
		t.Fatalf("sign-in = %d", a.code)
	}
	b.mustGet(Prefix)

	f.admin.SendCommand("panel", "logout")
	f.waitBot(adminID, "Sessions closed: 1")
	if a := b.get(Prefix); a.code != http.StatusUnauthorized {
		t.Fatalf("after /panel logout = %d", a.code)
	}

	before := f.count(`SELECT count(*) FROM panel_links`)
	f.user.SendCommand("panel")
	// The ordinary answer to an unknown command (whatever its words):
	// the same as to a command that does not exist.
	f.user.SendCommand("nosuchcommand")
	var answers []string
	if err := f.h.TG.WaitFor(f.ctx(), func() bool {
		answers = answers[:0]
		for _, m := range f.h.Bot.Sent(customer) {
			answers = append(answers, m.Source)
		}
		return len(answers) >= 2
	}); err != nil {
		t.Fatalf("answers %q: %v", answers, err)
	}
	if len(answers) < 2 || answers[0] != answers[1] || strings.Contains(answers[0], "/admin/") {
		t.Fatalf("non-admin /panel answers %q", answers)
	}
	if n := f.count(`SELECT count(*) FROM panel_links`); n != before {
		t.Fatalf("a link was made for a non-admin")
	}
}
