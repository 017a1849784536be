package shop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/store"
)

// seedUser records c's user with balance kopecks, as their first update
// would.
func (s *shop) seedUser(ctx context.Context, c *client, balance int64) {
	s.T.Helper()
	if _, _, err := s.st.TouchUser(ctx, store.SeenUser{ID: c.u.ID(), ChatID: c.u.ID(), FirstName: "U", LanguageCode: "en"}); err != nil {
		s.T.Fatal(err)
	}
	if _, err := s.st.Credit(ctx, store.CreditParams{UserID: c.u.ID(), Kind: store.KindAdjustment, Amount: balance, Key: fmt.Sprintf("seed:%d", c.u.ID())}); err != nil {
		s.T.Fatal(err)
	}
}

// seedJob writes a paid z-image job of c's straight into the store,
// running Kie's task taskID, as a leader that went away left it; with
// results it is finished too (succeeded, undelivered).
func (s *shop) seedJob(ctx context.Context, c *client, key, taskID string, results ...string) store.Job {
	s.T.Helper()
	j, _, err := s.st.CreateJob(ctx, store.NewJob{
		UserID: c.u.ID(), ChatID: c.u.ID(), ModelID: "z-image", Category: "text_to_image", Output: "image",
		Params: map[string]string{"prompt": testPrompt}, PriceKopecks: 100, IdempotencyKey: key, Deadline: time.Now().Add(time.Hour),
	})
	if err != nil {
		s.T.Fatal(err)
	}
	if err := s.st.MarkSubmitting(ctx, j.ID); err != nil {
		s.T.Fatal(err)
	}
	if err := s.st.MarkRunning(ctx, j.ID, taskID); err != nil {
		s.T.Fatal(err)
	}
	if len(results) > 0 {
		if j, err = s.st.FinishJob(ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded, ResultURLs: results}); err != nil {
			s.T.Fatal(err)
		}
	}
	return j
}

// A new leader finds a job whose first of three results was delivered
// (and recorded) before the old one stopped: it sends the other two only.
func TestShopDeliveryResumesAfterTheLastRecordedResult(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, 60*time.Second)
	c := s.newClient(ctx, "Ann", "en")
	s.seedUser(ctx, c, 10_00)
	var urls []string
	for i := range 3 {
		urls = append(urls, s.kie.PutFile(fmt.Sprintf("r/resume-%d.png", i), testPNG(), "image/png"))
	}
	j := s.seedJob(ctx, c, "resume", "task-resume", urls...)
	if err := s.st.MarkResultDone(ctx, j.ID, 0, false); err != nil {
		t.Fatal(err)
	}
	s.startShop("a", shopOptions{})
	s.waitSettled(ctx)
	if n := c.countSent(isMedia); n != 2 {
		t.Fatalf("%d results sent, want the 2 not delivered before\n%s", n, c.transcript())
	}
	for _, m := range s.Bot.Sent(c.u.ID()) {
		if isMedia(m) && m.Caption != "" {
			t.Fatalf("the first result's caption went with a later one: %q", m.Caption)
		}
	}
	if got, _ := s.st.Job(ctx, j.ID); got.ResultsDelivered != 3 || got.ResultsLost != 0 {
		t.Fatalf("job records %d results done, %d lost", got.ResultsDelivered, got.ResultsLost)
	}
	s.checkBooks(ctx)
}
