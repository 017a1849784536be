package fsm

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// fakeAdmin is AdminFacts from fixed values.
type fakeAdmin struct {
	users    map[int64]UserView
	jobs     map[int64]JobView
	switches []ModelSwitchView
	audit    []AuditLine
	stats    StatsView
	filters  []AuditFilter
	err      error
}

func (f *fakeAdmin) Stats(period string) (StatsView, error) {
	s := f.stats
	s.Period = period
	return s, f.err
}
func (f *fakeAdmin) User(id int64) (UserView, bool, error) {
	u, ok := f.users[id]
	return u, ok, f.err
}
func (f *fakeAdmin) UserByUsername(name string) (UserView, bool, error) {
	for _, u := range f.users {
		if strings.EqualFold(u.Username, name) {
			return u, true, f.err
		}
	}
	return UserView{}, false, f.err
}
func (f *fakeAdmin) Job(id int64) (JobView, bool, error) {
	j, ok := f.jobs[id]
	return j, ok, f.err
}
func (f *fakeAdmin) ModelSwitches() ([]ModelSwitchView, error) { return f.switches, f.err }
func (f *fakeAdmin) Audit(flt AuditFilter, offset, limit int) ([]AuditLine, bool, error) {
	f.filters = append(f.filters, flt)
	var match []AuditLine
	for _, l := range f.audit {
		if (flt.AdminID == 0 || l.AdminID == flt.AdminID) && (flt.UserID == 0 || l.UserID == flt.UserID) {
			match = append(match, l)
		}
	}
	if offset >= len(match) {
		return nil, false, f.err
	}
	end := min(offset+limit, len(match))
	return match[offset:end], end < len(match), f.err
}

const testAdminID = 42 // newEnv's user

func newFakeAdmin() *fakeAdmin {
	at := time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC)
	return &fakeAdmin{
		users: map[int64]UserView{
			7: {ID: 7, FirstName: "Ann <3", Username: "ann_fox", Lang: "en", JoinedAt: at, LastSeenAt: at, Available: 300_00, Held: 10_00,
				Entries: []LedgerLine{{At: at, Kind: "topup", Amount: 500_00}, {At: at, Kind: "capture", Held: -200_00, JobID: 5}},
				Jobs:    []JobLine{{ID: 5, At: at, ModelID: "z-image", State: "succeeded", PriceKopecks: 200_00}},
				TopUps:  []TopUpLine{{ID: 1, At: at, Stars: 500, Kopecks: 500_00, State: "paid", Method: "stars"}}},
			8:           {ID: 8, FirstName: "Bob", Username: "bobby", Lang: "ru", Banned: true, BannedAt: at, BannedBy: testAdminID, BanReason: "spam"},
			testAdminID: {ID: testAdminID, FirstName: "Ada", Lang: "ru", IsAdmin: true},
		},
		jobs: map[int64]JobView{
			5: {ID: 5, UserID: 7, UserName: "Ann <3", Username: "ann_fox", ModelID: "z-image", State: "succeeded", PriceKopecks: 200_00,
				Params: map[string]string{"prompt": "a <red> fox"}, Inputs: map[string][]string{"image": {"https://kie.example/f/1.png"}},
				CostMicro: 4_000_000, ConsumedMicro: 4_000_000, TaskID: "task-1", CreatedAt: at, SubmittedAt: at, RunningAt: at, FinishedAt: at,
				DeliveredAt: at, ResultURLs: []string{"https://kie.example/r/1.png"}, Refundable: true},
			6: {ID: 6, UserID: 7, ModelID: "z-image", State: "failed", PriceKopecks: 100_00, FailCode: "rejected:400", FailMsg: "policy", CreatedAt: at, FinishedAt: at},
		},
		stats: StatsView{From: at, NewUsers: 3, ActiveUsers: 5, PayingUsers: 2, TopUps: []MethodCount{{Method: "stars", Count: Count{N: 2, Kopecks: 150_00}}},
			Revenue: Count{N: 4, Kopecks: 80_00}, JobRefunds: Count{N: 1, Kopecks: 20_00}, KiePaidMicro: 12_000_000, Rates: true, KieKopecks: 570,
			MarginKopecks: 5430, Jobs: map[string]int{"succeeded": 4, "failed": 1},
			Models: []ModelStatView{{ModelID: "z-image", Finished: 5, Succeeded: 4, Failures: []ReasonCount{{Reason: "rejected:400", N: 1}}}},
			KieOK:  true, KieBalanceMicro: 1000_000_000, KieAt: at, DaysLeft: 419.35},
		audit: func() []AuditLine {
			var out []AuditLine
			for i := int64(20); i >= 1; i-- {
				who := int64(testAdminID)
				if i%2 == 0 {
					who = 99
				}
				out = append(out, AuditLine{ID: i, AdminID: who, Action: "adjust_balance", UserID: 7 + i%2, Before: "100", After: "250", Reason: "r", At: at})
			}
			return out
		}(),
	}
}

