package fsm

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// How much /balance and /history show.
const (
	balanceEntries = 5
	historyJobs    = 10
	maxPackages    = 10
)

// moscow is the time zone dates are shown in: most users are Russian, and
// Moscow has kept UTC+3 without daylight saving since 2014. A fixed zone
// needs no tz database, so rendering stays free of I/O.
func moscow() *time.Location { return time.FixedZone("MSK", 3*60*60) }

// when renders a moment as "02.01 15:04" Moscow time.
func when(t time.Time) string { return t.In(moscow()).Format("02.01 15:04") }

func (t *turn) facts() (Facts, error) {
	if t.env.Facts == nil {
		return nil, errNoFacts
	}
	return t.env.Facts, nil
}

// balance shows the balance, the amount held for running jobs and the last
// entries.
func (t *turn) balance() error {
	facts, err := t.facts()
	if err != nil {
		return err
	}
	avail, held, err := facts.Balance()
	if err != nil {
		return fmt.Errorf("read balance: %w", err)
	}
	entries, err := facts.RecentEntries(balanceEntries)
	if err != nil {
		return fmt.Errorf("read ledger entries: %w", err)
	}
	if !t.fire(EventBalance) {
		return t.stale()
	}
	t.rotate()
	var text strings.Builder
	text.WriteString(T(t.lang, KeyBalanceTitle, pricing.FormatRUB(avail)))
	if held > 0 {
		text.WriteString("\n" + T(t.lang, KeyHeld, pricing.FormatRUB(held)))
	}
	if len(entries) > 0 {
		text.WriteString("\n\n" + T(t.lang, KeyBalanceRecent))
		for _, e := range entries[:min(len(entries), balanceEntries)] {
			amount := pricing.FormatRUB(e.Amount)
			if e.Amount > 0 {
				amount = "+" + amount
			}
			if e.Kind == "capture" {
				// A capture moves money out of the reserve, not the
				// balance: show what the order cost.
				amount = T(t.lang, KeyLedgerFromReserve, pricing.FormatRUB(-e.Held))
			}
			line := "\n" + when(e.At) + " · " + ledgerKind(t.lang, e.Kind) + " " + amount
			if e.JobID > 0 {
				line += " · #" + strconv.FormatInt(e.JobID, 10)
			}
			text.WriteString(line)
		}
	}
	t.show(Screen{Text: text.String(), Buttons: [][]Button{
		{t.b(T(t.lang, KeyBtnTopUp), aTopUp, ""), t.b(T(t.lang, KeyBtnHistory), aHistory, "")},
		{t.b(T(t.lang, KeyBtnMenu), aMenu, "")},
	}})
	return nil
}

func ledgerKind(lang Lang, kind string) string {
	switch kind {
	case "topup":
		return T(lang, KeyLedgerTopUp)
	case "welcome":
		return T(lang, KeyLedgerWelcome)
	case "hold":
		return T(lang, KeyLedgerHold)
	case "capture":
		return T(lang, KeyLedgerCapture)
	case "release":
		return T(lang, KeyLedgerRelease)
	case "refund":
		return T(lang, KeyLedgerRefund)
	case "job_refund":
		return T(lang, KeyLedgerJobRefund)
	case "referral":
		return T(lang, KeyLedgerReferral)
	case "referral_back":
		return T(lang, KeyLedgerReferralBack)
	case "promo":
		return T(lang, KeyLedgerPromo)
	case "promo_back":
		return T(lang, KeyLedgerPromoBack)
	}
	return T(lang, KeyLedgerAdjustment)
}

// history shows the last jobs with buttons to resend a result or repeat.
func (t *turn) history() error {
	facts, err := t.facts()
	if err != nil {
		return err
	}
	jobs, err := facts.RecentJobs(historyJobs)
	if err != nil {
		return fmt.Errorf("read recent jobs: %w", err)
	}
	if !t.fire(EventHistory) {
		return t.stale()
	}
	t.rotate()
	jobs = jobs[:min(len(jobs), historyJobs)]
	t.s.Jobs = nil
	var text strings.Builder
	text.WriteString(T(t.lang, KeyHistoryTitle))
	if len(jobs) == 0 {
		text.WriteString("\n\n" + T(t.lang, KeyHistoryEmpty))
	}
	var rows [][]Button
	for i, j := range jobs {
		t.s.Jobs = append(t.s.Jobs, j.ID)
		id := "#" + strconv.FormatInt(j.ID, 10)
		price := pricing.FormatRUB(j.PriceKopecks)
		if j.Free {
			price = T(t.lang, KeyFreeMark)
		}
		text.WriteString("\n\n" + jobIcon(j.State) + " <b>" + id + "</b> · " + when(j.At) + " · " + Escape(t.modelName(j.ModelID)) +
			"\n" + jobState(t.lang, j.State) + " · " + price)
		var row []Button
		if j.HasResult {
			row = append(row, t.b(T(t.lang, KeyBtnResend, id), aResend, strconv.Itoa(i)))
		}
		if _, err := t.model(j.ModelID); err == nil {
			row = append(row, t.b(T(t.lang, KeyBtnRepeat, id), aRepeat, strconv.Itoa(i)))
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnMenu), aMenu, "")})
	t.show(Screen{Text: text.String(), Buttons: rows})
	return nil
}

