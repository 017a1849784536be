package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/kiebot/kiebot/actors/logging"
	"github.com/kiebot/kiebot/store"
)

// rawConfig is the environment as go-envconfig reads it: strings with their
// defaults. Typed parsing happens in parseConfig, which reports every
// problem at once (envconfig stops at the first one, and treats a variable
// set to "" as present).
type rawConfig struct {
	TelegramBotToken  string `env:"TELEGRAM_BOT_TOKEN"`
	KieAPIKey         string `env:"KIE_API_KEY"`
	DatabaseURL       string `env:"DATABASE_URL"`
	DataDir           string `env:"DATA_DIR, default=./var"`
	AdminID           string `env:"ADMIN_ID"`
	AdminIDs          string `env:"ADMIN_IDS"`
	InstanceName      string `env:"INSTANCE_NAME"`
	RenderInstanceID  string `env:"RENDER_INSTANCE_ID"`
	BotMode           string `env:"BOT_MODE, default=polling"`
	WebhookBaseURL    string `env:"WEBHOOK_BASE_URL"`
	RenderExternalURL string `env:"RENDER_EXTERNAL_URL"`
	WebhookSecret     string `env:"TELEGRAM_WEBHOOK_SECRET"`
	Port              string `env:"PORT, default=10000"`
	LockTTL           string `env:"LOCK_TTL, default=60s"`
	HeartbeatInterval string `env:"HEARTBEAT_INTERVAL, default=20s"`
	ShutdownTimeout   string `env:"SHUTDOWN_TIMEOUT, default=25s"`
	PricingMarkup     string `env:"PRICING_MARKUP, default=2.0"`
	USDRUBRate        string `env:"USD_RUB_RATE"`
	KieCreditUSD      string `env:"KIE_CREDIT_USD, default=0.005"`
	FreeTierCount     string `env:"FREE_TIER_COUNT, default=5"`
	FreeDailyLimit    string `env:"FREE_DAILY_LIMIT, default=5"`
	WelcomeBalance    string `env:"WELCOME_BALANCE, default=0"`
	StarsPackages     string `env:"STARS_PACKAGES, default=50,100,250,500,1000"`
	StarsRUBRate      string `env:"STARS_RUB_RATE"`
	JobTimeoutImage   string `env:"JOB_TIMEOUT_IMAGE, default=5m"`
	JobTimeoutAudio   string `env:"JOB_TIMEOUT_AUDIO, default=10m"`
	JobTimeoutVideo   string `env:"JOB_TIMEOUT_VIDEO, default=20m"`
	LogLevel          string `env:"LOG_LEVEL, default=info"`
	LogFormat         string `env:"LOG_FORMAT, default=json"`
	TelegramAPIURL    string `env:"TELEGRAM_API_URL, default=https://api.telegram.org"`
	KieBaseURL        string `env:"KIE_BASE_URL, default=https://api.kie.ai"`
	KieUploadURL      string `env:"KIE_UPLOAD_URL, default=https://kieai.redpandaai.co"`
	KieWebhookHMACKey string `env:"KIE_WEBHOOK_HMAC_KEY"`
	SupportContact    string `env:"SUPPORT_CONTACT"`

	RetentionInbox         string `env:"RETENTION_INBOX, default=168h"`
	RetentionInvoices      string `env:"RETENTION_INVOICES, default=48h"`
	RetentionConversations string `env:"RETENTION_CONVERSATIONS, default=2160h"`
	RetentionOutbox        string `env:"RETENTION_OUTBOX, default=24h"`
	RetentionBatch         string `env:"RETENTION_BATCH, default=1000"`
	RetentionEvery         string `env:"RETENTION_EVERY, default=1h"`

	Ops       rawOps       // config_ops.go
	Payments  rawPayments  // config_payments.go
	Catalogue rawCatalogue // config_catalogue.go
	Growth    rawGrowth    // config_growth.go
}

