package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// rawGrowth is the environment of referrals and promo codes as
// go-envconfig reads it (rawConfig.Growth).
type rawGrowth struct {
	ReferralBonus       string `env:"REFERRAL_BONUS, default=0"`
	ReferralPercent     string `env:"REFERRAL_PERCENT, default=0"`
	ReferralDays        string `env:"REFERRAL_DAYS, default=0"`
	PromoMaxFailures    string `env:"PROMO_MAX_FAILURES, default=5"`
	TelegramBotUsername string `env:"BOT_USERNAME"`
}

// GrowthConfig configures referral rewards and promo-code guessing.
type GrowthConfig struct {
	ReferralBonus    int64  // kopecks to the referrer on a referee's first paid top-up; 0: none
	ReferralPercent  int    // percent of each paid top-up to the referrer; 0: none
	ReferralDays     int    // the percentage is paid for this many days after joining; 0: forever
	PromoMaxFailures int    // wrong promo codes a user may send per hour
	BotUsername      string // for invite links; "" asks Telegram (getMe)
}

// maxReferralBonus bounds REFERRAL_BONUS: a million roubles, far above any
// sane reward, so a typo in roubles-vs-kopecks is still caught below it.
const maxReferralBonus = 1_000_000 * 100

var usernamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)

// parseGrowth validates raw, adding every problem to problems.
func parseGrowth(raw rawGrowth, problems *[]error) GrowthConfig {
	bad := func(format string, args ...any) { *problems = append(*problems, fmt.Errorf(format, args...)) }
	var g GrowthConfig
	if v, err := strconv.ParseInt(strings.TrimSpace(raw.ReferralBonus), 10, 64); err != nil || v < 0 || v > maxReferralBonus {
		bad("REFERRAL_BONUS %q: want kopecks, 0 to %d (0: no bonus)", raw.ReferralBonus, int64(maxReferralBonus))
	} else {
		g.ReferralBonus = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(raw.ReferralPercent)); err != nil || v < 0 || v > 100 {
		bad("REFERRAL_PERCENT %q: want a whole percent, 0 to 100 (0: no share)", raw.ReferralPercent)
	} else {
		g.ReferralPercent = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(raw.ReferralDays)); err != nil || v < 0 || v > 3650 {
		bad("REFERRAL_DAYS %q: want days, 0 to 3650 (0: forever)", raw.ReferralDays)
	} else {
		g.ReferralDays = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(raw.PromoMaxFailures)); err != nil || v < 1 || v > 1000 {
		bad("PROMO_MAX_FAILURES %q: want wrong promo codes per user per hour, 1 to 1000", raw.PromoMaxFailures)
	} else {
		g.PromoMaxFailures = v
	}
	g.BotUsername = strings.TrimPrefix(strings.TrimSpace(raw.TelegramBotUsername), "@")
	if g.BotUsername != "" && !usernamePattern.MatchString(g.BotUsername) {
		bad("BOT_USERNAME %q: want the bot's @username (5 to 32 of A-Z a-z 0-9 _), or unset to ask Telegram", raw.TelegramBotUsername)
	}
	return g
}

// summary is the start-up log's view of g.
func (g GrowthConfig) summary() [][2]string {
	days := "forever"
	if g.ReferralDays > 0 {
		days = strconv.Itoa(g.ReferralDays) + " days"
	}
	name := g.BotUsername
	if name == "" {
		name = "(unset: asked of Telegram)"
	}
	return [][2]string{
		{"REFERRAL_BONUS", pricing.FormatRUB(g.ReferralBonus)},
		{"REFERRAL_PERCENT", strconv.Itoa(g.ReferralPercent) + "%"},
		{"REFERRAL_DAYS", days},
		{"PROMO_MAX_FAILURES", strconv.Itoa(g.PromoMaxFailures) + " per hour"},
		{"BOT_USERNAME", name},
	}
}
