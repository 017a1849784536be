package fsm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kiebot/kiebot/pricing"
)

// The console's changes: prompts for what they need, the confirmation that
// shows them back, the AdminAct a confirmation yields, and the screens the
// actor shows once the operator service has carried one out (or refused).

// Bounds on what an admin types; the operator service enforces the same.
const (
	maxAdminAmount = 1_000_000 * 100 // kopecks either way in one adjustment
	maxReason      = 300             // characters of a reason
	maxMessage     = 3500            // characters of a message to a user
)

// prompt asks the admin to type something (a user, an order number, an
// amount, a reason, a message), with note above.
func (t *turn) prompt(kind, note string) error {
	if isBcAsk(kind) {
		return t.bcPrompt(kind, note)
	}
	a := t.adm()
	actPrompt := kind == askAmount || kind == askReason || kind == askMessage
	if actPrompt && a.Act == nil {
		return t.adminMenu(note)
	}
	if !t.fire(EventAdminAsk) {
		return t.stale()
	}
	a.Ask = kind
	t.rotate()
	l := t.lang
	var text string
	switch kind {
	case askUser:
		text = T(l, KeyAskUser)
	case askOrder:
		text = T(l, KeyAskOrder)
	case askAmount:
		text = T(l, KeyAskAmount, a.User)
	case askReason:
		text = T(l, KeyAskReason, actLabel(l, a.Act.Kind))
	default:
		text = T(l, KeyAskMessage, a.User, maxMessage)
	}
	if note != "" {
		text = note + "\n\n" + text
	}
	btn := t.b(T(l, KeyBtnAdmin), aABack, "")
	if actPrompt {
		btn = t.b(T(l, KeyBtnCancel), aACancel, "")
	}
	t.show(Screen{Text: text, Buttons: [][]Button{{btn}}})
	return nil
}

// adminText takes what the admin typed at a prompt.
func (t *turn) adminText(text string) error {
	a := t.adm()
	if isBcAsk(a.Ask) {
		return t.bcInput()
	}
	switch a.Ask {
	case askUser:
		return t.findUser(text)
	case askOrder:
		return t.findOrder(text)
	}
	if a.Act == nil {
		return t.adminMenu("")
	}
	l := t.lang
	switch a.Ask {
	case askAmount:
		k, problem := parseAmount(text)
		switch problem {
		case "":
		case KeyAmountBig:
			return t.prompt(askAmount, "⚠️ "+T(l, problem, pricing.FormatRUB(maxAdminAmount)))
		default:
			return t.prompt(askAmount, "⚠️ "+T(l, problem))
		}
		a.Act.Amount = k
		return t.prompt(askReason, "")
	case askReason:
		r := strings.TrimSpace(text)
		switch n := utf8.RuneCountInString(r); {
		case n == 0:
			return t.prompt(askReason, "⚠️ "+T(l, KeyReasonEmpty))
		case n > maxReason:
			return t.prompt(askReason, "⚠️ "+T(l, KeyReasonLong, maxReason, n))
		}
		a.Act.Reason = r
		return t.showAct("")
	case askMessage:
		m := strings.TrimSpace(text)
		switch n := utf8.RuneCountInString(m); {
		case n == 0:
			return t.prompt(askMessage, "⚠️ "+T(l, KeyMessageEmpty))
		case n > maxMessage:
			return t.prompt(askMessage, "⚠️ "+T(l, KeyMessageLong, maxMessage, n))
		}
		a.Act.Text = m
		return t.showAct("")
	}
	return t.adminCurrent("")
}

// amountRe is a rouble amount: an optional sign, whole roubles, and up to
// two digits of kopecks after a dot or a comma ("150", "-99.50", "+10,5").
var amountRe = regexp.MustCompile(`^([+\-−]?)([0-9]{1,9})(?:[.,]([0-9]{1,2}))?$`)

