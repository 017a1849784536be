package fsm

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kiebot/kiebot/pricing"
)

// fakeFacts is Facts from fixed values; err makes every read fail.
type fakeFacts struct {
	avail, held int64
	freeUsed    int
	running     int
	entries     []LedgerLine
	jobs        []JobLine
	err         error
}

func (f *fakeFacts) Balance() (int64, int64, error) { return f.avail, f.held, f.err }
func (f *fakeFacts) FreeUsedToday() (int, error)    { return f.freeUsed, f.err }
func (f *fakeFacts) RunningJobs() (int, error)      { return f.running, f.err }
func (f *fakeFacts) RecentEntries(n int) ([]LedgerLine, error) {
	return f.entries[:min(n, len(f.entries))], f.err
}
func (f *fakeFacts) RecentJobs(n int) ([]JobLine, error) { return f.jobs[:min(n, len(f.jobs))], f.err }
func (f *fakeFacts) Job(id int64) (JobLine, bool, error) {
	for _, j := range f.jobs {
		if j.ID == id {
			return j, true, f.err
		}
	}
	return JobLine{}, false, f.err
}

func testNow() time.Time { return time.Date(2026, 5, 12, 11, 3, 0, 0, time.UTC) }

// newEnv builds an Env on the real registry. rate "" leaves the pricer
// without USD_RUB_RATE (sales paused); free is FREE_TIER_COUNT.
func newEnv(t testing.TB, rate string, free int) (Env, *fakeFacts) {
	t.Helper()
	reg := pricing.Default()
	p, err := pricing.NewPricer(reg, pricing.Config{USDRUBRate: rate, FreeTierCount: free})
	if err != nil {
		t.Fatalf("pricer: %v", err)
	}
	facts := &fakeFacts{avail: 1_000_000}
	return Env{
		Lang: RU, UserID: 42, FirstName: "Ada", Registry: reg, Pricer: p,
		FreeDailyLimit: 3, StarsPackages: []int64{50, 100, 500}, KopecksPerStar: 150,
		MaxRunningJobs: 3, Now: testNow(), Facts: facts,
	}, facts
}

// chat drives a conversation and checks Step's promises on every result.
type chat struct {
	t     testing.TB
	env   Env
	state string
	data  []byte
	last  Result
	scr   *Screen // the last screen shown, in this step or an earlier one
	msgID int
	cb    int
}

func newChat(t testing.TB, env Env) *chat { return &chat{t: t, env: env} }

func (c *chat) step(in Input) Result {
	c.t.Helper()
	if in.Kind == InputCallback {
		c.cb++
		in.CallbackID = "cb" + strings.Repeat("x", c.cb%5)
		if in.MessageID == 0 {
			in.MessageID = c.msgID
		}
	}
	res, err := step(c.env, c.state, c.data, in)
	if err != nil {
		c.t.Fatalf("step %+v in %s: %v", in, c.state, err)
	}
	checkResult(c.t, in, res)
	c.state, c.data, c.last = res.State, res.Data, res
	for _, o := range res.Out {
		if o.Screen != nil {
			c.scr = o.Screen
			if o.Edit == 0 {
				c.msgID++
			}
		}
	}
	return res
}

func (c *chat) cmd(name string) Result {
	return c.step(Input{Kind: InputCommand, Command: name})
}
func (c *chat) text(s string) Result { return c.step(Input{Kind: InputText, Text: s}) }
func (c *chat) file(f File) Result   { return c.step(Input{Kind: InputFile, File: &f}) }
func (c *chat) data_(d string) Result {
	return c.step(Input{Kind: InputCallback, Callback: d})
}

// screen is the last screen shown.
func (c *chat) screen() Screen {
	c.t.Helper()
	for i := len(c.last.Out) - 1; i >= 0; i-- {
		if s := c.last.Out[i].Screen; s != nil {
			return *s
		}
	}
	c.t.Fatalf("no screen in %+v", c.last)
	return Screen{}
}

// button finds a button of the last screen whose text contains label.
func (c *chat) button(label string) (Button, bool) {
	if c.scr == nil {
		return Button{}, false
	}
	for _, row := range c.scr.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b, true
			}
		}
	}
	return Button{}, false
}

func (c *chat) press(label string) Result {
	c.t.Helper()
	b, ok := c.button(label)
	if !ok {
		c.t.Fatalf("no button %q on screen %q (state %s)", label, c.screenText(), c.state)
	}
	return c.data_(b.Data)
}

func (c *chat) screenText() string {
	for i := len(c.last.Out) - 1; i >= 0; i-- {
		if s := c.last.Out[i].Screen; s != nil {
			return s.Text
		}
	}
	return ""
}

func (c *chat) answer() string {
	c.t.Helper()
	for _, o := range c.last.Out {
		if o.Answer != nil {
			return o.Answer.Text
		}
	}
	c.t.Fatal("no answer")
	return ""
}

func (c *chat) session() session {
	var s session
	if err := json.Unmarshal(c.data, &s); err != nil {
		c.t.Fatalf("data %s: %v", c.data, err)
	}
	return s
}

