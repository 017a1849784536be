package receipt

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lang picks the language of the findings.
type Lang string

const (
	RU Lang = "ru" // the default
	EN Lang = "en"
)

// key names one text of the findings. Every text this package shows an
// admin is in catalogue, in Russian and English; they are Telegram HTML
// and take their arguments already escaped.
type key int

const (
	keySummaryOK key = iota
	keySummaryCheck
	keyAmountMatch
	keyAmountMismatch
	keyAmountUnexpected
	keyAmountMissing
	keyAmountMissingNoExp
	keyDateFound
	keyDateMissing
	keyDateBeforeIssued
	keyDateTooOld
	keyDateInFuture
	keyRefFound
	keyRefMissing
	keyRefOther
	keyNoOCR
	keyNoPDF
	keyTimedOut
	keyFailed
	keyCanceled
	keyTooLarge
	keyUnsupported
	keyBadImage
	keyReadFailed
	keyNothingRead
	keyStartupOff
	keyStartupNoPDF
	keyCount // not a text: the number of keys
)

// catalogue returns a key's Russian and English text.
func catalogue(k key) [2]string {
	switch k {
	case keySummaryOK:
		return [2]string{"🔎 Чек: всё сходится (проверка OCR, решение за вами)", "🔎 Receipt: everything matches (OCR check, the decision is yours)"}
	case keySummaryCheck:
		return [2]string{"🔎 Чек: проверьте внимательно", "🔎 Receipt: check carefully"}
	case keyAmountMatch:
		return [2]string{"Сумма: %s — совпадает", "Amount: %s — matches"}
	case keyAmountMismatch:
		return [2]string{"⚠️ Сумма: %s — ожидалось %s", "⚠️ Amount: %s — expected %s"}
	case keyAmountUnexpected:
		return [2]string{"Сумма: %s", "Amount: %s"}
	case keyAmountMissing:
		return [2]string{"⚠️ Сумма не найдена (ожидалось %s)", "⚠️ Amount not found (expected %s)"}
	case keyAmountMissingNoExp:
		return [2]string{"⚠️ Сумма не найдена", "⚠️ Amount not found"}
	case keyDateFound:
		return [2]string{"Дата: %s", "Date: %s"}
	case keyDateMissing:
		return [2]string{"⚠️ Дата не найдена", "⚠️ Date not found"}
	case keyDateBeforeIssued:
		return [2]string{"⚠️ Дата: %s — раньше, чем выданы реквизиты (%s)", "⚠️ Date: %s — before the details were given (%s)"}
	case keyDateTooOld:
		return [2]string{"⚠️ Дата: %s — чек старше %s", "⚠️ Date: %s — receipt older than %s"}
	case keyDateInFuture:
		return [2]string{"⚠️ Дата: %s — в будущем", "⚠️ Date: %s — in the future"}
	case keyRefFound:
		return [2]string{"Ссылка %s найдена", "Reference %s found"}
	case keyRefMissing:
		return [2]string{"⚠️ Ссылка %s не найдена", "⚠️ Reference %s not found"}
	case keyRefOther:
		return [2]string{"⚠️ В чеке чужая ссылка %s", "⚠️ The receipt has another reference: %s"}
	case keyNoOCR:
		return [2]string{"Чек не проверен: OCR не установлен", "Receipt not checked: OCR is not installed"}
	case keyNoPDF:
		return [2]string{"Чек не проверен: PDF не прочитать (нет pdftoppm)", "Receipt not checked: cannot read PDF (no pdftoppm)"}
	case keyTimedOut:
		return [2]string{"Чек не проверен: OCR не уложился в %s", "Receipt not checked: OCR took over %s"}
	case keyFailed:
		return [2]string{"Чек не проверен: ошибка OCR", "Receipt not checked: OCR failed"}
	case keyCanceled:
		return [2]string{"Чек не проверен: проверка прервана", "Receipt not checked: the check was interrupted"}
	case keyTooLarge:
		return [2]string{"Чек не проверен: файл больше %s", "Receipt not checked: file over %s"}
	case keyUnsupported:
		return [2]string{"Чек не проверен: нужен PNG, JPEG, WebP или PDF", "Receipt not checked: PNG, JPEG, WebP or PDF expected"}
	case keyBadImage:
		return [2]string{"⚠️ Чек не проверен: картинка не читается", "⚠️ Receipt not checked: the picture does not decode"}
	case keyReadFailed:
		return [2]string{"Чек не проверен: файл не прочитан", "Receipt not checked: the file could not be read"}
	case keyNothingRead:
		return [2]string{"⚠️ Текст на чеке не распознан", "⚠️ No text recognised on the receipt"}
	case keyStartupOff:
		return [2]string{"Проверка чеков выключена: чеки уходят админам без проверки (%s)", "Receipt check is off: receipts go to admins unchecked (%s)"}
	case keyStartupNoPDF:
		return [2]string{"PDF-чеки уходят админам без проверки: нет pdftoppm (poppler-utils)", "PDF receipts go to admins unchecked: no pdftoppm (poppler-utils)"}
	}
	return [2]string{}
}

func msg(lang Lang, k key, args ...any) string {
	pair := catalogue(k)
	s := pair[0]
	if lang == EN {
		s = pair[1]
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// maxQuoted bounds OCR text quoted in a finding.
const maxQuoted = 40

// quote makes OCR text safe inside Telegram HTML: cut short, then escaped.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted-1]) + "…"
	}
	return html.EscapeString(s)
}

