package receipt

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Parsed is what Parse read from a receipt's text. Zero fields mean "not
// found"; nothing in it is ever negative.
type Parsed struct {
	// Amount is the likeliest paid amount (Kopecks 0: none found).
	Amount Amount
	// Amounts are all figures that looked like money, likeliest first, at
	// most maxAmounts of them.
	Amounts []Amount
	// Date is the operation's date as printed (Wall zero: none found).
	Date Date
	// References are the valid references in the text, in order.
	References []string
}

// Amount is one money figure read from a receipt.
type Amount struct {
	Kopecks int64
	Text    string // the figure as read, after space and O→0 clean-up
	Line    int    // 0-based, counting the OCR text's non-blank lines
	score   int
}

// Date is a receipt's date and time as printed on it.
type Date struct {
	// Wall holds the printed reading. Its location is UTC unless Zoned, and
	// then it is the offset the receipt named (e.g. "МСК").
	Wall    time.Time
	HasTime bool // false: only the day was printed
	Zoned   bool // the receipt said which time zone
	Text    string
	Line    int // as in Amount.Line
}

// Found reports whether a date was read.
func (d Date) Found() bool { return !d.Wall.IsZero() }

// Bounds returns the earliest and the latest instant the printed reading
// can stand for. A bank app prints the payer's local time without saying
// which zone that is, so an unzoned reading is taken as anywhere from
// UTC+12 (Kamchatka: earliest) to UTC+2 (Kaliningrad: latest); a day
// without a time spans the whole day.
func (d Date) Bounds() (earliest, latest time.Time) {
	if !d.Found() {
		return time.Time{}, time.Time{}
	}
	span := time.Minute
	if !d.HasTime {
		span = 24 * time.Hour
	} else if d.Wall.Second() != 0 {
		span = time.Second
	}
	if d.Zoned {
		return d.Wall, d.Wall.Add(span - time.Nanosecond)
	}
	w := d.Wall
	earliest = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.FixedZone("UTC+12", 12*3600))
	latest = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.FixedZone("UTC+2", 2*3600))
	return earliest.UTC(), latest.Add(span - time.Nanosecond).UTC()
}

const (
	maxAmounts = 8
	// maxWholeDigits bounds the roubles of a figure: 9 digits is under a
	// billion roubles, far above any top-up, far below int64 overflow.
	maxWholeDigits = 9
	// minScore is what a figure needs to count as money: a currency sign
	// next to it, or an amount word on its line.
	minScore = 3
	// maxParseRunes, maxLines and maxLineRunes bound the text Parse looks
	// at (the OCR of one receipt page is a few thousand characters in under
	// a hundred lines of under a hundred characters), and with it the work
	// per line, some of which grows with the square of the line's length.
	maxParseRunes = 64 << 10
	maxLines      = 1000
	maxLineRunes  = 300
)

// Parse reads amount, date and references from the OCR text of a receipt.
// It never fails: what it cannot read it leaves zero.
func Parse(text string) Parsed {
	if utf8.RuneCountInString(text) > maxParseRunes {
		text = string([]rune(text)[:maxParseRunes])
	}
	lines := prepareLines(text)
	var p Parsed
	p.Date = findDate(lines)
	p.Amounts = findAmounts(lines)
	if len(p.Amounts) > 0 {
		p.Amount = p.Amounts[0]
	}
	p.References = findReferences(text)
	return p
}

// line is one OCR line in the two shapes the parser reads.
type line struct {
	text string // spaces unified and collapsed, O→0 inside figures
	key  string // lower case with Latin look-alikes as Cyrillic, for words
}

func prepareLines(text string) []line {
	raw := strings.Split(strings.ReplaceAll(text, "\r", "\n"), "\n")
	if len(raw) > maxLines {
		raw = raw[:maxLines]
	}
	out := make([]line, 0, len(raw))
	for _, r := range raw {
		t := collapseSpaces(r)
		if t == "" {
			// Tesseract puts a blank line between blocks, which would part
			// a label from the value under it.
			continue
		}
		if utf8.RuneCountInString(t) > maxLineRunes {
			t = string([]rune(t)[:maxLineRunes])
		}
		t = fixDigits(t)
		out = append(out, line{text: t, key: wordKey(t)})
	}
	return out
}

