package fsm

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kiebot/kiebot/pricing"
)

// Price confirmations in the console: /confirmprice names a model, the
// option, the credits, the unit and the source in one line; the
// confirmation screen shows it back checked against the registry on sale
// (pricing.Registry.CheckConfirmation: a refusal says why and offers no
// ✅), and ✅ yields an AdminAct the operator service stores and audits.
//
//	/confirmprice <model> [input=value …] <credits> <unit>[:<input>] [YYYY-MM-DD] <source URL or note>
//	/confirmprice <model> [input=value …] off <why>
//
// Units: task, input-second, output-second, 1000-characters (also s,
// chars). The date is when the price was read (default today).

// ActConfirmPrice confirms a price (or takes an option off sale): Price.
const ActConfirmPrice AdminActKind = "confirm_price"

// PriceAct is a price confirmation as the console prepared it.
type PriceAct struct {
	Disable bool              `json:"off,omitempty"`
	Option  map[string]string `json:"o,omitempty"`
	Unit    string            `json:"u,omitempty"`
	Field   string            `json:"f,omitempty"`
	Credits int64             `json:"c,omitempty"` // micro-credits per unit
	Source  string            `json:"s"`
	Date    string            `json:"d"` // YYYY-MM-DD
}

// Confirmation is the act as package pricing takes it, by admin.
func (p PriceAct) Confirmation(modelID string, adminID int64) pricing.Confirmation {
	at, _ := time.Parse(time.DateOnly, p.Date)
	c := pricing.Confirmation{Kind: pricing.ConfirmPrice, ModelID: modelID, Unit: pricing.Unit(p.Unit), Field: p.Field,
		CreditsPerUnit: pricing.Credits(p.Credits), Source: p.Source, ConfirmedAt: at, ConfirmedBy: "tg:" + strconv.FormatInt(adminID, 10)}
	if p.Disable {
		c = pricing.Confirmation{Kind: pricing.ConfirmDisable, ModelID: modelID, Source: p.Source, ConfirmedAt: at, ConfirmedBy: c.ConfirmedBy}
	}
	if len(p.Option) > 0 {
		c.Option = pricing.Params(p.Option)
	}
	return c
}

