package fsm

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// reach returns a chat in state, through the screens a user would use.
func reach(t testing.TB, env Env, state string) *chat {
	t.Helper()
	if state == StateManual && len(env.ManualAmounts) == 0 {
		env.ManualAmounts = []int64{150000}
	}
	if state == StateSubscription && env.SubStars == 0 {
		env.SubStars, env.SubKopecks = 500, 60000
	}
	c := newChat(t, env)
	m, err := env.Registry.Model("bytedance/v1-lite-text-to-video")
	if err != nil {
		t.Fatal(err)
	}
	switch state {
	case StateNew:
	case StateMenu:
		c.cmd("start")
	case StateCategory:
		c.cmd("start")
		c.press(m.Category().Label().RU)
	case StateModel:
		c.openModel(m)
	case StateInput:
		c.openModel(m)
		c.press(T(RU, KeyBtnStart))
		c.text("a quiet lake") // now at the aspect ratio buttons
	case StateConfirm:
		c.order(m)
	case StateBalance:
		c.cmd("balance")
	case StateHistory:
		c.cmd("history")
	case StateTopUp:
		c.cmd("topup")
	case StateHelp:
		c.cmd("help")
	case StateLanguage:
		c.cmd("language")
	case StateSubscription:
		c.cmd("subscription")
	case StateManual:
		c.cmd("topup")
		c.press(T(RU, KeyBtnManual))
		c.press(pricing.FormatRUB(150000))
	case StatePromo:
		c.cmd("promo")
	default:
		if !isAdminState(state) {
			t.Fatalf("cannot reach %q", state)
		}
		c = reachAdmin(t, env, state)
	}
	if c.state != state && state != StateNew {
		t.Fatalf("reached %s instead of %s", c.state, state)
	}
	return c
}

// order is the part of the session a stale button must never change.
func orderOf(s session) session {
	return session{Cat: s.Cat, Page: s.Page, Model: s.Model, Pos: s.Pos, Params: s.Params, Files: s.Files, FileNames: s.FileNames, Jobs: s.Jobs}
}

func TestStaleAndForgedButtons(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	facts.jobs = []JobLine{{ID: 7, ModelID: "z-image", State: "succeeded", HasResult: true, Params: map[string]string{"prompt": "x", "aspect_ratio": "1:1"}}}
	for _, state := range []string{StateMenu, StateCategory, StateModel, StateInput, StateConfirm, StateHistory, StateTopUp, StateLanguage} {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			c := reach(t, env, state)
			before := c.session()
			old := "zzzzzz|menu|" // a nonce of the right shape from no screen
			if b, ok := c.button(""); ok {
				old = b.Data
			}
			nonce := before.Nonce
			forged := []string{
				"", "garbage", "a|b", "|||", "||x|", "abcdef|ok|", "zzzzzz|mdl|0",
				nonce + "|nosuch|", nonce + "|mdl|999", nonce + "|opt|-1", nonce + "|opt|99999999999",
				nonce + "|pack|0", nonce + "|cat|x", nonce + "|sl|de", nonce + "|send|3", nonce + "|again|0",
				"*|again|abc", "*|again|-5", "*|again|0", "*|send|999", "*|mdl|no/such-model", "*|ok|", "*|pg|1",
				nonce + "|ok|" + strings.Repeat("x", 70), "ж|ок|", "\x00|\xff|",
			}
			legit := map[string]string{StateHistory: nonce + "|again|0", StateTopUp: nonce + "|pack|0"}
			for _, d := range forged {
				if legit[state] == d {
					continue // a real button of this screen
				}
				c.state, c.data = state, mustEncode(t, before)
				res := c.data_(d)
				if res.Cmd != nil {
					t.Fatalf("%q produced %#v", d, res.Cmd)
				}
				if res.State != state {
					t.Fatalf("%q moved %s to %s", d, state, res.State)
				}
				if after := c.session(); !reflect.DeepEqual(orderOf(after), orderOf(before)) {
					t.Fatalf("%q changed the order: %+v → %+v", d, orderOf(before), orderOf(after))
				}
				for _, o := range res.Out {
					if o.Edit != 0 {
						t.Fatalf("%q edited the pressed message instead of sending the current screen", d)
					}
				}
			}
			// A button of the screen before the current one.
			c.state, c.data = state, mustEncode(t, before)
			c.data_(old) // live: it belongs to the current screen
			c.state, c.data = state, mustEncode(t, before)
			c.step(Input{Kind: InputCommand, Command: "help"})
			c.data_(old)
			if c.answer() != Outdated(RU) || c.state != StateHelp {
				t.Fatalf("old button after /help: answer %q state %s", c.answer(), c.state)
			}
		})
	}
}