func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isOh is a letter O, Latin or Cyrillic, either case: what OCR writes for
// a zero now and then.
func isOh(r rune) bool { return r == 'O' || r == 'o' || r == 'О' || r == 'о' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// fixDigits turns letter O into zero where it stands among digits: in a run
// of digits and O's that holds a digit, and in an all-O run that completes
// a figure (",OO" after digits, " OOO" as a thousands group). A run that
// touches other letters is a word and stays as it is.
func fixDigits(s string) string {
	rs := []rune(s)
	changed := false
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) && !isOh(rs[i]) {
			i++
			continue
		}
		j := i
		digit := false
		for j < len(rs) && (isDigit(rs[j]) || isOh(rs[j])) {
			digit = digit || isDigit(rs[j])
			j++
		}
		word := (i > 0 && unicode.IsLetter(rs[i-1])) || (j < len(rs) && unicode.IsLetter(rs[j]))
		fix := digit
		if !digit && i >= 2 && isDigit(rs[i-2]) {
			switch {
			case (rs[i-1] == ',' || rs[i-1] == '.') && j-i <= 2:
				fix = true
			case rs[i-1] == ' ' && j-i == 3:
				fix = true
			}
		}
		if fix && !word {
			for k := i; k < j; k++ {
				if isOh(rs[k]) {
					rs[k] = '0'
					changed = true
				}
			}
		}
		i = j
	}
	if !changed {
		return s
	}
	return string(rs)
}

// wordKey folds a line for keyword search: lower case, ё as е, and the
// Latin letters (and digits) OCR swaps for Cyrillic ones written as those.
// Keywords go through the same fold, so "Cумма" with a Latin C still
// matches "сумма" and "Amount" still matches "amount".
func wordKey(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		switch r {
		case 'a':
			return 'а'
		case 'c':
			return 'с'
		case 'e', 'ё':
			return 'е'
		case 'o', '0':
			return 'о'
		case 'p':
			return 'р'
		case 'x':
			return 'х'
		case 'y':
			return 'у'
		case 'k':
			return 'к'
		case 'm':
			return 'м'
		case 't':
			return 'т'
		case 'h':
			return 'н'
		case 'b':
			return 'в'
		case '3':
			return 'з'
		}
		return r
	}, s)
}

func hasWord(key string, words []string) bool {
	for _, w := range words {
		if strings.Contains(key, wordKey(w)) {
			return true
		}
	}
	return false
}

// amountWords mark the line (or the line above or below) of the paid
// amount; otherWords mark figures that are money but not the payment.
func amountWords() []string {
	return []string{"сумма", "итог", "к оплате", "к зачислению", "списано", "переведено", "оплачено",
		"amount", "total", "sum"}
}

func otherWords() []string {
	return []string{"комисс", "commission", "fee", "кешб", "кэшб", "cashback", "баланс", "balance",
		"остаток", "доступно", "available", "лимит", "limit", "бонус", "балл", "bonus", "процент"}
}

// moneyRe finds a figure with the currency sign or word that may stand
// before or after it. Thousands are grouped by spaces ("1 500,00"), commas
// ("1,500.00") or dots ("1.500,00"), one kind per figure.
var moneyRe = regexp.MustCompile(`(₽|(?i:rub|руб)\.?)? ?(` +
	`\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,12}(?:[.,]\d{1,2})?` +
	`)( ?(?:₽|(?i:руб(?:лей|ля|ль)?|rub|rur|р|p)\.?))?`)

// misreadSign reports where a ₽ that Tesseract read as "2" (or "2?") ends,
// right after a figure with kopecks: "1500,00 2", "2 750,502".
func misreadSign(s string, numEnd int) (int, bool) {
	fig := s[:numEnd]
	if len(fig) < 3 || (fig[len(fig)-3] != ',' && fig[len(fig)-3] != '.') {
		return 0, false
	}
	rest := strings.TrimPrefix(s[numEnd:], " ")
	if !strings.HasPrefix(rest, "2") {
		return 0, false
	}
	rest = strings.TrimPrefix(rest[1:], "?")
	if r, _ := utf8.DecodeRuneInString(rest); rest != "" && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == ',' || r == '.') {
		return 0, false
	}
	return len(s) - len(rest), true
}

