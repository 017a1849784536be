package main

import (
	"context"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/logging"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/migrations"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/localpg"
)

const demoToken = "100200300:DEMO-kiebot-offline-token-0000000"

// runDemo is `kiebot demo`: the whole product offline in one command — the
// embedded database, a fake Telegram Bot API and a fake Kie — with a
// scripted user who tops up with Stars, orders a picture and gets it,
// then checks the balance and history. It prints the conversation.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("database-url", "", "use this (empty) database instead of a throwaway embedded one")
	verbose := fs.Bool("v", false, "also print the service's log")
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	log, _ := logging.New(logOut, logging.Options{Format: "text", Level: "info", Secrets: []string{demoToken}})
	d := &demo{out: stdout}
	if err := d.run(ctx, *dsn, log); err != nil {
		fmt.Fprintf(stderr, "kiebot demo: %v\n", err)
		return exitFail
	}
	return exitOK
}

type demo struct {
	out     io.Writer
	tg      *telegramtest.Server
	bot     *telegramtest.Bot
	user    *telegramtest.User
	shown   map[int]string // message id → what was printed last
	timeout time.Duration
}

func (d *demo) run(ctx context.Context, dsn string, log *slog.Logger) error {
	d.timeout, d.shown = 30*time.Second, map[int]string{}
	fmt.Fprintln(d.out, "kiebot demo — everything runs on this machine: an embedded PostgreSQL, a fake")
	fmt.Fprintln(d.out, "Telegram Bot API and a fake Kie.ai. A scripted user talks to the real service.")
	fmt.Fprintln(d.out)

	if dsn == "" {
		dir, err := os.MkdirTemp("", "kiebot-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		_ = os.Chmod(dir, 0o755) // the embedded server may run as another user
		srv, err := localpg.Start(ctx, localpg.Config{DataDir: filepath.Join(dir, "var"), Logger: log})
		if err != nil {
			return fmt.Errorf("embedded database: %w (or pass -database-url)", err)
		}
		defer func() { _ = srv.Stop(context.WithoutCancel(ctx)) }()
		dsn = srv.URL()
	}
	pool, err := store.OpenPool(ctx, dsn, store.PoolConfig{ApplicationName: "kiebot-demo"})
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := store.Migrate(ctx, pool, migrations.All(), log); err != nil {
		return err
	}

	d.tg = telegramtest.NewServer()
	defer d.tg.Close()
	d.bot = d.tg.AddBot(demoToken)
	ks := kietest.NewServer()
	defer ks.Close()
	ks.SetLimits(kietest.Limits{})
	for _, m := range pricing.Default().Models() { // the fake Kie sells what we sell, results at once
		ks.AddModel(kietest.Model{ID: m.ID(), Output: kietest.OutputFor(string(m.Output())), Price: 1})
	}

	cfg := Config{
		TelegramToken: demoToken, BotID: 100200300, KieAPIKey: ks.APIKey, InstanceName: "demo", BotMode: "polling",
		WebhookSecret: deriveWebhookSecret(demoToken), Port: 0,
		LockTTL: time.Minute, HeartbeatInterval: 20 * time.Second, ShutdownTimeout: 10 * time.Second,
		PricingMarkup: "2.0", USDRUBRate: "95", KieCreditUSD: "0.005", FreeTierCount: 0, FreeDailyLimit: 5,
		StarsPackages: []int64{50, 100, 250}, StarsRUBRate: 150,
		JobTimeoutImage: 5 * time.Minute, JobTimeoutAudio: 10 * time.Minute, JobTimeoutVideo: 20 * time.Minute,
		TelegramAPIURL: d.tg.URL, KieBaseURL: ks.URL, KieUploadURL: ks.UploadURL, LogFormat: "text", LogLevel: "info",
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(sctx, cfg, log, pool) }()
	defer func() {
		stop()
		<-served
	}()

	if err := d.script(ctx); err != nil {
		return err
	}
	report, err := store.Audit(ctx, pool, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "Ledger audit: %s\n", report.String())
	if !report.OK() {
		return fmt.Errorf("the ledger does not balance")
	}
	fmt.Fprintln(d.out, "Done: the top-up was credited once, the picture was paid from the reserved amount, the ledger balances.")
	return nil
}

// script is the newcomer's tour.
func (d *demo) script(ctx context.Context) error {
	d.user = d.bot.AddUser(telegramtest.UserConfig{FirstName: "Alice", LanguageCode: "en"})
	steps := []struct {
		say  string
		do   func() error
		wait func(telegramtest.Message) bool
	}{
		{"/start", func() error { d.user.SendCommand("start"); return nil }, has("Choose")},
		{"⭐ Top up", d.press("Top up"), has("Stars")},
		{"⭐ 100", d.press("100"), func(m telegramtest.Message) bool { return m.Invoice != nil }},
		{"(pays the invoice in Telegram)", d.pay, has("Payment received")},
		{"/start", func() error { d.user.SendCommand("start"); return nil }, has("Choose")},
		{"🖼 Text to image", d.press("Text to image"), has("Z-Image")},
		{"Z-Image", d.press("Z-Image"), has("Create")},
		{"▶️ Create", d.press("Create"), has("Prompt")},
		{"a lighthouse at dawn, watercolor", func() error { d.user.SendText("a lighthouse at dawn, watercolor"); return nil }, has("1:1")},
		{"1:1", d.press("1:1"), has("Confirm")},
		{"✅ Confirm", d.press("Confirm"), has("is ready")},
		{"/balance", func() error { d.user.SendCommand("balance"); return nil }, has("Balance")},
		{"/history", func() error { d.user.SendCommand("history"); return nil }, has("Z-Image")},
	}
	for _, s := range steps {
		fmt.Fprintf(d.out, "👤 Alice: %s\n", s.say)
		since := time.Now()
		if err := s.do(); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, d.timeout)
		_, err := d.bot.WaitMessage(wctx, d.user.ID(), func(m telegramtest.Message) bool {
			return m.FromBot && s.wait(m) && d.changedSince(m, since)
		})
		cancel()
		if err != nil {
			return fmt.Errorf("after %q the bot did not answer as expected: %w", s.say, err)
		}
		d.printChanges()
	}
	return nil
}

