package fsm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// review checks the order and shows the confirmation, or asks for whatever
// is missing or no longer valid (a repeated job's inputs after the registry
// changed, a price combination left unpriced by a later choice).
func (t *turn) review(note string) error {
	m, fields, nReq, ok := t.order()
	if !ok {
		return t.gone()
	}
	for range len(fields) + len(t.s.Params) + len(t.s.Files) + 1 {
		_, err := m.Input(t.s.Params, t.s.Files)
		if err == nil {
			if !t.fire(EventReview) {
				return t.stale()
			}
			return t.confirmScreen(m, fields, nReq, note)
		}
		var fe *pricing.FieldError
		if errors.As(err, &fe) {
			i := slices.IndexFunc(fields, func(f pricing.Field) bool { return f.Name == fe.Field })
			if i < 0 { // a field the model no longer asks for: pricing fills fixed ones in
				delete(t.s.Params, fe.Field)
				delete(t.s.Files, fe.Field)
				continue
			}
			f := fields[i]
			msg := T(t.lang, KeyNeedInput, Escape(fieldLabel(t.lang, f.Name)))
			if t.hasValue(f) {
				msg = fieldErrorText(t.lang, f, t.s.Params[f.Name], err)
				t.clearField(f)
			}
			return t.askAt(i, msg)
		}
		if errors.Is(err, pricing.ErrUnpriced) || errors.Is(err, pricing.ErrIncomplete) {
			i := slices.IndexFunc(fields, func(f pricing.Field) bool { return f.Price })
			if i < 0 {
				return t.gone()
			}
			t.clearField(fields[i])
			return t.askAt(i, T(t.lang, KeyChooseAgain))
		}
		return t.gone()
	}
	return t.gone()
}

func (t *turn) askAt(i int, note string) error {
	t.s.Pos = i
	if !t.fire(EventAsk) {
		return t.stale()
	}
	return t.ask("⚠️ " + note)
}

// offer is a priced order as the user would be charged now.
type offer struct {
	q        pricing.Quote
	free     bool // a free use is consumed instead of money
	freeLeft int  // free uses left today, for a free model
	freeOver bool // a free model whose daily uses are spent: the normal price applies
	avail    int64
	held     int64
	running  int
	busy     bool // at the running-jobs limit
	short    bool // the balance does not cover the price
}

var errNoFacts = errors.New("fsm: env has no facts")

// quote prices the order as it stands: per task, or per unit of what its
// basis measures (the files' durations, the text's length).
func (t *turn) quote(m *pricing.Model) (pricing.Quote, error) {
	b, err := m.BasisFor(t.s.Params)
	if err != nil {
		return pricing.Quote{}, fmt.Errorf("quote %s: %w", m.ID(), err)
	}
	q, err := t.env.Pricer.QuoteQuantity(m.ID(), t.s.Params, t.quantity(b))
	if err != nil {
		return pricing.Quote{}, fmt.Errorf("quote %s: %w", m.ID(), err)
	}
	return q, nil
}

// quantityProblem turns a per-unit quote's refusal into the field to ask
// again and what to say: too long (with the limit), or not measurable.
func (t *turn) quantityProblem(fields []pricing.Field, err error) (pos int, note string, ok bool) {
	var qe *pricing.QuantityError
	if !errors.As(err, &qe) {
		return 0, "", false
	}
	pos = slices.IndexFunc(fields, func(f pricing.Field) bool { return f.Name == qe.Field })
	if pos < 0 {
		return 0, "", false
	}
	switch {
	case errors.Is(err, pricing.ErrQuantityTooLarge) && qe.Max.Kind() == pricing.QuantitySeconds:
		note = T(t.lang, KeyErrMediaTooLong, strconv.FormatInt(qe.Max.Count(), 10))
	case errors.Is(err, pricing.ErrQuantityTooLarge):
		note = T(t.lang, KeyErrTooLong, qe.Got.Count(), strconv.FormatInt(qe.Max.Count(), 10))
	case qe.Unit.Measures() == pricing.QuantitySeconds:
		note = T(t.lang, KeyNoDuration)
	default:
		note = T(t.lang, KeyErrEmpty)
	}
	return pos, note, true
}

