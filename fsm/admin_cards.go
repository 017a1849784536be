package fsm

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// The console's user and order cards, and the lookups that lead to them.

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
	case "expired":
		return T(l, KeyTopUpExpired)
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
