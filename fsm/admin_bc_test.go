package fsm

import (
	"strings"
	"testing"
	"time"
)

// fakeBroadcasts is BroadcastFacts from fixed values.
type fakeBroadcasts struct {
	list   []BroadcastView // newest first
	active *BroadcastView
	counts map[Audience]int64
	asked  []Audience
}

func newFakeBroadcasts() *fakeBroadcasts {
	at := time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC)
	return &fakeBroadcasts{
		list: []BroadcastView{
			{ID: 3, State: "done", Text: "<b>New</b> model &amp; more", CreatedAt: at, Recipients: 10, Sent: 9, Blocked: 1},
			{ID: 2, State: "cancelled", Text: "old", Audience: Audience{PayingOnly: true}, CreatedAt: at, Recipients: 4, Sent: 1, Left: 3},
		},
		counts: map[Audience]int64{{}: 120, {PayingOnly: true}: 7, {PayingOnly: true, ActiveDays: 12, Language: "en"}: 2},
	}
}

func (f *fakeBroadcasts) Broadcasts(n int) ([]BroadcastView, error) {
	return f.list[:min(n, len(f.list))], nil
}
func (f *fakeBroadcasts) Broadcast(id int64) (BroadcastView, bool, error) {
	if f.active != nil && f.active.ID == id {
		return *f.active, true, nil
	}
	for _, v := range f.list {
		if v.ID == id {
			return v, true, nil
		}
	}
	return BroadcastView{}, false, nil
}
func (f *fakeBroadcasts) ActiveBroadcast() (BroadcastView, bool, error) {
	if f.active == nil {
		return BroadcastView{}, false, nil
	}
	return *f.active, true, nil
}
func (f *fakeBroadcasts) CountAudience(a Audience) (int64, error) {
	f.asked = append(f.asked, a)
	return f.counts[a], nil
}

// reachBroadcast walks an admin at the admin menu to one of the
// broadcasts section's states.
func reachBroadcast(c *chat, state string) {
	c.t.Helper()
	l := LangOf(string(c.env.Lang))
	c.press(T(l, KeySectionBroadcasts))
	if state == StateAdminBroadcasts {
		return
	}
	c.press(T(l, KeyBtnBcNew))
	c.text("<b>Hello</b>")
	if state == StateAdminBcDraft {
		return
	}
	c.press(T(l, KeyBtnBcPreview))
	c.step(Input{Kind: InputOutcome, Outcome: &Outcome{}})
	if state == StateAdminBcAudience {
		return
	}
	c.press(T(l, KeyBtnBcNext))
}