func mustEncode(t testing.TB, s session) []byte {
	t.Helper()
	s.Params, s.Files, s.FileNames = maps.Clone(s.Params), maps.Clone(s.Files), maps.Clone(s.FileNames)
	b, err := s.encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGarbageStateAndData(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	for _, tc := range []struct{ state, data string }{
		{"", ""}, {"nonsense", `{"v":1,"model":"z-image"}`}, {StateConfirm, "not json"},
		{StateInput, `{"v":1,"model":"no/such","pos":3}`}, {StateInput, `{"v":1,"model":"z-image","pos":-4,"n":"abcdef"}`},
		{StateInput, `{"v":1,"model":"z-image","pos":99,"n":"abcdef"}`}, {StateConfirm, `{"v":99}`},
		{StateCategory, `{"v":1,"cat":"bogus","page":77,"n":"abcdef"}`}, {StateHistory, `{"v":1,"jobs":[1,2],"n":"abcdef"}`},
	} {
		for _, in := range []Input{
			{Kind: InputText, Text: "hello"}, {Kind: InputCallback, Callback: "abcdef|back|", CallbackID: "q"},
			{Kind: InputCallback, Callback: "abcdef|opt|0", CallbackID: "q"}, {Kind: InputFile, File: &File{Kind: "photo", FileID: "f"}},
			{Kind: InputFile}, {Kind: InputCommand, Command: "cancel"}, {Kind: 0}, {Kind: 99},
		} {
			res, err := step(env, tc.state, []byte(tc.data), in)
			if err != nil {
				t.Fatalf("%+v %+v: %v", tc, in, err)
			}
			checkResult(t, in, res)
		}
	}
}

func TestCancelFromEveryState(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	for _, state := range States() {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			for _, how := range []string{"command", "button"} {
				c := reach(t, env, state)
				if how == "button" {
					if isAdminState(state) {
						continue // the console's cancel drops a change and stays there (admin_test.go)
					}
					b, ok := c.button(T(RU, KeyBtnCancel))
					if !ok {
						continue // this screen has no cancel button
					}
					c.data_(b.Data)
				} else {
					c.cmd("cancel")
				}
				s := c.session()
				if c.state != StateMenu || c.last.Cmd != nil || s.Model != "" || s.Params != nil || s.Files != nil {
					t.Fatalf("%s cancel: state %s cmd %#v session %+v", how, c.state, c.last.Cmd, s)
				}
				if !strings.Contains(c.screenText(), T(RU, KeyCancelled)) {
					t.Fatalf("%s cancel says %q", how, c.screenText())
				}
			}
		})
	}
}

func TestUnknownInputGetsAHint(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	for _, state := range []string{StateNew, StateMenu, StateModel, StateConfirm} {
		c := reach(t, env, state)
		before := c.data
		for _, in := range []Input{{Kind: InputCommand, Command: "frobnicate"}, {Kind: InputText, Text: "hi there"}} {
			c.state, c.data = reach(t, env, state).state, before
			c.step(in)
			if c.screenText() != T(RU, KeyHint) || (len(before) > 0 && string(c.data) != string(before)) {
				t.Fatalf("%s %+v: %q", state, in, c.screenText())
			}
		}
	}
}
