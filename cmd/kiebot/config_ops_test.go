package main

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
)

func TestOpsConfig(t *testing.T) {
	c, err := load(t, validEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := OpsConfig{BroadcastRate: 25, BroadcastProgressEvery: 5 * time.Second, KieBalanceEvery: 5 * time.Minute,
		KieBalanceAlert: kie.CreditsFromInt(1000), AlertWindow: time.Hour, ModelFailures: 5, ModelJobs: 10}
	if c.Ops != want {
		t.Fatalf("defaults %+v, want %+v", c.Ops, want)
	}
	c, err = load(t, validEnv("BROADCAST_RATE", "12.5", "KIE_BALANCE_EVERY", "off", "KIE_BALANCE_ALERT_CREDITS", "0",
		"ALERT_MODEL_FAILURES", "off", "ALERT_LEADERSHIP", "true", "ALERT_WINDOW", "30m"))
	if err != nil {
		t.Fatal(err)
	}
	want = OpsConfig{BroadcastRate: 12.5, BroadcastProgressEvery: 5 * time.Second, AlertWindow: 30 * time.Minute, AlertLeadership: true}
	if c.Ops != want {
		t.Fatalf("turned off: %+v, want %+v", c.Ops, want)
	}
	if c, _ := load(t, validEnv("KIE_BALANCE_EVERY", "0", "KIE_BALANCE_ALERT_CREDITS", "250.5")); c.Ops.KieBalanceEvery != 0 ||
		c.Ops.KieBalanceAlert != kie.Credits(250_500_000) {
		t.Fatalf("%+v", c.Ops)
	}

	_, err = load(t, validEnv("BROADCAST_RATE", "0", "BROADCAST_PROGRESS_EVERY", "often", "KIE_BALANCE_EVERY", "1s",
		"KIE_BALANCE_ALERT_CREDITS", "-5", "ALERT_WINDOW", "0s", "ALERT_MODEL_FAILURES", "11/10", "ALERT_LEADERSHIP", "maybe"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, name := range []string{"BROADCAST_RATE", "BROADCAST_PROGRESS_EVERY", "KIE_BALANCE_EVERY", "KIE_BALANCE_ALERT_CREDITS",
		"ALERT_WINDOW", "ALERT_MODEL_FAILURES", "ALERT_LEADERSHIP"} {
		if !strings.Contains(msg, name) {
			t.Errorf("no problem reported for %s:\n%s", name, msg)
		}
	}
	if n := len(strings.Split(msg, "\n")); n != 7 {
		t.Errorf("%d problems:\n%s", n, msg)
	}
}