// The whole composition in the machine: text, photo, button (bad ones
// refused with the reason), the preview command, a refused preview back at
// the draft with Telegram's words, a taken one on to the audience, the
// count on the confirmation, and one LaunchBroadcast however often the
// start is tapped.
func TestBroadcastComposeFlow(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	fb := newFakeBroadcasts()
	env.Broadcasts, env.Lang = fb, EN
	c := newChat(t, env)
	c.cmd("broadcast")
	if c.state != StateAdminBroadcasts || !strings.Contains(c.screenText(), "#3") || !strings.Contains(c.screenText(), "New model &amp; more") {
		t.Fatalf("list: %s %q", c.state, c.screenText())
	}
	c.press(T(EN, KeyBtnBcNew))
	c.text("   ")
	if !strings.Contains(c.screenText(), T(EN, KeyBcTextEmpty)) {
		t.Fatalf("empty text: %q", c.screenText())
	}
	c.text("<b>Hi</b> & <i>welcome</i>")
	if c.state != StateAdminBcDraft || !strings.Contains(c.screenText(), "&lt;b&gt;Hi&lt;/b&gt; &amp;") {
		t.Fatalf("draft: %s %q", c.state, c.screenText())
	}
	c.press(T(EN, KeyBtnBcPhoto))
	c.text("not a photo")
	if !strings.Contains(c.screenText(), T(EN, KeyBcPhotoOnly)) {
		t.Fatalf("text for a photo: %q", c.screenText())
	}
	c.file(File{Kind: "photo", FileID: "AgACAgIAAxkBAAIB"})
	if s := c.session(); s.Adm.Bc.Photo != "AgACAgIAAxkBAAIB" || s.Adm.Bc.Text != "<b>Hi</b> & <i>welcome</i>" {
		t.Fatalf("photo: %+v", s.Adm.Bc)
	}
	c.press(T(EN, KeyBtnBcButton))
	for in, want := range map[string]Key{"no bar": KeyBcButtonBad, " | https://x.y": KeyBcButtonText, "Go | http://x.y": KeyBcButtonURL, "Go | https://": KeyBcButtonURL} {
		c.text(in)
		why := T(EN, want)
		if want == KeyBcButtonText {
			why = T(EN, want, maxBcButton)
		}
		if !strings.Contains(c.screenText(), why) || c.state != StateAdminAsk {
			t.Fatalf("button %q: %s %q", in, c.state, c.screenText())
		}
	}
	c.text("Open | https://example.com/new?a=1")
	if !strings.Contains(c.screenText(), "https://example.com/new?a=1") {
		t.Fatalf("button: %q", c.screenText())
	}
	c.press(T(EN, KeyBtnBcPreview))
	pc, ok := c.last.Cmd.(PreviewBroadcast)
	want := BroadcastDraft{Text: "<b>Hi</b> & <i>welcome</i>", Photo: "AgACAgIAAxkBAAIB", ButtonText: "Open", ButtonURL: "https://example.com/new?a=1"}
	if !ok || pc.Draft != want || c.state != StateAdminBcDraft {
		t.Fatalf("preview: %s %#v", c.state, c.last.Cmd)
	}
	c.step(Input{Kind: InputOutcome, Outcome: &Outcome{Refused: "Bad Request: can't parse entities: <x>"}})
	if c.state != StateAdminBcDraft || !strings.Contains(c.screenText(), "can&#39;t parse entities: &lt;x&gt;") {
		t.Fatalf("refused: %s %q", c.state, c.screenText())
	}
	if _, ok := c.button(T(EN, KeyBtnBcNext)); ok {
		t.Fatal("a refused draft offers an audience")
	}
	c.press(T(EN, KeyBtnBcPreview))
	c.step(Input{Kind: InputOutcome, Outcome: &Outcome{}})
	if c.state != StateAdminBcAudience || !strings.Contains(c.screenText(), T(EN, KeyBcPreviewed)) {
		t.Fatalf("previewed: %s %q", c.state, c.screenText())
	}
	c.press(T(EN, KeyBtnBcPaying))
	c.press(T(EN, KeyBtnBcDaysN))
	c.text("0")
	if !strings.Contains(c.screenText(), T(EN, KeyBcDaysBad, maxBcDays)) {
		t.Fatalf("0 days: %q", c.screenText())
	}
	c.text("12")
	c.press(T(EN, KeyBtnBcEnglish))
	if !strings.Contains(c.screenText(), "paying users, active in the last 12 days, speaking English") {
		t.Fatalf("audience: %q", c.screenText())
	}
	c.press(T(EN, KeyBtnBcNext))
	if c.state != StateAdminBcConfirm || !strings.Contains(c.screenText(), "Recipients now: <b>2</b>") {
		t.Fatalf("confirm: %s %q", c.state, c.screenText())
	}
	confirm := *c.scr
	c.press(T(EN, KeyBtnBcStart))
	lc, ok := c.last.Cmd.(LaunchBroadcast)
	want.Audience = Audience{PayingOnly: true, ActiveDays: 12, Language: "en"}
	if !ok || lc.Draft != want || lc.Key == "" || c.session().Adm.Bc != nil {
		t.Fatalf("start: %#v, session %+v", c.last.Cmd, c.session().Adm)
	}
	// The same button again: the same command, the same key.
	c.scr = &confirm
	c.press(T(EN, KeyBtnBcStart))
	if again, ok := c.last.Cmd.(LaunchBroadcast); !ok || again != lc {
		t.Fatalf("second tap: %#v", c.last.Cmd)
	}
}

