package shop

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/store"
)

// adjustments counts a user's adjustment entries (a result credited back).
func (s *shop) adjustments(c *client) int {
	s.T.Helper()
	var n int
	if err := s.st.Pool().QueryRow(c.ctx, `SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'adjustment'`, c.u.ID()).Scan(&n); err != nil {
		s.T.Fatal(err)
	}
	return n
}

// Telegram refuses a finished result for good: it goes in the next form
// Telegram may take — a photo as a document (by URL, then uploaded), then
// a link — and when nothing gets through (for a reason other than a
// blocked bot) the price comes back, once, and the user is told. The
// progress message never stays on "generating". A user who blocked the
// bot gets nothing more tried and nothing back.
func TestShopRefusedResultFallsBack(t *testing.T) {
	t.Parallel()
	const welcome = 10_00
	type inject struct {
		method string
		count  int
		code   int
		desc   string
	}
	cases := []struct {
		name    string
		inject  []inject
		want    func(telegramtest.Message) bool // the delivered form
		notice  string                          // in the progress message at the end
		credit  bool
		noCalls string // a method never called
	}{{
		name:   "URL content refused: uploaded",
		inject: []inject{{"sendPhoto", 1, 400, "Bad Request: failed to get HTTP URL content"}},
		want:   func(m telegramtest.Message) bool { return len(m.Photo) > 0 && strings.Contains(m.Caption, "Order") },
		notice: "is ready",
	}, {
		name:   "photo refused: sent as a document",
		inject: []inject{{"sendPhoto", -1, 400, "Bad Request: PHOTO_INVALID_DIMENSIONS"}},
		want:   func(m telegramtest.Message) bool { return m.Document != nil && strings.Contains(m.Caption, "Order") },
		notice: "is ready",
	}, {
		name: "every file form refused: a link",
		inject: []inject{
			{"sendPhoto", -1, 400, "Bad Request: PHOTO_INVALID_DIMENSIONS"},
			{"sendDocument", -1, 400, "Bad Request: wrong type of the web page content"},
		},
		want: func(m telegramtest.Message) bool {
			for _, b := range m.Buttons() {
				if strings.Contains(b.Text, "Download") && b.URL != "" {
					return true
				}
			}
			return false
		},
		notice: "is ready",
	}, {
		name: "nothing gets through: the price comes back",
		inject: []inject{
			{"sendPhoto", -1, 400, "Bad Request: PHOTO_INVALID_DIMENSIONS"},
			{"sendDocument", -1, 400, "Bad Request: wrong type of the web page content"},
			{"sendMessage", 1, 400, "Bad Request: BUTTON_URL_INVALID"},
		},
		notice: "would not accept",
		credit: true,
	}, {
		name:    "blocked: nothing more tried, nothing back",
		inject:  []inject{{"sendPhoto", -1, 403, "Forbidden: bot was blocked by the user"}},
		noCalls: "sendDocument",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newShop(t, shopOptions{welcome: welcome})
			ctx := actorstest.Context(t, 60*time.Second)
			s.startShop("a", shopOptions{})
			c := s.newClient(ctx, "Ann", "en")
			c.t = t
			confirmation := c.mustOrder("z-image")
			for _, in := range tc.inject {
				s.Bot.InjectError(in.method, in.count, in.code, in.desc, 0)
			}
			since := c.mark()
			c.confirm(confirmation)
			if tc.want != nil {
				if _, err := s.Bot.WaitMessage(ctx, c.u.ID(), func(m telegramtest.Message) bool { return since.changed(m) && tc.want(m) }); err != nil {
					t.Fatalf("no result in the expected form: %v\n%s", err, c.transcript())
				}
			}
			if tc.notice != "" {
				c.waitNew(since, tc.notice)
			}
			js := s.waitSettled(ctx)
			s.Bot.ClearInjectedErrors()
			if len(js) != 1 || js[0].State != string(store.JobSucceeded) || s.entries(ctx, js[0].ID, "capture") != 1 {
				t.Fatalf("jobs %+v", js)
			}
			want := welcome - js[0].Price
			if tc.credit {
				want = welcome
			}
			if avail, held := c.balance(); avail != want || held != 0 {
				t.Fatalf("balance %d held %d, want %d", avail, held, want)
			}
			if n, wantN := s.adjustments(c), map[bool]int{true: 1, false: 0}[tc.credit]; n != wantN {
				t.Fatalf("%d credits back, want %d", n, wantN)
			}
			if tc.noCalls != "" && s.Bot.Calls(tc.noCalls) != 0 {
				t.Fatalf("%s called %d times", tc.noCalls, s.Bot.Calls(tc.noCalls))
			}
			for _, m := range s.Bot.Sent(c.u.ID()) {
				if strings.Contains(m.Text, "⏳") {
					t.Fatalf("a progress message left on %q\n%s", m.Text, c.transcript())
				}
			}
			s.checkBooks(ctx)
		})
	}
}

// A task with three results; the second one's send fails once
// (transiently). The retry resumes with the second: the user gets each
// result once, not the first one twice.
func TestShopMultiResultRetryResumes(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	confirmation := c.mustOrder("z-image")
	s.kie.ScriptNext(kietest.Script{URLs: 3})
	hold := s.Bot.Hold("sendPhoto")
	since := c.mark()
	c.confirm(confirmation)

	arrived := func(n int) {
		t.Helper()
		if err := s.TG.WaitFor(ctx, func() bool { return hold.Arrived() >= n && hold.Waiting() > 0 }); err != nil {
			t.Fatalf("sendPhoto #%d never came: %v", n, err)
		}
	}
	arrived(1)
	hold.Release(1) // the first result goes through
	arrived(2)
	s.Bot.InjectError("sendPhoto", 1, 500, "Internal Server Error", 0)
	hold.Release(1) // the second fails, transiently
	hold.Open()
	c.waitNew(since, "is ready")
	s.waitSettled(ctx)

	var captions []string
	for _, m := range s.Bot.Sent(c.u.ID()) {
		if since.changed(m) && isMedia(m) {
			captions = append(captions, m.Caption)
		}
	}
	if len(captions) != 3 || !strings.Contains(captions[0], "Order") || captions[1] != "" || captions[2] != "" {
		t.Fatalf("results %q, want three, the caption on the first\n%s", captions, c.transcript())
	}
	s.checkBooks(ctx)
}
