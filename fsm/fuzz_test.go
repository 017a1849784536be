package fsm

import (
	"strings"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// fuzzStart is a conversation point the fuzzer starts from.
type fuzzStart struct {
	state string
	data  []byte
	data2 []string // callback data of that point's screen
}

// fuzzStarts reaches every state, plus an order with files and a pressed
// confirmation, plus garbage.
func fuzzStarts(t testing.TB, env Env) []fuzzStart {
	var out []fuzzStart
	add := func(c *chat) {
		var cbs []string
		if c.scr != nil {
			for _, row := range c.scr.Buttons {
				for _, b := range row {
					cbs = append(cbs, b.Data)
				}
			}
		}
		out = append(out, fuzzStart{c.state, c.data, cbs})
	}
	for _, s := range States() {
		add(reach(t, env, s))
	}
	m, _ := env.Registry.Model("seedream/4.5-edit")
	c := newChat(t, env)
	c.openModel(m)
	c.press(T(RU, KeyBtnStart))
	c.file(File{Kind: "photo", FileID: "a"})
	add(c)
	c.press("✅")
	add(c)
	c.text("prompt")
	c.press("1:1")
	add(c)
	c.press(valueLabels["basic"][0])
	add(c)
	c.press("✅")
	add(c)
	// The console: a pressed confirmation of a change, and a prompt.
	a := reachAdmin(t, env, StateAdminConfirm)
	a.press(T(RU, KeyBtnApply))
	add(a)
	a.cmd2("user", "7")
	a.press(T(RU, KeyBtnMessage))
	add(a)
	out = append(out,
		fuzzStart{StateAdminConfirm, []byte(`{"v":1,"n":"aaaaaa","adm":{"user":7,"act":{"k":"adjust","amt":-99999999999}}}`), []string{"aaaaaa|aok|"}},
		fuzzStart{StateConfirm, []byte(`{"v":1,"model":"z-image","pos":7,"n":"aaaaaa","params":{"prompt":""}}`), []string{"aaaaaa|ok|"}},
		fuzzStart{"bogus", []byte("{"), nil},
		fuzzStart{"", nil, nil},
	)
	return out
}

// FuzzStep feeds random commands, text, files, forwards and callback data
// (random or mutated from real buttons) to every state, as a user and as
// an admin: Step must not panic, must not fail with working Facts, and
// must answer every callback exactly once within Telegram's limits.
func FuzzStep(f *testing.F) {
	env, facts := newEnv(f, "95", 5)
	facts.jobs = []JobLine{{ID: 3, ModelID: "z-image", State: "succeeded", HasResult: true, Params: pricing.Params{"prompt": "x", "aspect_ratio": "1:1"}}}
	starts := fuzzStarts(f, env)
	admin := env
	admin.IsAdmin, admin.Admin = true, newFakeAdmin()
	f.Add(uint8(0), uint8(1), uint8(0), "start", "", "", int64(0))
	f.Add(uint8(4), uint8(2), uint8(1), "", "hello", "", int64(0))
	f.Add(uint8(4), uint8(3), uint8(0), "", "", "", int64(0))
	f.Add(uint8(5), uint8(3), uint8(7), "", "", "|ok|", int64(0))
	f.Add(uint8(12), uint8(4), uint8(2), "photo", "x.png", "", int64(30<<20))
	f.Add(uint8(7), uint8(3), uint8(9), "", "", "*|again|3", int64(0))
	f.Add(uint8(2), uint8(3), uint8(200), "", "", "|mdl|99", int64(0))
	f.Add(uint8(len(starts)+1), uint8(0), uint8(0), "admin", "", "", int64(0))
	f.Add(uint8(len(starts)+2), uint8(1), uint8(0), "fwduser", "hi", "", int64(7))
	f.Add(uint8(len(starts)+3), uint8(3), uint8(130), "", "", "", int64(0))
	f.Add(uint8(len(starts)+4), uint8(1), uint8(0), "", "-0,01", "", int64(0))
	f.Fuzz(func(t *testing.T, at, kind, button uint8, word, text, cb string, size int64) {
		s := starts[int(at)%len(starts)]
		env := env
		if (int(at)/len(starts))%2 == 1 {
			env = admin
		}
		in := Input{MessageID: 5, CallbackID: "q"}
		switch kind % 5 {
		case 0:
			in.Kind, in.Command, in.Arg = InputCommand, word, text
		case 1:
			in.Kind, in.Text = InputText, text
			if strings.HasPrefix(word, "fwd") {
				in.Forward = &Forward{Kind: word[3:], UserID: size, Name: text}
			}
		case 2:
			in.Kind, in.File = InputFile, &File{Kind: word, FileID: cb, Size: size, MIME: text, Name: text}
		case 3:
			in.Kind, in.Callback = InputCallback, cb
			if len(s.data2) > 0 {
				real := s.data2[int(button)%len(s.data2)]
				switch {
				case button >= 128:
					in.Callback = real // a real button, pressed as is
				case cb != "" && strings.Count(real, "|") == 2:
					in.Callback = real[:strings.LastIndexByte(real, '|')] + cb // a real action, forged argument
				}
			}
		default:
			in.Kind = InputKind(kind)
		}
		res, err := step(env, s.state, s.data, in)
		if err != nil {
			t.Fatalf("%+v at %s: %v", in, s.state, err)
		}
		checkResult(t, in, res)
		// The result is a valid place to continue from.
		again, err := step(env, res.State, res.Data, in)
		if err != nil {
			t.Fatalf("second %+v at %s: %v", in, res.State, err)
		}
		checkResult(t, in, again)
	})
}
