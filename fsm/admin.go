package fsm

import (
	"slices"
	"strconv"
	"strings"
)

// The operator console: the admin menu and its sections, in the same
// conversation as the shop (persisted, stale buttons answered, in the
// admin's language).
//
//	/admin ──▶ admin ──▶ stats (today · 7 days · 30 days)
//	             │ ├───▶ ask "user" ──▶ user card ──▶ ask amount ─▶ ask reason ─┐
//	             │ │       (id, @username,      ├──▶ ban/unban: ask reason ──────┤
//	             │ │        a forwarded message) └──▶ message: ask text ──────────┤
//	             │ ├───▶ ask "order" ─▶ order card ─▶ refund: ask reason ─────────┤
//	             │ ├───▶ models ─▶ switch one off/on: ask reason ─────────────────┤
//	             │ └───▶ audit log (all · mine · one user; pages)                 ▼
//	             │                                      confirm ── ✅ ─▶ AdminAct
//	             └── /stats /user /job /models /audit open the sections directly
//
// Only admins (Env.IsAdmin) get any of it. To anyone else an admin command
// is an unknown command (the hint), an admin button a stale one, and an
// admin state — left over from when they were an admin — the main menu:
// nothing says the console exists. The actor checks again before any
// change (the operator service refuses non-admins).

// Console actions in callback data.
const (
	aAdm      = "adm"  // the admin menu (also global)
	aSec      = "sec"  // open section <index into the menu's sections>
	aPer      = "per"  // statistics of period <index into statsPeriods>
	aUsr      = "usr"  // the user card again (global: of user <id>)
	aOrd      = "ord"  // the order card again (global: of order <id>)
	aMods     = "mods" // the models (global)
	aUJob     = "uj"   // open order <index into the card's orders>
	aAdjust   = "adj"  // adjust the card's user's balance
	aBan      = "ban"  // ban the card's user
	aUnban    = "unb"  // unban them
	aMsg      = "msg"  // message them
	aUAudit   = "uaud" // the audit log about the card's user
	aOUser    = "ousr" // the order card's user
	aRefund   = "ref"  // refund the order card's order
	aMod      = "mo"   // switch model <index into the models list> off or on
	aMPage    = "mpg"  // models page <n>
	aAPage    = "apg"  // audit log page <n>
	aAMine    = "amy"  // audit log: only mine / everyone's
	aAConfirm = "aok"  // confirm the change shown
	aACancel  = "ax"   // drop the change being prepared
	aABack    = "abk"  // back from a prompt
)

func isAdminAction(a string) bool {
	switch a {
	case aAdm, aSec, aPer, aUsr, aOrd, aMods, aUJob, aAdjust, aBan, aUnban, aMsg, aUAudit, aOUser, aRefund, aMod,
		aMPage, aAPage, aAMine, aAConfirm, aACancel, aABack:
		return true
	}
	return false
}

func isAdminState(s string) bool { return slices.Contains(adminStates(), s) }

// What the console waits for the admin to type (adminSession.Ask).
const (
	askUser    = "user"
	askOrder   = "order"
	askAmount  = "amount"
	askReason  = "reason"
	askMessage = "message"
)

// adminSession is the console's place in the session.
type adminSession struct {
	Ask        string      `json:"ask,omitempty"`
	User       int64       `json:"user,omitempty"` // the user card open (or the change's user)
	Job        int64       `json:"job,omitempty"`  // the order card open
	Act        *pendingAct `json:"act,omitempty"`  // the change being prepared
	Period     string      `json:"per,omitempty"`
	Page       int         `json:"page,omitempty"` // of the models or the audit log
	AuditAdmin int64       `json:"aa,omitempty"`   // audit log filters
	AuditUser  int64       `json:"au,omitempty"`
	Jobs       []int64     `json:"jobs,omitempty"` // the orders the user card lists
	Done       *adminDone  `json:"done,omitempty"` // the last confirmation pressed
	Bc         *bcDraft    `json:"bc,omitempty"`   // the broadcast being composed
	BcList     []int64     `json:"bcl,omitempty"`  // the broadcasts the list shows
	BcDone     *bcDone     `json:"bcd,omitempty"`  // the last broadcast start pressed
	Note       string      `json:"note,omitempty"` // shown once above the next models list
}

// pendingAct is a change being prepared, filled in prompt by prompt.
type pendingAct struct {
	Kind     AdminActKind `json:"k"`
	Amount   int64        `json:"amt,omitempty"`
	Reason   string       `json:"r,omitempty"`
	Text     string       `json:"t,omitempty"`
	ModelID  string       `json:"m,omitempty"`
	Reasoned bool         `json:"rd,omitempty"` // the reason has been asked and given
	Manual   int64        `json:"mt,omitempty"` // the manual top-up decided on
	Price    *PriceAct    `json:"p,omitempty"`  // a price confirmation
}

