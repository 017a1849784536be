package fsm

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// The Stars subscription: a monthly plan (Env.SubStars Stars a month,
// Env.SubKopecks credited each month), sold with an invoice link whose
// every renewal Telegram charges and the actor credits once per charge.
// /subscription shows it and lets the user cancel or resume the renewals.

// StateSubscription is the subscription's screen; StateAdminSubs the
// console's list of subscribers.
const (
	StateSubscription = "subscription"
	StateAdminSubs    = "admin_subs"
)

// Events of the subscription.
const (
	EventSubscription = "subscription"
	EventAdminSubs    = "admin_subs"
)

// Actions of the subscription's buttons.
const (
	aSub       = "sub"  // the subscription's screen
	aSubBuy    = "subb" // subscribe: an invoice link
	aSubCancel = "subx" // stop the renewals
	aSubResume = "subr" // renew again
)

// SubscriptionPeriod is the only period Telegram sells subscriptions for.
const SubscriptionPeriod = 30 * 24 * time.Hour

// Subscribe asks the actor for an invoice link of the monthly plan.
type Subscribe struct{ Stars, Kopecks int64 }

// CancelSubscription asks the actor to stop (Resume: restart) the
// renewals of the user's subscription (editUserStarSubscription).
type CancelSubscription struct{ Resume bool }

func (Subscribe) isCommand()          {}
func (CancelSubscription) isCommand() {}

// SubscriptionFacts are the reads of the subscription's screens.
type SubscriptionFacts interface {
	Subscription() (v SubscriptionView, found bool, err error)
	// Subscribers is the console's: how many are paid for now, the latest.
	Subscribers(limit int) (n int, latest []SubscriptionView, err error)
}

// SubscriptionView is one subscription.
type SubscriptionView struct {
	UserID             int64
	UserName, Username string // raw (the console's list)
	Stars, Kopecks     int64
	ExpiresAt          time.Time
	Cancelled          bool
	Payments           int
}

// subOn reports whether the plan is offered.
func (t *turn) subOn() bool {
	return t.env.SubStars > 0 && t.env.SubStars <= 10000 && t.env.SubKopecks > 0 && t.env.SubKopecks <= 1_000_000*100
}

// subscription shows the plan and the user's subscription.
func (t *turn) subscription() error {
	if !t.subOn() {
		t.show(Screen{Text: T(t.lang, KeySubOff), Buttons: [][]Button{{menuButton(t.lang)}}})
		return nil
	}
	var (
		v     SubscriptionView
		found bool
	)
	if t.env.Sub != nil {
		var err error
		if v, found, err = t.env.Sub.Subscription(); err != nil {
			return fmt.Errorf("read subscription: %w", err)
		}
	}
	if !t.fire(EventSubscription) {
		return t.stale()
	}
	t.rotate()
	l := t.lang
	var text strings.Builder
	text.WriteString(T(l, KeySubTitle, t.env.SubStars, pricing.FormatRUB(t.env.SubKopecks)))
	if t.env.KopecksPerStar > 0 {
		text.WriteString("\n" + T(l, KeySubCompare, pricing.FormatRUB(t.env.SubStars*t.env.KopecksPerStar)))
	}
	var rows [][]Button
	active := found && v.ExpiresAt.After(t.env.Now)
	switch {
	case active && !v.Cancelled:
		text.WriteString("\n\n" + T(l, KeySubActive, when(v.ExpiresAt), v.Stars, pricing.FormatRUB(v.Kopecks)))
		rows = append(rows, []Button{t.b(T(l, KeyBtnSubCancel), aSubCancel, "")})
	case active:
		text.WriteString("\n\n" + T(l, KeySubCancelled, when(v.ExpiresAt)))
		rows = append(rows, []Button{t.b(T(l, KeyBtnSubResume), aSubResume, "")})
	default:
		if found {
			text.WriteString("\n\n" + T(l, KeySubEnded, when(v.ExpiresAt)))
		}
		rows = append(rows, []Button{t.b(T(l, KeyBtnSubBuy, t.env.SubStars), aSubBuy, "")})
	}
	rows = append(rows, []Button{t.b(T(l, KeyBtnMenu), aMenu, "")})
	t.show(Screen{Text: text.String(), Buttons: rows})
	return nil
}

