package fsm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// The console's lists: the models with their runtime switches, and the
// audit log.

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
	if a.Note != "" {
		b.WriteString(a.Note + "\n\n")
		a.Note = ""
	}
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
			if d := m.Spec().Disabled; d != nil && d.Code.Priceable() {
				b.WriteString("\n" + T(l, KeyModelPriceable))
			}
		case switched && s.Off:
			b.WriteString("\n\n⛔ " + name + "\n" + T(l, KeyModelSwitchedOff, when(s.At), s.By, Escape(cutRunes(s.Reason, 160))))
			buttons = append(buttons, []Button{t.b(T(l, KeyBtnModelOn, cutRunes(m.Name(string(l)), 40)), aMod, strconv.Itoa(i))})
		default:
			b.WriteString("\n\n✅ " + name + "\n" + priceLines(l, m))
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
	bcTarget := "#" + Escape(cutRunes(strings.TrimPrefix(x.Target, "broadcast:"), 20))
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
	case "broadcast_create":
		return T(l, KeyAuditBcCreate, bcTarget, Escape(cutRunes(x.After, 120)))
	case "broadcast_preview":
		return T(l, KeyAuditBcPreview, bcTarget)
	case "broadcast_start":
		return T(l, KeyAuditBcStart, bcTarget, Escape(cutRunes(x.After, 120)))
	case "broadcast_pause":
		return T(l, KeyAuditBcPause, bcTarget)
	case "broadcast_resume":
		return T(l, KeyAuditBcResume, bcTarget)
	case "broadcast_cancel":
		return T(l, KeyAuditBcCancel, bcTarget)
	case "confirm_price":
		return T(l, KeyAuditPrice, target)
	case "narrow_price":
		return T(l, KeyAuditNarrow, target)
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
