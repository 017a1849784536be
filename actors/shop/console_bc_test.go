package shop

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// The console's broadcasts run like the operator's other tests: one at a
// time, before the parallel ones (see broadcast_test.go).

// broadcasts lists every broadcast, newest first.
func (s *shop) broadcasts(ctx context.Context) []store.Broadcast {
	s.T.Helper()
	list, err := s.st.RecentBroadcasts(ctx, 100)
	if err != nil {
		s.T.Fatal(err)
	}
	return list
}

// previewTap presses 👁 Preview on draft and returns the screen that
// follows the preview message: the audience, or the draft with Telegram's
// refusal.
func (c *client) previewTap(draft telegramtest.Message, want string) telegramtest.Message {
	c.t.Helper()
	label, ok := button(draft, containing("👁 Preview"))
	if !ok {
		c.t.Fatalf("no preview button on %q", draft.Text)
	}
	since := c.mark()
	if _, err := c.tap(draft, label); err != nil {
		c.t.Fatal(err)
	}
	return c.waitNew(since, want)
}

// A broadcast made in Telegram from start to end, across a failover: bad
// HTML is caught at the preview with Telegram's words and nothing is sent;
// the corrected draft previews in the admin's chat exactly as it will be
// sent; the conversation survives the leader's loss; the confirmation
// counts the audience (English speakers: the admin and two users, not the
// three Russian speakers); the start, tapped twice, makes one broadcast
// that reaches each recipient exactly once and shows its progress in the
// confirmation's place; and the audit log has it.
func TestConsoleBroadcastEndToEnd(t *testing.T) {
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}})
	ctx := actorstest.Context(t, 90*time.Second)
	a := s.startShop("a", shopOptions{})
	s.waitLeader(ctx, map[string]*actorstest.Instance{"a": a})
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	menu := admin.cmdScreen("admin")
	ru := s.addAudience(ctx, 3, "ru")
	en := s.addAudience(ctx, 2, "en")

	list := admin.mustTap(menu, "📣 Broadcasts")
	if !strings.Contains(list.Text, "No broadcasts yet") {
		t.Fatalf("list: %q", list.Text)
	}
	ask := admin.mustTap(list, "➕ New broadcast")
	if !strings.Contains(ask.Text, "Send the broadcast's text") {
		t.Fatalf("prompt: %q", ask.Text)
	}
	draft := admin.sayScreen("<b>Sale</b> <i>today")
	if !strings.Contains(draft.Text, "New broadcast — draft") || !strings.Contains(draft.Text, "<b>Sale</b> <i>today") {
		t.Fatalf("draft: %q", draft.Text)
	}
	admin.mustTap(draft, "🔗 Button")
	if p := admin.sayScreen("Shop | http://example.com"); !strings.Contains(p.Text, "starting with https://") {
		t.Fatalf("an http link: %q", p.Text)
	}
	draft = admin.sayScreen("Shop | https://example.com/sale")
	refused := admin.previewTap(draft, "Telegram refused")
	if !strings.Contains(refused.Text, "Telegram refused the broadcast") || !strings.Contains(refused.Text, "can't parse entities") ||
		!strings.Contains(refused.Text, "Nothing was sent to anyone") {
		t.Fatalf("bad HTML at the preview: %q", refused.Text)
	}
	if _, ok := button(refused, containing("Next")); ok {
		t.Fatal("a refused draft offers its audience")
	}
	for _, id := range append(append([]int64{}, ru...), en...) {
		if n := len(s.Bot.Sent(id)); n != 0 {
			t.Fatalf("user %d got %d messages before any start", id, n)
		}
	}

	admin.mustTap(refused, "✏️ Text")
	draft = admin.sayScreen("<b>Sale</b> <i>today</i> &amp; tomorrow")
	since := admin.mark()
	audience := admin.previewTap(draft, "Who gets it?")
	if !strings.Contains(audience.Text, "That is the preview") || !strings.Contains(audience.Text, "Now: everyone") {
		t.Fatalf("after the preview: %q", audience.Text)
	}
	var preview telegramtest.Message
	for _, m := range s.Bot.Sent(consoleAdmin) {
		if since.changed(m) && m.Text == "Sale today & tomorrow" {
			preview = m
		}
	}
	if preview.ID == 0 || len(preview.Buttons()) != 1 || preview.Buttons()[0].URL != "https://example.com/sale" || preview.ID > audience.ID {
		t.Fatalf("no preview as recipients get it before the audience:\n%s", admin.transcript())
	}
	if n := len(s.broadcasts(ctx)); n != 0 {
		t.Fatalf("a preview stored %d broadcasts", n)
	}

	// The leader goes; the next one takes the conversation where it was.
	a.Stop(t)
	b := s.startShop("b", shopOptions{})
	s.waitLeader(ctx, map[string]*actorstest.Instance{"b": b})

	audience = admin.mustTap(audience, "English")
	if !strings.Contains(audience.Text, "Now: speaking English") {
		t.Fatalf("audience: %q", audience.Text)
	}
	confirm := admin.mustTap(audience, "➡️ Next")
	if !strings.Contains(confirm.Text, "Recipients now: 3") {
		t.Fatalf("confirmation: %q", confirm.Text)
	}
	// The admin speaks English too, so their own copy of the broadcast
	// may arrive before the confirmation's edit: wait for the edit itself.
	since = admin.mark()
	if _, err := admin.tap(confirm, mustButton(t, confirm, "🚀 Start")); err != nil {
		t.Fatalf("%v\n%s", err, admin.transcript())
	}
	progress := admin.waitNew(since, "Broadcast #")
	if progress.ID != confirm.ID || !strings.Contains(progress.Text, "Broadcast #") {
		t.Fatalf("the confirmation did not become the progress: %q\n%s", progress.Text, admin.transcript())
	}
	admin.replay(confirm, "🚀 Start") // a double tap
	list = admin.waitText("✅ done")
	if list.ID != confirm.ID || !strings.Contains(list.Text, "Sent: 3 of 3") || !strings.Contains(list.Text, "Left: 0") {
		t.Fatalf("final progress: %q", list.Text)
	}
	bcs := s.broadcasts(ctx)
	if len(bcs) != 1 || bcs[0].State != store.BroadcastDone || bcs[0].Recipients != 3 || bcs[0].Audience.Language != "en" || bcs[0].CreatedBy != consoleAdmin {
		t.Fatalf("broadcasts: %+v", bcs)
	}
	for _, id := range append([]int64{consoleAdmin}, en...) {
		if got := s.received(id, "Sale today & tomorrow"); got != map[bool]int{true: 2, false: 1}[id == consoleAdmin] {
			t.Errorf("user %d got it %d times", id, got)
		}
	}
	for _, id := range ru {
		if got := len(s.Bot.Sent(id)); got != 0 {
			t.Errorf("Russian speaker %d got %d messages", id, got)
		}
	}
	for _, action := range []string{ActionBroadcastCreate, ActionBroadcastStart} {
		as := s.adminActions(ctx, action, 0)
		if len(as) != 1 || as[0].AdminID != consoleAdmin || as[0].Target != target(bcs[0].ID) {
			t.Fatalf("audit %s: %+v", action, as)
		}
	}
	log := admin.cmdScreen("audit")
	if !strings.Contains(log.Text, "started broadcast #") || !strings.Contains(log.Text, "3 recipients") {
		t.Fatalf("audit log: %q", log.Text)
	}
	list = admin.cmdScreen("broadcast")
	if !strings.Contains(list.Text, "#") || !strings.Contains(list.Text, "✅ done") || !strings.Contains(list.Text, "sent 3 of 3") {
		t.Fatalf("list: %q", list.Text)
	}
	s.checkBooks(ctx)
}