// adminEnv is newEnv for an admin with the fake console facts.
func adminEnv(t testing.TB) (Env, *fakeAdmin) {
	env, _ := newEnv(t, "95", 0)
	fa := newFakeAdmin()
	env.IsAdmin, env.Admin = true, fa
	return env, fa
}

// reachAdmin brings an admin to one of the console's states.
func reachAdmin(t testing.TB, env Env, state string) *chat {
	t.Helper()
	if !env.IsAdmin || env.Admin == nil {
		env.IsAdmin, env.Admin = true, newFakeAdmin()
	}
	if env.Broadcasts == nil {
		env.Broadcasts = newFakeBroadcasts()
	}
	c := newChat(t, env)
	c.cmd("admin")
	switch state {
	case StateAdmin:
	case StateAdminStats:
		c.press(T(RU, KeySectionStats))
	case StateAdminAsk:
		c.press(T(RU, KeySectionUsers))
	case StateAdminUser:
		c.cmd2("user", "7")
	case StateAdminJob:
		c.cmd2("job", "5")
	case StateAdminConfirm:
		c.cmd2("user", "7")
		c.press(T(RU, KeyBtnAdjust))
		c.text("150")
		c.text("goodwill")
	case StateAdminModels:
		c.cmd("models")
	case StateAdminAudit:
		c.cmd("audit")
	case StateAdminBroadcasts, StateAdminBcDraft, StateAdminBcAudience, StateAdminBcConfirm:
		reachBroadcast(c, state)
	case StateAdminManual:
		c.cmd("receipts")
	case StateAdminSubs:
		c.cmd("subscribers")
	default:
		t.Fatalf("cannot reach %q", state)
	}
	if c.state != state {
		t.Fatalf("reached %s instead of %s: %q", c.state, state, c.screenText())
	}
	return c
}

func (c *chat) cmd2(name, arg string) Result {
	return c.step(Input{Kind: InputCommand, Command: name, Arg: arg})
}

