package fsm

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// The console's read-only screens: statistics, user and order cards, the
// models, the audit log, and the lookups that lead to the cards.

var errNoAdminFacts = errors.New("fsm: env has no admin facts")

const (
	auditPage   = 8  // audit lines a page
	cardJobBtns = 5  // order buttons on a user card
	resultLinks = 5  // result links on an order card
	inputLines  = 12 // inputs listed on an order card
)

func (t *turn) adminFacts() (AdminFacts, error) {
	if t.env.Admin == nil {
		return nil, errNoAdminFacts
	}
	return t.env.Admin, nil
}

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

// who renders a user for a screen: name, @username and id, escaped.
func who(name, username string, id int64) string {
	s := "<b>" + Escape(cutRunes(strings.TrimSpace(name), 64)) + "</b>"
	if strings.TrimSpace(name) == "" {
		s = "—"
	}
	if username != "" {
		s += " @" + Escape(cutRunes(username, 40))
	}
	return s + " · id <code>" + strconv.FormatInt(id, 10) + "</code>"
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
	if m == "stars" {
		return T(l, KeyMethodStars)
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

var (
	userIDRe   = regexp.MustCompile(`^(?:id\s*)?([0-9]{1,15})$`)
	usernameRe = regexp.MustCompile(`^@?([A-Za-z][A-Za-z0-9_]{3,31})$`)
	orderRe    = regexp.MustCompile(`^[#№]?\s*([0-9]{1,15})$`)
)

// findUser looks a user up by Telegram id or @username.
func (t *turn) findUser(q string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	q = strings.TrimSpace(q)
	var (
		v     UserView
		found bool
	)
	switch {
	case userIDRe.MatchString(strings.ToLower(q)):
		id, perr := strconv.ParseInt(userIDRe.FindStringSubmatch(strings.ToLower(q))[1], 10, 64)
		if perr != nil || id <= 0 {
			return t.prompt(askUser, "⚠️ "+T(t.lang, KeyAdminBadUserQuery))
		}
		v, found, err = facts.User(id)
	case usernameRe.MatchString(q):
		v, found, err = facts.UserByUsername(usernameRe.FindStringSubmatch(q)[1])
	default:
		return t.prompt(askUser, "⚠️ "+T(t.lang, KeyAdminBadUserQuery))
	}
	if err != nil {
		return fmt.Errorf("look up user: %w", err)
	}
	if !found {
		return t.prompt(askUser, "⚠️ "+T(t.lang, KeyAdminNoUser, Escape(cutRunes(q, 40))))
	}
	t.adm().User = v.ID
	return t.userCardOf(v, "")
}

// adminForward looks up the sender of a forwarded message.
func (t *turn) adminForward(f *Forward) error {
	switch f.Kind {
	case "user":
		if f.UserID <= 0 {
			return t.prompt(askUser, "⚠️ "+T(t.lang, KeyAdminForwardNotUser))
		}
		return t.findUser(strconv.FormatInt(f.UserID, 10))
	case "hidden_user":
		return t.prompt(askUser, "ℹ️ "+T(t.lang, KeyAdminHiddenUser, Escape(cutRunes(strings.TrimSpace(f.Name), 64))))
	}
	return t.prompt(askUser, "⚠️ "+T(t.lang, KeyAdminForwardNotUser))
}

// findOrder looks an order up by the number its user sees.
func (t *turn) findOrder(q string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	m := orderRe.FindStringSubmatch(strings.TrimSpace(q))
	var id int64
	if m != nil {
		id, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if id <= 0 {
		return t.prompt(askOrder, "⚠️ "+T(t.lang, KeyAdminBadOrder))
	}
	v, found, err := facts.Job(id)
	if err != nil {
		return fmt.Errorf("look up order %d: %w", id, err)
	}
	if !found {
		return t.prompt(askOrder, "⚠️ "+T(t.lang, KeyAdminNoOrder, id))
	}
	a := t.adm()
	a.Job, a.User = v.ID, v.UserID
	return t.orderCardOf(v, "")
}

// userCard shows the card of the session's user, read afresh.
func (t *turn) userCard(note string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	a := t.adm()
	v, found, err := facts.User(a.User)
	if err != nil {
		return fmt.Errorf("read user %d: %w", a.User, err)
	}
	if !found {
		id := a.User
		a.User = 0
		return t.prompt(askUser, "⚠️ "+T(t.lang, KeyAdminNoUser, strconv.FormatInt(id, 10)))
	}
	return t.userCardOf(v, note)
}

func (t *turn) userCardOf(v UserView, note string) error {
	if !t.fire(EventAdminUser) {
		return t.stale()
	}
	a := t.adm()
	a.User, a.Ask, a.Act = v.ID, "", nil
	t.rotate()
	l := t.lang
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	b.WriteString("👤 " + who(v.FirstName, v.Username, v.ID) + "\n")
	b.WriteString(T(l, KeyCardLine, Escape(v.Lang), when(v.JoinedAt), when(v.LastSeenAt)) + "\n")
	b.WriteString(T(l, KeyBalanceTitle, pricing.FormatRUB(v.Available)))
	if v.Held > 0 {
		b.WriteString(" · " + T(l, KeyHeld, pricing.FormatRUB(v.Held)))
	}
	b.WriteString("\n")
	if v.IsAdmin {
		b.WriteString(T(l, KeyCardAdmin) + "\n")
	}
	if v.Banned {
		b.WriteString(T(l, KeyCardBanned, when(v.BannedAt), v.BannedBy, Escape(cutRunes(v.BanReason, 200))) + "\n")
	}
	if len(v.Entries) > 0 {
		b.WriteString("\n" + T(l, KeyCardEntries))
		for _, e := range v.Entries {
			amount := signedRUB(e.Amount)
			if e.Kind == "capture" {
				amount = T(l, KeyLedgerFromReserve, pricing.FormatRUB(-e.Held))
			}
			line := "\n" + when(e.At) + " · " + ledgerKind(l, e.Kind) + " " + amount
			if e.JobID > 0 {
				line += " · #" + strconv.FormatInt(e.JobID, 10)
			}
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	a.Jobs = nil
	if len(v.Jobs) > 0 {
		b.WriteString("\n" + T(l, KeyCardJobs))
		for _, j := range v.Jobs {
			price := pricing.FormatRUB(j.PriceKopecks)
			if j.Free {
				price = T(l, KeyFreeMark)
			}
			b.WriteString("\n" + jobIcon(j.State) + " #" + strconv.FormatInt(j.ID, 10) + " · " + when(j.At) + " · " +
				Escape(cutRunes(t.modelName(j.ModelID), 40)) + " · " + adminJobState(l, j.State) + " · " + price)
			if len(a.Jobs) < cardJobBtns {
				a.Jobs = append(a.Jobs, j.ID)
			}
		}
		b.WriteString("\n")
	}
	if len(v.TopUps) > 0 {
		b.WriteString("\n" + T(l, KeyCardTopUps))
		for _, p := range v.TopUps {
			b.WriteString("\n" + when(p.At) + " · " + T(l, KeyCardTopUp, Escape(methodLabel(l, p.Method)), p.Stars, pricing.FormatRUB(p.Kopecks)) +
				" · " + topUpState(l, p.State))
		}
	}
	rows := [][]Button{{t.b(T(l, KeyBtnAdjust), aAdjust, "")}}
	switch {
	case v.IsAdmin:
	case v.Banned:
		rows[0] = append(rows[0], t.b(T(l, KeyBtnUnban), aUnban, ""))
	default:
		rows[0] = append(rows[0], t.b(T(l, KeyBtnBan), aBan, ""))
	}
	rows = append(rows, []Button{t.b(T(l, KeyBtnMessage), aMsg, ""), t.b(T(l, KeyBtnAudit), aUAudit, "")})
	var jobRow []Button
	for i, id := range a.Jobs {
		jobRow = append(jobRow, t.b("#"+strconv.FormatInt(id, 10), aUJob, strconv.Itoa(i)))
	}
	if len(jobRow) > 0 {
		rows = append(rows, jobRow)
	}
	rows = append(rows, []Button{t.b(T(l, KeyBtnRefresh), aUsr, ""), t.b(T(l, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}

func topUpState(l Lang, s string) string {
	switch s {
	case "pending":
		return T(l, KeyTopUpPending)
	case "paid":
		return T(l, KeyTopUpPaid)
	case "refunded":
		return T(l, KeyTopUpRefunded)
	}
	return Escape(cutRunes(s, 20))
}

// orderCard shows the card of the session's order, read afresh.
func (t *turn) orderCard(note string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	a := t.adm()
	v, found, err := facts.Job(a.Job)
	if err != nil {
		return fmt.Errorf("read order %d: %w", a.Job, err)
	}
	if !found {
		id := a.Job
		a.Job = 0
		return t.prompt(askOrder, "⚠️ "+T(t.lang, KeyAdminNoOrder, id))
	}
	return t.orderCardOf(v, note)
}

func (t *turn) orderCardOf(v JobView, note string) error {
	if !t.fire(EventAdminJob) {
		return t.stale()
	}
	a := t.adm()
	a.Job, a.User, a.Ask, a.Act = v.ID, v.UserID, "", nil
	t.rotate()
	l := t.lang
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	b.WriteString(T(l, KeyOrderTitle, v.ID, Escape(cutRunes(t.modelName(v.ModelID), 60)), Escape(cutRunes(v.ModelID, 60))) + "\n")
	b.WriteString(T(l, KeyOrderUser, who(v.UserName, v.Username, v.UserID)) + "\n")
	b.WriteString(T(l, KeyOrderState, jobIcon(v.State)+" "+adminJobState(l, v.State)) + "\n")
	price := pricing.FormatRUB(v.PriceKopecks)
	if v.Free {
		price = T(l, KeyFreeMark)
	}
	b.WriteString(T(l, KeyOrderPrice, price, credits(v.CostMicro)) + "\n")
	consumed := "—"
	if v.ConsumedMicro > 0 {
		consumed = credits(v.ConsumedMicro)
	}
	b.WriteString(T(l, KeyOrderKie, consumed, Escape(cutRunes(orDash(v.TaskID), 80))) + "\n")
	b.WriteString("\n" + T(l, KeyOrderTimeline) + "\n")
	delivered := whenFull(v.DeliveredAt)
	if v.DeliveredAt.IsZero() && !v.FinishedAt.IsZero() {
		delivered = T(l, KeyOrderNotDelivered)
	}
	for _, e := range []struct {
		k  Key
		at string
	}{{KeyOrderCreated, whenFull(v.CreatedAt)}, {KeyOrderSubmitted, whenFull(v.SubmittedAt)}, {KeyOrderRunning, whenFull(v.RunningAt)},
		{KeyOrderFinished, whenFull(v.FinishedAt)}, {KeyOrderDelivered, delivered}} {
		b.WriteString("• " + T(l, e.k) + ": " + e.at + "\n")
	}
	if len(v.Params) > 0 || len(v.Inputs) > 0 {
		b.WriteString("\n" + T(l, KeyOrderInputs))
		n := 0
		for _, k := range sortedKeys(v.Params) {
			if n++; n > inputLines {
				break
			}
			b.WriteString("\n• " + Escape(cutRunes(k, 40)) + ": " + Escape(cutRunes(v.Params[k], 300)))
		}
		for _, k := range sortedKeys(v.Inputs) {
			var links []string
			for i, u := range v.Inputs[k] {
				if i == resultLinks {
					links = append(links, "…")
					break
				}
				links = append(links, link(u, strconv.Itoa(i+1)))
			}
			b.WriteString("\n• " + Escape(cutRunes(k, 40)) + ": " + strings.Join(links, " "))
		}
		b.WriteString("\n")
	}
	if len(v.ResultURLs) > 0 {
		var links []string
		for i, u := range v.ResultURLs {
			if i == resultLinks {
				links = append(links, "…")
				break
			}
			links = append(links, link(u, strconv.Itoa(i+1)))
		}
		b.WriteString("\n" + T(l, KeyOrderResults, strings.Join(links, " ")) + "\n")
	}
	if v.FailCode != "" || v.FailMsg != "" {
		b.WriteString("\n" + T(l, KeyOrderFailure, Escape(cutRunes(v.FailCode, 60)), Escape(cutRunes(v.FailMsg, 300))) + "\n")
	}
	if v.Refunded {
		b.WriteString("\n" + T(l, KeyOrderRefunded, when(v.RefundedAt), v.RefundedBy) + "\n")
	}
	var rows [][]Button
	first := []Button{}
	if v.Refundable {
		first = append(first, t.b(T(l, KeyBtnRefund, pricing.FormatRUB(v.PriceKopecks)), aRefund, ""))
	}
	first = append(first, t.b(T(l, KeyBtnUser), aOUser, ""))
	rows = append(rows, first, []Button{t.b(T(l, KeyBtnRefresh), aOrd, ""), t.b(T(l, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// link renders an http(s) URL as a link; anything else as escaped text.
func link(u, label string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return Escape(cutRunes(u, 80))
	}
	return `<a href="` + Escape(u) + `">` + Escape(label) + `</a>`
}

// modelRows is every registry model in the console's order: the ones the
// registry sells first, then the ones it ships disabled, each by id. The
// models screen's buttons index into it; it depends on the binary only.
func (t *turn) modelRows() []*pricing.Model {
	all := t.reg.All()
	slices.SortStableFunc(all, func(a, b *pricing.Model) int {
		switch {
		case a.Enabled() && !b.Enabled():
			return -1
		case !a.Enabled() && b.Enabled():
			return 1
		}
		return strings.Compare(a.ID(), b.ID())
	})
	return all
}

// switches reads the runtime switches by model id.
func (t *turn) switches() (map[string]ModelSwitchView, error) {
	facts, err := t.adminFacts()
	if err != nil {
		return nil, err
	}
	list, err := facts.ModelSwitches()
	if err != nil {
		return nil, fmt.Errorf("read model switches: %w", err)
	}
	out := map[string]ModelSwitchView{}
	for _, s := range list {
		out[s.ModelID] = s
	}
	return out, nil
}

// adminModels shows a page of the models with their state.
func (t *turn) adminModels() error {
	sw, err := t.switches()
	if err != nil {
		return err
	}
	if !t.fire(EventAdminModels) {
		return t.stale()
	}
	a := t.adm()
	a.Ask, a.Act = "", nil
	rows := t.modelRows()
	a.Page = min(max(a.Page, 0), pages(len(rows))-1)
	t.rotate()
	l := t.lang
	on, off := 0, 0
	for _, m := range rows {
		switch {
		case m.Enabled() && !sw[m.ID()].Off:
			on++
		default:
			off++
		}
	}
	var b strings.Builder
	b.WriteString(T(l, KeyModelsTitle, on, off))
	if n := pages(len(rows)); n > 1 {
		b.WriteString("\n" + T(l, KeyPageOf, a.Page+1, n))
	}
	var buttons [][]Button
	first := a.Page * pageSize
	for i := first; i < min(first+pageSize, len(rows)); i++ {
		m := rows[i]
		name := Escape(cutRunes(m.Name(string(l)), 40)) + " <code>" + Escape(cutRunes(m.ID(), 60)) + "</code>"
		s, switched := sw[m.ID()]
		switch {
		case !m.Enabled():
			b.WriteString("\n\n🚫 " + name + "\n" + T(l, KeyModelShippedOff, Escape(cutRunes(m.DisabledReason(), 160))))
		case switched && s.Off:
			b.WriteString("\n\n⛔ " + name + "\n" + T(l, KeyModelSwitchedOff, when(s.At), s.By, Escape(cutRunes(s.Reason, 160))))
			buttons = append(buttons, []Button{t.b(T(l, KeyBtnModelOn, cutRunes(m.Name(string(l)), 40)), aMod, strconv.Itoa(i))})
		default:
			b.WriteString("\n\n✅ " + name)
			buttons = append(buttons, []Button{t.b(T(l, KeyBtnModelOff, cutRunes(m.Name(string(l)), 40)), aMod, strconv.Itoa(i))})
		}
	}
	var nav []Button
	if a.Page > 0 {
		nav = append(nav, t.b(T(l, KeyBtnPrev), aMPage, strconv.Itoa(a.Page-1)))
	}
	if a.Page < pages(len(rows))-1 {
		nav = append(nav, t.b(T(l, KeyBtnNext), aMPage, strconv.Itoa(a.Page+1)))
	}
	if len(nav) > 0 {
		buttons = append(buttons, nav)
	}
	buttons = append(buttons, []Button{t.b(T(l, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: buttons})
	return nil
}

// auditOf opens the audit log about one user (/audit <id or @username>).
func (t *turn) auditOf(q string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	q = strings.TrimSpace(q)
	var (
		v     UserView
		found bool
	)
	switch {
	case userIDRe.MatchString(strings.ToLower(q)):
		id, _ := strconv.ParseInt(userIDRe.FindStringSubmatch(strings.ToLower(q))[1], 10, 64)
		v, found, err = facts.User(id)
	case usernameRe.MatchString(q):
		v, found, err = facts.UserByUsername(usernameRe.FindStringSubmatch(q)[1])
	default:
		return t.adminAuditNote("⚠️ " + T(t.lang, KeyAdminBadUserQuery))
	}
	if err != nil {
		return fmt.Errorf("look up user: %w", err)
	}
	if !found {
		return t.adminAuditNote("⚠️ " + T(t.lang, KeyAdminNoUser, Escape(cutRunes(q, 40))))
	}
	a := t.adm()
	a.AuditUser, a.User = v.ID, v.ID
	return t.adminAudit()
}

func (t *turn) adminAudit() error { return t.adminAuditNote("") }

// adminAuditNote shows a page of the audit log, newest first.
func (t *turn) adminAuditNote(note string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	a := t.adm()
	a.Ask, a.Act = "", nil
	lines, more, err := facts.Audit(AuditFilter{AdminID: a.AuditAdmin, UserID: a.AuditUser}, a.Page*auditPage, auditPage)
	if err != nil {
		return fmt.Errorf("read the audit log: %w", err)
	}
	if !t.fire(EventAdminAudit) {
		return t.stale()
	}
	t.rotate()
	l := t.lang
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	b.WriteString(T(l, KeyAuditTitle))
	switch {
	case a.AuditAdmin == t.env.UserID && a.AuditUser != 0:
		b.WriteString("\n" + T(l, KeyAuditMineAbout, a.AuditUser))
	case a.AuditAdmin == t.env.UserID:
		b.WriteString("\n" + T(l, KeyAuditMine))
	case a.AuditAdmin != 0:
		b.WriteString("\n" + T(l, KeyAuditByAdmin, a.AuditAdmin))
		if a.AuditUser != 0 {
			b.WriteString(" " + T(l, KeyAuditAbout, a.AuditUser))
		}
	case a.AuditUser != 0:
		b.WriteString("\n" + T(l, KeyAuditAbout, a.AuditUser))
	}
	if len(lines) == 0 {
		b.WriteString("\n\n" + T(l, KeyAuditEmpty))
	}
	for _, x := range lines {
		b.WriteString("\n\n" + T(l, KeyAuditHead, x.ID, when(x.At), x.AdminID) + "\n" + auditWhat(l, x))
		if x.Reason != "" {
			b.WriteString("\n" + T(l, KeyAuditReason, Escape(cutRunes(x.Reason, 200))))
		}
	}
	var rows [][]Button
	var nav []Button
	if a.Page > 0 {
		nav = append(nav, t.b(T(l, KeyBtnNewer), aAPage, strconv.Itoa(a.Page-1)))
	}
	if more {
		nav = append(nav, t.b(T(l, KeyBtnOlder), aAPage, strconv.Itoa(a.Page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	mine := T(l, KeyBtnAuditMine)
	if a.AuditAdmin != 0 {
		mine = T(l, KeyBtnAuditAll)
	}
	rows = append(rows, []Button{t.b(mine, aAMine, "")}, []Button{t.b(T(l, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}

// auditWhat renders what an audited action did.
func auditWhat(l Lang, x AuditLine) string {
	user := "<code>" + strconv.FormatInt(x.UserID, 10) + "</code>"
	target := Escape(cutRunes(x.Target, 80))
	switch x.Action {
	case "adjust_balance":
		return T(l, KeyAuditAdjust, user, money(x.Before), money(x.After))
	case "refund_job":
		return T(l, KeyAuditRefundJob, target, user, money(x.Before), money(x.After))
	case "refund_topup":
		return T(l, KeyAuditRefundTopUp, target, user, money(x.Before), money(x.After))
	case "ban":
		return T(l, KeyAuditBan, user)
	case "unban":
		return T(l, KeyAuditUnban, user)
	case "message":
		return T(l, KeyAuditMessage, user, Escape(cutRunes(x.After, 120)))
	case "model_off":
		return T(l, KeyAuditModelOff, target)
	case "model_on":
		return T(l, KeyAuditModelOn, target)
	}
	s := Escape(cutRunes(x.Action, 40))
	if x.UserID != 0 {
		s += " · " + user
	}
	if x.Target != "" {
		s += " · " + target
	}
	if x.Before != "" || x.After != "" {
		s += " · " + Escape(cutRunes(x.Before, 60)) + " → " + Escape(cutRunes(x.After, 60))
	}
	return s
}

// money renders an audited balance (kopecks as text).
func money(s string) string {
	k, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Escape(cutRunes(s, 40))
	}
	return pricing.FormatRUB(k)
}
