package receipt

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Receipt texts as Tesseract (rus+eng) writes them for the common Russian
// bank apps, clean and with the noise it adds: O for 0, Latin letters in
// Cyrillic words, ₽ read as Р or P, no-break and thin spaces, split lines.
func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want int64 // kopecks; 0: no amount
	}{
		{"tinkoff", "Т-Банк\nПеревод по СБП\n1 500 ₽\nУспешно\n04.12.2026 13:45:10\nСумма 1 500,00 ₽\nКомиссия Без комиссии\nОтправитель Иван Иванов\nТелефон получателя +7 (912) 345-67-89\nПолучатель Пётр П.\nБанк получателя Сбербанк\nСчёт списания •••• 1234\nСообщение KB-7F3K23\nИдентификатор операции B4338104530000000K0000", 150000},
		{"sber label above value", "СБЕР\nЧек по операции\n4 декабря 2026 13:45 (МСК)\nОперация\nПеревод клиенту СберБанка\nФИО получателя\nПётр Петрович П.\nНомер карты получателя\n**** 4455\nСумма перевода\n1 500,00 Р\nКомиссия\n15,00 Р\nНомер документа 1000000012345678", 150000},
		{"tesseract on a drawn Sber check", tesseractSber, 150000},
		{"tesseract on a drawn Т-Банк receipt, shrunk", tesseractTinkoffSmall, 150000},
		{"nbsp and thin spaces", "Сумма\u00a01\u202f500,00\u00a0₽", 150000},
		{"figure space thousands", "Итого: 12\u2007345,67 ₽", 1234567},
		{"O for zero", "Сумма 1 5OO,OO ₽", 150000},
		{"Cyrillic О for zero", "Сумма 2 ОOО,0О Р", 200000},
		{"Latin C in Сумма, no sign", "Cумма 1500", 150000},
		{"rub suffix", "Сумма платежа 1500.00 RUB", 150000},
		{"руб. suffix", "Итого к оплате: 750 руб.", 75000},
		{"рублей", "Сумма операции 3 000 рублей", 300000},
		{"english", "Payment receipt\nAmount 1,500.00 RUB\nFee 0.00 RUB\nTotal 1,500.00 RUB", 150000},
		{"glued sign", "Сумма 1500₽", 150000},
		{"₽ read as 2", "Сумма 1500,00 2", 150000},
		{"₽ read as 2?", "1500,00 2?", 150000},
		{"₽ read as 2, glued", "Сумма 2 750,502", 275050},
		{"₽ read as 2 beats a header", "1 000,00 P\nСумма 2 750,502", 275050},
		{"mixed separators: no guess", "Итого 2 750,500", 0},
		{"glued RUB", "Total 1500RUB", 150000},
		{"minus on a history screen", "Перевод Пётр П.\n−1 500 ₽\nСумма 1 500 ₽", 150000},
		{"german separators", "Сумма 1.500,00 ₽", 150000},
		{"one decimal", "Сумма 99,5 ₽", 9950},
		{"big header only", "Т-Банк\n1 500 ₽\nУспешно", 150000},
		{"fee is not the amount", "Комиссия 30 ₽\nСумма 3 000 ₽", 300000},
		{"balance is not the amount", "Остаток на счёте 52 340,17 ₽\nИтого 700 ₽", 70000},
		{"fee label above", "Комиссия\n45,00 ₽\nСумма\n4 500,00 ₽", 450000},
		{"card, phone, account are not amounts", "Карта •••• 4276\nТелефон +7 912 345-67-89\nСчёт 40817810500001234567\nБИК 044525225\nИНН 7707083893", 0},
		{"card mask with asterisks near Сумма", "Сумма **** 4276", 0},
		{"date is not an amount", "Сумма\n04.12.2026 13:45", 0},
		{"reference digits are not an amount", "Сумма\nKB-7F3K23", 0},
		{"document number", "Номер документа № 1-2-345-678", 0},
		{"nothing", "", 0},
		{"noise", "~~ ,. ,,, ;; ' ' OOO ООО ₽₽ 0,00 ₽", 0},
		{"zero amount", "Сумма 0,00 ₽", 0},
		{"absurd amount ignored", "Сумма 123456789012 ₽", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Parse(tc.text)
			if p.Amount.Kopecks != tc.want {
				t.Fatalf("amount = %d (%q), want %d; candidates %+v", p.Amount.Kopecks, p.Amount.Text, tc.want, p.Amounts)
			}
		})
	}
}

