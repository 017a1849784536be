package fsm

import (
	"strings"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// A model priced per second of the uploaded video: the confirmation shows
// the basis, the quote follows the duration Telegram reported, and a file
// whose duration is unknown or over the limit is refused with a reason.
func TestPerSecondPriceIsQuotedFromTheFilesDuration(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	facts.avail = 10_000_00
	m, err := env.Registry.Model("wan/2-2-animate-move")
	if err != nil {
		t.Skip("no per-second model on sale in the shipped registry")
	}
	c := newChat(t, env)
	c.order(m)
	job := c.createJob()
	q := sampleQuote(t, env, m, job)
	if !q.PerUnit() || q.Units != sampleSeconds {
		t.Fatalf("quote %+v, want %d units of a per-second price", q, sampleSeconds)
	}
	if job.Quote.Kopecks != q.UnitKopecks*sampleSeconds {
		t.Fatalf("job holds %d kopecks, want %d × %d", job.Quote.Kopecks, sampleSeconds, q.UnitKopecks)
	}

	// The confirmation says how the price is made ("7 с × 0,61 ₽/с = …").
	c = newChat(t, env)
	c.order(m)
	screen := c.screenText()
	if want := pricing.FormatQuote(q, "ru"); !strings.Contains(screen, want) || !strings.Contains(want, "×") {
		t.Fatalf("confirmation %q does not show the basis %q", screen, want)
	}

	// A video sent as a document has no duration: refused, with why.
	c = newChat(t, env)
	c.openModel(m)
	c.press(T(env.Lang, KeyBtnStart))
	doc := File{Kind: "document", FileID: "doc-1", Size: 1_000_000, MIME: "video/mp4", Name: "dance.mp4"}
	c.file(doc)
	if !strings.Contains(c.screenText(), T(env.Lang, KeyNoDuration)) {
		t.Fatalf("a video without a duration was taken: %q", c.screenText())
	}
	if s := c.session(); len(s.Files["video_url"]) != 0 {
		t.Fatalf("the refused file was kept: %v", s.Files)
	}
}