// Config is kiebot's validated configuration. Only main reads the
// environment; everything else receives the pieces it needs.
type Config struct {
	TelegramToken string
	BotID         int64 // the token's numeric prefix; scopes every table
	KieAPIKey     string

	DatabaseURL string // empty: start the embedded PostgreSQL under DataDir
	DataDir     string

	AdminIDs     []int64
	InstanceName string

	BotMode              string // "polling" or "webhook"
	PublicBaseURL        string // WEBHOOK_BASE_URL, else RENDER_EXTERNAL_URL; used for the webhook and Kie callbacks
	WebhookSecret        string
	WebhookSecretDerived bool // true when derived from the token (no TELEGRAM_WEBHOOK_SECRET)

	Port              int
	LockTTL           time.Duration
	HeartbeatInterval time.Duration
	ShutdownTimeout   time.Duration

	PricingMarkup string // exact decimal, e.g. "2.0"
	USDRUBRate    string // exact decimal; empty: nothing is sold
	KieCreditUSD  string // exact decimal

	FreeTierCount  int
	FreeDailyLimit int
	WelcomeBalance int64 // kopecks
	StarsPackages  []int64
	StarsRUBRate   int64 // kopecks per Star; 0: top-ups are not offered

	JobTimeoutImage time.Duration
	JobTimeoutAudio time.Duration
	JobTimeoutVideo time.Duration

	LogLevel  string
	LogFormat string

	TelegramAPIURL    string
	KieBaseURL        string
	KieUploadURL      string
	KieWebhookHMACKey string
	SupportContact    string // shown by /paysupport, e.g. "@shop_help"

	// Retention is what the leader purges, and RetentionEvery how often it
	// runs store.Store.Retain (0: never). A zero age keeps that kind of row
	// forever. Defaults: RETENTION_INBOX 168h (processed updates),
	// RETENTION_INVOICES 48h (unpaid invoices, marked expired),
	// RETENTION_CONVERSATIONS 2160h (90 days idle), RETENTION_OUTBOX 24h
	// (calls never sent), RETENTION_BATCH 1000 rows, RETENTION_EVERY 1h.
	Retention      store.Retention
	RetentionEvery time.Duration

	Ops       OpsConfig       // broadcasts, alerts, the Kie balance watch (config_ops.go)
	Payments  PaymentsConfig  // manual card/SBP top-ups (config_payments.go)
	Catalogue CatalogueConfig // cost reconciliation, the catalogue sync (config_catalogue.go)
	Growth    GrowthConfig    // referrals and promo codes (config_growth.go)
}

var (
	tokenPattern          = regexp.MustCompile(`^([0-9]{1,20}):[A-Za-z0-9_-]{20,}$`)
	webhookSecretAlphabet = regexp.MustCompile(`^[A-Za-z0-9_-]*$`) // Telegram's rule for secret_token
)

// minWebhookSecret is the shortest TELEGRAM_WEBHOOK_SECRET accepted: the
// secret is the webhook's only authentication and the Kie callback key is
// derived from it, so it must not be guessable. Telegram allows 1-256.
const minWebhookSecret = 32

// loadConfig reads the environment through lookup and validates it. The
// error lists every problem, one per line.
func loadConfig(ctx context.Context, lookup envconfig.Lookuper, hostname func() (string, error)) (Config, error) {
	var raw rawConfig
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &raw, Lookuper: lookup}); err != nil {
		return Config{}, fmt.Errorf("read environment: %w", err)
	}
	return parseConfig(raw, hostname)
}