func findAmounts(lines []line) []Amount {
	aw, ow := amountWords(), otherWords()
	var all []Amount
	found := make([][]Amount, len(lines))
	for i, l := range lines {
		found[i] = lineFigures(blankDates(l.text), i)
	}
	for i, l := range lines {
		for _, a := range found[i] {
			if hasWord(l.key, aw) {
				a.score += 4
			} else {
				// A label above or below a value that stands alone.
				if i > 0 && len(found[i-1]) == 0 && hasWord(lines[i-1].key, aw) && !hasWord(lines[i-1].key, ow) {
					a.score += 3
				}
				if i+1 < len(lines) && len(found[i+1]) == 0 && hasWord(lines[i+1].key, aw) && !hasWord(lines[i+1].key, ow) {
					a.score += 2
				}
			}
			// A fee or a balance, labelled on its line or on the line above.
			if hasWord(l.key, ow) || i > 0 && len(found[i-1]) == 0 && hasWord(lines[i-1].key, ow) {
				a.score -= 8
			}
			if a.score >= minScore {
				all = append(all, a)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b Amount) int { return cmp.Compare(b.score, a.score) })
	if len(all) > maxAmounts {
		all = all[:maxAmounts]
	}
	return all
}

// lineFigures returns the figures of one line with their own score: the
// currency sign, kopecks, and standing alone on the line.
func lineFigures(s string, lineNo int) []Amount {
	var out []Amount
	whole := strings.Trim(s, " -−:")
	for _, m := range moneyRe.FindAllStringSubmatchIndex(s, -1) {
		numStart, numEnd, end := m[4], m[5], m[1]
		before, after := m[2] >= 0, m[6] >= 0
		if after && end < len(s) {
			// "р"/"p" is a currency only where a word ends with it.
			if r, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				after, end = false, numEnd
			}
		}
		if !after {
			if e, ok := misreadSign(s, numEnd); ok {
				after, end = true, e
			}
		}
		if !figureBoundary(s, numStart, numEnd, after) {
			continue
		}
		k, frac, ok := kopecks(s[numStart:numEnd])
		if !ok || k <= 0 {
			continue
		}
		start := m[0]
		if !before {
			start = numStart
		}
		text := strings.TrimSpace(s[start:end])
		score := 0
		if before || after {
			score += 3
		}
		if frac {
			score++
		}
		if whole == text {
			score += 2
		}
		out = append(out, Amount{Kopecks: k, Text: text, Line: lineNo, score: score})
	}
	return out
}

// figureBoundary rejects a figure that is a piece of something else: glued
// to a letter or digit ("KB-7F3", "x2"), an ID ("№ 12-34", "A-15"), a
// card mask, or followed by more digits after a dot or a colon. A figure
// with its currency sign right after it ("1500RUB") ends there.
func figureBoundary(s string, start, end int, currency bool) bool {
	if start > 0 {
		prev, size := utf8.DecodeLastRuneInString(s[:start])
		switch {
		case unicode.IsLetter(prev) || unicode.IsDigit(prev):
			return false
		case strings.ContainsRune("-−–", prev):
			// A minus sign is fine where it stands alone ("−1 500 ₽");
			// after a letter or digit it is a dash in an ID.
			if start-size > 0 {
				if r, _ := utf8.DecodeLastRuneInString(s[:start-size]); !isSpace(r) && r != ':' {
					return false
				}
			}
		case strings.ContainsRune("/#№*•·+", prev):
			return false
		}
		// A card mask, a number sign or a phone's plus before a space.
		if r, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(s[:start], isSpace)); strings.ContainsRune("#№*•·+", r) {
			return false
		}
	}
	if end < len(s) && !currency {
		next, size := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(next) || unicode.IsDigit(next) {
			return false
		}
		if strings.ContainsRune(".,:/-", next) {
			if r, _ := utf8.DecodeRuneInString(s[end+size:]); isDigit(r) {
				return false
			}
		}
	}
	return true
}

// kopecks converts "1 500,00", "1,500.00", "1.500,00" or "1500" to kopecks.
// A separator followed by one or two digits at the end is the decimal one.
func kopecks(fig string) (k int64, frac bool, ok bool) {
	whole, cents := fig, ""
	if i := strings.LastIndexAny(fig, ".,"); i >= 0 && len(fig)-i-1 <= 2 {
		whole, cents = fig[:i], fig[i+1:]
	}
	digits := strings.Map(func(r rune) rune {
		if isDigit(r) {
			return r
		}
		return -1
	}, whole)
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		digits = "0"
	}
	if len(digits) > maxWholeDigits {
		return 0, false, false
	}
	rub, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false, false
	}
	var kop int64
	switch len(cents) {
	case 1:
		kop = int64(cents[0]-'0') * 10
	case 2:
		kop = int64(cents[0]-'0')*10 + int64(cents[1]-'0')
	}
	return rub*100 + kop, cents != "", true
}

