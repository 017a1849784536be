package fsm

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kiebot/kiebot/pricing"
)

// echoLimit bounds how much of a user's text is echoed back (runes), so a
// screen stays far below Telegram's 4096 characters.
const echoLimit = 300

// ask shows the prompt for the field being asked, with note above it.
func (t *turn) ask(note string) error { return t.askWith(note, true) }

// askWith is ask; fresh=false keeps the current nonce (re-asking after bad
// input, when the earlier prompt's buttons should keep working).
func (t *turn) askWith(note string, fresh bool) error {
	m, fields, nReq, ok := t.order()
	if !ok {
		return t.gone()
	}
	t.s.Pos = max(t.s.Pos, 0)
	if t.s.Pos >= len(fields) {
		return t.review(note)
	}
	f := fields[t.s.Pos]
	if fresh || t.s.Nonce == "" {
		t.rotate()
	}
	var text strings.Builder
	if note != "" {
		text.WriteString(note + "\n\n")
	}
	name := Escape(m.Name(string(t.lang)))
	if t.s.Pos < nReq {
		text.WriteString(T(t.lang, KeyAskStep, name, t.s.Pos+1, nReq))
	} else {
		text.WriteString(T(t.lang, KeyAskExtra, name, t.s.Pos-nReq+1, len(fields)-nReq))
	}
	text.WriteString("\n\n<b>" + Escape(fieldLabel(t.lang, f.Name)) + "</b>")
	if !required(f) {
		text.WriteString(" " + T(t.lang, KeyOptional))
	}
	text.WriteString("\n" + t.instruction(f))
	if t.hasValue(f) {
		text.WriteString("\n\n" + T(t.lang, KeyCurrentValue, t.valueText(f)))
	}
	t.show(Screen{Text: text.String(), Buttons: t.askButtons(m, f, nReq)})
	return nil
}

func (t *turn) askButtons(m *pricing.Model, f pricing.Field, nReq int) [][]Button {
	var rows [][]Button
	if f.Type == pricing.KindEnum || f.Type == pricing.KindBool {
		cs := t.choices(m, f)
		perRow := 2
		if len(cs) > 4 {
			perRow = 3
		}
		var row []Button
		for i, c := range cs {
			label := optionLabel(t.lang, f, c.Value)
			if c.From > 0 {
				label += " · " + pricing.FormatRUB(c.From)
				if c.Unit != "" && c.Unit != pricing.PerTask {
					label += " " + c.Unit.Phrase().In(string(t.lang))
				}
			}
			if v, ok := t.s.Params[f.Name]; ok && v == c.Value {
				label = "✓ " + label
			}
			row = append(row, t.b(label, aOpt, strconv.Itoa(i)))
			if len(row) == perRow {
				rows, row = append(rows, row), nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	n := len(t.s.Files[f.Name])
	if f.Type == pricing.KindFile && f.Multiple && n > 0 && n >= minFiles(f) {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnFilesDone, n), aFilesOK, "")})
	}
	if f.Type == pricing.KindFile && n > 0 {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnFilesAgain), aClear, "")})
	}
	switch {
	case !required(f):
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnSkip), aSkip, "")})
	case t.hasValue(f) && !(f.Type == pricing.KindFile && f.Multiple):
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnKeep), aSkip, "k")})
	}
	if t.s.Pos >= nReq {
		rows = append(rows, []Button{t.b(T(t.lang, KeyBtnToConfirm), aReview, "")})
	}
	rows = append(rows, []Button{t.b(T(t.lang, KeyBtnBack), aBack, ""), t.b(T(t.lang, KeyBtnCancel), aCancel, "")})
	return rows
}

// instruction says what to send for f and within which limits.
func (t *turn) instruction(f pricing.Field) string {
	switch f.Type {
	case pricing.KindFile:
		limit := int64(telegramDownloadLimit)
		if f.MaxBytes > 0 && f.MaxBytes < limit {
			limit = f.MaxBytes
		}
		size := T(t.lang, KeySizeLimit, megabytes(t.lang, limit))
		if maxFiles(f) == 1 {
			return T(t.lang, KeySendFile, mediaName(t.lang, f.Media)) + " " + size
		}
		return T(t.lang, KeySendFiles, mediaName(t.lang, f.Media), max(minFiles(f), 1), maxFiles(f)) + " " + size
	case pricing.KindString:
		s := T(t.lang, KeyTypeText)
		if f.MinLength > 0 {
			s += " " + T(t.lang, KeyMinChars, f.MinLength)
		}
		if f.MaxLength > 0 {
			s += " " + T(t.lang, KeyMaxChars, f.MaxLength)
		}
		return s
	case pricing.KindInteger:
		return T(t.lang, KeyTypeInteger) + bounds(t.lang, f.Min, f.Max)
	case pricing.KindNumber:
		return T(t.lang, KeyTypeNumber) + bounds(t.lang, f.Min, f.Max)
	}
	return T(t.lang, KeyChoose)
}

