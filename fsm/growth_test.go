package fsm

import (
	"strings"
	"testing"
)

// The invite screen and promo codes are reached from the menu, /invite,
// /promo and global buttons; what they need from the database is asked of
// the actor as a command, and a code typed at the prompt is passed on raw.
func TestGrowthCommands(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c := newChat(t, env)
	c.cmd("start")
	if res := c.press(T(RU, KeyBtnInvite)); res.Cmd != (ShowInvite{}) || res.State != StateMenu {
		t.Fatalf("invite button: %+v in %s", res.Cmd, res.State)
	}
	if res := c.cmd("invite"); res.Cmd != (ShowInvite{}) {
		t.Fatalf("/invite: %+v", res.Cmd)
	}
	c.cmd("start")
	res := c.press(T(RU, KeyBtnPromo))
	if res.Cmd != nil || res.State != StatePromo || !strings.Contains(c.screenText(), T(RU, KeyPromoAsk)) {
		t.Fatalf("promo button: %+v in %s: %q", res.Cmd, res.State, c.screenText())
	}
	if res := c.text("  spring-24 "); res.Cmd != (RedeemPromo{Code: "spring-24"}) || res.State != StateMenu {
		t.Fatalf("code typed: %+v in %s", res.Cmd, res.State)
	}
	if res := c.text("spring"); res.Cmd != nil {
		t.Fatalf("text outside the prompt redeemed: %+v", res.Cmd)
	}
	if res := c.step(Input{Kind: InputCommand, Command: "promo", Arg: "SPRING"}); res.Cmd != (RedeemPromo{Code: "SPRING"}) {
		t.Fatalf("/promo SPRING: %+v", res.Cmd)
	}
	if res := c.cmd("promo"); res.State != StatePromo {
		t.Fatalf("/promo alone: %s", res.State)
	}
	if res := c.data_(InviteButton(EN).Data); res.Cmd != (ShowInvite{}) {
		t.Fatalf("global invite button: %+v", res.Cmd)
	}
	if res := c.data_(PromoButton(EN).Data); res.State != StatePromo {
		t.Fatalf("global promo button: %s", res.State)
	}
}

// The invite screen shows the link (escaped), the terms and the counts,
// with a share button; without a link it says so and offers none.
func TestInviteScreen(t *testing.T) {
	t.Parallel()
	sc := InviteScreen(EN, InviteView{Link: "https://t.me/kie_bot?start=ref_abc&x=<y>", Joined: 3, Paid: 1, Earned: 12345, Bonus: 5000, Percent: 10, Days: 30})
	for _, want := range []string{"ref_abc&amp;x=&lt;y&gt;", "50,00", "10% of each", "30 days", "Friends joined: <b>3</b>", "Friends who paid: <b>1</b>", "123,45"} {
		if !strings.Contains(strings.ReplaceAll(sc.Text, "\u00a0", " "), want) {
			t.Errorf("invite screen lacks %q: %s", want, sc.Text)
		}
	}
	if len(sc.Buttons) != 2 || !strings.HasPrefix(sc.Buttons[0][0].URL, "https://t.me/share/url?url=https%3A%2F%2Ft.me%2Fkie_bot") {
		t.Errorf("buttons %+v", sc.Buttons)
	}
	none := InviteScreen(RU, InviteView{})
	if !strings.Contains(none.Text, T(RU, KeyInviteNoLink)) || !strings.Contains(none.Text, T(RU, KeyInviteNoTerms)) || len(none.Buttons) != 1 {
		t.Errorf("without a link or terms: %q %+v", none.Text, none.Buttons)
	}
}
