package fsm

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// Manual card/SBP top-ups: the user picks an amount on the top-up screen,
// the actor shows the operator's payment details with a reference
// (ManualDetails), and the next photo or PDF the user sends is the
// receipt (SubmitReceipt). The admins get it with the pre-check's
// findings and decide in the console: approve (ActManualApprove) or
// reject with a reason (ActManualReject). A photo alone never credits
// money: only an admin's confirmed approval does.

// StateManual waits for the receipt of a manual top-up.
const StateManual = "manual"

// StateAdminManual is the console's list of receipts awaiting a decision.
const StateAdminManual = "admin_manual"

// Events of the manual top-up.
const (
	EventManual       = "manual"       // the details were shown: wait for the receipt
	EventAdminManual  = "admin_manual" // the pending receipts
	EventAdminDecide  = "admin_decide" // an approval shown for confirmation, from any console screen
	SectionManual     = AdminSection("manual")
	DefaultManualSize = 10 << 20 // bytes of a receipt file when Env.ManualMaxBytes is 0
)

// Actions of the manual top-up's buttons.
const (
	aManual   = "man" // the manual top-up's amounts
	aManAmt   = "mam" // pay amount <index into Env.ManualAmounts> by transfer
	aManOK    = "mok" // approve manual top-up <id> (global)
	aManNo    = "mno" // reject manual top-up <id> (global)
	aManList  = "mls" // the pending receipts (global)
	maxAmount = 10    // amounts offered at most
)

// The console's decisions on a receipt.
const (
	ActManualApprove AdminActKind = "manual_approve" // ManualID
	ActManualReject  AdminActKind = "manual_reject"  // ManualID, Reason
)

// RefusedDecided: the receipt was approved or rejected before (by anyone);
// Detail is its state.
const RefusedDecided AdminRefusal = "decided"

// CreateManualTopUp asks the actor to record a request to pay Kopecks by
// transfer and show the details with its reference (ManualDetails).
type CreateManualTopUp struct{ Kopecks int64 }

// SubmitReceipt asks the actor to pre-check File and send it to the
// admins as the receipt of the user's request awaiting one.
type SubmitReceipt struct{ File File }

func (CreateManualTopUp) isCommand() {}
func (SubmitReceipt) isCommand()     {}

// ManualFacts are the console's reads of manual top-ups.
type ManualFacts interface {
	ManualTopUp(id int64) (v ManualView, found bool, err error)
	PendingManual(limit int) (vs []ManualView, more bool, err error)
}

// ManualView is one manual top-up as the console shows it.
type ManualView struct {
	ID                 int64
	UserID             int64
	UserName, Username string // raw
	Available          int64  // the user's balance now
	Kopecks            int64
	Reference          string
	State              string // awaiting, submitted, approved, rejected, expired, cancelled
	Flags              []string
	SubmittedAt        time.Time
}

// manualAmounts are the offered amounts' indexes into Env.ManualAmounts.
func (t *turn) manualAmounts() []int {
	var out []int
	for i, k := range t.env.ManualAmounts {
		if k > 0 && k <= 1_000_000*100 && len(out) < maxAmount {
			out = append(out, i)
		}
	}
	return out
}

// manualOn reports whether manual top-ups are offered.
func (t *turn) manualOn() bool { return len(t.manualAmounts()) > 0 }

// manualMenu shows the amounts one can pay by transfer.
func (t *turn) manualMenu() error {
	if !t.manualOn() || !t.fire(EventTopUp) {
		return t.stale()
	}
	t.rotate()
	var rows [][]Button
	var row []Button
	for _, i := range t.manualAmounts() {
		row = append(row, t.b(pricing.FormatRUB(t.env.ManualAmounts[i]), aManAmt, strconv.Itoa(i)))
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnBack), aTopUp, ""), t.b(T(t.lang, KeyBtnMenu), aMenu, "")})
	t.show(Screen{Text: T(t.lang, KeyManualTitle), Buttons: rows})
	return nil
}

// manualPick asks the actor for a request of the amount picked.
func (t *turn) manualPick(arg string) error {
	i, ok := index(arg, len(t.env.ManualAmounts))
	if !ok || t.state() != StateTopUp || !t.manualOn() || t.env.ManualAmounts[i] <= 0 || t.env.ManualAmounts[i] > 1_000_000*100 {
		return t.stale()
	}
	t.fire(EventManual)
	t.rotate()
	t.cmd = CreateManualTopUp{Kopecks: t.env.ManualAmounts[i]}
	t.answer(T(t.lang, KeyManualPreparing), false)
	return nil
}