// parseAmount reads a rouble amount as signed kopecks; problem names the
// text explaining what is wrong with it.
func parseAmount(s string) (kopecks int64, problem Key) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "₽", "").Replace(strings.TrimSpace(s))
	m := amountRe.FindStringSubmatch(s)
	if m == nil {
		return 0, KeyAmountBad
	}
	whole, _ := strconv.ParseInt(m[2], 10, 64)
	frac := int64(0)
	if m[3] != "" {
		frac, _ = strconv.ParseInt((m[3] + "0")[:2], 10, 64)
	}
	k := whole*100 + frac
	switch {
	case k == 0:
		return 0, KeyAmountZero
	case k > maxAdminAmount:
		return 0, KeyAmountBig
	}
	if m[1] == "-" || m[1] == "−" {
		k = -k
	}
	return k, ""
}

// startUserAct begins a change of the user card's user.
func (t *turn) startUserAct(action string) error {
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
		return t.userCard("")
	}
	switch action {
	case aAdjust:
		a.Act = &pendingAct{Kind: ActAdjust}
		return t.prompt(askAmount, "")
	case aBan:
		if v.IsAdmin {
			t.answer(T(t.lang, KeyCannotBanAdmin), true)
			return t.userCardOf(v, "")
		}
		if v.Banned {
			return t.userCardOf(v, "") // an old card: it is banned already
		}
		a.Act = &pendingAct{Kind: ActBan}
		return t.prompt(askReason, "")
	case aUnban:
		if !v.Banned {
			return t.userCardOf(v, "")
		}
		a.Act = &pendingAct{Kind: ActUnban}
		return t.prompt(askReason, "")
	}
	a.Act = &pendingAct{Kind: ActMessage}
	return t.prompt(askMessage, "")
}

// startRefund begins the refund of the order card's order.
func (t *turn) startRefund() error {
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
		return t.orderCard("")
	}
	if !v.Refundable {
		t.answer(T(t.lang, KeyNotRefundable), true)
		return t.orderCardOf(v, "")
	}
	a.Act = &pendingAct{Kind: ActRefund}
	return t.prompt(askReason, "")
}

// startSwitch begins switching the models list's model i off or on.
func (t *turn) startSwitch(arg string) error {
	rows := t.modelRows()
	i, ok := index(arg, len(rows))
	if !ok {
		return t.stale()
	}
	m := rows[i]
	if !m.Enabled() {
		t.answer(T(t.lang, KeyShippedOffShort), true)
		return t.adminModels()
	}
	sw, err := t.switches()
	if err != nil {
		return err
	}
	kind := ActModelOff
	if sw[m.ID()].Off {
		kind = ActModelOn
	}
	t.adm().Act = &pendingAct{Kind: kind, ModelID: m.ID()}
	return t.prompt(askReason, "")
}