var (
	dateRe   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	optionRe = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.+)$`)
)

// unitAliases maps what an admin may type to a unit.
var unitAliases = map[string]pricing.Unit{
	"task": pricing.PerTask, "per-task": pricing.PerTask, "generation": pricing.PerTask,
	"input-second": pricing.PerInputSecond, "s": pricing.PerInputSecond, "sec": pricing.PerInputSecond, "second": pricing.PerInputSecond,
	"output-second": pricing.PerOutputSecond, "out-s": pricing.PerOutputSecond,
	"1000-characters": pricing.PerThousandChars, "chars": pricing.PerThousandChars, "1000chars": pricing.PerThousandChars,
}

// errPriceSyntax is a /confirmprice line that does not parse.
var errPriceSyntax = errors.New("usage")

// parsePriceLine reads /confirmprice's argument; today is the default date.
func parsePriceLine(arg string, today time.Time) (modelID string, p PriceAct, err error) {
	words := strings.Fields(arg)
	if len(words) < 3 {
		return "", PriceAct{}, errPriceSyntax
	}
	modelID, words = words[0], words[1:]
	for len(words) > 0 {
		m := optionRe.FindStringSubmatch(words[0])
		if m == nil {
			break
		}
		if p.Option == nil {
			p.Option = map[string]string{}
		}
		p.Option[m[1]] = m[2]
		words = words[1:]
	}
	if len(words) < 2 {
		return "", PriceAct{}, errPriceSyntax
	}
	p.Date = today.UTC().Format(time.DateOnly)
	if strings.EqualFold(words[0], "off") {
		p.Disable = true
		p.Source = strings.Join(words[1:], " ")
		return modelID, p, nil
	}
	credits, err := pricing.ParseCredits(strings.Replace(words[0], ",", ".", 1))
	if err != nil || credits <= 0 {
		return "", PriceAct{}, fmt.Errorf("credits %q: %w", words[0], errPriceSyntax)
	}
	p.Credits = int64(credits)
	unit, field, _ := strings.Cut(words[1], ":")
	u, ok := unitAliases[strings.ToLower(unit)]
	if !ok {
		return "", PriceAct{}, fmt.Errorf("unit %q: %w", unit, errPriceSyntax)
	}
	p.Unit, p.Field = string(u), field
	words = words[2:]
	if len(words) > 0 && dateRe.MatchString(words[0]) {
		if _, err := time.Parse(time.DateOnly, words[0]); err != nil {
			return "", PriceAct{}, fmt.Errorf("date %q: %w", words[0], errPriceSyntax)
		}
		p.Date, words = words[0], words[1:]
	}
	p.Source = strings.Join(words, " ")
	if utf8.RuneCountInString(p.Source) > maxReason {
		p.Source = cutRunes(p.Source, maxReason)
	}
	return modelID, p, nil
}

// confirmPriceCommand handles /confirmprice.
func (t *turn) confirmPriceCommand(arg string) error {
	modelID, p, err := parsePriceLine(arg, t.env.Now)
	if err != nil {
		return t.adminModelsNote("⚠️ " + T(t.lang, KeyPriceUsage))
	}
	if !t.fire(EventAdminModels) { // a confirmation is shown from the models
		return t.stale()
	}
	a := t.adm()
	a.Act = &pendingAct{Kind: ActConfirmPrice, ModelID: modelID, Price: &p}
	return t.showAct("")
}

// priceActText is the confirmation screen of a price, and why it cannot
// be confirmed ("" when it can).
func (t *turn) priceActText(p *pendingAct) (text, blocked string) {
	l := t.lang
	c := p.Price.Confirmation(p.ModelID, t.env.UserID)
	name := p.ModelID
	if m, ok := t.reg.Lookup(p.ModelID); ok {
		name = m.Name(string(l))
	}
	what := "<code>" + Escape(cutRunes(p.ModelID, 60)) + "</code>"
	if k := c.OptionKey(); k != "" {
		what += " [" + Escape(cutRunes(k, 80)) + "]"
	}
	if c.Kind == pricing.ConfirmDisable {
		text = T(l, KeyConfirmNarrow, Escape(cutRunes(name, 60)), what, Escape(c.Source))
	} else {
		rub := ""
		if t.env.Pricer.Ready() == nil {
			rub = " ≈ " + pricing.FormatRUB(t.env.Pricer.Kopecks(c.CreditsPerUnit))
		}
		unit := unitPhrase(l, c.Unit)
		if c.Field != "" {
			unit += " (" + Escape(c.Field) + ")"
		}
		text = T(l, KeyConfirmPrice, Escape(cutRunes(name, 60)), what, c.CreditsPerUnit.String(), unit, rub, Escape(c.Source), p.Price.Date)
	}
	if err := t.reg.CheckConfirmation(c); err != nil {
		blocked = Escape(cutRunes(err.Error(), 400))
	}
	return text, blocked
}

func unitPhrase(l Lang, u pricing.Unit) string {
	if l == EN {
		return u.Phrase().EN
	}
	return u.Phrase().RU
}

// priceLines are a model's prices for the models list: which are official
// and which an operator confirmed (by whom, when, from what).
func priceLines(l Lang, m *pricing.Model) string {
	official, confirmed := 0, []string{}
	for _, md := range m.Modes() {
		if md.Origin == pricing.OriginOperator && md.Confirmed != nil {
			label := md.LabelIn(string(l))
			if label != "" {
				label += ": "
			}
			confirmed = append(confirmed, "✍️ "+Escape(cutRunes(label, 40))+md.Credits.String()+" "+unitPhrase(l, md.PriceBasis().Unit)+
				" · "+Escape(md.Confirmed.By)+" "+md.Confirmed.At.Format(time.DateOnly)+" · "+Escape(cutRunes(md.Confirmed.Source, 80)))
			continue
		}
		official++
	}
	out := T(l, KeyModelPrices, official, len(confirmed))
	for _, c := range confirmed {
		out += "\n" + c
	}
	return out
}

// adminModelsNote shows the models list with a note above.
func (t *turn) adminModelsNote(note string) error {
	t.adm().Note = note
	return t.adminModels()
}