// manualFile takes a file sent while a receipt is awaited: a photo or a
// PDF/PNG/JPEG/WebP document within the size limit is the receipt.
func (t *turn) manualFile() error {
	f := t.in.File
	limit := t.env.ManualMaxBytes
	if limit <= 0 {
		limit = DefaultManualSize
	}
	switch {
	case f == nil || !receiptKind(*f):
		t.show(Screen{Text: T(t.lang, KeyReceiptKind), Buttons: [][]Button{{menuButton(t.lang)}}})
		return nil
	case f.Size > limit:
		t.show(Screen{Text: T(t.lang, KeyReceiptTooBig, megabytes(t.lang, f.Size), megabytes(t.lang, limit)), Buttons: [][]Button{{menuButton(t.lang)}}})
		return nil
	}
	t.fire(EventMenu) // one receipt per request: the next file is not one
	t.cmd = SubmitReceipt{File: *f}
	return nil
}

// receiptKind reports whether f can be a receipt: a photo, or a document
// that is a PDF or a picture.
func receiptKind(f File) bool {
	if f.Kind == "photo" {
		return true
	}
	if f.Kind != "document" {
		return false
	}
	switch strings.ToLower(f.MIME) {
	case "application/pdf", "image/png", "image/jpeg", "image/webp":
		return true
	}
	name := strings.ToLower(f.Name)
	for _, ext := range []string{".pdf", ".png", ".jpg", ".jpeg", ".webp"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// ManualDetails is the screen with the operator's details (raw text,
// escaped here) and the reference to put in the transfer comment.
func ManualDetails(lang Lang, details string, kopecks int64, reference string, validFor time.Duration) Screen {
	hours := max(int(validFor.Round(time.Hour)/time.Hour), 1)
	return Screen{Text: T(lang, KeyManualDetails, pricing.FormatRUB(kopecks), Escape(cutRunes(details, 1000)), Escape(reference), hours),
		Buttons: [][]Button{{menuButton(lang)}}}
}

// ReceiptReceived tells the user their receipt went to the admins.
func ReceiptReceived(lang Lang, id int64) Screen {
	return Screen{Text: T(lang, KeyReceiptReceived, id), Buttons: [][]Button{{menuButton(lang)}}}
}

// ManualApproved tells the user an admin confirmed their transfer.
func ManualApproved(lang Lang, id, kopecks, balance int64) Screen {
	return Screen{Text: T(lang, KeyManualApproved, id, pricing.FormatRUB(kopecks), pricing.FormatRUB(balance)), Buttons: [][]Button{{menuButton(lang)}}}
}

// ManualRejected tells the user an admin rejected their receipt, and why.
func ManualRejected(lang Lang, id int64, reason, support string) Screen {
	contact := T(lang, KeySupportHere)
	if c := strings.TrimSpace(support); c != "" {
		contact = Escape(cutRunes(c, 100))
	}
	return Screen{Text: T(lang, KeyManualRejected, id, Escape(cutRunes(reason, maxReason)), contact), Buttons: [][]Button{{menuButton(lang)}}}
}

// ManualButtons are an admin's buttons under a receipt: approve, reject
// and the list of pending receipts (global: the message is not a screen).
func ManualButtons(lang Lang, id int64) [][]Button {
	arg := strconv.FormatInt(id, 10)
	return [][]Button{{
		{Text: T(lang, KeyBtnApprove), Data: callbackData(globalNonce, aManOK, arg)},
		{Text: T(lang, KeyBtnReject), Data: callbackData(globalNonce, aManNo, arg)},
	}, {{Text: T(lang, KeyBtnPendingReceipts), Data: callbackData(globalNonce, aManList, "")}}}
}

// manualGlobal handles the receipt messages' buttons (admins only).
func (t *turn) manualGlobal(action, arg string) error {
	if !t.env.IsAdmin {
		return t.stale()
	}
	a := t.adm()
	a.Act, a.Ask = nil, ""
	if action == aManList {
		return t.adminManual()
	}
	id, ok := jobID(arg)
	if !ok {
		return t.stale()
	}
	if action == aManOK {
		a.Act = &pendingAct{Kind: ActManualApprove, Manual: id}
		return t.showAct("")
	}
	a.Act = &pendingAct{Kind: ActManualReject, Manual: id}
	return t.prompt(askReason, "")
}

func (t *turn) manualFacts() (ManualFacts, error) {
	if t.env.Manual == nil {
		return nil, errNoAdminFacts
	}
	return t.env.Manual, nil
}

// pendingShown is how many pending receipts the list shows.
const pendingShown = 10

// adminManual lists the receipts awaiting a decision, oldest first.
func (t *turn) adminManual() error {
	if t.env.Manual == nil {
		t.fire(EventAdminManual)
		t.rotate()
		t.show(Screen{Text: T(t.lang, KeyManualOff), Buttons: [][]Button{{t.b(T(t.lang, KeyBtnAdmin), aAdm, "")}}})
		return nil
	}
	facts, err := t.manualFacts()
	if err != nil {
		return err
	}
	vs, more, err := facts.PendingManual(pendingShown)
	if err != nil {
		return fmt.Errorf("list pending receipts: %w", err)
	}
	if !t.fire(EventAdminManual) {
		return t.stale()
	}
	t.rotate()
	var b strings.Builder
	b.WriteString(T(t.lang, KeyManualListTitle))
	if len(vs) == 0 {
		b.WriteString("\n\n" + T(t.lang, KeyManualListEmpty))
	}
	var rows [][]Button
	for _, v := range vs {
		b.WriteString("\n\n" + manualLine(t.lang, v))
		arg := strconv.FormatInt(v.ID, 10)
		rows = append(rows, []Button{
			{Text: T(t.lang, KeyBtnApproveN, v.ID), Data: callbackData(globalNonce, aManOK, arg)},
			{Text: T(t.lang, KeyBtnRejectN, v.ID), Data: callbackData(globalNonce, aManNo, arg)},
		})
	}
	if more {
		b.WriteString("\n\n" + T(t.lang, KeyManualListMore, pendingShown))
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}

// manualLine is one receipt in the list and on the confirmation.
func manualLine(l Lang, v ManualView) string {
	s := T(l, KeyManualLine, v.ID, pricing.FormatRUB(v.Kopecks), who(v.UserName, v.Username, v.UserID), Escape(v.Reference))
	if !v.SubmittedAt.IsZero() {
		s += " · " + when(v.SubmittedAt)
	}
	if len(v.Flags) > 0 {
		var fl []string
		for _, f := range v.Flags {
			fl = append(fl, flagLabel(l, f))
		}
		s += "\n⚠️ " + strings.Join(fl, ", ")
	}
	return s
}

// The pre-check's flags, as the store keeps them.
const (
	FlagNotChecked = "not_checked"
	FlagAmount     = "wrong_amount"
	FlagDate       = "old_date"
	FlagFuture     = "future_date"
	FlagNoDate     = "no_date"
	FlagReference  = "no_reference"
	FlagDuplicate  = "duplicate"
	FlagSimilar    = "similar"
)

func flagLabel(l Lang, f string) string {
	switch f {
	case FlagNotChecked:
		return T(l, KeyFlagNotChecked)
	case FlagAmount:
		return T(l, KeyFlagAmount)
	case FlagDate:
		return T(l, KeyFlagDate)
	case FlagFuture:
		return T(l, KeyFlagFuture)
	case FlagNoDate:
		return T(l, KeyFlagNoDate)
	case FlagReference:
		return T(l, KeyFlagReference)
	case FlagDuplicate:
		return T(l, KeyFlagDuplicate)
	case FlagSimilar:
		return T(l, KeyFlagSimilar)
	}
	return Escape(cutRunes(f, 32))
}

// manualAct renders a decision on a receipt for confirmation; blocked
// says why it cannot be confirmed as things are.
func (t *turn) manualAct(p *pendingAct) (text, blocked string, found bool, err error) {
	facts, err := t.manualFacts()
	if err != nil {
		return "", "", false, err
	}
	v, found, err := facts.ManualTopUp(p.Manual)
	if err != nil || !found {
		return "", "", found, err
	}
	l := t.lang
	if p.Kind == ActManualApprove {
		text = T(l, KeyConfirmManualApprove, v.ID, pricing.FormatRUB(v.Kopecks), who(v.UserName, v.Username, v.UserID),
			pricing.FormatRUB(v.Available), pricing.FormatRUB(v.Available+v.Kopecks))
	} else {
		text = T(l, KeyConfirmManualReject, v.ID, pricing.FormatRUB(v.Kopecks), who(v.UserName, v.Username, v.UserID))
	}
	text += "\n\n" + manualLine(l, v)
	if v.State != "submitted" {
		blocked = T(l, KeyManualDecidedNow, Escape(v.State))
	}
	return text, blocked, true, nil
}

// manualOutcome is the outcome text of a decision carried out.
func manualOutcome(l Lang, act AdminAct, r AdminResult) string {
	w := who(r.UserName, r.Username, r.UserID)
	if act.Kind == ActManualApprove {
		return T(l, KeyDoneManualApprove, act.ManualID, signedRUB(r.After-r.Before), w, pricing.FormatRUB(r.Before), pricing.FormatRUB(r.After))
	}
	return T(l, KeyDoneManualReject, act.ManualID, w)
}

// anyTopUp reports whether some way to top up is offered: Stars packages,
// the monthly plan or transfers.
func (t *turn) anyTopUp() bool { return t.topUps() || t.subOn() || t.manualOn() }