// To anyone but an admin the console does not exist: its commands get the
// hint every unknown command gets, its buttons (forged with a live nonce,
// or global) the answer every unknown button gets, and nothing changes.
func TestConsoleIsInvisibleToOthers(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	env.Admin = newFakeAdmin() // even with the reads wired
	c := newChat(t, env)
	c.cmd("start")
	for _, name := range []string{"admin", "stats", "user", "job", "order", "models", "audit"} {
		before := c.data
		c.cmd2(name, "7")
		if c.screenText() != T(RU, KeyHint) || c.state != StateMenu || string(c.data) != string(before) || c.last.Cmd != nil {
			t.Fatalf("/%s for a user: %q in %s", name, c.screenText(), c.state)
		}
	}
	// Forged buttons: what an admin action gets must be what a nonsense
	// action gets.
	nonce := c.session().Nonce
	unknown := func(data string) Result {
		t.Helper()
		res, err := step(env, c.state, c.data, Input{Kind: InputCallback, Callback: data, CallbackID: "q", MessageID: 3})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	want, wantGlobal := unknown(nonce+"|zzz|"), unknown("*|zzz|1")
	for _, a := range []string{aAdm, aSec, aPer, aUsr, aOrd, aUJob, aAdjust, aBan, aUnban, aMsg, aUAudit, aOUser, aRefund, aMod, aMPage, aAPage, aAMine, aAConfirm, aACancel, aABack} {
		if got := unknown(nonce + "|" + a + "|0"); !sameOut(got, want) {
			t.Errorf("forged %q: %+v, want %+v", a, got.Out, want.Out)
		}
	}
	for _, a := range []string{aAdm, aMods, aUsr, aOrd} {
		if got := unknown("*|" + a + "|7"); !sameOut(got, wantGlobal) || got.Cmd != nil {
			t.Errorf("forged global %q: %+v, want %+v", a, got.Out, wantGlobal.Out)
		}
	}
}

// sameOut compares two results' outputs, nonces aside (each stale answer
// re-renders the menu with a fresh one).
func sameOut(a, b Result) bool {
	if len(a.Out) != len(b.Out) || a.State != b.State || (a.Cmd == nil) != (b.Cmd == nil) {
		return false
	}
	for i := range a.Out {
		x, y := a.Out[i], b.Out[i]
		if (x.Answer == nil) != (y.Answer == nil) || (x.Screen == nil) != (y.Screen == nil) {
			return false
		}
		if x.Answer != nil && *x.Answer != *y.Answer {
			return false
		}
		if x.Screen != nil && x.Screen.Text != y.Screen.Text {
			return false
		}
	}
	return true
}

// Someone removed from ADMIN_ID while in the console lands at the menu.
func TestDemotedAdminLeavesTheConsole(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	c := reachAdmin(t, env, StateAdminConfirm)
	c.env.IsAdmin = false
	c.text("more text")
	if c.state != StateMenu || c.session().Adm != nil || c.last.Cmd != nil {
		t.Fatalf("demoted admin: state %s, session %+v", c.state, c.session().Adm)
	}
}

func TestAdminMenuListsTheSectionsGiven(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	env.AdminSections = []AdminSection{SectionUsers, "broadcasts", SectionStats, SectionUsers}
	c := newChat(t, env)
	c.cmd("admin")
	var labels []string
	for _, row := range c.screen().Buttons {
		for _, b := range row {
			labels = append(labels, b.Text)
		}
	}
	want := []string{T(RU, KeySectionUsers), T(RU, KeySectionStats), T(RU, KeyBtnMenu)}
	if !reflect.DeepEqual(labels, want) {
		t.Fatalf("menu %v, want %v", labels, want)
	}
	c.press(T(RU, KeySectionUsers))
	if c.state != StateAdminAsk || !strings.Contains(plain(c.screenText()), "перешлите") {
		t.Fatalf("users section: %s %q", c.state, c.screenText())
	}
}

func TestUserLookup(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	for _, tc := range []struct {
		name string
		in   Input
		want string // in the screen
		card bool
	}{
		{"by id", Input{Kind: InputText, Text: " 7 "}, "ann_fox", true},
		{"by @username", Input{Kind: InputText, Text: "@ANN_FOX"}, "ann_fox", true},
		{"by username", Input{Kind: InputText, Text: "bobby"}, "Заблокирован", true},
		{"forwarded", Input{Kind: InputText, Text: "hi", Forward: &Forward{Kind: "user", UserID: 7}}, "ann_fox", true},
		{"forwarded photo", Input{Kind: InputFile, File: &File{Kind: "photo", FileID: "x"}, Forward: &Forward{Kind: "user", UserID: 8}}, "bobby", true},
		{"hidden sender", Input{Kind: InputText, Text: "hi", Forward: &Forward{Kind: "hidden_user", Name: "Mystery <x>"}}, "скрыл свой аккаунт", false},
		{"from a channel", Input{Kind: InputText, Forward: &Forward{Kind: "channel"}}, "не от пользователя", false},
		{"unknown id", Input{Kind: InputText, Text: "123"}, "боту не писал", false},
		{"garbage", Input{Kind: InputText, Text: "x y z"}, "не похоже на id", false},
		{"too short", Input{Kind: InputText, Text: "@abc"}, "не похоже на id", false},
	} {
		c := reachAdmin(t, env, StateAdminAsk)
		c.step(tc.in)
		if !strings.Contains(plain(c.screenText()), tc.want) || (c.state == StateAdminUser) != tc.card {
			t.Errorf("%s: %s %q", tc.name, c.state, c.screenText())
		}
		if tc.name == "hidden sender" && !strings.Contains(plain(c.screenText()), "Mystery &lt;x&gt;") {
			t.Errorf("hidden sender's name not escaped: %q", c.screenText())
		}
	}
	// The card escapes the user's name and offers no ban for an admin.
	c := reachAdmin(t, env, StateAdminUser)
	if !strings.Contains(plain(c.screenText()), "Ann &lt;3") || strings.Contains(plain(c.screenText()), "Ann <3") {
		t.Fatalf("card: %q", c.screenText())
	}
	c.cmd2("user", "42")
	if _, ok := c.button(T(RU, KeyBtnBan)); ok || !strings.Contains(plain(c.screenText()), T(RU, KeyCardAdmin)) {
		t.Fatalf("an admin's card offers a ban: %q", c.screenText())
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		key  Key
	}{
		{"150", 150_00, ""}, {"-99.50", -99_50, ""}, {"+10,5", 10_50, ""}, {"1 000,01", 1000_01, ""}, {"−5", -5_00, ""}, {"7 ₽", 7_00, ""},
		{"0,01", 1, ""}, {"0", 0, KeyAmountZero}, {"-0.00", 0, KeyAmountZero}, {"1000001", 0, KeyAmountBig},
		{"1.234", 0, KeyAmountBad}, {"abc", 0, KeyAmountBad}, {"", 0, KeyAmountBad}, {"--5", 0, KeyAmountBad}, {"1e3", 0, KeyAmountBad}, {"5.", 0, KeyAmountBad},
	} {
		got, key := parseAmount(tc.in)
		if got != tc.want || key != tc.key {
			t.Errorf("parseAmount(%q) = %d, %q; want %d, %q", tc.in, got, key, tc.want, tc.key)
		}
	}
}

func TestAdjustBalanceFlow(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	c := newChat(t, env)
	c.cmd2("user", "7")
	c.press(T(RU, KeyBtnAdjust))
	c.text("12,345")
	if c.state != StateAdminAsk || !strings.Contains(plain(c.screenText()), "Не понял сумму") {
		t.Fatalf("bad amount: %q", c.screenText())
	}
	c.text("-50")
	c.text("   ")
	if !strings.Contains(plain(c.screenText()), "Без причины нельзя") {
		t.Fatalf("empty reason: %q", c.screenText())
	}
	c.text(strings.Repeat("x", maxReason+1))
	if !strings.Contains(plain(c.screenText()), "до 300 символов") {
		t.Fatalf("long reason: %q", c.screenText())
	}
	c.text("duplicate charge")
	if c.state != StateAdminConfirm || !strings.Contains(plain(c.screenText()), "-50,00 ₽") || !strings.Contains(plain(c.screenText()), "300,00 ₽ → станет 250,00 ₽") ||
		!strings.Contains(plain(c.screenText()), "duplicate charge") {
		t.Fatalf("confirmation: %q", c.screenText())
	}
	confirm, _ := c.button(T(RU, KeyBtnApply))
	c.data_(confirm.Data)
	act, ok := c.last.Cmd.(AdminAct)
	if !ok || act.Kind != ActAdjust || act.UserID != 7 || act.Amount != -50_00 || act.Reason != "duplicate charge" || act.Key == "" {
		t.Fatalf("act: %#v", c.last.Cmd)
	}
	if c.state != StateAdminUser {
		t.Fatalf("after confirming: %s", c.state)
	}
	// A second tap of the same button: the same act, the same key.
	c.data_(confirm.Data)
	if again, _ := c.last.Cmd.(AdminAct); again != act || c.answer() != T(RU, KeyAdminAlreadyDone) {
		t.Fatalf("second tap: %#v %q", c.last.Cmd, c.answer())
	}
	// Another confirmation of the same change gets another key. (The
	// actor shows the outcome in place of the confirmation; its buttons
	// lead back to the card.)
	c.data_(AdminOutcome(RU, act, AdminResult{UserID: 7}).Buttons[0][0].Data)
	c.press(T(RU, KeyBtnAdjust))
	c.text("-50")
	c.text("duplicate charge")
	c.press(T(RU, KeyBtnApply))
	if other := c.last.Cmd.(AdminAct); other.Key == act.Key {
		t.Fatal("two confirmations share a key")
	}

	// More than the balance: shown, refused before it is confirmed.
	c.cmd2("user", "7")
	c.press(T(RU, KeyBtnAdjust))
	c.text("-300,01")
	c.text("oops")
	if _, ok := c.button(T(RU, KeyBtnApply)); ok || !strings.Contains(plain(c.screenText()), "ушёл бы в минус") {
		t.Fatalf("below zero: %q", c.screenText())
	}
	c.press(T(RU, KeyBtnCancel))
	if c.state != StateAdminUser || c.last.Cmd != nil || c.session().Adm.Act != nil {
		t.Fatalf("cancel: %s %#v", c.state, c.last.Cmd)
	}
}

func TestBanAndMessageFlows(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	c := newChat(t, env)
	c.cmd2("user", "@ann_fox")
	c.press(T(RU, KeyBtnBan))
	c.text("spam")
	c.press(T(RU, KeyBtnApply))
	if act, _ := c.last.Cmd.(AdminAct); act.Kind != ActBan || act.UserID != 7 || act.Reason != "spam" {
		t.Fatalf("ban: %#v", c.last.Cmd)
	}
	c.cmd2("user", "8")
	c.press(T(RU, KeyBtnUnban))
	c.text("appeal")
	c.press(T(RU, KeyBtnApply))
	if act, _ := c.last.Cmd.(AdminAct); act.Kind != ActUnban || act.UserID != 8 {
		t.Fatalf("unban: %#v", c.last.Cmd)
	}

	c.cmd2("user", "7")
	c.press(T(RU, KeyBtnMessage))
	c.text("")
	if !strings.Contains(plain(c.screenText()), "пустое") {
		t.Fatalf("empty message: %q", c.screenText())
	}
	c.text("Hello <b>Ann</b> & co")
	// Shown exactly as Ann will get it: in her language, escaped.
	if !strings.Contains(plain(c.screenText()), T(EN, KeySupportMessage)+"\n\nHello &lt;b&gt;Ann&lt;/b&gt; &amp; co") {
		t.Fatalf("message confirmation: %q", c.screenText())
	}
	c.press(T(RU, KeyBtnApply))
	if act, _ := c.last.Cmd.(AdminAct); act.Kind != ActMessage || act.Text != "Hello <b>Ann</b> & co" {
		t.Fatalf("message: %#v", c.last.Cmd)
	}
}

func TestOrderCardAndRefund(t *testing.T) {
	t.Parallel()
	env, _ := adminEnv(t)
	c := newChat(t, env)
	c.cmd2("job", "#5")
	for _, want := range []string{"Заказ #5", "task-1", "a &lt;red&gt; fox", `<a href="https://kie.example/r/1.png">1</a>`, "Kie списал: 4 кредитов", "доставлен"} {
		if !strings.Contains(plain(c.screenText()), want) {
			t.Errorf("order card lacks %q: %q", want, c.screenText())
		}
	}
	c.press("↩️")
	c.text("blurry")
	if !strings.Contains(plain(c.screenText()), "300,00 ₽ → станет 500,00 ₽") {
		t.Fatalf("refund confirmation: %q", c.screenText())
	}
	c.press(T(RU, KeyBtnApply))
	if act, _ := c.last.Cmd.(AdminAct); act.Kind != ActRefund || act.JobID != 5 || act.UserID != 7 {
		t.Fatalf("refund: %#v", c.last.Cmd)
	}
	// A failed order offers no refund; its failure is shown.
	c.cmd2("order", "6")
	if _, ok := c.button("↩️"); ok || !strings.Contains(plain(c.screenText()), "rejected:400") {
		t.Fatalf("failed order: %q", c.screenText())
	}
	c.cmd2("job", "99")
	if c.state != StateAdminAsk || !strings.Contains(plain(c.screenText()), "Заказа #99 нет") {
		t.Fatalf("unknown order: %q", c.screenText())
	}
	c.text("five")
	if !strings.Contains(plain(c.screenText()), "Номер заказа — это цифры") {
		t.Fatalf("bad order number: %q", c.screenText())
	}
}

func TestModelsSwitchFlow(t *testing.T) {
	t.Parallel()
	env, fa := adminEnv(t)
	fa.switches = []ModelSwitchView{{ModelID: "recraft/crisp-upscale", Off: true, Reason: "kie outage", By: 99}}
	c := newChat(t, env)
	c.cmd("models")
	on := len(env.Registry.Models()) - 1 // one of them is switched off
	if !strings.Contains(plain(c.screenText()), "в продаже "+itoa(on)+", не продаются "+itoa(len(env.Registry.All())-on)) {
		t.Fatalf("models: %q", c.screenText())
	}
	outage := false
	// The registry's disabled models have no button anywhere.
	rows := newChat(t, env).turnOf().modelRows()
	for p := 0; p < pages(len(rows)); p++ {
		outage = outage || strings.Contains(c.screenText(), "выключена") && strings.Contains(c.screenText(), "«kie outage»")
		for _, row := range c.screen().Buttons {
			for _, b := range row {
				if _, action, arg, _ := parseCallback(b.Data); action == aMod {
					if i, _ := index(arg, len(rows)); !rows[i].Enabled() {
						t.Fatalf("a button for %s, shipped disabled", rows[i].ID())
					}
				}
			}
		}
		if p < pages(len(rows))-1 {
			c.press(T(RU, KeyBtnNext))
		}
	}
	if !outage {
		t.Fatal("the switched-off model's reason is not shown")
	}
	c.cmd("models")
	c.pressAcrossPages("✅ Включить", T(RU, KeyBtnNext))
	c.text("fixed")
	c.press(T(RU, KeyBtnApply))
	if act, _ := c.last.Cmd.(AdminAct); act.Kind != ActModelOn || act.ModelID != "recraft/crisp-upscale" || act.Reason != "fixed" {
		t.Fatalf("switch on: %#v", c.last.Cmd)
	}
	// A forged index of a model shipped disabled is refused with a word.
	c.cmd("models")
	disabled := -1
	for i, m := range rows {
		if !m.Enabled() {
			disabled = i
			break
		}
	}
	c.data_(c.session().Nonce + "|" + aMod + "|" + itoa(disabled))
	if c.answer() != T(RU, KeyShippedOffShort) || c.last.Cmd != nil || c.state != StateAdminModels {
		t.Fatalf("switching on a shipped-disabled model: %q", c.answer())
	}
}

// turnOf is a turn on the chat's env, for reading what a screen was built
// from.
func (c *chat) turnOf() *turn { return &turn{env: c.env, reg: c.env.Registry, lang: c.env.Lang} }

// plain turns Telegram's no-break spaces (in amounts) into spaces.
func plain(s string) string { return strings.ReplaceAll(s, "\u00a0", " ") }

// pressAcrossPages presses the button containing label on whichever page
// of a paged screen it is.
func (c *chat) pressAcrossPages(label, next string) {
	c.t.Helper()
	for range 30 {
		if _, ok := c.button(label); ok {
			c.press(label)
			return
		}
		c.press(next)
	}
	c.t.Fatalf("no button %q on any page", label)
}

// A model an admin switched off is hidden from every menu, and its old
// confirmation is refused without a job.
func TestSwitchedOffModelIsHiddenAndRefused(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	m, _ := env.Registry.Model("z-image")
	c := newChat(t, env)
	c.order(m)
	confirm, _ := c.button("✅")
	n := len(env.Registry.ByCategory(m.Category()))
	if before := categoryButton(t, c, m); !strings.HasSuffix(before, " · "+itoa(n)) {
		t.Fatalf("category button %q with %d models", before, n)
	}
	c.order(m)
	confirm, _ = c.button("✅")

	env.SwitchedOff = map[string]bool{"z-image": true}
	c.env = env
	c.data_(confirm.Data)
	if c.last.Cmd != nil || !strings.Contains(plain(c.screenText()), T(RU, KeyModelGone)) {
		t.Fatalf("old confirmation of a switched-off model: %#v %q", c.last.Cmd, c.screenText())
	}
	if after := categoryButton(t, c, m); !strings.HasSuffix(after, " · "+itoa(n-1)) {
		t.Fatalf("category button %q once %s is off", after, m.ID())
	}
	c.press(m.Category().Label().RU)
	if _, ok := c.button(m.Name("ru")); ok {
		t.Fatal("a switched-off model is listed")
	}
	c.data_("*|" + aModel + "|z-image")
	if c.answer() != T(RU, KeyModelGoneShort) || c.state != StateCategory {
		t.Fatalf("result button to a switched-off model: %q in %s", c.answer(), c.state)
	}
}

func categoryButton(t *testing.T, c *chat, m *pricing.Model) string {
	t.Helper()
	c.cmd("start")
	label, ok := c.button(m.Category().Label().RU)
	if !ok {
		t.Fatalf("no category button on %q", c.screenText())
	}
	return label.Text
}

func TestStatsAndAuditScreens(t *testing.T) {
	t.Parallel()
	env, fa := adminEnv(t)
	env.Lang = EN
	c := newChat(t, env)
	c.cmd("stats")
	for _, want := range []string{"3 new · 5 active · 2 paying", "Stars: 2 for 150,00 ₽", "80,00 ₽ · 4 orders", "12 credits = 5,70 ₽",
		"Margin: +54,30 ₽", "orders 1 for 20,00 ₽", "Z-Image — 5, 80% · rejected:400 ×1", "1000 credits", "about 419 days"} {
		if !strings.Contains(plain(c.screenText()), want) {
			t.Errorf("stats lack %q:\n%s", want, c.screenText())
		}
	}
	if _, ok := c.button("• Today"); !ok {
		t.Fatal("the period shown is not marked")
	}
	c.press("30 days")
	if !strings.Contains(plain(c.screenText()), "Statistics · 30 days") || c.session().Adm.Period != "30d" {
		t.Fatalf("30 days: %q", c.screenText())
	}
	fa.stats.Rates, fa.stats.KieOK = false, false
	c.press("7 days")
	if !strings.Contains(plain(c.screenText()), "USD_RUB_RATE is not set") || !strings.Contains(plain(c.screenText()), "not available right now") {
		t.Fatalf("without rate and balance: %q", c.screenText())
	}

	c.cmd("audit")
	if strings.Count(plain(c.screenText()), "± balance of user") != auditPage || !strings.Contains(plain(c.screenText()), "<b>#20</b>") {
		t.Fatalf("audit page 1: %q", c.screenText())
	}
	c.press("Older")
	c.press("Older")
	if !strings.Contains(plain(c.screenText()), "<b>#1</b>") {
		t.Fatalf("audit page 3: %q", c.screenText())
	}
	if _, ok := c.button("Older"); ok {
		t.Fatal("an older page after the last")
	}
	c.press(T(EN, KeyBtnAuditMine))
	c.cmd2("audit", "@ann_fox")
	c.cmd2("user", "7")
	c.press(T(EN, KeyBtnAudit))
	c.cmd2("audit", "admin 99")
	if !strings.Contains(c.screenText(), "Actions of admin <code>99</code>") || strings.Count(c.screenText(), "± balance") != auditPage {
		t.Fatalf("audit by admin: %q", c.screenText())
	}
	c.cmd2("audit", "admin x")
	if !strings.Contains(plain(c.screenText()), "neither an id") {
		t.Fatalf("audit by a bad admin id: %q", c.screenText())
	}
	want := []AuditFilter{{}, {}, {}, {AdminID: testAdminID}, {UserID: 7}, {UserID: 7}, {AdminID: 99}, {}}
	if !reflect.DeepEqual(fa.filters, want) {
		t.Fatalf("audit filters %+v, want %+v", fa.filters, want)
	}
}

// Every outcome and notice screen fits Telegram's limits in both
// languages.
func TestOutcomeScreens(t *testing.T) {
	t.Parallel()
	acts := []AdminAct{{Kind: ActAdjust, UserID: 7, Amount: -50, Reason: "<x>"}, {Kind: ActBan, UserID: 7}, {Kind: ActUnban, UserID: 7},
		{Kind: ActMessage, UserID: 7}, {Kind: ActRefund, JobID: 5, UserID: 7}, {Kind: ActModelOff, ModelID: "z-image"}, {Kind: ActModelOn, ModelID: "z-image"}}
	refusals := []AdminRefusal{"", RefusedBelowZero, RefusedAdmin, RefusedAlreadyBanned, RefusedNotBanned, RefusedNotRefundable, RefusedRefunded,
		RefusedUnknownUser, RefusedUnknownJob, RefusedShippedOff, RefusedUnchanged, RefusedInvalid, RefusedForbidden}
	for _, l := range []Lang{RU, EN} {
		for _, a := range acts {
			for _, r := range refusals {
				s := AdminOutcome(l, a, AdminResult{Refused: r, Detail: "<d>", UserID: 7, UserName: "Ann <3", Before: 100, After: 50})
				checkScreen(t, s)
				if strings.Contains(s.Text, "<x>") || strings.Contains(s.Text, "<d>") || strings.Contains(s.Text, "Ann <3") {
					t.Fatalf("unescaped: %q", s.Text)
				}
			}
		}
		for _, s := range []Screen{SupportMessage(l, strings.Repeat("é", maxMessage+10)), SupportMessage(l, "<b>&"), BalanceAdjusted(l, -5, 10), OrderRefunded(l, 5, 10, 20),
			Suspended(l, "@help"), Suspended(l, ""), ModelUnavailable(l)} {
			checkScreen(t, s)
		}
	}
}
