package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/kie"
)

// rawOps is the environment of the operator's background work —
// broadcasts, alerts to admins, the Kie balance watch — as go-envconfig
// reads it (rawConfig.Ops).
type rawOps struct {
	BroadcastRate          string `env:"BROADCAST_RATE, default=25"`
	BroadcastProgressEvery string `env:"BROADCAST_PROGRESS_EVERY, default=5s"`
	KieBalanceEvery        string `env:"KIE_BALANCE_EVERY, default=5m"`
	KieBalanceAlertCredits string `env:"KIE_BALANCE_ALERT_CREDITS, default=1000"`
	AlertWindow            string `env:"ALERT_WINDOW, default=1h"`
	AlertModelFailures     string `env:"ALERT_MODEL_FAILURES, default=5/10"`
	AlertLeadership        string `env:"ALERT_LEADERSHIP, default=false"`
}

// OpsConfig configures broadcasts, alerts and the Kie balance watch.
type OpsConfig struct {
	BroadcastRate          float64       // messages per second
	BroadcastProgressEvery time.Duration // between edits of the admin's progress message
	KieBalanceEvery        time.Duration // 0: the balance is never read
	KieBalanceAlert        kie.Credits   // alert below it; 0: never
	AlertWindow            time.Duration // one alert key at most once per window
	ModelFailures          int           // alert when ModelFailures of a model's last ModelJobs fail; 0: off
	ModelJobs              int
	AlertLeadership        bool
}

// parseOps validates raw, adding every problem to problems.
func parseOps(raw rawOps, problems *[]error) OpsConfig {
	bad := func(format string, args ...any) { *problems = append(*problems, fmt.Errorf(format, args...)) }
	var o OpsConfig
	if r, err := strconv.ParseFloat(strings.TrimSpace(raw.BroadcastRate), 64); err != nil || r <= 0 || r > 1000 {
		bad("BROADCAST_RATE %q: want messages per second, above 0 and at most 1000 (Telegram allows a bot about 30)", raw.BroadcastRate)
	} else {
		o.BroadcastRate = r
	}
	o.BroadcastProgressEvery = parseDuration(problems, "BROADCAST_PROGRESS_EVERY", raw.BroadcastProgressEvery)
	o.AlertWindow = parseDuration(problems, "ALERT_WINDOW", raw.AlertWindow)
	if s := strings.TrimSpace(raw.KieBalanceEvery); s != "0" && !strings.EqualFold(s, "off") {
		o.KieBalanceEvery = parseDuration(problems, "KIE_BALANCE_EVERY", s)
		if o.KieBalanceEvery > 0 && o.KieBalanceEvery < 10*time.Second {
			bad("KIE_BALANCE_EVERY %s: at least 10s (Kie rate-limits its API), or 0 to turn the watch off", o.KieBalanceEvery)
		}
	}
	if c, err := kie.ParseCredits(raw.KieBalanceAlertCredits); err != nil || c < 0 {
		bad("KIE_BALANCE_ALERT_CREDITS %q: want a number of Kie credits ≥ 0 (0 turns the alert off)", raw.KieBalanceAlertCredits)
	} else {
		o.KieBalanceAlert = c
	}
	switch s := strings.TrimSpace(raw.AlertModelFailures); {
	case s == "0" || strings.EqualFold(s, "off"):
	default:
		x, n, ok := strings.Cut(s, "/")
		failures, err1 := strconv.Atoi(strings.TrimSpace(x))
		jobs, err2 := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err1 != nil || err2 != nil || failures < 1 || jobs < failures || jobs > 1000 {
			bad("ALERT_MODEL_FAILURES %q: want X/N (alert when X of a model's last N jobs failed, 1 ≤ X ≤ N ≤ 1000), or off", raw.AlertModelFailures)
			break
		}
		o.ModelFailures, o.ModelJobs = failures, jobs
	}
	if b, err := strconv.ParseBool(strings.TrimSpace(raw.AlertLeadership)); err != nil {
		bad("ALERT_LEADERSHIP %q: want true or false", raw.AlertLeadership)
	} else {
		o.AlertLeadership = b
	}
	return o
}

// summary is the start-up log's view of o.
func (o OpsConfig) summary() [][2]string {
	watch, alert, models := "off", "off", "off"
	if o.KieBalanceEvery > 0 {
		watch = "every " + o.KieBalanceEvery.String()
	}
	if o.KieBalanceAlert > 0 {
		alert = "below " + o.KieBalanceAlert.String() + " credits"
	}
	if o.ModelFailures > 0 {
		models = fmt.Sprintf("%d of the last %d jobs failed", o.ModelFailures, o.ModelJobs)
	}
	return [][2]string{
		{"BROADCAST_RATE", strconv.FormatFloat(o.BroadcastRate, 'f', -1, 64) + " messages/s"},
		{"BROADCAST_PROGRESS_EVERY", o.BroadcastProgressEvery.String()},
		{"KIE_BALANCE_EVERY", watch},
		{"KIE_BALANCE_ALERT_CREDITS", alert},
		{"ALERT_WINDOW", o.AlertWindow.String()},
		{"ALERT_MODEL_FAILURES", models},
		{"ALERT_LEADERSHIP", strconv.FormatBool(o.AlertLeadership)},
	}
}