// The confirmation offers no start while another broadcast is under way,
// or when nobody would get it; an edit after the preview asks for a new
// one.
func TestBroadcastConfirmBlocks(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	fb := newFakeBroadcasts()
	env.Broadcasts, env.Lang = fb, EN
	c := reachAdmin(t, env, StateAdminBcAudience)
	fb.active = &BroadcastView{ID: 9, State: "paused"}
	c.press(T(EN, KeyBtnBcNext))
	if _, ok := c.button(T(EN, KeyBtnBcStart)); ok || !strings.Contains(c.screenText(), "#9") {
		t.Fatalf("busy: %q", c.screenText())
	}
	fb.active = nil
	c.press(T(EN, KeyBtnBcAudience))
	c.press(T(EN, KeyBtnBcRussian))
	c.press(T(EN, KeyBtnBcNext))
	if _, ok := c.button(T(EN, KeyBtnBcStart)); ok || !strings.Contains(c.screenText(), T(EN, KeyBcNobody)) {
		t.Fatalf("nobody: %q", c.screenText())
	}
	c.press(T(EN, KeyBtnBcAudience))
	c.press(T(EN, KeyBtnBcEdit))
	c.press(T(EN, KeyBtnBcText))
	c.text("<b>Hello</b> again")
	if c.session().Adm.Bc.Previewed {
		t.Fatal("an edited draft is still previewed")
	}
}

// A status's controls: each yields its command only where it applies;
// cancel asks first; none of them changes where the admin is.
func TestBroadcastControls(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	fb := newFakeBroadcasts()
	fb.active = &BroadcastView{ID: 5, State: "sending", Recipients: 3, Sent: 1, Left: 2}
	env.Broadcasts, env.Lang = fb, EN
	c := reachAdmin(t, env, StateAdminUser)
	status := BroadcastStatus(EN, *fb.active)
	c.scr = &status
	c.press(T(EN, KeyBtnBcPause))
	if cc, ok := c.last.Cmd.(ControlBroadcast); !ok || cc.ID != 5 || cc.Kind != BroadcastPause || c.state != StateAdminUser {
		t.Fatalf("pause: %s %#v", c.state, c.last.Cmd)
	}
	if _, ok := c.button(T(EN, KeyBtnBcResume)); ok {
		t.Fatal("a sending broadcast offers resume")
	}
	c.scr = &status
	c.press(T(EN, KeyBtnBcCancel))
	if c.last.Cmd != nil || !strings.Contains(c.screenText(), T(EN, KeyBcCancelAsk)) || c.last.Out[1].Edit == 0 {
		t.Fatalf("cancel asks: %#v %q", c.last.Cmd, c.screenText())
	}
	c.press(T(EN, KeyBtnBcCancelYes))
	if cc, ok := c.last.Cmd.(ControlBroadcast); !ok || cc.Kind != BroadcastCancel || c.state != StateAdminUser {
		t.Fatalf("cancel: %s %#v", c.state, c.last.Cmd)
	}
	// Resume on a sending broadcast (an old paused status): not applied,
	// the status as it is instead.
	paused := BroadcastStatus(EN, BroadcastView{ID: 5, State: "paused"})
	c.scr = &paused
	c.press(T(EN, KeyBtnBcResume))
	if c.last.Cmd != nil || c.answer() != T(EN, KeyBcNotNow) || !strings.Contains(c.screenText(), T(EN, KeyBroadcastSending)) {
		t.Fatalf("stale resume: %#v %q", c.last.Cmd, c.screenText())
	}
	// Not an admin: a stale button.
	c.env.IsAdmin = false
	c.scr = &status
	c.press(T(EN, KeyBtnBcPause))
	if c.last.Cmd != nil || c.answer() != Outdated(EN) {
		t.Fatalf("non-admin pause: %#v %q", c.last.Cmd, c.answer())
	}
}
