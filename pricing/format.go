package pricing

import (
	"strconv"
	"strings"
)

// FormatQuote renders a quote's price for a confirmation, in lang ("ru" or
// "en"; anything else gets Russian). Amounts use FormatRUB in both languages.
//
//	per task:          "37,80 ₽"
//	per second:        "42 с × 0,90 ₽/с = 37,80 ₽"       "42 s × 0,90 ₽/s = 37,80 ₽"
//	rounded up:        "41,3 с → 42 с × 0,90 ₽/с = 37,80 ₽"
//	per 1,000 chars:   "1 234 символа → 2 × 5,70 ₽ за 1 000 символов = 11,40 ₽"
//	                   "1,234 characters → 2 × 5,70 ₽ per 1,000 characters = 11,40 ₽"
//
// A rate quote of a per-unit price (From, ModeQuotes: no quantity) renders
// as FormatRate does.
func FormatQuote(q Quote, lang string) string {
	if !q.PerUnit() {
		return FormatRUB(q.Kopecks)
	}
	if !q.Quantity.Known() {
		return FormatRate(q, lang)
	}
	total := FormatRUB(q.Kopecks)
	unit := FormatRUB(q.UnitKopecks)
	switch q.Basis.Unit.Measures() {
	case QuantitySeconds:
		billed := Seconds(q.Units)
		var b strings.Builder
		if q.Quantity.Milliseconds() != q.Units*1000 {
			b.WriteString(FormatQuantity(q.Quantity, lang) + " → ")
		}
		b.WriteString(FormatQuantity(billed, lang) + " × " + unit + "/" + secondSymbol(lang) + " = " + total)
		return b.String()
	default:
		return FormatQuantity(q.Quantity, lang) + " → " + groupDigits(q.Units, lang) + " × " + unit + " " + q.Basis.Unit.Phrase().In(lang) + " = " + total
	}
}

// FormatRate renders the price of one unit: "0,90 ₽/с" ("0,90 ₽/s"),
// "5,70 ₽ за 1 000 символов" ("5,70 ₽ per 1,000 characters"); a flat price
// is just FormatRUB.
func FormatRate(q Quote, lang string) string {
	unit := FormatRUB(q.UnitKopecks)
	switch q.Basis.Unit.Measures() {
	case QuantitySeconds:
		return unit + "/" + secondSymbol(lang)
	case QuantityCharacters:
		return unit + " " + q.Basis.Unit.Phrase().In(lang)
	}
	return FormatRUB(q.Kopecks)
}

// FormatQuantity renders a measured amount: "42 с", "41,3 с", "1 234
// символа" in Russian; "42 s", "41.3 s", "1,234 characters" in English.
func FormatQuantity(q Quantity, lang string) string {
	switch q.Kind() {
	case QuantitySeconds:
		point := ","
		if lang == "en" {
			point = "."
		}
		ms := q.Milliseconds()
		text := groupDigits(ms/1000, lang)
		if frac := ms % 1000; frac != 0 {
			text += point + strings.TrimRight(strconv.FormatInt(1000+frac, 10)[1:], "0")
		}
		return text + "\u00a0" + secondSymbol(lang)
	case QuantityCharacters:
		n := q.Count()
		if lang == "en" {
			word := "characters"
			if n == 1 {
				word = "character"
			}
			return groupDigits(n, lang) + " " + word
		}
		return groupDigits(n, lang) + " " + ruPlural(n, "символ", "символа", "символов")
	}
	if lang == "en" {
		return "not measured"
	}
	return "не измерено"
}

func secondSymbol(lang string) string {
	if lang == "en" {
		return "s"
	}
	return "с"
}

// groupDigits writes n with thousands grouped: "1 234 567" (no-break
// spaces, as FormatRUB) in Russian, "1,234,567" in English.
func groupDigits(n int64, lang string) string {
	sep := "\u00a0"
	if lang == "en" {
		sep = ","
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return b.String()
}

// ruPlural picks the Russian form for n: 1 символ, 2 символа, 5 символов,
// 11 символов, 21 символ.
func ruPlural(n int64, one, few, many string) string {
	n %= 100
	if n < 0 {
		n = -n
	}
	switch {
	case n >= 11 && n <= 14:
		return many
	case n%10 == 1:
		return one
	case n%10 >= 2 && n%10 <= 4:
		return few
	}
	return many
}