// subAction handles the subscription screen's buttons.
func (t *turn) subAction(action string) error {
	if t.state() != StateSubscription || !t.subOn() {
		return t.stale()
	}
	switch action {
	case aSubBuy:
		t.cmd = Subscribe{Stars: t.env.SubStars, Kopecks: t.env.SubKopecks}
		t.answer(T(t.lang, KeyInvoiceSent), false)
	case aSubCancel:
		t.cmd = CancelSubscription{}
		t.answer(T(t.lang, KeyApplying), false)
	default:
		t.cmd = CancelSubscription{Resume: true}
		t.answer(T(t.lang, KeyApplying), false)
	}
	t.rotate() // one tap, one command
	return nil
}

// SubscriptionInvoice is the text above the subscription's pay button,
// the invoice's title, description and price label, and the button.
func SubscriptionInvoice(lang Lang, stars, kopecks int64) (text, title, desc, label, button string) {
	k := pricing.FormatRUB(kopecks)
	return T(lang, KeySubInvoiceText, stars, k), T(lang, KeySubInvoiceTitle), T(lang, KeySubInvoiceDesc, stars, k),
		T(lang, KeySubInvoiceLabel, k), T(lang, KeyBtnSubPay, stars)
}

// SubscriptionPaid tells the user a payment of the plan was credited.
func SubscriptionPaid(lang Lang, kopecks, balance int64, until time.Time, renewal bool) Screen {
	k := KeySubPaidFirst
	if renewal {
		k = KeySubPaidRenewal
	}
	return Screen{Text: T(lang, k, pricing.FormatRUB(kopecks), pricing.FormatRUB(balance), when(until)), Buttons: [][]Button{{menuButton(lang)}}}
}

// SubscriptionChanged tells the user the renewals stopped (or restarted).
func SubscriptionChanged(lang Lang, resumed bool, until time.Time) Screen {
	k := KeySubStopped
	if resumed {
		k = KeySubResumed
	}
	return Screen{Text: T(lang, k, when(until)), Buttons: [][]Button{{menuButton(lang)}}}
}

// adminSubs lists the subscriptions paid for now.
func (t *turn) adminSubs() error {
	if t.env.Sub == nil {
		t.fire(EventAdminSubs)
		t.rotate()
		t.show(Screen{Text: T(t.lang, KeySubOff), Buttons: [][]Button{{t.b(T(t.lang, KeyBtnAdmin), aAdm, "")}}})
		return nil
	}
	n, latest, err := t.env.Sub.Subscribers(pendingShown)
	if err != nil {
		return fmt.Errorf("list subscribers: %w", err)
	}
	if !t.fire(EventAdminSubs) {
		return t.stale()
	}
	t.rotate()
	var b strings.Builder
	b.WriteString(T(t.lang, KeySubsTitle, n))
	var rows [][]Button
	for _, v := range latest {
		line := "\n" + who(v.UserName, v.Username, v.UserID) + " · " + strconv.FormatInt(v.Stars, 10) + " ⭐ → " + pricing.FormatRUB(v.Kopecks) +
			" · " + T(t.lang, KeySubsUntil, when(v.ExpiresAt))
		if v.Cancelled {
			line += " · " + T(t.lang, KeySubsCancelled)
		}
		b.WriteString(line)
		rows = append(rows, []Button{{Text: T(t.lang, KeyBtnUser) + " " + strconv.FormatInt(v.UserID, 10),
			Data: callbackData(globalNonce, aUsr, strconv.FormatInt(v.UserID, 10))}})
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnAdmin), aAdm, "")})
	t.show(Screen{Text: b.String(), Buttons: rows})
	return nil
}
