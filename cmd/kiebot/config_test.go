package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/kiebot/kiebot/store"
)

const (
	testToken = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALTEST"
	testKey   = "kie-5f2d9c0a7b1e4d3c9e8f"
)

func validEnv(extra ...string) map[string]string {
	m := map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "KIE_API_KEY": testKey}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func load(t *testing.T, m map[string]string) (Config, error) {
	t.Helper()
	return loadConfig(context.Background(), envconfig.MapLookuper(m), func() (string, error) { return "host-1", nil })
}

func TestConfigDefaults(t *testing.T) {
	c, err := load(t, validEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := Config{BotID: 7123456789, Port: 10000, LockTTL: time.Minute, HeartbeatInterval: 20 * time.Second,
		ShutdownTimeout: 25 * time.Second, BotMode: "polling", LogFormat: "json", InstanceName: "host-1",
		PricingMarkup: "2.0", KieCreditUSD: "0.005", FreeTierCount: 5, FreeDailyLimit: 5, DataDir: "./var",
		TelegramAPIURL: "https://api.telegram.org", KieBaseURL: "https://api.kie.ai"}
	checks := []struct {
		name      string
		got, want any
	}{
		{"BotID", c.BotID, want.BotID}, {"Port", c.Port, want.Port}, {"LockTTL", c.LockTTL, want.LockTTL},
		{"HeartbeatInterval", c.HeartbeatInterval, want.HeartbeatInterval}, {"ShutdownTimeout", c.ShutdownTimeout, want.ShutdownTimeout},
		{"BotMode", c.BotMode, want.BotMode}, {"LogFormat", c.LogFormat, want.LogFormat}, {"InstanceName", c.InstanceName, want.InstanceName},
		{"PricingMarkup", c.PricingMarkup, want.PricingMarkup}, {"KieCreditUSD", c.KieCreditUSD, want.KieCreditUSD},
		{"FreeTierCount", c.FreeTierCount, want.FreeTierCount}, {"FreeDailyLimit", c.FreeDailyLimit, want.FreeDailyLimit},
		{"DataDir", c.DataDir, want.DataDir}, {"TelegramAPIURL", c.TelegramAPIURL, want.TelegramAPIURL},
		{"KieBaseURL", c.KieBaseURL, want.KieBaseURL}, {"USDRUBRate", c.USDRUBRate, ""}, {"StarsRUBRate", c.StarsRUBRate, int64(0)},
		{"StarsPackages", len(c.StarsPackages), 5}, {"WebhookSecretDerived", c.WebhookSecretDerived, true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func TestConfigProblemsAreAllReportedAtOnce(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		want     []string
		mustNot  []string
		problems int
	}{
		{
			name:     "empty environment names both required variables and nothing else",
			env:      map[string]string{},
			want:     []string{"TELEGRAM_BOT_TOKEN is required", "KIE_API_KEY is required"},
			problems: 2,
		},
		{
			name:     "set to empty counts as missing",
			env:      map[string]string{"TELEGRAM_BOT_TOKEN": "", "KIE_API_KEY": "  "},
			want:     []string{"TELEGRAM_BOT_TOKEN is required", "KIE_API_KEY is required"},
			problems: 2,
		},
		{
			name:     "a bad admin id is named",
			env:      validEnv("ADMIN_ID", "12,abc"),
			want:     []string{`"abc"`},
			mustNot:  []string{`"12"`},
			problems: 1,
		},
		{
			name:     "webhook without a public URL",
			env:      validEnv("BOT_MODE", "webhook"),
			want:     []string{"BOT_MODE=webhook needs WEBHOOK_BASE_URL"},
			problems: 1,
		},
		{
			name: "many problems together",
			env: validEnv("PORT", "99999", "LOCK_TTL", "soon", "LOG_FORMAT", "xml", "PRICING_MARKUP", "0.5",
				"USD_RUB_RATE", "abc", "STARS_PACKAGES", "50,20000", "TELEGRAM_WEBHOOK_SECRET", "has space"),
			want:     []string{"PORT", "LOCK_TTL", "LOG_FORMAT", "PRICING_MARKUP", "USD_RUB_RATE", "20000 Stars", "TELEGRAM_WEBHOOK_SECRET"},
			problems: 7,
		},
		{
			name:     "heartbeat must fit twice in the TTL",
			env:      validEnv("LOCK_TTL", "30s", "HEARTBEAT_INTERVAL", "20s", "SHUTDOWN_TIMEOUT", "5s"),
			want:     []string{"HEARTBEAT_INTERVAL (20s) must be at most half of LOCK_TTL (30s)"},
			problems: 1,
		},
		{
			name:     "a graceful stop must end before the lease can lapse",
			env:      validEnv("SHUTDOWN_TIMEOUT", "45s"),
			want:     []string{"SHUTDOWN_TIMEOUT (45s) must be below LOCK_TTL - HEARTBEAT_INTERVAL (1m0s - 20s = 40s)", "lower SHUTDOWN_TIMEOUT or raise LOCK_TTL"},
			problems: 1,
		},
		{
			name:     "a shorter lease needs a shorter stop",
			env:      validEnv("LOCK_TTL", "30s", "HEARTBEAT_INTERVAL", "10s"),
			want:     []string{"SHUTDOWN_TIMEOUT (25s) must be below LOCK_TTL - HEARTBEAT_INTERVAL (30s - 10s = 20s)"},
			problems: 1,
		},
		{
			name:     "equal is not below",
			env:      validEnv("SHUTDOWN_TIMEOUT", "40s"),
			want:     []string{"SHUTDOWN_TIMEOUT (40s) must be below"},
			problems: 1,
		},
		{
			name:     "a webhook secret too short to authenticate anything",
			env:      validEnv("TELEGRAM_WEBHOOK_SECRET", "x"),
			want:     []string{"TELEGRAM_WEBHOOK_SECRET", "1 characters", "at least 32", "unset it to derive one from the token"},
			problems: 1,
		},
		{
			name:     "31 characters are still too few",
			env:      validEnv("BOT_MODE", "webhook", "WEBHOOK_BASE_URL", "https://bot.example", "TELEGRAM_WEBHOOK_SECRET", strings.Repeat("a", 31)),
			want:     []string{"TELEGRAM_WEBHOOK_SECRET", "31 characters", "at least 32"},
			problems: 1,
		},
		{
			name:     "more than Telegram's 256",
			env:      validEnv("TELEGRAM_WEBHOOK_SECRET", strings.Repeat("a", 257)),
			want:     []string{"TELEGRAM_WEBHOOK_SECRET", "257 characters", "at most 256"},
			problems: 1,
		},
		{
			name:     "characters Telegram does not allow, named once with the length rule",
			env:      validEnv("TELEGRAM_WEBHOOK_SECRET", strings.Repeat("a", 40)+"=/+"),
			want:     []string{"TELEGRAM_WEBHOOK_SECRET", "only A-Z, a-z, 0-9, _ and -"},
			mustNot:  []string{strings.Repeat("a", 40)},
			problems: 1,
		},
		{
			name:     "a malformed token is masked in the message",
			env:      validEnv("TELEGRAM_BOT_TOKEN", "not-a-token-but-secret-value"),
			want:     []string{"does not look like a bot token", "not-...alue"},
			mustNot:  []string{"not-a-token-but-secret-value"},
			problems: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tt.mustNot {
				if strings.Contains(msg, w) {
					t.Errorf("error should not contain %q:\n%s", w, msg)
				}
			}
			if got := len(strings.Split(msg, "\n")); got != tt.problems {
				t.Errorf("%d problems reported, want %d:\n%s", got, tt.problems, msg)
			}
		})
	}
}

func TestConfigAdminIDsAndInstanceName(t *testing.T) {
	c, err := load(t, validEnv("ADMIN_ID", " 5 ", "ADMIN_IDS", " 1, 2,5,", "RENDER_INSTANCE_ID", "srv-abc-xyz"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AdminIDs; len(got) != 3 || got[0] != 5 || got[1] != 1 || got[2] != 2 {
		t.Errorf("AdminIDs = %v, want [5 1 2]", got)
	}
	if c.InstanceName != "srv-abc-xyz" {
		t.Errorf("InstanceName = %q, want Render's instance id", c.InstanceName)
	}
	c, _ = load(t, validEnv("INSTANCE_NAME", "blue", "RENDER_INSTANCE_ID", "srv-abc"))
	if c.InstanceName != "blue" {
		t.Errorf("INSTANCE_NAME should win, got %q", c.InstanceName)
	}
	c, _ = load(t, validEnv("BOT_MODE", "webhook", "RENDER_EXTERNAL_URL", "https://kiebot.onrender.com/"))
	if c.PublicBaseURL != "https://kiebot.onrender.com" {
		t.Errorf("PublicBaseURL = %q", c.PublicBaseURL)
	}
}

func TestWebhookSecretIsDerivedTheSameEverywhere(t *testing.T) {
	a, _ := load(t, validEnv())
	b, _ := load(t, validEnv("INSTANCE_NAME", "other"))
	if a.WebhookSecret == "" || a.WebhookSecret != b.WebhookSecret || strings.Contains(a.WebhookSecret, "AAHdq") {
		t.Fatalf("derived secrets %q and %q", a.WebhookSecret, b.WebhookSecret)
	}
	if err := checkWebhookSecret(a.WebhookSecret); err != nil {
		t.Fatalf("derived secret %q breaks a rule: %v", a.WebhookSecret, err)
	}
}

func TestWebhookSecretOfTelegramsAlphabetIsAccepted(t *testing.T) {
	for _, secret := range []string{strings.Repeat("aZ0_-", 7)[:32], strings.Repeat("Ab9-", 64)} {
		c, err := load(t, validEnv("BOT_MODE", "webhook", "WEBHOOK_BASE_URL", "https://bot.example", "TELEGRAM_WEBHOOK_SECRET", secret))
		if err != nil || c.WebhookSecret != secret || c.WebhookSecretDerived {
			t.Errorf("a %d-character secret: %q, derived %v, %v; want it accepted as set", len(secret), c.WebhookSecret, c.WebhookSecretDerived, err)
		}
	}
}

// The derived secret is HMAC-SHA256 of the token: strong, the same on every
// instance of one bot, different for another bot, and said so (masked) in
// the summary.
func TestDerivedWebhookSecretIsStrongAndShownMasked(t *testing.T) {
	a, err := load(t, validEnv("BOT_MODE", "webhook", "WEBHOOK_BASE_URL", "https://bot.example"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := load(t, validEnv("TELEGRAM_BOT_TOKEN", "7123456780:AAHdqTcvCH1vGWJxfSeofSAs0K5PALOTHER"))
	if len(a.WebhookSecret) < 32 || !a.WebhookSecretDerived || a.WebhookSecret == other.WebhookSecret {
		t.Fatalf("derived secret %q (derived %v), other bot's %q", a.WebhookSecret, a.WebhookSecretDerived, other.WebhookSecret)
	}
	var line string
	for _, kv := range a.summary() {
		if kv[0] == "webhook secret" {
			line = kv[1]
		}
	}
	if strings.Contains(line, a.WebhookSecret) || !strings.Contains(line, "derived from the token") || !strings.Contains(line, a.WebhookSecret[:4]+"...") {
		t.Fatalf("summary says %q; want the derived secret masked and said to be derived", line)
	}
}

func TestRetentionDefaultsAndSwitches(t *testing.T) {
	c, err := load(t, validEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := store.Retention{Inbox: 168 * time.Hour, Invoices: 48 * time.Hour, Conversations: 2160 * time.Hour, Outbox: 24 * time.Hour, Batch: 1000}
	if c.Retention != want || c.RetentionEvery != time.Hour {
		t.Fatalf("Retention = %+v every %s; want %+v every 1h", c.Retention, c.RetentionEvery, want)
	}

	c, err = load(t, validEnv("RETENTION_INBOX", "0", "RETENTION_CONVERSATIONS", "720h", "RETENTION_BATCH", "50", "RETENTION_EVERY", "10m"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention.Inbox != 0 || c.Retention.Conversations != 720*time.Hour || c.Retention.Batch != 50 || c.RetentionEvery != 10*time.Minute {
		t.Fatalf("Retention = %+v every %s", c.Retention, c.RetentionEvery)
	}
	if s := c.retentionSummary(); !strings.Contains(s, "processed updates kept forever") || !strings.Contains(s, "every 10m0s") {
		t.Fatalf("summary %q", s)
	}
	c, err = load(t, validEnv("RETENTION_EVERY", "0"))
	if err != nil || c.RetentionEvery != 0 || !strings.Contains(c.retentionSummary(), "nothing is purged") {
		t.Fatalf("RETENTION_EVERY=0: every %s, summary %q, %v", c.RetentionEvery, c.retentionSummary(), err)
	}

	_, err = load(t, validEnv("RETENTION_INBOX", "12h", "RETENTION_INVOICES", "soon", "RETENTION_OUTBOX", "-1h",
		"RETENTION_BATCH", "0", "RETENTION_EVERY", "hourly", "RETENTION_CONVERSATIONS", "90d"))
	if err == nil {
		t.Fatal("bad retention settings accepted")
	}
	msg := err.Error()
	for _, w := range []string{"RETENTION_INBOX (12h0m0s) must be at least 48h0m0s", "RETENTION_INVOICES \"soon\"", "RETENTION_OUTBOX \"-1h\"",
		"RETENTION_BATCH \"0\"", "RETENTION_EVERY \"hourly\"", "RETENTION_CONVERSATIONS \"90d\""} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	if n := len(strings.Split(msg, "\n")); n != 6 {
		t.Errorf("%d problems, want 6:\n%s", n, msg)
	}
}

func TestConfigCheckCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runCommand(context.Background(), []string{"config", "check"}, envconfig.MapLookuper(map[string]string{}), &out, &errOut)
	if code != exitConfig {
		t.Fatalf("exit %d, want %d", code, exitConfig)
	}
	if msg := errOut.String(); !strings.Contains(msg, "TELEGRAM_BOT_TOKEN") || !strings.Contains(msg, "KIE_API_KEY") || strings.Count(msg, "  - ") != 2 {
		t.Fatalf("stderr = %q", msg)
	}

	out.Reset()
	errOut.Reset()
	env := validEnv("DATABASE_URL", "postgres://kiebot:s3cr3t-pa55@db.internal:5432/kiebot", "KIE_WEBHOOK_HMAC_KEY", "hmac-key-123456789")
	code = runCommand(context.Background(), []string{"config", "check"}, envconfig.MapLookuper(env), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, secret := range []string{testToken, testKey, "s3cr3t-pa55", "hmac-key-123456789"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("summary shows secret %q:\n%s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), "7123...TEST") {
		t.Errorf("summary lacks the masked token:\n%s", out.String())
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runCommand(context.Background(), []string{"frobnicate"}, envconfig.MapLookuper(nil), &out, &errOut); code != exitConfig {
		t.Fatalf("exit %d, want %d", code, exitConfig)
	}
	if !strings.Contains(errOut.String(), "Usage:") {
		t.Fatalf("no usage printed: %q", errOut.String())
	}
}