// Lines renders the report for admins: short lines of Telegram HTML, the
// first a summary. OCR text in them is escaped.
func (r Report) Lines(lang Lang) []string {
	var out []string
	switch r.Status {
	case Checked:
	case NoOCR:
		return []string{msg(lang, keyNoOCR)}
	case NoPDFReader:
		return []string{msg(lang, keyNoPDF)}
	case TimedOut:
		return []string{msg(lang, keyTimedOut, seconds(lang, r.timeout))}
	case Failed:
		return []string{msg(lang, keyFailed)}
	case Canceled:
		return []string{msg(lang, keyCanceled)}
	case TooLarge:
		return []string{msg(lang, keyTooLarge, megabytes(lang, r.Size-1))}
	case Unsupported:
		return []string{msg(lang, keyUnsupported)}
	case BadImage:
		return []string{msg(lang, keyBadImage)}
	default:
		return []string{msg(lang, keyReadFailed)}
	}
	if r.Consistent() {
		out = append(out, msg(lang, keySummaryOK))
	} else {
		out = append(out, msg(lang, keySummaryCheck))
	}
	if strings.TrimSpace(r.Text) == "" {
		return append(out, msg(lang, keyNothingRead))
	}
	exp := r.Expected
	switch {
	case r.Amount.Found && exp.AmountKopecks == 0:
		out = append(out, msg(lang, keyAmountUnexpected, rubles(lang, r.Amount.Kopecks)))
	case r.Amount.Match:
		out = append(out, msg(lang, keyAmountMatch, rubles(lang, r.Amount.Kopecks)))
	case r.Amount.Found:
		out = append(out, msg(lang, keyAmountMismatch, rubles(lang, r.Amount.Kopecks)+" («"+quote(r.Amount.Text)+"»)", rubles(lang, exp.AmountKopecks)))
	case exp.AmountKopecks != 0:
		out = append(out, msg(lang, keyAmountMissing, rubles(lang, exp.AmountKopecks)))
	default:
		out = append(out, msg(lang, keyAmountMissingNoExp))
	}
	d := r.Date
	switch {
	case !d.Found:
		out = append(out, msg(lang, keyDateMissing))
	case d.BeforeIssued:
		out = append(out, msg(lang, keyDateBeforeIssued, quote(d.Date.Text), exp.IssuedAt.In(moscow()).Format("02.01.2006 15:04 MST")))
	case d.TooOld:
		out = append(out, msg(lang, keyDateTooOld, quote(d.Date.Text), days(lang, exp.MaxAge)))
	case d.InFuture:
		out = append(out, msg(lang, keyDateInFuture, quote(d.Date.Text)))
	default:
		out = append(out, msg(lang, keyDateFound, quote(d.Date.Text)))
	}
	if exp.Reference != "" {
		if r.Reference.Found {
			out = append(out, msg(lang, keyRefFound, quote(exp.Reference)))
		} else {
			out = append(out, msg(lang, keyRefMissing, quote(exp.Reference)))
		}
	}
	for _, o := range r.Reference.Others {
		out = append(out, msg(lang, keyRefOther, quote(o)))
	}
	return out
}

// HTML is Lines joined into one message body.
func (r Report) HTML(lang Lang) string { return strings.Join(r.Lines(lang), "\n") }

// StartupNotice is the line the bot logs or sends admins at start when
// receipts cannot be fully checked; "" when they can.
func (c Capabilities) StartupNotice(lang Lang) string {
	switch {
	case !c.OCR():
		return msg(lang, keyStartupOff, html.EscapeString(c.OCRErr.Error()))
	case !c.PDF():
		return msg(lang, keyStartupNoPDF)
	}
	return ""
}

// rubles renders kopecks as "1 500,00 ₽" (no-break spaces) in Russian and
// "1,500.00 ₽" in English.
func rubles(lang Lang, kopecks int64) string {
	whole := strconv.FormatInt(kopecks/100, 10)
	group, point := "\u00a0", ","
	if lang == EN {
		group, point = ",", "."
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	fmt.Fprintf(&b, "%s%02d\u00a0₽", point, kopecks%100)
	return b.String()
}

func megabytes(lang Lang, n int64) string {
	unit := "\u00a0МБ"
	if lang == EN {
		unit = "\u00a0MB"
	}
	return strconv.FormatInt((n+(1<<20)-1)>>20, 10) + unit
}

func seconds(lang Lang, d time.Duration) string {
	unit := "\u00a0с"
	if lang == EN {
		unit = "\u00a0s"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + unit
}

func days(lang Lang, d time.Duration) string {
	if d < 48*time.Hour {
		h := int64((d + time.Hour - 1) / time.Hour)
		if lang == EN {
			return strconv.FormatInt(h, 10) + " h"
		}
		return strconv.FormatInt(h, 10) + " ч"
	}
	n := int64((d + 24*time.Hour - 1) / (24 * time.Hour))
	if lang == EN {
		return strconv.FormatInt(n, 10) + " days"
	}
	return strconv.FormatInt(n, 10) + " дн."
}

// moscow is the zone admin-facing times are shown in.
func moscow() *time.Location { return time.FixedZone("MSK", 3*3600) }