// showAct shows the change being prepared for confirmation, with what it
// will do as of now.
func (t *turn) showAct(note string) error {
	facts, err := t.adminFacts()
	if err != nil {
		return err
	}
	a := t.adm()
	p := a.Act
	l := t.lang
	var (
		text    string
		blocked string // why it cannot be confirmed as things are
	)
	switch p.Kind {
	case ActManualApprove, ActManualReject:
		var found bool
		text, blocked, found, err = t.manualAct(p)
		if err != nil {
			return fmt.Errorf("read manual top-up %d: %w", p.Manual, err)
		}
		if !found {
			return t.adminManual()
		}
	case ActAdjust, ActBan, ActUnban, ActMessage:
		v, found, err := facts.User(a.User)
		if err != nil {
			return fmt.Errorf("read user %d: %w", a.User, err)
		}
		if !found {
			return t.userCard("")
		}
		w := who(v.FirstName, v.Username, v.ID)
		switch p.Kind {
		case ActAdjust:
			after := v.Available + p.Amount
			text = T(l, KeyConfirmAdjust, signedRUB(p.Amount), w, pricing.FormatRUB(v.Available), pricing.FormatRUB(after))
			if after < 0 {
				blocked = T(l, KeyBelowZeroNow, pricing.FormatRUB(v.Available))
			}
		case ActBan:
			text = T(l, KeyConfirmBan, w)
			if v.IsAdmin {
				blocked = T(l, KeyCannotBanAdmin)
			}
		case ActUnban:
			text = T(l, KeyConfirmUnban, w)
		default:
			text = T(l, KeyConfirmMessage, w) + "\n\n" + SupportMessage(LangOf(v.Lang), p.Text).Text
		}
	case ActRefund:
		j, found, err := facts.Job(a.Job)
		if err != nil {
			return fmt.Errorf("read order %d: %w", a.Job, err)
		}
		if !found {
			return t.orderCard("")
		}
		u, _, err := facts.User(j.UserID)
		if err != nil {
			return fmt.Errorf("read user %d: %w", j.UserID, err)
		}
		text = T(l, KeyConfirmRefund, j.ID, pricing.FormatRUB(j.PriceKopecks), who(j.UserName, j.Username, j.UserID),
			pricing.FormatRUB(u.Available), pricing.FormatRUB(u.Available+j.PriceKopecks))
		if !j.Refundable {
			blocked = T(l, KeyNotRefundable)
		}
	case ActConfirmPrice:
		text, blocked = t.priceActText(p)
	default:
		name := p.ModelID
		if m, ok := t.reg.Lookup(p.ModelID); ok {
			name = m.Name(string(l))
		}
		k := KeyConfirmModelOff
		if p.Kind == ActModelOn {
			k = KeyConfirmModelOn
		}
		text = T(l, k, Escape(cutRunes(name, 60)), Escape(cutRunes(p.ModelID, 60)))
	}
	if p.Reason != "" {
		text += "\n\n" + T(l, KeyAuditReason, Escape(p.Reason))
	}
	if blocked != "" {
		text += "\n\n⛔ " + blocked
	}
	if note != "" {
		text = note + "\n\n" + text
	}
	event := EventAdminConfirm
	if p.Kind == ActManualApprove || p.Kind == ActManualReject {
		event = EventAdminDecide // from a receipt's message, whatever screen the admin is on
	}
	if !t.fire(event) {
		return t.stale()
	}
	a.Ask = ""
	t.rotate()
	var row []Button
	if blocked == "" {
		row = append(row, t.b(T(l, KeyBtnApply), aAConfirm, ""))
	}
	row = append(row, t.b(T(l, KeyBtnCancel), aACancel, ""))
	t.show(Screen{Text: text, Buttons: [][]Button{row}})
	return nil
}

// confirmAct turns a tap on the confirmation into an AdminAct keyed by
// that screen, and goes back to where the change was started.
func (t *turn) confirmAct() error {
	a := t.adm()
	p := a.Act
	act := AdminAct{Kind: p.Kind, Amount: p.Amount, Reason: p.Reason, Text: p.Text, ModelID: p.ModelID, Price: p.Price}
	event := EventAdminUser
	switch p.Kind {
	case ActRefund:
		act.JobID, act.UserID, event = a.Job, a.User, EventAdminJob
	case ActModelOff, ActModelOn, ActConfirmPrice:
		event = EventAdminModels
	case ActManualApprove, ActManualReject:
		act.ManualID, event = p.Manual, EventAdminManual
	default:
		act.UserID = a.User
	}
	act.Key = adminKey(t.env.UserID, t.s.Nonce, act)
	a.Done = &adminDone{Nonce: t.s.Nonce, Act: act}
	a.Act, a.Ask = nil, ""
	t.fire(event)
	t.rotate() // every other button of the confirmation is stale now
	t.cmd = act
	t.answer(T(t.lang, KeyApplying), false)
	return nil
}

// adminKey derives an AdminAct's idempotency key from the confirmation
// screen (its nonce) and everything the change is.
func adminKey(adminID int64, nonce string, a AdminAct) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%d\x00%d\x00%s\x00%d\x00%s\x00%s", adminID, nonce, a.Kind, a.UserID, a.JobID, a.ModelID, a.Amount, a.Reason, a.Text)
	if a.ManualID != 0 {
		fmt.Fprintf(h, "\x00%d", a.ManualID)
	}
	if a.Price != nil {
		fmt.Fprintf(h, "\x00%+v", *a.Price)
	}
	return "tg:" + strconv.FormatInt(adminID, 10) + ":" + hex.EncodeToString(h.Sum(nil))[:32]
}

// backFromAct drops the change being prepared and shows where it began.
func (t *turn) backFromAct() error {
	a := t.adm()
	kind := ActAdjust
	if a.Act != nil {
		kind = a.Act.Kind
	}
	a.Act, a.Ask = nil, ""
	switch kind {
	case ActRefund:
		return t.orderCard("")
	case ActModelOff, ActModelOn, ActConfirmPrice:
		return t.adminModels()
	case ActManualApprove, ActManualReject:
		return t.adminManual()
	}
	return t.userCard("")
}