// adminDone remembers a pressed confirmation, so its second tap yields the
// same AdminAct (one change, by its key).
type adminDone struct {
	Nonce string   `json:"n"`
	Act   AdminAct `json:"act"`
}

func (t *turn) adm() *adminSession {
	if t.s.Adm == nil {
		t.s.Adm = &adminSession{}
	}
	return t.s.Adm
}

// demoted takes a user who is no longer an admin out of the console.
func (t *turn) demoted() {
	if !t.env.IsAdmin && isAdminState(t.state()) {
		t.s.Adm = nil
		t.fire(EventMenu)
	}
}

// sections are the admin menu's entries this package can open.
func (t *turn) sections() []AdminSection {
	given := t.env.AdminSections
	if given == nil {
		given = DefaultAdminSections()
	}
	var out []AdminSection
	for _, s := range given {
		if s == SectionBroadcasts && t.env.Broadcasts == nil {
			continue // no broadcasts wired in
		}
		if sectionLabel(s) != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// openSection opens one of the menu's sections.
func (t *turn) openSection(s AdminSection) error {
	a := t.adm()
	a.Act, a.Ask = nil, ""
	switch s {
	case SectionStats:
		return t.adminStats("today")
	case SectionUsers:
		return t.prompt(askUser, "")
	case SectionJobs:
		return t.prompt(askOrder, "")
	case SectionModels:
		a.Page = 0
		return t.adminModels()
	case SectionAudit:
		a.Page, a.AuditAdmin, a.AuditUser = 0, 0, 0
		return t.adminAudit()
	case SectionBroadcasts:
		return t.bcList("")
	case SectionManual:
		return t.adminManual()
	}
	return t.stale()
}

// adminCommand handles the console's commands; ok is false for a command
// that is not one of them.
func (t *turn) adminCommand() (bool, error) {
	switch t.in.Command {
	case "admin", "stats", "user", "job", "order", "models", "audit", "broadcast", "broadcasts", "receipts", "subscribers", "confirmprice":
	default:
		return false, nil
	}
	if !t.env.IsAdmin {
		t.show(Hint(t.lang)) // exactly what any unknown command gets
		return true, nil
	}
	a := t.adm()
	a.Act, a.Ask = nil, ""
	arg := t.in.Arg
	switch t.in.Command {
	case "admin":
		return true, t.adminMenu("")
	case "stats":
		return true, t.adminStats("today")
	case "user":
		if arg == "" {
			return true, t.prompt(askUser, "")
		}
		return true, t.findUser(arg)
	case "job", "order":
		if arg == "" {
			return true, t.prompt(askOrder, "")
		}
		return true, t.findOrder(arg)
	case "models":
		a.Page = 0
		return true, t.adminModels()
	case "broadcast", "broadcasts":
		return true, t.bcList("")
	case "receipts":
		return true, t.adminManual()
	case "subscribers":
		return true, t.adminSubs()
	case "confirmprice":
		if arg == "" {
			return true, t.adminModelsNote(T(t.lang, KeyPriceUsage))
		}
		return true, t.confirmPriceCommand(arg)
	default: // audit
		a.Page, a.AuditAdmin, a.AuditUser = 0, 0, 0
		if who, ok := strings.CutPrefix(strings.ToLower(arg), "admin"); ok {
			id, err := strconv.ParseInt(strings.TrimSpace(who), 10, 64)
			if err != nil || id <= 0 {
				return true, t.adminAuditNote("⚠️ " + T(t.lang, KeyAdminBadUserQuery))
			}
			a.AuditAdmin = id
			return true, t.adminAudit()
		}
		if arg != "" {
			return true, t.auditOf(arg)
		}
		return true, t.adminAudit()
	}
}

// adminMenu shows the console's sections.
func (t *turn) adminMenu(note string) error {
	if !t.fire(EventAdmin) {
		return t.stale()
	}
	t.rotate()
	text := T(t.lang, KeyAdminTitle)
	if note != "" {
		text = note + "\n\n" + text
	}
	var rows [][]Button
	var row []Button
	for i, s := range t.sections() {
		row = append(row, t.b(T(t.lang, sectionLabel(s)), aSec, strconv.Itoa(i)))
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnMenu), aMenu, "")})
	t.show(Screen{Text: text, Buttons: rows})
	return nil
}

