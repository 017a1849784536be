package fsm

import (
	"strings"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// startOrder opens model id and presses Create.
func startOrder(t *testing.T, env Env, id string) (*chat, *pricing.Model) {
	t.Helper()
	m, err := env.Registry.Model(id)
	if err != nil {
		t.Fatal(err)
	}
	c := newChat(t, env)
	c.openModel(m)
	c.press(T(env.Lang, KeyBtnStart))
	return c, m
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	photo := File{Kind: "photo", FileID: "ph", Size: 100_000}
	tests := []struct {
		name  string
		model string
		setup func(c *chat) // from the first input
		in    Input
		want  []string // in the message
	}{
		{"over-long prompt", "z-image", nil, Input{Kind: InputText, Text: strings.Repeat("ж", 1001)}, []string{"1001", "1000"}},
		{"too short prompt", "flux-2/pro-text-to-image", nil, Input{Kind: InputText, Text: "ab"}, []string{"не меньше 3"}},
		{"empty prompt", "z-image", nil, Input{Kind: InputText, Text: "  \n "}, []string{"пустой"}},
		{"file where text is asked", "z-image", nil, Input{Kind: InputFile, File: &photo}, []string{"текст"}},
		{"text where a button is expected", "z-image", func(c *chat) { c.text("fox") }, Input{Kind: InputText, Text: "16:9"}, []string{"кнопкой"}},
		{"file where a button is expected", "z-image", func(c *chat) { c.text("fox") }, Input{Kind: InputFile, File: &photo}, []string{"кнопкой"}},
		{"text where a file is expected", "qwen/image-edit", nil, Input{Kind: InputText, Text: "here"}, []string{"фото"}},
		{"video for a photo", "qwen/image-edit", nil, Input{Kind: InputFile, File: &File{Kind: "video", FileID: "v", Size: 10}}, []string{"не подходит", "фото"}},
		{"pdf for a photo", "qwen/image-edit", nil, Input{Kind: InputFile, File: &File{Kind: "document", FileID: "d", MIME: "application/pdf", Name: "a.pdf"}}, []string{"не подходит"}},
		{"over Telegram's 20 MB", "qwen/image-edit", nil, Input{Kind: InputFile, File: &File{Kind: "document", FileID: "d", Size: 25 << 20, MIME: "image/png"}}, []string{"25", "20 МБ"}},
		{"over the model's limit", "seedream/4.5-edit", nil, Input{Kind: InputFile, File: &File{Kind: "document", FileID: "d", Size: 15 << 20, MIME: "image/jpeg"}}, []string{"слишком большой", "9,5"}},
		{"a file without an id", "qwen/image-edit", nil, Input{Kind: InputFile, File: &File{Kind: "photo"}}, []string{"прочитать"}},
		{"out of range number", "qwen/image-edit", toSteps, Input{Kind: InputText, Text: "50"}, []string{"от 2 до 49"}},
		{"not a whole number", "qwen/image-edit", toSteps, Input{Kind: InputText, Text: "2.5"}, []string{"целое", "от 2 до 49"}},
		{"not a number", "qwen/image-edit", toSteps, Input{Kind: InputText, Text: "many"}, []string{"целое"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := startOrder(t, env, tt.model)
			if tt.setup != nil {
				tt.setup(c)
			}
			state, data := c.state, string(c.data)
			c.step(tt.in)
			if c.state != state || string(c.data) != data || c.last.Cmd != nil {
				t.Fatalf("bad input changed something: %s → %s, cmd %#v\n%s\n%s", state, c.state, c.last.Cmd, data, c.data)
			}
			text := c.screenText()
			if !strings.HasPrefix(text, "⚠️") {
				t.Fatalf("no warning: %q", text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Fatalf("message lacks %q: %q", w, text)
				}
			}
		})
	}
}

// toSteps goes from qwen/image-edit's first input to its optional
// num_inference_steps.
func toSteps(c *chat) {
	c.file(File{Kind: "photo", FileID: "ph"})
	c.text("make it night")
	c.press("Доп. настройки")
	for range 5 {
		if strings.Contains(c.screenText(), fieldLabel(RU, "num_inference_steps")) {
			return
		}
		c.press(T(RU, KeyBtnSkip))
	}
	c.t.Fatalf("never asked for steps: %q", c.screenText())
}

func TestOptionalSettingsAndNumbers(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c, _ := startOrder(t, env, "qwen/image-edit")
	toSteps(c)
	c.text("12")
	c.press(T(RU, KeyBtnToConfirm))
	job := c.createJob()
	if job.Params["num_inference_steps"] != "12" || job.Params["prompt"] != "make it night" {
		t.Fatalf("params %v", job.Params)
	}
	if _, ok := job.Params["acceleration"]; ok {
		t.Fatal("a skipped setting was sent")
	}
}

func TestSeveralFiles(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c, m := startOrder(t, env, "seedream/4.5-edit")
	f, _ := m.Field("image_urls")
	for i := range 2 {
		c.file(File{Kind: "document", FileID: "img" + itoa(i), MIME: "image/png", Name: "<img" + itoa(i) + ">.png"})
	}
	if !strings.Contains(c.screenText(), "2 из "+itoa(f.MaxCount)) {
		t.Fatalf("after two files: %q", c.screenText())
	}
	c.press("🗑")
	c.file(File{Kind: "photo", FileID: "a"})
	c.file(File{Kind: "photo", FileID: "b"})
	c.press("✅ Готово (2)")
	c.text("merge them")
	c.press("1:1")
	c.press(valueLabels["basic"][0] + " · ") // the quality options carry their prices
	if c.state != StateConfirm {
		t.Fatalf("state %s: %q", c.state, c.screenText())
	}
	job := c.createJob()
	if got := strings.Join(job.FileIDs["image_urls"], ","); got != "a,b" {
		t.Fatalf("files %q", got)
	}
}

func TestBackKeepAndPricePruning(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c, m := startOrder(t, env, "hailuo/02-image-to-video-standard")
	c.file(File{Kind: "photo", FileID: "p"})
	c.text("a dancing cat")
	c.press("10 с")
	c.press("768P")
	if c.state != StateConfirm {
		t.Fatalf("state %s", c.state)
	}
	// Change the inputs: keep the photo and prompt, pick 6 s, which has no
	// 768P price: the resolution must be asked again with priced options only.
	c.press(T(RU, KeyBtnEdit))
	c.press(T(RU, KeyBtnKeep))
	c.press(T(RU, KeyBtnKeep))
	c.press("6 с")
	if _, ok := c.button("768P"); ok || !strings.Contains(c.screenText(), fieldLabel(RU, "resolution")) {
		t.Fatalf("after 6 s: %q", c.screenText())
	}
	c.press(T(RU, KeyBtnBack))
	if !strings.Contains(c.screenText(), fieldLabel(RU, "duration")) {
		t.Fatalf("back from resolution: %q", c.screenText())
	}
	c.press("6 с")
	c.press("512P")
	job := c.createJob()
	q, err := env.Pricer.Quote(m.ID(), job.Params)
	if err != nil || q.Kopecks != job.Quote.Kopecks || job.Params["duration"] != "6" {
		t.Fatalf("job %+v, quote %v %v", job, q, err)
	}
}

func TestCaptionAnswersTheNextTextInput(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	c, _ := startOrder(t, env, "qwen/image-edit")
	c.step(Input{Kind: InputFile, File: &File{Kind: "photo", FileID: "p"}, Text: "make it snow"})
	if c.state != StateConfirm || c.session().Params["prompt"] != "make it snow" || len(c.last.Out) != 1 {
		t.Fatalf("photo with a caption: %s %v, %d outs", c.state, c.session().Params, len(c.last.Out))
	}
	c, _ = startOrder(t, env, "qwen/image-edit")
	c.step(Input{Kind: InputFile, File: &File{Kind: "photo", FileID: "p"}, Text: strings.Repeat("x", 2001)})
	if c.state != StateInput || c.session().Files["image_url"][0] != "p" || !strings.Contains(c.screenText(), "2000") {
		t.Fatalf("photo with an over-long caption: %s %q", c.state, c.screenText())
	}
}

func TestTopUpFromAShortConfirmation(t *testing.T) {
	t.Parallel()
	env, facts := newEnv(t, "95", 0)
	facts.avail = 0
	m, _ := env.Registry.Model("z-image")
	c := newChat(t, env)
	c.order(m)
	c.press(T(RU, KeyBtnTopUp))
	if c.state != StateTopUp {
		t.Fatalf("top-up from the confirmation: %s", c.state)
	}
	facts.avail = 100_00 // paid meanwhile
	c.press(T(RU, KeyBtnBackToOrder))
	if c.state != StateConfirm {
		t.Fatalf("back to the order: %s", c.state)
	}
	if job := c.createJob(); job.ModelID != m.ID() {
		t.Fatalf("job %+v", job)
	}
	c.cmd("topup")
	if _, ok := c.button(T(RU, KeyBtnBackToOrder)); ok {
		t.Fatal("back to an order that was already placed")
	}
}