// checkResult asserts what every Result promises.
func checkResult(t testing.TB, in Input, res Result) {
	t.Helper()
	if !slices.Contains(States(), res.State) {
		t.Fatalf("result state %q is unknown", res.State)
	}
	if !json.Valid(res.Data) {
		t.Fatalf("result data is not JSON: %q", res.Data)
	}
	answers := 0
	for _, o := range res.Out {
		n := 0
		if o.Screen != nil {
			n++
			checkScreen(t, *o.Screen)
		}
		if o.Answer != nil {
			n++
			answers++
			if o.Answer.CallbackID != in.CallbackID {
				t.Fatalf("answer for %q, callback was %q", o.Answer.CallbackID, in.CallbackID)
			}
			if utf8.RuneCountInString(o.Answer.Text) > maxAnswer {
				t.Fatalf("answer of %d characters: %q", utf8.RuneCountInString(o.Answer.Text), o.Answer.Text)
			}
		}
		if o.Action != "" {
			n++
		}
		if n != 1 {
			t.Fatalf("out %+v has %d parts", o, n)
		}
		if o.Edit > 0 && (o.Screen == nil || in.Kind != InputCallback || o.Edit != in.MessageID) {
			t.Fatalf("out %+v edits a message that is not the pressed one (%d)", o, in.MessageID)
		}
	}
	want := 0
	if in.Kind == InputCallback {
		want = 1
	}
	if answers != want {
		t.Fatalf("%d answers for a %s input: %+v", answers, in.Kind, res.Out)
	}
}

func checkScreen(t testing.TB, s Screen) {
	t.Helper()
	if n := utf8.RuneCountInString(s.Text); n == 0 || n > maxText {
		t.Fatalf("screen text of %d characters", n)
	}
	if strings.Contains(s.Text, "%!") {
		t.Fatalf("bad format verb in %q", s.Text)
	}
	for _, row := range s.Buttons {
		for _, b := range row {
			if b.Text == "" || strings.Contains(b.Text, "%!") || utf8.RuneCountInString(b.Text) > 64 {
				t.Fatalf("bad button text %q", b.Text)
			}
			if (b.Data == "") == (b.URL == "") {
				t.Fatalf("button %q needs exactly one of data and URL", b.Text)
			}
			if len(b.Data) > maxCallback {
				t.Fatalf("button %q has %d bytes of callback data: %q", b.Text, len(b.Data), b.Data)
			}
		}
	}
}

// fill answers every input of the order until the confirmation: a file of
// the right media, a prompt, the first option, the lowest number.
func (c *chat) fill(m *pricing.Model) {
	c.t.Helper()
	for range 40 {
		if c.state != StateInput {
			return
		}
		s := c.session()
		fields, _ := plan(m)
		if s.Pos >= len(fields) {
			c.t.Fatalf("pos %d beyond plan of %s", s.Pos, m.ID())
		}
		f := fields[s.Pos]
		switch f.Type {
		case pricing.KindFile:
			c.file(sampleFile(f.Media, len(s.Files[f.Name])))
			if f.Multiple && c.state == StateInput && c.session().Pos == s.Pos {
				c.press("✅")
			}
		case pricing.KindEnum, pricing.KindBool:
			c.data_(c.optionData(0))
		case pricing.KindInteger, pricing.KindNumber:
			c.text(cmpOr(f.Min, "1"))
		default:
			c.text(strings.Repeat("a red fox ", max(1, f.MinLength/10+1)))
		}
	}
	c.t.Fatalf("%s: inputs never ended", m.ID())
}

func (c *chat) optionData(i int) string {
	c.t.Helper()
	for _, row := range c.screen().Buttons {
		for _, b := range row {
			if _, action, arg, ok := parseCallback(b.Data); ok && action == aOpt && arg == itoa(i) {
				return b.Data
			}
		}
	}
	c.t.Fatalf("no option %d on %q", i, c.screenText())
	return ""
}

func sampleFile(m pricing.Media, n int) File {
	id := "file-" + string(m) + "-" + itoa(n)
	switch m {
	case pricing.MediaImage:
		return File{Kind: "photo", FileID: id, Size: 300_000}
	case pricing.MediaVideo:
		return File{Kind: "video", FileID: id, Size: 3_000_000, MIME: "video/mp4", Seconds: sampleSeconds}
	case pricing.MediaAudio:
		return File{Kind: "audio", FileID: id, Size: 1_000_000, MIME: "audio/mpeg", Seconds: sampleSeconds}
	}
	return File{Kind: "document", FileID: id, Size: 1000}
}

// sampleSeconds is the duration Telegram reports for sample audio and video.
const sampleSeconds = 7

// sampleQuote is what the pricer says a job made of sample inputs costs:
// per task, or per unit of its basis measured as the machine measures it.
func sampleQuote(t *testing.T, env Env, m *pricing.Model, job CreateJob) pricing.Quote {
	t.Helper()
	b, err := m.BasisFor(job.Params)
	if err != nil {
		t.Fatal(err)
	}
	var q pricing.Quantity
	switch b.Unit.Measures() {
	case pricing.QuantitySeconds:
		q = pricing.Seconds(int64(sampleSeconds * len(job.FileIDs[b.Field])))
	case pricing.QuantityCharacters:
		q = pricing.CharactersOf(job.Params[b.Field])
	}
	want, err := env.Pricer.QuoteQuantity(m.ID(), job.Params, q)
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	return want
}

func itoa(i int) string { return strconv.Itoa(i) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var errFacts = errors.New("database is down")