func parseConfig(raw rawConfig, hostname func() (string, error)) (Config, error) {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	c := Config{
		TelegramToken:     strings.TrimSpace(raw.TelegramBotToken),
		KieAPIKey:         strings.TrimSpace(raw.KieAPIKey),
		DatabaseURL:       strings.TrimSpace(raw.DatabaseURL),
		DataDir:           raw.DataDir,
		BotMode:           strings.ToLower(strings.TrimSpace(raw.BotMode)),
		WebhookSecret:     strings.TrimSpace(raw.WebhookSecret),
		PricingMarkup:     strings.TrimSpace(raw.PricingMarkup),
		USDRUBRate:        strings.TrimSpace(raw.USDRUBRate),
		KieCreditUSD:      strings.TrimSpace(raw.KieCreditUSD),
		LogLevel:          raw.LogLevel,
		LogFormat:         strings.ToLower(strings.TrimSpace(raw.LogFormat)),
		TelegramAPIURL:    strings.TrimRight(strings.TrimSpace(raw.TelegramAPIURL), "/"),
		KieBaseURL:        strings.TrimRight(strings.TrimSpace(raw.KieBaseURL), "/"),
		KieUploadURL:      strings.TrimRight(strings.TrimSpace(raw.KieUploadURL), "/"),
		KieWebhookHMACKey: strings.TrimSpace(raw.KieWebhookHMACKey),
		SupportContact:    strings.TrimSpace(raw.SupportContact),
	}

	switch {
	case c.TelegramToken == "":
		bad("TELEGRAM_BOT_TOKEN is required (the token from @BotFather, like 123456:ABC...)")
	default:
		m := tokenPattern.FindStringSubmatch(c.TelegramToken)
		if m == nil {
			bad("TELEGRAM_BOT_TOKEN %s does not look like a bot token (<digits>:<secret>)", logging.Mask(c.TelegramToken))
		} else if id, err := strconv.ParseInt(m[1], 10, 64); err != nil || id <= 0 {
			bad("TELEGRAM_BOT_TOKEN %s has no valid numeric bot id", logging.Mask(c.TelegramToken))
		} else {
			c.BotID = id
		}
	}
	if c.KieAPIKey == "" {
		bad("KIE_API_KEY is required (the key from https://kie.ai/api-key)")
	}

	admins, err := parseIDList(raw.AdminID + "," + raw.AdminIDs)
	if err != nil {
		bad("ADMIN_ID/ADMIN_IDS: %v", err)
	}
	c.AdminIDs = admins

	c.InstanceName = strings.TrimSpace(raw.InstanceName)
	if c.InstanceName == "" {
		c.InstanceName = strings.TrimSpace(raw.RenderInstanceID)
	}
	if c.InstanceName == "" && hostname != nil {
		if h, err := hostname(); err == nil {
			c.InstanceName = h
		}
	}
	if c.InstanceName == "" {
		c.InstanceName = "kiebot"
	}

	base := strings.TrimRight(strings.TrimSpace(raw.WebhookBaseURL), "/")
	if base == "" {
		base = strings.TrimRight(strings.TrimSpace(raw.RenderExternalURL), "/")
	}
	if base != "" {
		if err := checkURL(base); err != nil {
			bad("WEBHOOK_BASE_URL/RENDER_EXTERNAL_URL: %v", err)
		}
	}
	c.PublicBaseURL = base
	switch c.BotMode {
	case "polling":
	case "webhook":
		if base == "" {
			bad("BOT_MODE=webhook needs WEBHOOK_BASE_URL (or RENDER_EXTERNAL_URL, which Render sets) for Telegram to call")
		}
	default:
		bad("BOT_MODE %q: want polling or webhook", raw.BotMode)
	}
	if c.WebhookSecret == "" {
		if c.TelegramToken != "" {
			c.WebhookSecret = deriveWebhookSecret(c.TelegramToken)
			c.WebhookSecretDerived = true
		}
	} else if err := checkWebhookSecret(c.WebhookSecret); err != nil {
		bad("TELEGRAM_WEBHOOK_SECRET: %v", err)
	}

	if p, err := strconv.Atoi(strings.TrimSpace(raw.Port)); err != nil || p < 0 || p > 65535 {
		bad("PORT %q: want a TCP port 1-65535 (0 picks a free one)", raw.Port)
	} else {
		c.Port = p
	}

	c.LockTTL = parseDuration(&problems, "LOCK_TTL", raw.LockTTL)
	c.HeartbeatInterval = parseDuration(&problems, "HEARTBEAT_INTERVAL", raw.HeartbeatInterval)
	c.ShutdownTimeout = parseDuration(&problems, "SHUTDOWN_TIMEOUT", raw.ShutdownTimeout)
	c.JobTimeoutImage = parseDuration(&problems, "JOB_TIMEOUT_IMAGE", raw.JobTimeoutImage)
	c.JobTimeoutAudio = parseDuration(&problems, "JOB_TIMEOUT_AUDIO", raw.JobTimeoutAudio)
	c.JobTimeoutVideo = parseDuration(&problems, "JOB_TIMEOUT_VIDEO", raw.JobTimeoutVideo)
	if c.LockTTL > 0 && c.HeartbeatInterval > 0 && 2*c.HeartbeatInterval > c.LockTTL {
		bad("HEARTBEAT_INTERVAL (%s) must be at most half of LOCK_TTL (%s), so one missed heartbeat does not lose the lease", c.HeartbeatInterval, c.LockTTL)
	}
	// A stopping leader may have renewed its lease last a heartbeat ago;
	// its graceful stop must end before that lease can lapse, or a standby
	// takes over while the old leader is still finishing its work.
	if c.LockTTL > 0 && c.HeartbeatInterval > 0 && c.ShutdownTimeout > 0 && c.ShutdownTimeout >= c.LockTTL-c.HeartbeatInterval {
		bad("SHUTDOWN_TIMEOUT (%s) must be below LOCK_TTL - HEARTBEAT_INTERVAL (%s - %s = %s), so a stopping leader finishes before its lease can lapse: lower SHUTDOWN_TIMEOUT or raise LOCK_TTL",
			c.ShutdownTimeout, c.LockTTL, c.HeartbeatInterval, c.LockTTL-c.HeartbeatInterval)
	}

	if r, ok := parseDecimal(&problems, "PRICING_MARKUP", c.PricingMarkup); ok && r.Cmp(big.NewRat(1, 1)) < 0 {
		bad("PRICING_MARKUP %s is below 1: every generation would be sold at a loss", c.PricingMarkup)
	}
	parseDecimal(&problems, "KIE_CREDIT_USD", c.KieCreditUSD)
	if c.USDRUBRate != "" {
		parseDecimal(&problems, "USD_RUB_RATE", c.USDRUBRate)
	}

	c.FreeTierCount = parseCount(&problems, "FREE_TIER_COUNT", raw.FreeTierCount)
	c.FreeDailyLimit = parseCount(&problems, "FREE_DAILY_LIMIT", raw.FreeDailyLimit)
	c.WelcomeBalance = int64(parseCount(&problems, "WELCOME_BALANCE", raw.WelcomeBalance))
	if s := strings.TrimSpace(raw.StarsRUBRate); s != "" {
		c.StarsRUBRate = int64(parseCount(&problems, "STARS_RUB_RATE", s))
		if c.StarsRUBRate == 0 {
			bad("STARS_RUB_RATE must be a positive number of kopecks per Star (leave it unset to offer no top-ups)")
		}
	}
	pk, err := parseIDList(raw.StarsPackages)
	switch {
	case err != nil:
		bad("STARS_PACKAGES: %v", err)
	case len(pk) == 0:
		bad("STARS_PACKAGES is empty: list the Star amounts to offer, like 50,100,250")
	default:
		for _, n := range pk {
			if n < 1 || n > 10000 {
				bad("STARS_PACKAGES: %d Stars is outside Telegram's 1-10000 range", n)
			}
		}
	}
	c.StarsPackages = pk
	c.Ops = parseOps(raw.Ops, &problems)
	c.Payments = parsePayments(raw.Payments, &problems)
	c.Payments.checkSubscriptionRate(c.StarsRUBRate, &problems)
	c.Catalogue = parseCatalogue(raw.Catalogue, &problems)
	c.Growth = parseGrowth(raw.Growth, &problems)

	c.Retention = store.Retention{
		Inbox:         parseRetention(&problems, "RETENTION_INBOX", raw.RetentionInbox),
		Invoices:      parseRetention(&problems, "RETENTION_INVOICES", raw.RetentionInvoices),
		Conversations: parseRetention(&problems, "RETENTION_CONVERSATIONS", raw.RetentionConversations),
		Outbox:        parseRetention(&problems, "RETENTION_OUTBOX", raw.RetentionOutbox),
	}
	if c.Retention.Inbox > 0 && c.Retention.Inbox < minInboxRetention {
		bad("RETENTION_INBOX (%s) must be at least %s (or 0 to keep updates forever): the processed updates are what recognises one Telegram delivers again, for up to a day",
			c.Retention.Inbox, minInboxRetention)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(raw.RetentionBatch)); err != nil || n < 1 || n > 100000 {
		bad("RETENTION_BATCH %q: want a number of rows per statement, 1-100000", raw.RetentionBatch)
	} else {
		c.Retention.Batch = n
	}
	c.RetentionEvery = parseRetention(&problems, "RETENTION_EVERY", raw.RetentionEvery)
	if c.Payments.ManualOn() {
		c.Retention.Manual = c.Payments.ManualValidFor // requests without a receipt expire on the retention pass
	}

	if _, err := logging.ParseLevel(c.LogLevel); err != nil {
		bad("LOG_LEVEL: %v", err)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("LOG_FORMAT %q: want json or text", raw.LogFormat)
	}
	for _, u := range []struct{ name, value string }{
		{"TELEGRAM_API_URL", c.TelegramAPIURL}, {"KIE_BASE_URL", c.KieBaseURL}, {"KIE_UPLOAD_URL", c.KieUploadURL},
	} {
		if err := checkURL(u.value); err != nil {
			bad("%s: %v", u.name, err)
		}
	}
	return c, errors.Join(problems...)
}