// adminAction handles a console button of the current screen.
func (t *turn) adminAction(action, arg string) error {
	if !t.env.IsAdmin {
		return t.stale()
	}
	a := t.adm()
	st := t.state()
	if isBcAction(action) {
		return t.bcAction(action, arg)
	}
	switch action {
	case aAdm:
		return t.adminMenu("")
	case aSec:
		secs := t.sections()
		i, ok := index(arg, len(secs))
		if !ok || st != StateAdmin {
			return t.stale()
		}
		return t.openSection(secs[i])
	case aPer:
		i, ok := index(arg, len(statsPeriods))
		if !ok || st != StateAdminStats {
			return t.stale()
		}
		return t.adminStats(statsPeriods[i])
	case aUsr:
		if a.User == 0 || (st != StateAdminUser && st != StateAdminConfirm) {
			return t.stale()
		}
		a.Act = nil
		return t.userCard("")
	case aOrd:
		if a.Job == 0 || (st != StateAdminJob && st != StateAdminConfirm) {
			return t.stale()
		}
		a.Act = nil
		return t.orderCard("")
	case aUJob:
		i, ok := index(arg, len(a.Jobs))
		if !ok || st != StateAdminUser {
			return t.stale()
		}
		a.Job = a.Jobs[i]
		return t.orderCard("")
	case aOUser:
		if st != StateAdminJob || a.User == 0 {
			return t.stale()
		}
		return t.userCard("")
	case aUAudit:
		if st != StateAdminUser || a.User == 0 {
			return t.stale()
		}
		a.Page, a.AuditAdmin, a.AuditUser = 0, 0, a.User
		return t.adminAudit()
	case aAdjust, aBan, aUnban, aMsg:
		if st != StateAdminUser || a.User == 0 {
			return t.stale()
		}
		return t.startUserAct(action)
	case aRefund:
		if st != StateAdminJob || a.Job == 0 {
			return t.stale()
		}
		return t.startRefund()
	case aMod:
		if st != StateAdminModels {
			return t.stale()
		}
		return t.startSwitch(arg)
	case aMPage:
		p, ok := index(arg, pages(len(t.modelRows())))
		if !ok || st != StateAdminModels {
			return t.stale()
		}
		a.Page = p
		return t.adminModels()
	case aAPage:
		p, err := strconv.Atoi(arg)
		if err != nil || p < 0 || p > 10_000 || st != StateAdminAudit {
			return t.stale()
		}
		a.Page = p
		return t.adminAudit()
	case aAMine:
		if st != StateAdminAudit {
			return t.stale()
		}
		if a.AuditAdmin == 0 {
			a.AuditAdmin = t.env.UserID
		} else {
			a.AuditAdmin = 0
		}
		a.Page = 0
		return t.adminAudit()
	case aAConfirm:
		if st != StateAdminConfirm || a.Act == nil {
			return t.stale()
		}
		return t.confirmAct()
	case aACancel:
		if a.Act == nil || (st != StateAdminConfirm && st != StateAdminAsk) {
			return t.stale()
		}
		t.answer(T(t.lang, KeyCancelledShort), false)
		return t.backFromAct()
	case aABack:
		if st != StateAdminAsk {
			return t.stale()
		}
		if a.Act != nil {
			return t.backFromAct()
		}
		return t.adminMenu("")
	}
	return t.stale()
}

// adminGlobal handles the console buttons rendered outside Step (on the
// outcome of a change): their argument is an id, re-read here.
func (t *turn) adminGlobal(action, arg string) error {
	if !t.env.IsAdmin {
		return t.stale()
	}
	if isBcGlobal(action) {
		return t.bcGlobal(action, arg)
	}
	a := t.adm()
	a.Act, a.Ask = nil, ""
	switch action {
	case aAdm:
		return t.adminMenu("")
	case aMods:
		return t.adminModels()
	case aUsr, aOrd:
		id, ok := jobID(arg) // a positive id
		if !ok {
			return t.stale()
		}
		if action == aUsr {
			a.User = id
			return t.userCard("")
		}
		a.Job = id
		return t.orderCard("")
	}
	return t.stale()
}

// adminCurrent shows the current console screen again.
func (t *turn) adminCurrent(note string) error {
	a := t.adm()
	switch t.state() {
	case StateAdminStats:
		return t.adminStats(a.Period)
	case StateAdminManual:
		return t.adminManual()
	case StateAdminSubs:
		return t.adminSubs()
	case StateAdminAsk:
		if a.Ask != "" {
			return t.prompt(a.Ask, note)
		}
	case StateAdminUser:
		if a.User != 0 {
			return t.userCard(note)
		}
	case StateAdminJob:
		if a.Job != 0 {
			return t.orderCard(note)
		}
	case StateAdminConfirm:
		if a.Act != nil {
			return t.showAct(note)
		}
	case StateAdminModels:
		return t.adminModels()
	case StateAdminAudit:
		return t.adminAudit()
	case StateAdminBroadcasts, StateAdminBcDraft, StateAdminBcAudience, StateAdminBcConfirm:
		return t.bcCurrent(note)
	}
	return t.adminMenu(note)
}
