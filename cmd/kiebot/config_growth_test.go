package main

import (
	"strings"
	"testing"
)

func TestGrowthConfig(t *testing.T) {
	c, err := load(t, validEnv())
	if err != nil {
		t.Fatal(err)
	}
	if g := c.Growth; g.ReferralBonus != 0 || g.ReferralPercent != 0 || g.ReferralDays != 0 || g.PromoMaxFailures != 5 || g.BotUsername != "" {
		t.Fatalf("defaults = %+v", g)
	}
	c, err = load(t, validEnv("REFERRAL_BONUS", "5000", "REFERRAL_PERCENT", "10", "REFERRAL_DAYS", "30", "PROMO_MAX_FAILURES", "3", "BOT_USERNAME", "@kie_shop_bot"))
	if err != nil {
		t.Fatal(err)
	}
	if g := c.Growth; g.ReferralBonus != 5000 || g.ReferralPercent != 10 || g.ReferralDays != 30 || g.PromoMaxFailures != 3 || g.BotUsername != "kie_shop_bot" {
		t.Fatalf("set = %+v", g)
	}
	_, err = load(t, validEnv("REFERRAL_BONUS", "50.5", "REFERRAL_PERCENT", "101", "REFERRAL_DAYS", "-1", "PROMO_MAX_FAILURES", "0", "BOT_USERNAME", "no spaces"))
	if err == nil {
		t.Fatal("bad growth settings accepted")
	}
	for _, name := range []string{"REFERRAL_BONUS", "REFERRAL_PERCENT", "REFERRAL_DAYS", "PROMO_MAX_FAILURES", "BOT_USERNAME"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("no problem reported for %s: %v", name, err)
		}
	}
}
