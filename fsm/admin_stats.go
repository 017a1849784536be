package fsm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// The console's statistics screen.

// credits renders micro-credits as Kie does: "15.5".
func credits(micro int64) string { return pricing.Credits(micro).String() }

// whenFull renders a moment with seconds, Moscow time; "—" for none.
func whenFull(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(moscow()).Format("02.01.2006 15:04:05")
}

// signedRUB renders kopecks with an explicit sign.
func signedRUB(k int64) string {
	if k > 0 {
		return "+" + pricing.FormatRUB(k)
	}
	return pricing.FormatRUB(k)
}

// adminStats shows the business of one period.
func (t *turn) adminStats(period string) error {
	if !slices.Contains(statsPeriods, period) {
		period = statsPeriods[0]
	}
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	v, err := facts.Stats(period)
	if err != nil {
		return fmt.Errorf("read statistics: %w", err)
	}
	if !t.fire(EventAdminStats) {
		return t.stale()
	}
	t.adm().Period = period
	t.rotate()
	l := t.lang
	var b strings.Builder
	b.WriteString(T(l, KeyStatsTitle, T(l, periodKey(period)), when(v.From)) + "\n\n")
	b.WriteString(T(l, KeyStatsUsers, v.NewUsers, v.ActiveUsers, v.PayingUsers) + "\n")
	if len(v.TopUps) == 0 {
		b.WriteString(T(l, KeyStatsTopUpsNone) + "\n")
	}
	for _, m := range v.TopUps {
		b.WriteString(T(l, KeyStatsTopUp, Escape(methodLabel(l, m.Method)), m.N, pricing.FormatRUB(m.Kopecks)) + "\n")
	}
	b.WriteString(T(l, KeyStatsRevenue, pricing.FormatRUB(v.Revenue.Kopecks), v.Revenue.N) + "\n")
	total := v.KiePaidMicro + v.KieFreeMicro + v.KieFailedMicro
	if v.Rates {
		b.WriteString(T(l, KeyStatsKie, credits(total), pricing.FormatRUB(v.KieKopecks), credits(v.KiePaidMicro), credits(v.KieFreeMicro), credits(v.KieFailedMicro)) + "\n")
		b.WriteString(T(l, KeyStatsMargin, signedRUB(v.MarginKopecks)) + "\n")
	} else {
		b.WriteString(T(l, KeyStatsKieNoRate, credits(total)) + "\n")
	}
	b.WriteString(T(l, KeyStatsRefunds, v.TopUpRefunds.N, pricing.FormatRUB(v.TopUpRefunds.Kopecks), v.JobRefunds.N, pricing.FormatRUB(v.JobRefunds.Kopecks)) + "\n")
	if v.Adjustments.N > 0 {
		b.WriteString(T(l, KeyStatsAdjustments, v.Adjustments.N, signedRUB(v.Adjustments.Kopecks)) + "\n")
	}
	var jobs []string
	for _, s := range []string{"succeeded", "failed", "expired", "running", "submitting", "queued", "unknown"} {
		if n := v.Jobs[s]; n > 0 {
			jobs = append(jobs, adminJobState(l, s)+" "+strconv.Itoa(n))
		}
	}
	if len(jobs) == 0 {
		jobs = []string{"0"}
	}
	b.WriteString(T(l, KeyStatsJobs, strings.Join(jobs, " · ")) + "\n")
	if len(v.Sources) > 0 {
		b.WriteString("\n" + T(l, KeyStatsSources))
		for i, s := range v.Sources {
			if i == maxStatsSources {
				b.WriteString("\n…")
				break
			}
			b.WriteString("\n" + T(l, KeyAdminSourcesLine, Escape(s.Source), s.Users, s.Payers, pricing.FormatRUB(s.Revenue)))
		}
		b.WriteString("\n")
	}
	if len(v.Models) > 0 {
		b.WriteString("\n" + T(l, KeyStatsModels))
		for _, m := range v.Models {
			rate := 0
			if m.Finished > 0 {
				rate = m.Succeeded * 100 / m.Finished
			}
			line := "\n• " + Escape(cutRunes(t.modelName(m.ModelID), 40)) + " — " + T(l, KeyStatsModelLine, m.Finished, rate)
			for _, f := range m.Failures {
				line += " · " + Escape(cutRunes(f.Reason, 40)) + " ×" + strconv.Itoa(f.N)
			}
			if m.BilledMicro > 0 {
				mark := ""
				if m.BilledMicro > m.QuotedMicro {
					mark = " ⚠️"
				}
				line += "\n  " + T(l, KeyStatsQuotedBilled, credits(m.QuotedMicro), credits(m.BilledMicro)) + mark
			}
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	switch {
	case !v.KieOK:
		b.WriteString(T(l, KeyStatsKieUnknown))
	case v.DaysLeft < 0:
		b.WriteString(T(l, KeyStatsKieBalance, credits(v.KieBalanceMicro), when(v.KieAt)) + " " + T(l, KeyStatsNoSpend))
	default:
		b.WriteString(T(l, KeyStatsKieBalance, credits(v.KieBalanceMicro), when(v.KieAt)) + " " + T(l, KeyStatsDaysLeft, int64(v.DaysLeft)))
	}
	var row []Button
	for i, p := range statsPeriods {
		label := T(l, periodKey(p))
		if p == period {
			label = "• " + label
		}
		row = append(row, t.b(label, aPer, strconv.Itoa(i)))
	}
	t.show(Screen{Text: b.String(), Buttons: [][]Button{row, {t.b(T(l, KeyBtnAdmin), aAdm, "")}}})
	return nil
}

func periodKey(p string) Key {
	switch p {
	case "7d":
		return KeyPeriodWeek
	case "30d":
		return KeyPeriodMonth
	}
	return KeyPeriodToday
}

func methodLabel(l Lang, m string) string {
	switch m {
	case "stars":
		return T(l, KeyMethodStars)
	case "manual":
		return T(l, KeyMethodManual)
	case "subscription":
		return T(l, KeyMethodSubscription)
	}
	return m
}

// adminJobState names a job state for an admin (who sees every state).
func adminJobState(l Lang, s string) string {
	switch s {
	case "submitting":
		return T(l, KeyJobSubmitting)
	case "unknown":
		return T(l, KeyJobUnknown)
	}
	return jobState(l, s)
}