// has matches a message whose text, caption or a button contains sub.
func has(sub string) func(telegramtest.Message) bool {
	return func(m telegramtest.Message) bool {
		if strings.Contains(m.Text, sub) || strings.Contains(m.Caption, sub) {
			return true
		}
		for _, b := range m.Buttons() {
			if strings.Contains(b.Text, sub) {
				return true
			}
		}
		return false
	}
}

// changedSince: the message is new or was edited after t.
func (d *demo) changedSince(m telegramtest.Message, t time.Time) bool {
	return d.shown[m.ID] != render(m)
}

func (d *demo) press(sub string) func() error {
	return func() error {
		msgs := d.bot.Messages(d.user.ID())
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, b := range msgs[i].Buttons() {
				if strings.Contains(b.Text, sub) && b.CallbackData != "" {
					_, err := d.user.Press(msgs[i].ID, b.Text)
					return err
				}
			}
		}
		return fmt.Errorf("no button %q", sub)
	}
}

func (d *demo) pay() error {
	msgs := d.bot.Messages(d.user.ID())
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Invoice != nil {
			ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
			defer cancel()
			_, err := d.user.Pay(ctx, msgs[i].ID)
			return err
		}
	}
	return fmt.Errorf("no invoice to pay")
}

// printChanges prints bot messages that are new or changed (edited in
// place) since they were last printed.
func (d *demo) printChanges() {
	for _, m := range d.bot.Messages(d.user.ID()) {
		if !m.FromBot {
			continue
		}
		r := render(m)
		if d.shown[m.ID] == r {
			continue
		}
		d.shown[m.ID] = r
		fmt.Fprintln(d.out, r)
	}
	fmt.Fprintln(d.out)
}

var tags = regexp.MustCompile(`<[^>]+>`)

func render(m telegramtest.Message) string {
	var b strings.Builder
	text := m.Text
	switch {
	case m.Invoice != nil:
		text = fmt.Sprintf("🧾 Invoice: %s — %s (%d ⭐)", m.Invoice.Title, m.Invoice.Description, m.Invoice.TotalAmount)
	case len(m.Photo) > 0:
		text = "🖼 [picture] " + m.Caption
	}
	text = html.UnescapeString(tags.ReplaceAllString(text, ""))
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if i == 0 {
			b.WriteString("🤖 kiebot: ")
		} else {
			b.WriteString("           ")
		}
		b.WriteString(line)
		b.WriteString("\n")
	}
	var btns []string
	for _, btn := range m.Buttons() {
		btns = append(btns, "["+btn.Text+"]")
	}
	if len(btns) > 0 {
		b.WriteString("           " + strings.Join(btns, " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