func actLabel(l Lang, k AdminActKind) string {
	switch k {
	case ActAdjust:
		return T(l, KeyActAdjust)
	case ActBan:
		return T(l, KeyActBan)
	case ActUnban:
		return T(l, KeyActUnban)
	case ActRefund:
		return T(l, KeyActRefund)
	case ActModelOff:
		return T(l, KeyActModelOff)
	case ActModelOn:
		return T(l, KeyActModelOn)
	case ActManualApprove:
		return T(l, KeyActManualApprove)
	case ActManualReject:
		return T(l, KeyActManualReject)
	case ActConfirmPrice:
		return T(l, KeyActPrice)
	}
	return T(l, KeyActMessage)
}

// AdminRefusal is why the operator service did not carry an AdminAct out.
type AdminRefusal string

// The refusals the outcome screen explains.
const (
	RefusedBelowZero     AdminRefusal = "below_zero"     // Detail: the balance now, formatted
	RefusedAdmin         AdminRefusal = "admin"          // admins cannot be banned
	RefusedAlreadyBanned AdminRefusal = "already_banned" // someone banned them meanwhile
	RefusedNotBanned     AdminRefusal = "not_banned"     // someone unbanned them meanwhile
	RefusedNotRefundable AdminRefusal = "not_refundable" // Detail: why, in the store's words
	RefusedRefunded      AdminRefusal = "refunded"       // refunded before (by anyone)
	RefusedUnknownUser   AdminRefusal = "unknown_user"
	RefusedUnknownJob    AdminRefusal = "unknown_job"
	RefusedShippedOff    AdminRefusal = "shipped_off" // the registry ships it disabled
	RefusedUnchanged     AdminRefusal = "unchanged"   // the model already is so
	RefusedInvalid       AdminRefusal = "invalid"     // Detail: what is wrong (amount, reason, text)
	RefusedForbidden     AdminRefusal = "forbidden"   // not an admin (any more)
)

// AdminResult is what the service did with an AdminAct, for its outcome.
type AdminResult struct {
	Refused       AdminRefusal // "" when it was done
	Detail        string       // raw; escaped here
	UserID        int64
	UserName      string // raw
	Username      string // raw
	Before, After int64  // the balance (adjust, refund)
}

// AdminOutcome is the message replacing a pressed confirmation: what was
// done, or why not, with buttons back to the console (global ones: the
// screen's own nonce is gone).
func AdminOutcome(lang Lang, act AdminAct, r AdminResult) Screen {
	w := who(r.UserName, r.Username, r.UserID)
	model := "<code>" + Escape(cutRunes(act.ModelID, 60)) + "</code>"
	var text string
	if r.Refused != "" {
		text = "⛔ " + T(lang, KeyNotDone, refusalText(lang, r))
	} else {
		switch act.Kind {
		case ActAdjust:
			text = T(lang, KeyDoneAdjust, signedRUB(act.Amount), w, pricing.FormatRUB(r.Before), pricing.FormatRUB(r.After))
		case ActBan:
			text = T(lang, KeyDoneBan, w)
		case ActUnban:
			text = T(lang, KeyDoneUnban, w)
		case ActMessage:
			text = T(lang, KeyDoneMessage, w)
		case ActRefund:
			text = T(lang, KeyDoneRefund, act.JobID, signedRUB(r.After-r.Before), w, pricing.FormatRUB(r.Before), pricing.FormatRUB(r.After))
		case ActModelOff:
			text = T(lang, KeyDoneModelOff, model)
		case ActModelOn:
			text = T(lang, KeyDoneModelOn, model)
		case ActManualApprove, ActManualReject:
			text = manualOutcome(lang, act, r)
		case ActConfirmPrice:
			text = T(lang, KeyDonePrice, model)
			if act.Price != nil && act.Price.Disable {
				text = T(lang, KeyDoneNarrow, model)
			}
		}
		if act.Reason != "" {
			text += "\n" + T(lang, KeyAuditReason, Escape(cutRunes(act.Reason, 200)))
		}
	}
	g := func(label Key, action string, id int64) Button {
		arg := ""
		if id > 0 {
			arg = strconv.FormatInt(id, 10)
		}
		return Button{Text: T(lang, label), Data: callbackData(globalNonce, action, arg)}
	}
	var row []Button
	switch act.Kind {
	case ActRefund:
		row = append(row, g(KeyBtnOrder, aOrd, act.JobID))
		if act.UserID > 0 {
			row = append(row, g(KeyBtnUser, aUsr, act.UserID))
		}
	case ActModelOff, ActModelOn, ActConfirmPrice:
		row = append(row, g(KeyBtnModels, aMods, 0))
	case ActManualApprove, ActManualReject:
		if r.UserID > 0 {
			row = append(row, g(KeyBtnUser, aUsr, r.UserID))
		}
		row = append(row, g(KeyBtnPendingReceipts, aManList, 0))
	default:
		if act.UserID > 0 {
			row = append(row, g(KeyBtnUser, aUsr, act.UserID))
		}
	}
	row = append(row, g(KeyBtnAdmin, aAdm, 0))
	return Screen{Text: fitText(text), Buttons: [][]Button{row}}
}