func (t *turn) offer(m *pricing.Model) (offer, error) {
	facts := t.env.Facts
	if facts == nil {
		return offer{}, errNoFacts
	}
	q, err := t.quote(m)
	if err != nil {
		return offer{}, err
	}
	o := offer{q: q}
	if t.isFree(m.ID()) {
		used, err := facts.FreeUsedToday()
		if err != nil {
			return offer{}, fmt.Errorf("read free uses today: %w", err)
		}
		o.freeLeft = max(t.env.FreeDailyLimit-used, 0)
		o.free, o.freeOver = o.freeLeft > 0, o.freeLeft == 0
	}
	if o.avail, o.held, err = facts.Balance(); err != nil {
		return offer{}, fmt.Errorf("read balance: %w", err)
	}
	if !t.env.IsAdmin && t.env.MaxRunningJobs > 0 {
		if o.running, err = facts.RunningJobs(); err != nil {
			return offer{}, fmt.Errorf("count running jobs: %w", err)
		}
		o.busy = o.running >= t.env.MaxRunningJobs
	}
	o.short = !o.free && o.avail < q.Kopecks
	return o, nil
}

// confirmScreen shows the order, the exact price, the balance after it and
// whatever stands in the way.
func (t *turn) confirmScreen(m *pricing.Model, fields []pricing.Field, nReq int, note string) error {
	t.rotate()
	t.s.Shown = nil
	var text strings.Builder
	if note != "" {
		text.WriteString(note + "\n\n")
	}
	text.WriteString(T(t.lang, KeyConfirmTitle, Escape(m.Name(string(t.lang)))))
	for _, f := range fields {
		if t.hasValue(f) {
			text.WriteString("\n• " + Escape(fieldLabel(t.lang, f.Name)) + ": " + t.valueText(f))
		}
	}
	var rows [][]Button
	if !t.selling() {
		text.WriteString("\n\n" + T(t.lang, KeySalesPaused))
	} else {
		o, err := t.offer(m)
		if errors.Is(err, pricing.ErrUnpriced) || errors.Is(err, pricing.ErrModelDisabled) || errors.Is(err, pricing.ErrUnknownModel) {
			return t.gone()
		}
		if pos, note, ok := t.quantityProblem(fields, err); ok {
			return t.askAt(pos, note)
		}
		if err != nil {
			return err
		}
		text.WriteString("\n\n" + t.priceLines(o))
		switch {
		case !o.short && !o.busy:
			label := T(t.lang, KeyBtnConfirm, pricing.FormatRUB(o.q.Kopecks))
			if o.free {
				label = T(t.lang, KeyBtnConfirmFree)
			}
			rows = append(rows, []Button{t.b(label, aConfirm, "")})
		case o.short && t.anyTopUp():
			rows = append(rows, []Button{t.b(T(t.lang, KeyBtnTopUp), aTopUp, ""), t.b(T(t.lang, KeyBtnRefresh), aRefresh, "")})
		default:
			rows = append(rows, []Button{t.b(T(t.lang, KeyBtnRefresh), aRefresh, "")})
		}
		t.s.Shown = &shownPrice{Kopecks: o.q.Kopecks, Free: o.free}
	}
	if len(fields) > nReq {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnSettings, len(fields)-nReq), aSettings, "")})
	}
	last := []Button{t.b(T(t.lang, KeyBtnCancel), aCancel, "")}
	if nReq > 0 {
		last = append([]Button{t.b(T(t.lang, KeyBtnEdit), aEdit, "")}, last...)
	}
	t.show(Screen{Text: text.String(), Buttons: append(rows, last)})
	return nil
}

