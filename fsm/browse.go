package fsm

import (
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// pageSize is how many models a list page shows.
const pageSize = 8

// browseAction handles the menu's categories, list pages and model buttons.
func (t *turn) browseAction(action, arg string) error {
	switch action {
	case aCat:
		cats := t.categories()
		i, ok := index(arg, len(cats))
		if !ok || t.state() != StateMenu {
			return t.stale()
		}
		return t.openList(string(cats[i].Category))
	case aFree:
		if !t.freeTier() || t.state() != StateMenu {
			return t.stale()
		}
		return t.openList(catFree)
	case aPage:
		models := t.models(t.s.Cat)
		p, ok := index(arg, pages(len(models)))
		if !ok || t.state() != StateCategory {
			return t.stale()
		}
		t.s.Page = p
		return t.list("")
	case aModel:
		listed := t.s.Listed
		if len(listed) == 0 { // a list shown before Listed was kept
			for _, m := range t.models(t.s.Cat) {
				listed = append(listed, m.ID())
			}
		}
		i, ok := index(arg, len(listed))
		if !ok || t.state() != StateCategory {
			return t.stale()
		}
		if _, err := t.model(listed[i]); err != nil {
			return t.gone()
		}
		t.s.clearOrder()
		t.s.Model, t.s.Listed = listed[i], nil // the list is left: keep the session small
		t.fire(EventOpen)
		return t.card()
	}
	return t.stale()
}

func (t *turn) openList(cat string) error {
	if !t.fire(EventBrowse) {
		return t.stale()
	}
	t.s.Cat, t.s.Page = cat, 0
	return t.list("")
}

// models lists a category's enabled models (or the free ones), cheapest
// first; nil for an unknown category.
func (t *turn) models(cat string) []*pricing.Model {
	if cat == catFree {
		if !t.freeTier() {
			return nil
		}
		return t.freeModels()
	}
	c := pricing.Category(cat)
	if !c.Valid() {
		return nil
	}
	return t.byCategory(c)
}

func pages(n int) int { return max(1, (n+pageSize-1)/pageSize) }

// list shows a page of the current category's models.
func (t *turn) list(note string) error {
	models := t.models(t.s.Cat)
	if len(models) == 0 {
		t.fire(EventMenu)
		return t.mainMenu(note)
	}
	t.s.Page = min(max(t.s.Page, 0), pages(len(models))-1)
	t.rotate()
	title := T(t.lang, KeyFreeTitle, t.env.FreeDailyLimit)
	if t.s.Cat != catFree {
		title = "<b>" + Escape(pricing.Category(t.s.Cat).Label().In(string(t.lang))) + "</b>"
	}
	var text strings.Builder
	if note != "" {
		text.WriteString(note + "\n\n")
	}
	text.WriteString(title + "\n" + T(t.lang, KeyListHint))
	if !t.selling() {
		text.WriteString("\n\n" + T(t.lang, KeySalesPaused))
	}
	if n := pages(len(models)); n > 1 {
		text.WriteString("\n" + T(t.lang, KeyPageOf, t.s.Page+1, n))
	}
	t.s.Listed = t.s.Listed[:0]
	for _, m := range models {
		t.s.Listed = append(t.s.Listed, m.ID())
	}
	var rows [][]Button
	first := t.s.Page * pageSize
	for i := first; i < min(first+pageSize, len(models)); i++ {
		rows = append(rows, []Button{t.b(t.modelButton(models[i]), aModel, strconv.Itoa(i))})
	}
	var nav []Button
	if t.s.Page > 0 {
		nav = append(nav, t.b(T(t.lang, KeyBtnPrev), aPage, strconv.Itoa(t.s.Page-1)))
	}
	if t.s.Page < pages(len(models))-1 {
		nav = append(nav, t.b(T(t.lang, KeyBtnNext), aPage, strconv.Itoa(t.s.Page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnMenu), aMenu, "")})
	t.show(Screen{Text: text.String(), Buttons: rows})
	return nil
}

// modelButton is a list entry: the name and "from X ₽", or free.
func (t *turn) modelButton(m *pricing.Model) string {
	name := cutRunes(m.Name(string(t.lang)), 40)
	switch {
	case t.isFree(m.ID()):
		return name + " · " + T(t.lang, KeyFreeMark)
	case t.selling():
		if q, err := t.env.Pricer.From(m.ID()); err == nil {
			return name + " · " + T(t.lang, KeyFrom, pricing.FormatRUB(q.Kopecks))
		}
	}
	return name
}

// card shows the current model: description, what it needs and its prices.
func (t *turn) card() error {
	m, err := t.model(t.s.Model)
	if err != nil {
		return t.gone()
	}
	t.rotate()
	lang := string(t.lang)
	var text strings.Builder
	text.WriteString("<b>" + Escape(m.Name(lang)) + "</b>\n" + Escape(m.Description(lang)) + "\n\n")
	fields, nReq := plan(m)
	var needs []string
	for _, f := range fields[:nReq] {
		if f.Type == pricing.KindFile || f.Type == pricing.KindString { // options are chosen later with buttons
			needs = append(needs, fieldLabel(t.lang, f.Name))
		}
	}
	if len(needs) > 0 {
		text.WriteString(T(t.lang, KeyCardNeeds, Escape(strings.Join(needs, ", "))) + "\n\n")
	}
	if t.selling() {
		text.WriteString(t.priceList(m))
	} else {
		text.WriteString(T(t.lang, KeySalesPaused))
	}
	var rows [][]Button
	if t.selling() {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnStart), aGo, "")})
	}
	back := []Button{}
	if t.s.Cat != "" && len(t.models(t.s.Cat)) > 0 {
		back = append(back, t.b(T(t.lang, KeyBtnBack), aBack, ""))
	}
	rows = append(rows, append(back, t.b(T(t.lang, KeyBtnMenu), aMenu, "")))
	t.show(Screen{Text: text.String(), Buttons: rows})
	return nil
}

// priceList renders every price mode of m, cheapest first.
func (t *turn) priceList(m *pricing.Model) string {
	qs, err := t.env.Pricer.ModeQuotes(m.ID())
	if err != nil || len(qs) == 0 {
		return T(t.lang, KeySalesPaused)
	}
	var b strings.Builder
	if t.isFree(m.ID()) {
		b.WriteString(T(t.lang, KeyCardFree, t.env.FreeDailyLimit) + "\n")
	}
	price := func(q pricing.Quote) string {
		if q.PerUnit() {
			return pricing.FormatRate(q, string(t.lang))
		}
		return pricing.FormatRUB(q.Kopecks)
	}
	if len(qs) == 1 && qs[0].Mode.LabelIn(string(t.lang)) == "" {
		b.WriteString(T(t.lang, KeyCardOnePrice, price(qs[0])))
		return b.String()
	}
	b.WriteString(T(t.lang, KeyCardPrices))
	for i, q := range qs {
		if i == 12 {
			b.WriteString("\n…")
			break
		}
		b.WriteString("\n• " + Escape(cutRunes(q.Mode.LabelIn(string(t.lang)), 60)) + " — " + price(q))
	}
	return b.String()
}