// modelName is a model's display name, disabled or not, else its id.
func (t *turn) modelName(id string) string {
	if m, ok := t.reg.Lookup(id); ok {
		return m.Name(string(t.lang))
	}
	return cutRunes(id, 64)
}

func jobIcon(state string) string {
	switch state {
	case "succeeded":
		return "✅"
	case "failed":
		return "❌"
	case "expired":
		return "⌛"
	}
	return "⏳"
}

func jobState(lang Lang, state string) string {
	switch state {
	case "queued":
		return T(lang, KeyJobQueued)
	case "running":
		return T(lang, KeyJobRunning)
	case "succeeded":
		return T(lang, KeyJobSucceededShort)
	case "failed":
		return T(lang, KeyJobFailedShort)
	case "expired":
		return T(lang, KeyJobExpired)
	}
	return Escape(cutRunes(state, 20))
}

// resend asks the actor to send a job's result again.
func (t *turn) resend(id int64) error {
	facts, err := t.facts()
	if err != nil {
		return err
	}
	j, found, err := facts.Job(id)
	if err != nil {
		return fmt.Errorf("read job %d: %w", id, err)
	}
	switch {
	case !found:
		t.answer(T(t.lang, KeyJobNotFound), true)
	case !j.HasResult:
		t.answer(T(t.lang, KeyNoResult), true)
	default:
		t.cmd = ResendResult{JobID: j.ID}
		t.answer(T(t.lang, KeyResending), false)
	}
	return nil
}

// repeat puts an earlier job's inputs on a fresh confirmation: the price
// is quoted again, and inputs the registry no longer accepts are asked.
func (t *turn) repeat(id int64) error {
	facts, err := t.facts()
	if err != nil {
		return err
	}
	j, found, err := facts.Job(id)
	if err != nil {
		return fmt.Errorf("read job %d: %w", id, err)
	}
	if !found {
		t.answer(T(t.lang, KeyJobNotFound), true)
		return nil
	}
	m, err := t.model(j.ModelID)
	if err != nil {
		return t.gone()
	}
	_, nReq := plan(m)
	t.s.clearOrder()
	t.s.Model, t.s.Pos = m.ID(), nReq
	t.s.Params, t.s.Files = maps.Clone(j.Params), cloneFiles(j.FileIDs)
	t.fire(EventRepeat)
	t.answer(T(t.lang, KeyRepeating), false)
	return t.review(T(t.lang, KeyRepeatNote, "#"+strconv.FormatInt(j.ID, 10)))
}

// topUps reports whether Stars packages are offered. An absurd Star price
// (a configuration error) offers none rather than overflow.
func (t *turn) topUps() bool {
	return t.env.KopecksPerStar > 0 && t.env.KopecksPerStar <= 1_000_000 && len(t.packages()) > 0
}

// packages are the offered Star amounts with their index in
// Env.StarsPackages (the button's argument).
func (t *turn) packages() []int {
	var out []int
	for i, stars := range t.env.StarsPackages {
		if stars > 0 && stars <= 1_000_000 && len(out) < maxPackages {
			out = append(out, i)
		}
	}
	return out
}

// topUp shows the Stars packages, or says top-ups are unavailable.
func (t *turn) topUp() error {
	if !t.fire(EventTopUp) {
		return t.stale()
	}
	t.rotate()
	if !t.topUps() && !t.manualOn() && !t.subOn() {
		t.show(Screen{Text: T(t.lang, KeyTopUpUnavailable), Buttons: [][]Button{{t.b(T(t.lang, KeyBtnMenu), aMenu, "")}}})
		return nil
	}
	var rows [][]Button
	title := T(t.lang, KeyTopUpTitle)
	if t.topUps() {
		for _, i := range t.packages() {
			stars := t.env.StarsPackages[i]
			label := T(t.lang, KeyBtnPackage, stars, pricing.FormatRUB(stars*t.env.KopecksPerStar))
			rows = append(rows, []Button{t.b(label, aPack, strconv.Itoa(i))})
		}
	} else {
		title = T(t.lang, KeyTopUpManualOnly)
	}
	if t.subOn() {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnSubPlan, t.env.SubStars, pricing.FormatRUB(t.env.SubKopecks)), aSub, "")})
	}
	if t.manualOn() {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnManual), aManual, "")})
	}
	if t.s.Model != "" { // came from a confirmation the balance did not cover
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnBackToOrder), aRefresh, "")})
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnMenu), aMenu, "")})
	t.show(Screen{Text: title, Buttons: rows})
	return nil
}

// buy asks the actor for an invoice for one package.
func (t *turn) buy(arg string) error {
	i, ok := index(arg, len(t.env.StarsPackages))
	if !ok || t.state() != StateTopUp || !t.topUps() {
		return t.stale()
	}
	stars := t.env.StarsPackages[i]
	if stars <= 0 || stars > 1_000_000 {
		return t.stale()
	}
	t.cmd = CreateInvoice{Stars: stars, Kopecks: stars * t.env.KopecksPerStar}
	t.answer(T(t.lang, KeyInvoiceSent), false)
	return nil
}