func (t *turn) priceLines(o offer) string {
	var lines []string
	switch {
	case o.free:
		lines = append(lines, T(t.lang, KeyPriceFree, o.freeLeft, t.env.FreeDailyLimit))
	case o.freeOver:
		lines = append(lines, T(t.lang, KeyFreeOver, t.env.FreeDailyLimit), T(t.lang, KeyPrice, pricing.FormatQuote(o.q, string(t.lang))))
	default:
		lines = append(lines, T(t.lang, KeyPrice, pricing.FormatQuote(o.q, string(t.lang))))
	}
	if o.free || o.short {
		lines = append(lines, T(t.lang, KeyBalanceNow, pricing.FormatRUB(o.avail)))
	} else {
		lines = append(lines, T(t.lang, KeyBalanceAfter, pricing.FormatRUB(o.avail), pricing.FormatRUB(o.avail-o.q.Kopecks)))
	}
	if o.held > 0 {
		lines = append(lines, T(t.lang, KeyHeld, pricing.FormatRUB(o.held)))
	}
	switch {
	case o.short && t.anyTopUp():
		lines = append(lines, "", T(t.lang, KeyShort, pricing.FormatRUB(o.q.Kopecks-o.avail))+" "+T(t.lang, KeyShortTopUp))
	case o.short:
		lines = append(lines, "", T(t.lang, KeyShort, pricing.FormatRUB(o.q.Kopecks-o.avail)))
	case o.busy:
		lines = append(lines, "", T(t.lang, KeyBusy, o.running, t.env.MaxRunningJobs))
	case !o.free:
		lines = append(lines, "", T(t.lang, KeyHoldNote))
	}
	return strings.Join(lines, "\n")
}

// confirm turns a tap on the confirmation into a CreateJob, at the price
// the screen showed and only if nothing stands in the way now.
func (t *turn) confirm() error {
	if t.state() != StateConfirm {
		return t.stale()
	}
	m, fields, _, ok := t.order()
	if !ok {
		return t.gone()
	}
	if !t.selling() {
		t.answer(T(t.lang, KeySalesPausedShort), true)
		return t.review("")
	}
	if _, err := m.Input(t.s.Params, t.s.Files); err != nil {
		return t.review("")
	}
	o, err := t.offer(m)
	if _, _, ok := t.quantityProblem(fields, err); ok {
		return t.review("")
	}
	if err != nil {
		return err
	}
	switch {
	case t.s.Shown == nil || o.q.Kopecks != t.s.Shown.Kopecks || o.free != t.s.Shown.Free:
		t.answer(T(t.lang, KeyPriceChanged), true)
		return t.review("")
	case o.short:
		t.answer(T(t.lang, KeyShortAnswer), true)
		return t.review("")
	case o.busy:
		t.answer(T(t.lang, KeyBusyAnswer, t.env.MaxRunningJobs), true)
		return t.review("")
	}
	job := CreateJob{ModelID: m.ID(), Params: maps.Clone(t.s.Params), FileIDs: cloneFiles(t.s.Files), Quote: o.q, Charge: ChargeBalance}
	if o.free {
		job.Charge = ChargeFreeUse
	}
	if job.Params == nil {
		job.Params = pricing.Params{}
	}
	job.IdempotencyKey = jobKey(t.env.UserID, t.s.Nonce, job)
	t.s.Done = &submittedScreen{Nonce: t.s.Nonce, Job: job}
	t.s.clearOrder()
	t.fire(EventSubmit)
	t.rotate() // every other button of the confirmation is stale now
	t.cmd = job
	t.answer(T(t.lang, KeySent), false)
	return nil
}

// jobKey derives the idempotency key from the confirmation screen (its
// nonce) and everything it promised, so only a tap on that very screen maps
// to the same job.
func jobKey(userID int64, nonce string, job CreateJob) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00", userID, nonce, job.ModelID)
	for _, k := range slices.Sorted(maps.Keys(job.Params)) {
		fmt.Fprintf(h, "p\x00%s\x00%s\x00", k, job.Params[k])
	}
	for _, k := range slices.Sorted(maps.Keys(job.FileIDs)) {
		fmt.Fprintf(h, "f\x00%s\x00%s\x00", k, strings.Join(job.FileIDs[k], "\x01"))
	}
	// The key's bytes are as they were when the charge was written into
	// Quote.Free: a confirmation shown before an upgrade keeps its key.
	fmt.Fprintf(h, "%d\x00%t", job.Quote.Kopecks, job.Charge == ChargeFreeUse)
	return "confirm:" + hex.EncodeToString(h.Sum(nil))[:32]
}

func cloneFiles(in map[string][]string) map[string][]string {
	if in == nil {
		return nil
	}
	out := make(map[string][]string, len(in))
	for k, v := range in {
		out[k] = slices.Clone(v)
	}
	return out
}