func refusalText(l Lang, r AdminResult) string {
	switch r.Refused {
	case RefusedBelowZero:
		return T(l, KeyBelowZeroNow, Escape(r.Detail))
	case RefusedAdmin:
		return T(l, KeyCannotBanAdmin)
	case RefusedAlreadyBanned:
		return T(l, KeyRefusedBanned)
	case RefusedNotBanned:
		return T(l, KeyRefusedNotBanned)
	case RefusedNotRefundable:
		return T(l, KeyNotRefundable) + " (" + Escape(cutRunes(r.Detail, 200)) + ")"
	case RefusedRefunded:
		return T(l, KeyRefusedRefunded)
	case RefusedUnknownUser:
		return T(l, KeyRefusedUnknownUser)
	case RefusedUnknownJob:
		return T(l, KeyRefusedUnknownJob)
	case RefusedShippedOff:
		return T(l, KeyShippedOffShort)
	case RefusedUnchanged:
		return T(l, KeyRefusedUnchanged)
	case RefusedForbidden:
		return T(l, KeyRefusedForbidden)
	case RefusedDecided:
		return T(l, KeyManualDecidedNow, Escape(cutRunes(r.Detail, 40)))
	}
	return Escape(cutRunes(r.Detail, 300))
}

// SupportMessage is an admin's message as its user receives it: a header
// saying it comes from the bot's support, then the text, escaped.
func SupportMessage(lang Lang, text string) Screen {
	return Screen{Text: T(lang, KeySupportMessage) + "\n\n" + Escape(cutRunes(text, maxMessage))}
}

// BalanceAdjusted tells a user an admin corrected their balance.
func BalanceAdjusted(lang Lang, amount, balance int64) Screen {
	return Screen{Text: T(lang, KeyNoticeAdjusted, signedRUB(amount), pricing.FormatRUB(balance)), Buttons: [][]Button{{menuButton(lang)}}}
}

// OrderRefunded tells a user an admin gave an order's price back.
func OrderRefunded(lang Lang, jobID, amount, balance int64) Screen {
	return Screen{Text: T(lang, KeyNoticeRefunded, jobRef(jobID), pricing.FormatRUB(amount), pricing.FormatRUB(balance)), Buttons: [][]Button{{menuButton(lang)}}}
}

// Suspended is the one message a banned user gets, whatever they send.
func Suspended(lang Lang, supportContact string) Screen {
	contact := T(lang, KeySupportHere)
	if c := strings.TrimSpace(supportContact); c != "" {
		contact = Escape(cutRunes(c, 100))
	}
	return Screen{Text: T(lang, KeySuspended, contact)}
}

// ModelUnavailable says the model of an order is not sold any more (an
// admin switched it off after the confirmation was shown): nothing was
// charged.
func ModelUnavailable(lang Lang) Screen {
	return Screen{Text: T(lang, KeyModelGone) + "\n" + T(lang, KeyNothingCharged), Buttons: [][]Button{{menuButton(lang)}}}
}
