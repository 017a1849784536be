package shop

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/kie/kietest"
)

// A confirmation tapped again (Telegram redelivering the tap, or the
// user's second tap) finds the job the first tap made before anything
// else: the user's files are not fetched from Telegram and uploaded to Kie
// again (up to 20 MB each, per tap).
func TestShopRetappedConfirmTransfersNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 100_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	confirmation := c.mustOrder("google/nano-banana-edit")
	since := c.mark()
	first := c.confirm(confirmation)
	c.waitResult(since)
	s.waitSettled(ctx)
	getFiles, uploads := s.Bot.Calls("getFile"), s.kie.Count(kietest.RouteUploadStream)
	if getFiles == 0 || uploads == 0 {
		t.Fatalf("the order moved no file (%d getFile, %d uploads)", getFiles, uploads)
	}

	var payload []byte
	if err := s.st.Pool().QueryRow(ctx, `SELECT payload FROM inbox WHERE payload->'callback_query'->>'id' = $1`, first).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var upd models.Update
	if err := json.Unmarshal(payload, &upd); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		upd.ID = 0
		id, _ := s.Bot.SendUpdate(upd)
		s.waitProcessed(ctx, id)
	}
	if g, u := s.Bot.Calls("getFile"), s.kie.Count(kietest.RouteUploadStream); g != getFiles || u != uploads {
		t.Fatalf("re-taps moved files again: getFile %d → %d, uploads %d → %d", getFiles, g, uploads, u)
	}
	if js := s.jobs(ctx); len(js) != 1 {
		t.Fatalf("%d jobs", len(js))
	}
	s.checkBooks(ctx)
}