// Pause, resume and cancel from the progress message's buttons, as the
// sender renders them: a pause stops the sender after the message in
// flight, a resume goes on, a cancel (asked again) ends it with the rest
// unsent; no one gets it twice, and each control is audited.
func TestConsoleBroadcastControls(t *testing.T) {
	const users = 30
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, broadcast: BroadcastsConfig{BatchSize: 2}})
	ctx := actorstest.Context(t, 90*time.Second)
	var sends atomic.Int64
	reached, release := make(chan int64, 4), make(chan struct{})
	hold := func(store.Recipient) bool {
		n := sends.Add(1)
		if n == 5 || n == 11 {
			reached <- n
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return true
	}
	a := s.startShop("a", shopOptions{senderHooks: senderHooks{beforeSend: hold}})
	s.waitLeader(ctx, map[string]*actorstest.Instance{"a": a})
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	admin.cmdScreen("start")
	ids := s.addAudience(ctx, users-1, "en")

	list := admin.cmdScreen("broadcast")
	admin.mustTap(list, "➕ New broadcast")
	// Formatted in the client: the entities become the broadcast's HTML.
	since := admin.mark()
	if _, err := admin.u.SendFormatted("Weekly <b>digest</b> &amp; <a href=\"https://example.com/d\">more</a>"); err != nil {
		t.Fatal(err)
	}
	draft := admin.mustScreen(since)
	if !strings.Contains(draft.Text, `Weekly <b>digest</b> &amp; <a href="https://example.com/d">more</a>`) {
		t.Fatalf("draft of a formatted text: %q", draft.Text)
	}
	audience := admin.previewTap(draft, "Who gets it?")
	confirm := admin.mustTap(audience, "➡️ Next")
	if !strings.Contains(confirm.Text, "Recipients now: 30") {
		t.Fatalf("confirmation: %q", confirm.Text)
	}
	admin.mustTap(confirm, "🚀 Start")
	wait := func(n int64) {
		t.Helper()
		select {
		case got := <-reached:
			if got != n {
				t.Fatalf("held at send %d, want %d", got, n)
			}
		case <-ctx.Done():
			t.Fatal("the sender never got there")
		}
	}
	wait(5)
	admin.press("⏸ Pause")
	bc := s.broadcasts(ctx)[0]
	if bc.State != store.BroadcastPaused {
		t.Fatalf("after the pause: %s", bc.State)
	}
	release <- struct{}{}
	paused := admin.waitText("Sent: 5 of 30")
	if !strings.Contains(paused.Text, "paused") || paused.ID != confirm.ID {
		t.Fatalf("paused progress: %q", paused.Text)
	}
	if _, ok := button(paused, containing("▶️ Resume")); !ok {
		t.Fatalf("no resume on %q %v", paused.Text, paused.Buttons())
	}
	p, _ := s.parts["a"].broadcasts.Progress(ctx, bc.ID)
	if p.Sent != 5 || p.Left() != users-5 {
		t.Fatalf("paused at %+v", p)
	}
	admin.press("▶️ Resume")
	wait(11)
	admin.press("⛔ Cancel")
	admin.waitText("Cancel the broadcast for good?")
	if got := s.broadcasts(ctx)[0].State; got != store.BroadcastSending {
		t.Fatalf("cancel before its confirmation: %s", got)
	}
	admin.press("⛔ Yes, cancel it")
	close(release)
	s.waitBroadcast(ctx, bc.ID, store.BroadcastCancelled)
	// The cancel's own screen may count the message in flight as left;
	// the sender's last edit has it sent.
	final := admin.waitText("Sent: 11 of 30")
	if !strings.Contains(final.Text, "⛔ cancelled") || !strings.Contains(final.Text, "Left: 19") || final.ID != confirm.ID {
		t.Fatalf("cancelled progress: %q", final.Text)
	}
	total := s.received(consoleAdmin, "Weekly digest") - 1 // the preview
	for _, id := range ids {
		n := s.received(id, "Weekly digest")
		if n > 1 {
			t.Fatalf("user %d got it %d times", id, n)
		}
		total += n
	}
	if total != 11 {
		t.Fatalf("%d recipients got the cancelled broadcast; want 11", total)
	}
	if m, ok := s.Bot.LastSent(ids[0]); !ok || m.Source != `Weekly <b>digest</b> &amp; <a href="https://example.com/d">more</a>` {
		t.Fatalf("a recipient got %+v", m)
	}
	for _, action := range []string{ActionBroadcastPause, ActionBroadcastResume, ActionBroadcastCancel} {
		if as := s.adminActions(ctx, action, 0); len(as) != 1 || as[0].AdminID != consoleAdmin {
			t.Fatalf("audit %s: %+v", action, as)
		}
	}
}
