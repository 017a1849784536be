package receipt

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestCatalogueIsComplete(t *testing.T) {
	for k := key(0); k < keyCount; k++ {
		pair := catalogue(k)
		if pair[0] == "" || pair[1] == "" {
			t.Errorf("key %d lacks a text: %q", k, pair)
			continue
		}
		if strings.Count(pair[0], "%") != strings.Count(pair[1], "%") {
			t.Errorf("key %d: Russian and English take different arguments: %q", k, pair)
		}
		if !strings.ContainsFunc(pair[0], func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
			t.Errorf("key %d: the Russian text is not Russian: %q", k, pair[0])
		}
		if strings.ContainsFunc(pair[1], func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
			t.Errorf("key %d: the English text has Cyrillic: %q", k, pair[1])
		}
	}
	if catalogue(keyCount) != ([2]string{}) {
		t.Fatal("keyCount has a text: a key was added after it")
	}
}

// OCR text is the user's content: it reaches the admins' HTML escaped and
// cut short.
func TestLinesEscapeOCRText(t *testing.T) {
	r := Report{
		Status:   Checked,
		Text:     "anything",
		Expected: expect(150000, "KB-7F3K23"),
		Amount:   AmountFinding{Found: true, Kopecks: 100000, Text: `<b onclick="x">1 000</b> & co`},
		Date:     DateFinding{Found: true, Date: Date{Text: "<i>04.12.2026</i>" + strings.Repeat("9", 100)}},
	}
	html := r.HTML(RU)
	for _, bad := range []string{"<b", "</b>", "<i>", `"x"`, " & "} {
		if strings.Contains(html, bad) {
			t.Errorf("findings hold raw %q:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;b onclick=&#34;x&#34;&gt;1 000&lt;/b&gt; &amp; co") {
		t.Errorf("amount text not escaped as expected:\n%s", html)
	}
	if strings.Contains(html, strings.Repeat("9", maxQuoted)) || !strings.Contains(html, "…") {
		t.Errorf("long OCR text not cut:\n%s", html)
	}
}

func TestLines(t *testing.T) {
	now := issuedAt.Add(time.Hour)
	checked := func(exp Expected, text string) Report {
		r := Report{Status: Checked, Text: text, Expected: exp, Parsed: Parse(text)}
		r.compare(now, text)
		return r
	}
	for _, tc := range []struct {
		name string
		r    Report
		lang Lang
		want []string
	}{
		{"all good, ru", checked(expect(150000, "KB-7F3K23"), "Сумма 1 500,00 ₽\n04.12.2026 13:45\nKB-7F3K23"), RU, []string{
			"🔎 Чек: всё сходится (проверка OCR, решение за вами)",
			"Сумма: 1\u00a0500,00\u00a0₽ — совпадает",
			"Дата: 04.12.2026 13:45",
			"Ссылка KB-7F3K23 найдена",
		}},
		{"all good, en", checked(expect(150000, "KB-7F3K23"), "Сумма 1 500,00 ₽\n04.12.2026 13:45\nKB-7F3K23"), EN, []string{
			"🔎 Receipt: everything matches (OCR check, the decision is yours)",
			"Amount: 1,500.00\u00a0₽ — matches",
			"Date: 04.12.2026 13:45",
			"Reference KB-7F3K23 found",
		}},
		{"nothing found", checked(expect(150000, "KB-7F3K23"), "Перевод выполнен"), RU, []string{
			"🔎 Чек: проверьте внимательно",
			"⚠️ Сумма не найдена (ожидалось 1\u00a0500,00\u00a0₽)",
			"⚠️ Дата не найдена",
			"⚠️ Ссылка KB-7F3K23 не найдена",
		}},
		{"too old, nothing expected", checked(Expected{MaxAge: 48 * time.Hour}, "Итого 99 ₽\n01.12.2026 10:00\nKB-4HN9X5"), RU, []string{
			"🔎 Чек: проверьте внимательно",
			"Сумма: 99,00\u00a0₽",
			"⚠️ Дата: 01.12.2026 10:00 — чек старше 2 дн.",
			"⚠️ В чеке чужая ссылка KB-4HN9X5",
		}},
		{"future", checked(expect(150000, ""), "Итого 1 500 ₽\n05.12.2026 10:00"), EN, []string{
			"🔎 Receipt: check carefully",
			"Amount: 1,500.00\u00a0₽ — matches",
			"⚠️ Date: 05.12.2026 10:00 — in the future",
		}},
		{"empty text", Report{Status: Checked, Expected: expect(150000, "KB-7F3K23")}, EN, []string{
			"🔎 Receipt: check carefully",
			"⚠️ No text recognised on the receipt",
		}},
		{"canceled", Report{Status: Canceled, Err: errors.New("x")}, EN, []string{"Receipt not checked: the check was interrupted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.r.Lines(tc.lang)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// The date flags are raised only when they hold in every Russian zone.
func TestDateFlagsAllowForTheZone(t *testing.T) {
	now := issuedAt.Add(time.Hour) // 14:40 MSK
	for _, tc := range []struct {
		text                   string
		before, tooOld, future bool
	}{
		{"04.12.2026 13:45", false, false, false},
		// 12:30 printed is at latest 13:30 MSK (if the payer is at UTC+2):
		// before the 13:40 issue in every zone.
		{"04.12.2026 12:30", true, false, false},
		{"04.12.2026 12:45", false, false, false}, // at UTC+2 that is 13:45 MSK
		{"04.12.2026", false, false, false},       // the whole day
		{"03.12.2026", true, false, false},        // the day before, in any zone
		{"04.12.2026 23:30", false, false, false}, // Kamchatka's 23:30 is 14:30 MSK
		{"05.12.2026 02:00", false, false, true},  // earliest 17:00 MSK: ahead of now
		{"2026-12-04T12:30:00+03:00", true, false, false},
		{"30.11.2026 14:00", true, true, false}, // over three days
	} {
		r := Report{Status: Checked, Expected: Expected{IssuedAt: issuedAt, MaxAge: 72 * time.Hour}, Parsed: Parse(tc.text)}
		r.compare(now, tc.text)
		d := r.Date
		if !d.Found || d.BeforeIssued != tc.before || d.TooOld != tc.tooOld || d.InFuture != tc.future {
			t.Errorf("%q: found %v before %v old %v future %v; want %v %v %v", tc.text, d.Found, d.BeforeIssued, d.TooOld, d.InFuture, tc.before, tc.tooOld, tc.future)
		}
	}
}

func TestRubles(t *testing.T) {
	for _, tc := range []struct {
		k      int64
		ru, en string
	}{
		{0, "0,00\u00a0₽", "0.00\u00a0₽"},
		{5, "0,05\u00a0₽", "0.05\u00a0₽"},
		{150000, "1\u00a0500,00\u00a0₽", "1,500.00\u00a0₽"},
		{123456789, "1\u00a0234\u00a0567,89\u00a0₽", "1,234,567.89\u00a0₽"},
	} {
		if got := rubles(RU, tc.k); got != tc.ru {
			t.Errorf("rubles(RU, %d) = %q, want %q", tc.k, got, tc.ru)
		}
		if got := rubles(EN, tc.k); got != tc.en {
			t.Errorf("rubles(EN, %d) = %q, want %q", tc.k, got, tc.en)
		}
	}
}

func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for s := Checked; s <= ReadFailed; s++ {
		n := s.String()
		if strings.HasPrefix(n, "status(") || seen[n] {
			t.Errorf("status %d is named %q", int(s), n)
		}
		seen[n] = true
	}
	if ReadFailed+1 != Status(len(seen)) || (ReadFailed+1).String() != "status(10)" {
		t.Errorf("a status was added without a name")
	}
	if SamePicture.String() != "same_picture" || Similarity(9).String() != "similarity(9)" {
		t.Error("similarity names")
	}
}