// What Tesseract 5.3 (rus+eng, --psm 4) wrote for receipts the OCR tests
// draw: ₽ comes out as P, Р, 2 or 2?, the card mask as "wee", and blank
// lines part labels from values.
const (
	tesseractSber = "СБЕР\n\nЧек по операции\n\n1 500,00 P\n\n4 декабря 2026 13:45 (МСК)\n\nОперация\n\n" +
		"Перевод клиенту СберБанка\nФИО получателя\n\nПётр Петрович П.\n\nНомер карты получателя\nwee 4455\n\n" +
		"Сумма перевода\n\n1 500,00 2\n\nКомиссия\n\n15,00 P\n\nСообщение получателю\nKB-7F3K23\n\n" +
		"Номер документа\n\n1000000012345678\n"
	tesseractTinkoffSmall = "Т-Банк\n\nПеревод по СБП\n\n1500,00 2?\n\nУспешно\n\nДата и время 04.12.2026 13:45:10\n" +
		"Сумма 1500,00 2\nКомиссия Без комиссии\nОтправитель Иван Иванович И.\nТелефон получателя +7 (912) 345-67-89\n" +
		"Получатель Пётр Петрович П.\nБанк получателя Сбербанк\nСчёт списания .... 1234\nСообщение KB-7F3K23\n\n" +
		"Идентификатор B4338104530000000K0000\n"
)

// On the real Sber output the fee under "Комиссия" is not even a
// candidate, and the labelled amount ranks first.
func TestParseTesseractSber(t *testing.T) {
	p := Parse(tesseractSber)
	for _, a := range p.Amounts {
		if a.Kopecks == 1500 {
			t.Fatalf("the fee is a candidate: %+v", p.Amounts)
		}
	}
	if p.Amount.Text != "1 500,00 2" {
		t.Fatalf("first candidate %+v, want the one under Сумма перевода", p.Amount)
	}
	want := time.Date(2026, 12, 4, 13, 45, 0, 0, time.FixedZone("MSK", 3*3600))
	if !p.Date.Wall.Equal(want) || !p.Date.Zoned || len(p.References) != 1 || p.References[0] != "KB-7F3K23" {
		t.Fatalf("date %+v references %v", p.Date, p.References)
	}
}

func TestParseDate(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	for _, tc := range []struct {
		name    string
		text    string
		want    time.Time // in UTC when unzoned
		hasTime bool
		zoned   bool
	}{
		{"dotted with seconds", "04.12.2026 13:45:10", time.Date(2026, 12, 4, 13, 45, 10, 0, time.UTC), true, false},
		{"dotted with в", "Дата 04.12.2026 в 13:45", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"comma", "04.12.2026, 13:45", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"two-digit year", "Дата 04.12.26", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), false, false},
		{"words with МСК", "4 декабря 2026 13:45 (МСК)", time.Date(2026, 12, 4, 13, 45, 0, 0, msk), true, true},
		{"words with г.", "4 декабря 2026 г. в 13:45", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"words capitalised", "4 Декабря 2026", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), false, false},
		{"мая", "9 мая 2026 10:00", time.Date(2026, 5, 9, 10, 0, 0, 0, time.UTC), true, false},
		{"short month", "15 янв. 2027 09:05", time.Date(2027, 1, 15, 9, 5, 0, 0, time.UTC), true, false},
		{"iso offset", "2026-12-04T13:45:00+03:00", time.Date(2026, 12, 4, 13, 45, 0, 0, msk), true, true},
		{"iso Z", "2026-12-04T10:45:00Z", time.Date(2026, 12, 4, 10, 45, 0, 0, time.UTC), true, true},
		{"iso space", "2026-12-04 13:45", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"english", "Dec 4, 2026 at 1:45", time.Date(2026, 12, 4, 1, 45, 0, 0, time.UTC), true, false},
		{"english long", "December 4, 2026", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), false, false},
		{"time on the next line", "Дата операции 04.12.2026\nВремя 13:45", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"O for zero", "O4.12.2O26 13:4O", time.Date(2026, 12, 4, 13, 40, 0, 0, time.UTC), true, false},
		{"first dated line wins over a later one", "04.12.2026 13:45\nКвитанция сформирована 05.12.2026 10:00", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"timed date preferred", "Действует до 31.12.2026\nОперация 04.12.2026 13:45", time.Date(2026, 12, 4, 13, 45, 0, 0, time.UTC), true, false},
		{"31 February is no date", "31.02.2026", time.Time{}, false, false},
		{"25:00 is no time", "04.12.2026 25:00", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), false, false},
		{"phone is no date", "+7 912 345-67-89", time.Time{}, false, false},
		{"year out of range", "04.12.1999", time.Time{}, false, false},
		{"glued to digits", "104.12.20267", time.Time{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Parse(tc.text).Date
			if tc.want.IsZero() {
				if d.Found() {
					t.Fatalf("found date %v (%q) in %q", d.Wall, d.Text, tc.text)
				}
				return
			}
			if !d.Wall.Equal(tc.want) || d.HasTime != tc.hasTime || d.Zoned != tc.zoned {
				t.Fatalf("date = %v hasTime=%v zoned=%v (%q), want %v %v %v", d.Wall, d.HasTime, d.Zoned, d.Text, tc.want, tc.hasTime, tc.zoned)
			}
		})
	}
}