// bounds ends a sentence: " from A to B.", " of at least A.", " of at most B." or ".".
func bounds(lang Lang, lo, hi string) string {
	switch {
	case lo != "" && hi != "":
		return " " + T(lang, KeyBetween, lo, hi)
	case lo != "":
		return " " + T(lang, KeyAtLeast, lo)
	case hi != "":
		return " " + T(lang, KeyAtMost, hi)
	}
	return "."
}

// valueText renders the current value of f, escaped and cut.
func (t *turn) valueText(f pricing.Field) string {
	if f.Type == pricing.KindFile {
		var names []string
		for _, n := range t.s.FileNames[f.Name] {
			if n != "" {
				names = append(names, n)
			}
		}
		s := T(t.lang, KeyFilesCount, len(t.s.Files[f.Name]))
		if len(names) > 0 {
			s += " (" + Escape(cutRunes(strings.Join(names, ", "), 120)) + ")"
		}
		return s
	}
	v := t.s.Params[f.Name]
	if f.Type == pricing.KindString {
		return "«" + Escape(cutRunes(v, echoLimit)) + "»"
	}
	return Escape(optionLabel(t.lang, f, v))
}

// optionLabel is how an option reads on a button.
func optionLabel(lang Lang, f pricing.Field, v string) string {
	if f.Type == pricing.KindBool {
		if v == "true" {
			return T(lang, KeyYes)
		}
		return T(lang, KeyNo)
	}
	if l, ok := valueLabel(lang, v); ok {
		return l
	}
	if f.Name == "duration" || f.Name == "n_frames" {
		return T(lang, KeySeconds, v)
	}
	return cutRunes(v, 32)
}

func mediaName(lang Lang, m pricing.Media) string {
	switch m {
	case pricing.MediaImage:
		return T(lang, KeyMediaImage)
	case pricing.MediaVideo:
		return T(lang, KeyMediaVideo)
	case pricing.MediaAudio:
		return T(lang, KeyMediaAudio)
	}
	return T(lang, KeyMediaFile)
}

// fieldErrorText turns a pricing.FieldError into a polite message naming
// the limit that was crossed.
func fieldErrorText(lang Lang, f pricing.Field, raw string, err error) string {
	var fe *pricing.FieldError
	if !errors.As(err, &fe) {
		return T(lang, KeyErrInput)
	}
	switch {
	case errors.Is(err, pricing.ErrRequired):
		return T(lang, KeyErrEmpty)
	case errors.Is(err, pricing.ErrTooShort):
		return T(lang, KeyErrTooShort, fe.Min)
	case errors.Is(err, pricing.ErrTooLong):
		return T(lang, KeyErrTooLong, utf8.RuneCountInString(raw), fe.Max)
	case errors.Is(err, pricing.ErrNotInEnum), errors.Is(err, pricing.ErrNotBool):
		return T(lang, KeyTapButton)
	case errors.Is(err, pricing.ErrNotInteger):
		return T(lang, KeyErrInteger) + bounds(lang, f.Min, f.Max)
	case errors.Is(err, pricing.ErrNotNumber):
		return T(lang, KeyErrNumber) + bounds(lang, f.Min, f.Max)
	case errors.Is(err, pricing.ErrOutOfBounds):
		return T(lang, KeyErrBounds) + bounds(lang, fe.Min, fe.Max)
	case errors.Is(err, pricing.ErrWrongFileType):
		return T(lang, KeyErrFileType, mediaName(lang, fe.Media))
	case errors.Is(err, pricing.ErrFileTooLarge):
		n, _ := strconv.ParseInt(fe.Max, 10, 64)
		return T(lang, KeyErrFileTooBig, megabytes(lang, n))
	case errors.Is(err, pricing.ErrTooManyFiles):
		return T(lang, KeyErrTooManyFiles, fe.Max)
	case errors.Is(err, pricing.ErrTooFewFiles):
		return T(lang, KeyErrTooFewFiles, fe.Min)
	case errors.Is(err, pricing.ErrMediaTooLong):
		return T(lang, KeyErrMediaTooLong, fe.Max)
	}
	return T(lang, KeyErrInput)
}