// checkWebhookSecret applies Telegram's rule (1-256 of A-Z, a-z, 0-9, _
// and -) and ours (at least minWebhookSecret characters), naming every rule
// the secret breaks but never the secret.
func checkWebhookSecret(secret string) error {
	var broken []string
	switch n := len(secret); {
	case n < minWebhookSecret:
		broken = append(broken, fmt.Sprintf("%d characters, want at least %d", n, minWebhookSecret))
	case n > 256:
		broken = append(broken, fmt.Sprintf("%d characters, want at most 256 (Telegram's limit)", n))
	}
	if !webhookSecretAlphabet.MatchString(secret) {
		broken = append(broken, "want only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
	}
	if len(broken) == 0 {
		return nil
	}
	return fmt.Errorf("%s; it is the webhook's only authentication and the Kie callbacks' key derives from it: "+
		"use a random one (openssl rand -hex 32), or unset it to derive one from the token", strings.Join(broken, "; "))
}

// deriveWebhookSecret gives every instance of one bot the same secret
// without configuration, and reveals nothing about the token: HMAC-SHA256
// keyed by the token, 64 hex characters.
func deriveWebhookSecret(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("kiebot telegram webhook secret v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// parseIDList parses a comma-separated list of integers, tolerating spaces
// and empty elements (a trailing comma), and names every bad value.
func parseIDList(s string) ([]int64, error) {
	var ids []int64
	var bad []string
	seen := map[int64]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			bad = append(bad, strconv.Quote(part))
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("not a positive numeric id: %s", strings.Join(bad, ", "))
	}
	return ids, nil
}

func parseDuration(problems *[]error, name, v string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		*problems = append(*problems, fmt.Errorf("%s %q: want a positive duration like 30s or 5m", name, v))
		return 0
	}
	return d
}

// minInboxRetention is the shortest RETENTION_INBOX accepted: Telegram
// redelivers an update it thinks undelivered for up to 24 hours, and the
// inbox rows are the set such a redelivery is recognised against; twice
// that leaves a margin for a bot that was down meanwhile.
const minInboxRetention = 48 * time.Hour

// parseRetention parses an age like 168h; "0" turns that purge off.
func parseRetention(problems *[]error, name, v string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < 0 {
		*problems = append(*problems, fmt.Errorf("%s %q: want a duration like 168h or 30m, or 0 to turn it off", name, v))
		return 0
	}
	return d
}

func parseDecimal(problems *[]error, name, v string) (*big.Rat, bool) {
	r, ok := new(big.Rat).SetString(v)
	if !ok || r.Sign() <= 0 || strings.ContainsAny(v, "/eE") {
		*problems = append(*problems, fmt.Errorf("%s %q: want a positive decimal number like 92.5", name, v))
		return nil, false
	}
	return r, true
}

func parseCount(problems *[]error, name, v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		*problems = append(*problems, fmt.Errorf("%s %q: want a whole number ≥ 0", name, v))
		return 0
	}
	return n
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// secrets lists the values the log redactor must never let through.
func (c Config) secrets() []string {
	s := []string{c.TelegramToken, c.KieAPIKey, c.WebhookSecret, c.KieWebhookHMACKey}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				s = append(s, p)
			}
		}
		for _, kv := range strings.Fields(c.DatabaseURL) { // key=value DSN form
			if v, ok := strings.CutPrefix(kv, "password="); ok {
				s = append(s, strings.Trim(v, `'`))
			}
		}
	}
	return s
}