func TestDateBounds(t *testing.T) {
	d := Parse("04.12.2026 13:45").Date
	lo, hi := d.Bounds()
	// 13:45 at UTC+12 is 01:45Z; 13:45:59.999 at UTC+2 is 11:45:59.999Z.
	if want := time.Date(2026, 12, 4, 1, 45, 0, 0, time.UTC); !lo.Equal(want) {
		t.Errorf("earliest = %v, want %v", lo, want)
	}
	if want := time.Date(2026, 12, 4, 11, 46, 0, 0, time.UTC).Add(-time.Nanosecond); !hi.Equal(want) {
		t.Errorf("latest = %v, want %v", hi, want)
	}
	day := Parse("04.12.2026").Date
	lo, hi = day.Bounds()
	if want := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC); !lo.Equal(want) {
		t.Errorf("day earliest = %v, want %v", lo, want)
	}
	if want := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC).Add(-time.Nanosecond); !hi.Equal(want) {
		t.Errorf("day latest = %v, want %v", hi, want)
	}
	zoned := Parse("2026-12-04T13:45:00+03:00").Date
	lo, hi = zoned.Bounds()
	if want := time.Date(2026, 12, 4, 10, 45, 0, 0, time.UTC); !lo.Equal(want) || hi.Sub(lo) >= time.Minute {
		t.Errorf("zoned bounds = %v..%v, want a minute from %v", lo, hi, want)
	}
	if lo, hi := (Date{}).Bounds(); !lo.IsZero() || !hi.IsZero() {
		t.Error("a missing date has bounds")
	}
}

func TestParseReferences(t *testing.T) {
	p := Parse("Сообщение получателю:\nkb-7f3к23\nKB-4HN9X5 KB-4HN9X5")
	if strings.Join(p.References, " ") != "KB-7F3K23 KB-4HN9X5" {
		t.Fatalf("references = %v", p.References)
	}
}

// The figures Parse reports are the ones the text holds, in the shape it
// holds them, so an admin can find them on the picture.
func TestParseAmountText(t *testing.T) {
	p := Parse("Сумма 1 5OO,OO Р")
	if p.Amount.Text != "1 500,00 Р" || p.Amount.Line != 0 {
		t.Fatalf("amount text %q line %d", p.Amount.Text, p.Amount.Line)
	}
	if len(Parse(strings.Repeat("Сумма 100 ₽\n", 50)).Amounts) != maxAmounts {
		t.Fatalf("candidates are not bounded to %d", maxAmounts)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Сумма 1 500,00 ₽\n04.12.2026 13:45\nKB-7F3K23",
		"Итого: 1500.00 руб.", "4 декабря 2026 13:45 (МСК)", "2026-12-04T13:45:00+03:00",
		"Сумма\n1 5OO,OO Р", "-−1 500 ₽", "Total 999999999,99 RUB", "K8—7F3K23", "Sum 1,2,3,4.5",
		"31.02.2026 24:61", "\u00a0\u202f\u2009", "ⅠⅡ İ ẞ K", "Сумма 9" + strings.Repeat("9", 30) + " ₽",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Parse(s)
		for _, a := range append([]Amount{p.Amount}, p.Amounts...) {
			if a.Kopecks < 0 {
				t.Fatalf("negative amount %d from %q", a.Kopecks, s)
			}
			if a.Kopecks > 1e9*100 {
				t.Fatalf("amount %d exceeds the bound", a.Kopecks)
			}
			if !utf8.ValidString(a.Text) {
				t.Fatalf("amount text %q is not UTF-8", a.Text)
			}
		}
		if len(p.Amounts) > maxAmounts {
			t.Fatalf("%d candidates", len(p.Amounts))
		}
		if len(p.Amounts) > 0 && p.Amount != p.Amounts[0] {
			t.Fatal("Amount is not the first candidate")
		}
		if p.Date.Found() {
			if y := p.Date.Wall.Year(); y < 2000 || y > 2099 {
				t.Fatalf("year %d from %q", y, s)
			}
			if lo, hi := p.Date.Bounds(); hi.Before(lo) {
				t.Fatalf("bounds %v > %v", lo, hi)
			}
			if !utf8.ValidString(p.Date.Text) {
				t.Fatalf("date text %q is not UTF-8", p.Date.Text)
			}
		}
		for _, r := range p.References {
			if !ValidReference(r) {
				t.Fatalf("reported reference %q is not valid", r)
			}
		}
		if ref, ok := NormalizeReference(s); ok && !ValidReference(ref) {
			t.Fatalf("NormalizeReference(%q) = %q, ok but invalid", s, ref)
		}
	})
}

// Parse reads a bounded amount of text: lines past maxLines and runes past
// maxLineRunes on a line are not looked at, so a hostile "receipt" cannot
// make it work for long.
func TestParseBoundsItsInput(t *testing.T) {
	if a := Parse(strings.Repeat("\n", maxLines) + "Сумма 1 500 ₽").Amount; a.Kopecks != 0 {
		t.Fatalf("read %q past line %d", a.Text, maxLines)
	}
	if a := Parse(strings.Repeat(" x", maxLineRunes) + " Сумма 1 500 ₽").Amount; a.Kopecks != 0 {
		t.Fatalf("read %q past rune %d of a line", a.Text, maxLineRunes)
	}
	if a := Parse(strings.Repeat("\n", maxLines-1) + "Сумма 1 500 ₽").Amount; a.Kopecks != 150000 {
		t.Fatalf("missed the amount on the last line read")
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		Parse(tesseractSber)
	}
}
