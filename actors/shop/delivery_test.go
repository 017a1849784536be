package shop

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/kie/kietest"
)

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