// Dates. Each pattern is tried on a lower-cased line; a match must not be
// glued to a digit on either side.
var (
	dmyRe   = regexp.MustCompile(`(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:,? (?:в |at )?(\d{1,2}):(\d{2})(?::(\d{2}))?)?`)
	isoRe   = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})(?:(?:t| )(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(z|[+-]\d{2}:?\d{2})?)?`)
	wordRe  = regexp.MustCompile(`(\d{1,2}) ([a-zа-яё]{3,9})\.?,? (\d{4})(?: ?(?:г\.?|года))?(?:,? (?:в |at )?(\d{1,2}):(\d{2})(?::(\d{2}))?)?`)
	enRe    = regexp.MustCompile(`([a-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:,? (?:at )?(\d{1,2}):(\d{2})(?::(\d{2}))?)?`)
	clockRe = regexp.MustCompile(`(\d{1,2}):(\d{2})(?::(\d{2}))?`)
)

func monthOf(word string) (time.Month, bool) {
	switch {
	case strings.HasPrefix(word, "мая"), word == "май":
		return time.May, true
	case len([]rune(word)) < 3:
		return 0, false
	}
	prefix := string([]rune(word)[:3])
	names := []string{"янв", "фев", "мар", "апр", "", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"}
	for i, n := range names {
		if n != "" && prefix == n {
			return time.Month(i + 1), true
		}
	}
	en := []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	for i, n := range en {
		if prefix == n {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

// dateMatch is one date read from a line, with the byte span it covers.
type dateMatch struct {
	d          Date
	start, end int
}

func lineDates(s string, lineNo int) []dateMatch {
	low := lowerInPlace(s)
	var out []dateMatch
	taken := func(a, b int) bool {
		for _, m := range out {
			if a < m.end && b > m.start {
				return true
			}
		}
		return false
	}
	add := func(m []int, y, mo, d string, month time.Month, hh, mm, ss, zone string) {
		if taken(m[0], m[1]) || !dateBoundary(low, m[0], m[1]) {
			return
		}
		date, ok := makeDate(y, mo, d, month, hh, mm, ss)
		if !ok && hh != "" {
			// "04.12.2026 25:00": the day still stands.
			date, ok = makeDate(y, mo, d, month, "", "", "")
		}
		if !ok {
			return
		}
		date.Text, date.Line = strings.TrimSpace(s[m[0]:m[1]]), lineNo
		if loc := zoneOf(zone, low); loc != nil {
			date.Wall = time.Date(date.Wall.Year(), date.Wall.Month(), date.Wall.Day(), date.Wall.Hour(), date.Wall.Minute(), date.Wall.Second(), 0, loc)
			date.Zoned = true
		}
		out = append(out, dateMatch{d: date, start: m[0], end: m[1]})
	}
	sub := func(m []int, i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return low[m[2*i]:m[2*i+1]]
	}
	for _, m := range isoRe.FindAllStringSubmatchIndex(low, -1) {
		add(m, sub(m, 1), sub(m, 2), sub(m, 3), 0, sub(m, 4), sub(m, 5), sub(m, 6), sub(m, 7))
	}
	for _, m := range dmyRe.FindAllStringSubmatchIndex(low, -1) {
		add(m, sub(m, 3), sub(m, 2), sub(m, 1), 0, sub(m, 4), sub(m, 5), sub(m, 6), "")
	}
	for _, m := range wordRe.FindAllStringSubmatchIndex(low, -1) {
		if month, ok := monthOf(sub(m, 2)); ok {
			add(m, sub(m, 3), "", sub(m, 1), month, sub(m, 4), sub(m, 5), sub(m, 6), "")
		}
	}
	for _, m := range enRe.FindAllStringSubmatchIndex(low, -1) {
		if month, ok := monthOf(sub(m, 1)); ok {
			add(m, sub(m, 3), "", sub(m, 2), month, sub(m, 4), sub(m, 5), sub(m, 6), "")
		}
	}
	slices.SortFunc(out, func(a, b dateMatch) int { return cmp.Compare(a.start, b.start) })
	return out
}

// lowerInPlace lower-cases s where that keeps every rune's byte length, so
// that offsets into the result are offsets into s.
func lowerInPlace(s string) string {
	return strings.Map(func(r rune) rune {
		if l := unicode.ToLower(r); utf8.RuneLen(l) == utf8.RuneLen(r) {
			return l
		}
		return r
	}, s)
}

func dateBoundary(s string, start, end int) bool {
	if start > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:start]); unicode.IsDigit(r) || unicode.IsLetter(r) {
			return false
		}
	}
	if end < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// zoneOf returns the zone an ISO offset or a "МСК"/"MSK" note on the line
// names, or nil.
func zoneOf(iso, low string) *time.Location {
	switch {
	case iso == "z":
		return time.UTC
	case iso != "":
		sign := 1
		if iso[0] == '-' {
			sign = -1
		}
		digits := strings.ReplaceAll(iso[1:], ":", "")
		h, _ := strconv.Atoi(digits[:2])
		m, _ := strconv.Atoi(digits[2:])
		if h > 14 || m > 59 {
			return nil
		}
		return time.FixedZone(iso, sign*(h*3600+m*60))
	case strings.Contains(low, "мск") || strings.Contains(low, "msk") || strings.Contains(low, "moscow") || strings.Contains(low, "москв"):
		return time.FixedZone("MSK", 3*3600)
	}
	return nil
}

func makeDate(y, mo, d string, month time.Month, hh, mm, ss string) (Date, bool) {
	year, err1 := strconv.Atoi(y)
	day, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil {
		return Date{}, false
	}
	if len(y) == 2 {
		year += 2000
	}
	if mo != "" {
		n, err := strconv.Atoi(mo)
		if err != nil {
			return Date{}, false
		}
		month = time.Month(n)
	}
	if year < 2000 || year > 2099 || month < 1 || month > 12 || day < 1 || day > 31 {
		return Date{}, false
	}
	var h, m, sec int
	hasTime := hh != ""
	if hasTime {
		h, _ = strconv.Atoi(hh)
		m, _ = strconv.Atoi(mm)
		if ss != "" {
			sec, _ = strconv.Atoi(ss)
		}
		if h > 23 || m > 59 || sec > 59 {
			return Date{}, false
		}
	}
	t := time.Date(year, month, day, h, m, sec, 0, time.UTC)
	if t.Day() != day { // 31.02 rolled over
		return Date{}, false
	}
	return Date{Wall: t, HasTime: hasTime}, true
}

// findDate picks the first date printed with a time, or else the first
// date, and gives a date without a time the time printed on its own line
// or the next one.
func findDate(lines []line) Date {
	var first Date
	for i, l := range lines {
		for _, m := range lineDates(l.text, i) {
			d := m.d
			if !d.HasTime {
				rest := l.text[:m.start] + " " + l.text[m.end:]
				if i+1 < len(lines) && !clockRe.MatchString(rest) && len(lineDates(lines[i+1].text, i+1)) == 0 {
					rest = lines[i+1].text
				}
				d = withClock(d, rest)
			}
			if d.HasTime {
				return d
			}
			if !first.Found() {
				first = d
			}
		}
	}
	return first
}

func withClock(d Date, s string) Date {
	for _, m := range clockRe.FindAllStringSubmatchIndex(s, -1) {
		if !dateBoundary(s, m[0], m[1]) {
			continue
		}
		h, _ := strconv.Atoi(s[m[2]:m[3]])
		mi, _ := strconv.Atoi(s[m[4]:m[5]])
		sec := 0
		if m[6] >= 0 {
			sec, _ = strconv.Atoi(s[m[6]:m[7]])
		}
		if h > 23 || mi > 59 || sec > 59 {
			continue
		}
		w := d.Wall
		d.Wall = time.Date(w.Year(), w.Month(), w.Day(), h, mi, sec, 0, w.Location())
		d.HasTime = true
		d.Text += " " + s[m[0]:m[1]]
		return d
	}
	return d
}

// blankDates replaces the dates and clock times of a line with spaces so
// that their digits are not read as money.
func blankDates(s string) string {
	spans := lineDates(s, 0)
	b := []byte(s)
	blank := func(a, z int) {
		for k := a; k < z; k++ {
			if b[k] < utf8.RuneSelf {
				b[k] = ' '
			}
		}
	}
	for _, m := range spans {
		blank(m.start, m.end)
	}
	for _, m := range clockRe.FindAllStringIndex(string(b), -1) {
		if dateBoundary(string(b), m[0], m[1]) {
			blank(m[0], m[1])
		}
	}
	return string(b)
}