// summary is the configuration as the start-up log and `config check`
// print it: every secret masked.
func (c Config) summary() [][2]string {
	dsn := "embedded PostgreSQL in " + c.DataDir
	if c.DatabaseURL != "" {
		dsn = redactDSN(c.DatabaseURL)
	}
	secretSource := "TELEGRAM_WEBHOOK_SECRET"
	if c.WebhookSecretDerived {
		secretSource = "derived from the token"
	}
	usdrub := c.USDRUBRate
	if usdrub == "" {
		usdrub = "(unset: nothing is sold until it is set)"
	}
	stars := "(unset: Stars top-ups are not offered)"
	if c.StarsRUBRate > 0 {
		stars = fmt.Sprintf("%d kopecks per Star", c.StarsRUBRate)
	}
	hmacKey := "(unset: Kie callbacks are re-read from Kie, unsigned)"
	if c.KieWebhookHMACKey != "" {
		hmacKey = logging.Mask(c.KieWebhookHMACKey)
	}
	return append([][2]string{
		{"TELEGRAM_BOT_TOKEN", logging.Mask(c.TelegramToken)},
		{"bot id", strconv.FormatInt(c.BotID, 10)},
		{"KIE_API_KEY", logging.Mask(c.KieAPIKey)},
		{"DATABASE_URL", dsn},
		{"ADMIN_IDS", fmt.Sprint(c.AdminIDs)},
		{"INSTANCE_NAME", c.InstanceName},
		{"BOT_MODE", c.BotMode},
		{"public base URL", c.PublicBaseURL},
		{"webhook secret", logging.Mask(c.WebhookSecret) + " (" + secretSource + ")"},
		{"PORT", strconv.Itoa(c.Port)},
		{"LOCK_TTL", c.LockTTL.String()},
		{"HEARTBEAT_INTERVAL", c.HeartbeatInterval.String()},
		{"SHUTDOWN_TIMEOUT", c.ShutdownTimeout.String()},
		{"PRICING_MARKUP", c.PricingMarkup},
		{"USD_RUB_RATE", usdrub},
		{"KIE_CREDIT_USD", c.KieCreditUSD},
		{"FREE_TIER_COUNT", strconv.Itoa(c.FreeTierCount)},
		{"FREE_DAILY_LIMIT", strconv.Itoa(c.FreeDailyLimit)},
		{"WELCOME_BALANCE", fmt.Sprintf("%d kopecks", c.WelcomeBalance)},
		{"STARS_PACKAGES", fmt.Sprint(c.StarsPackages)},
		{"STARS_RUB_RATE", stars},
		{"job timeouts", fmt.Sprintf("image %s, audio %s, video %s", c.JobTimeoutImage, c.JobTimeoutAudio, c.JobTimeoutVideo)},
		{"LOG_LEVEL/LOG_FORMAT", c.LogLevel + "/" + c.LogFormat},
		{"TELEGRAM_API_URL", c.TelegramAPIURL},
		{"KIE_BASE_URL", c.KieBaseURL},
		{"KIE_UPLOAD_URL", c.KieUploadURL},
		{"KIE_WEBHOOK_HMAC_KEY", hmacKey},
		{"SUPPORT_CONTACT", cmpOrString(c.SupportContact, "(unset: /paysupport asks users to write in the chat)")},
		{"retention", c.retentionSummary()},
	}, append(append(c.Ops.summary(), c.Payments.summary()...), append(c.Catalogue.summary(), c.Growth.summary()...)...)...)
}

func (c Config) retentionSummary() string {
	if c.RetentionEvery == 0 {
		return "off (RETENTION_EVERY=0): nothing is purged"
	}
	age := func(d time.Duration) string {
		if d == 0 {
			return "kept forever"
		}
		return d.String()
	}
	r := c.Retention
	return fmt.Sprintf("every %s, %d rows a batch: processed updates %s, unpaid invoices expire after %s, idle conversations %s, unsent calls %s",
		c.RetentionEvery, r.Batch, age(r.Inbox), age(r.Invoices), age(r.Conversations), age(r.Outbox))
}

// redactDSN hides the password of a postgres URL or key=value DSN.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "***")
			}
		}
		return u.Redacted()
	}
	fields := strings.Fields(dsn)
	for i, kv := range fields {
		if strings.HasPrefix(kv, "password=") {
			fields[i] = "password=***"
		}
	}
	return strings.Join(fields, " ")
}
