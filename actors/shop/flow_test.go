package shop

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// One model of every enabled category, ordered end to end by its own user:
// the result arrives as the right media with its caption and buttons, the
// user's files reach Kie only as Kie upload URLs (never a Telegram file URL,
// which carries the bot token), and the price is held and captured once.
func TestShopEveryCategoryEndToEnd(t *testing.T) {
	t.Parallel()
	const welcome = 200_00
	s := newShop(t, shopOptions{welcome: welcome})
	s.startShop("a", shopOptions{})

	cases := []struct {
		model string
		media string // how the result is sent
		files bool   // the order uploads the user's files
	}{
		{"z-image", "photo", false},
		{"google/nano-banana-edit", "photo", true},
		{"bytedance/v1-lite-text-to-video", "video", false},
		{"hailuo/02-image-to-video-standard", "video", true},
		{"wan/2-6-video-to-video", "video", true},
		{"recraft/crisp-upscale", "photo", true},
	}
	seen := map[pricing.Category]bool{}
	for _, tc := range cases {
		m, err := s.pricer.Registry().Model(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		seen[m.Category()] = true
	}
	for _, c := range s.pricer.Registry().Categories() {
		if !seen[c.Category] {
			t.Errorf("category %s has enabled models but no end-to-end case", c.Category)
		}
	}

	t.Run("orders", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(strings.ReplaceAll(tc.model, "/", "_"), func(t *testing.T) {
				t.Parallel()
				// Its own deadline: a parallel subtest may wait long for a slot.
				ctx := actorstest.Context(t, 90*time.Second)
				c := s.newClient(ctx, "Ann", "en")
				c.t = t
				confirmation := c.mustOrder(tc.model)
				since := c.mark()
				c.confirm(confirmation)
				result := c.waitResult(since)

				switch tc.media {
				case "photo":
					if len(result.Photo) == 0 {
						t.Fatalf("result is not a photo: %+v", result.Message)
					}
				case "video":
					if result.Video == nil {
						t.Fatalf("result is not a video: %+v", result.Message)
					}
				}
				m, _ := s.pricer.Registry().Model(tc.model)
				if !strings.Contains(result.Caption, m.Name("en")) || !strings.Contains(result.Caption, "Order") {
					t.Errorf("caption %q lacks the order and model name", result.Caption)
				}
				for _, want := range []string{"🔁 Again", "⬅️ To the model", "🏠 Menu"} {
					if _, ok := button(result, containing(want)); !ok {
						t.Errorf("result lacks the %q button: %v", want, result.Buttons())
					}
				}
				c.waitNew(since, "is ready")

				js := jobsOf(s.waitSettled(ctx), c.u.ID())
				if len(js) != 1 || js[0].State != string(store.JobSucceeded) {
					t.Fatalf("jobs %+v, want one succeeded", js)
				}
				job := js[0]
				quote, err := s.pricer.Quote(tc.model, paramsOf(t, s, job.ID))
				if err != nil || quote.Kopecks != job.Price {
					t.Fatalf("job price %d, quote %+v (%v)", job.Price, quote, err)
				}
				if !strings.Contains(confirmation.Text, pricing.FormatRUB(job.Price)) {
					t.Errorf("confirmation %q does not show the price %s", confirmation.Text, pricing.FormatRUB(job.Price))
				}
				if h, c := s.entries(ctx, job.ID, "hold"), s.entries(ctx, job.ID, "capture"); h != 1 || c != 1 || s.entries(ctx, job.ID, "") != 2 {
					t.Errorf("job %d: %d holds and %d captures of %d entries", job.ID, h, c, s.entries(ctx, job.ID, ""))
				}
				if avail, held := c.balance(); avail != welcome-job.Price || held != 0 {
					t.Errorf("balance %d held %d, want %d and 0", avail, held, welcome-job.Price)
				}

				task, ok := s.kie.Task(job.TaskID)
				if !ok {
					t.Fatalf("Kie has no task %q", job.TaskID)
				}
				urls := inputURLs(t, task.Param)
				if tc.files && len(urls) == 0 {
					t.Errorf("no file URL in the Kie input %s", task.Param)
				}
				for _, u := range urls {
					if !strings.HasPrefix(u, s.kie.CDNURL+"/") || strings.Contains(u, actorstest.BotToken) || strings.Contains(u, s.TG.URL) {
						t.Errorf("Kie got %q: not a Kie upload URL", u)
					}
				}
				if strings.Contains(task.Param, actorstest.BotToken) || strings.Contains(task.Param, "/file/bot") {
					t.Errorf("the bot token or a Telegram file URL reached Kie: %s", task.Param)
				}
			})
		}
	})
	s.checkBooks(actorstest.Context(t, 30*time.Second))
}

func jobsOf(js []shopJob, userID int64) []shopJob {
	var out []shopJob
	for _, j := range js {
		if j.User == userID {
			out = append(out, j)
		}
	}
	return out
}

func paramsOf(t *testing.T, s *shop, jobID int64) pricing.Params {
	t.Helper()
	j, err := s.st.Job(t.Context(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	return pricing.Params(j.Params)
}

// inputURLs collects every http(s) string in a createTask body's input.
func inputURLs(t *testing.T, param string) []string {
	t.Helper()
	var body struct {
		Input map[string]any `json:"input"`
	}
	if err := json.Unmarshal([]byte(param), &body); err != nil {
		t.Fatalf("Kie task param %q: %v", param, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if strings.HasPrefix(x, "http://") || strings.HasPrefix(x, "https://") {
				out = append(out, x)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(body.Input)
	return out
}

// A new user's very first message may be anything — a command other than
// /start, text, a photo, a stale button — and gets a real answer, not an
// apology; the welcome credit shows at once and is granted once.
func TestShopFirstMessageCanBeAnything(t *testing.T) {
	t.Parallel()
	const welcome = 30_00
	s := newShop(t, shopOptions{welcome: welcome})
	s.startShop("a", shopOptions{})
	cases := []struct {
		name string
		send func(c *client)
		want string
	}{
		{"/balance", func(c *client) { c.u.SendCommand("balance") }, "Balance: 30,00"},
		{"/history", func(c *client) { c.u.SendCommand("history") }, "No orders yet"},
		{"/topup", func(c *client) { c.u.SendCommand("topup") }, "Choose an amount"},
		{"/help", func(c *client) { c.u.SendCommand("help") }, "How it works"},
		{"/paysupport", func(c *client) { c.u.SendCommand("paysupport") }, "Help with payments"},
		{"/language", func(c *client) { c.u.SendCommand("language") }, "Choose your language"},
		{"/cancel", func(c *client) { c.u.SendCommand("cancel") }, "What shall we make"},
		{"/nonsense", func(c *client) { c.u.SendCommand("nonsense") }, "/start"},
		{"text", func(c *client) { c.u.SendText("hello") }, "/start"},
		{"photo", func(c *client) { c.sendMedia("image") }, "/start"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Its own deadline: a parallel subtest may wait long for a slot.
			ctx := actorstest.Context(t, 60*time.Second)
			c := s.newClient(ctx, "Ann", "en")
			c.t = t
			since := c.mark()
			tc.send(c)
			if got := c.mustScreen(since); !strings.Contains(got.Text, tc.want) {
				t.Errorf("first %s answered %q, want %q", tc.name, got.Text, tc.want)
			}
			since = c.mark()
			c.u.SendCommand("balance")
			c.waitNew(since, "Balance: 30,00")
			if avail, _ := c.balance(); avail != welcome {
				t.Errorf("balance %d, want the welcome %d once", avail, welcome)
			}
		})
	}
}
