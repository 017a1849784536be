package pricing

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Unit is what one price covers. Kie bills most models per task; some bill
// per second of a file the user uploads (lip sync, voice isolation, video
// upscale), per second of the result, or per block of text. A per-unit price
// can only be quoted with the measured quantity (Pricer.QuoteQuantity).
type Unit string

// The units a price may be counted in.
const (
	// PerTask is one price per generation, whatever its inputs.
	PerTask Unit = "task"
	// PerInputSecond is per started second of the uploaded file named by
	// Basis.Field (its duration as Telegram reports it).
	PerInputSecond Unit = "input-second"
	// PerOutputSecond is per started second of the result. It is quoted from
	// the duration of Basis.Field, the input whose length the result follows
	// (a motion-transfer video is as long as its reference video).
	PerOutputSecond Unit = "output-second"
	// PerThousandChars is per started block of 1,000 characters (Unicode
	// code points) of the text input named by Basis.Field.
	PerThousandChars Unit = "1000-characters"
)

// Units lists every unit.
func Units() []Unit { return []Unit{PerTask, PerInputSecond, PerOutputSecond, PerThousandChars} }

// Valid reports whether u is one of the units above.
func (u Unit) Valid() bool {
	switch u {
	case PerTask, PerInputSecond, PerOutputSecond, PerThousandChars:
		return true
	}
	return false
}

// Measures is the kind of quantity a unit counts; "" for PerTask.
func (u Unit) Measures() QuantityKind {
	switch u {
	case PerInputSecond, PerOutputSecond:
		return QuantitySeconds
	case PerThousandChars:
		return QuantityCharacters
	}
	return ""
}

// block is the size of one billed unit in the quantity's smallest step:
// a second is 1000 ms, a block of text 1000 characters.
func (u Unit) block() int64 {
	if u == PerThousandChars {
		return 1000
	}
	return 1000 // milliseconds per second
}

// Phrase names the unit for a label: "per second", "per 1,000 characters".
func (u Unit) Phrase() Label {
	switch u {
	case PerInputSecond, PerOutputSecond:
		return Label{RU: "за секунду", EN: "per second"}
	case PerThousandChars:
		return Label{RU: "за 1\u00a0000 символов", EN: "per 1,000 characters"}
	}
	return Label{RU: "за генерацию", EN: "per generation"}
}

// Basis says how a mode's credits are counted. The zero value (and a nil
// *Basis on a Mode) is PerTask.
type Basis struct {
	Unit Unit `json:"unit"`
	// Field is the input the quantity is measured from: a file field (its
	// duration) for the second units, a text field (its length) for
	// PerThousandChars. Empty for PerTask.
	Field string `json:"field,omitempty"`
}

// PerUnit reports whether the price depends on a measured quantity.
func (b Basis) PerUnit() bool { return b.Unit != "" && b.Unit != PerTask }

// QuantityKind is what a Quantity counts.
type QuantityKind string

// The kinds of measured quantity.
const (
	QuantitySeconds    QuantityKind = "seconds"
	QuantityCharacters QuantityKind = "characters"
)

// Quantity is a measured amount: the duration of a file or the length of a
// text, held exactly (durations to the millisecond). The zero value is
// "not measured".
type Quantity struct {
	kind QuantityKind
	n    int64 // milliseconds for seconds, characters for characters
}

// Seconds is a duration in whole seconds, as Telegram reports an audio,
// voice or video file's duration.
func Seconds(s int64) Quantity {
	if s <= 0 {
		return Quantity{kind: QuantitySeconds}
	}
	if s > maxQuantity/1000 {
		s = maxQuantity / 1000
	}
	return Quantity{kind: QuantitySeconds, n: s * 1000}
}

// DurationOf is an exact duration, rounded up to the millisecond.
func DurationOf(d time.Duration) Quantity {
	if d <= 0 {
		return Quantity{kind: QuantitySeconds}
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return Quantity{kind: QuantitySeconds, n: min(ms, maxQuantity)}
}

// Characters is a text length in characters (Unicode code points).
func Characters(n int64) Quantity {
	if n <= 0 {
		return Quantity{kind: QuantityCharacters}
	}
	return Quantity{kind: QuantityCharacters, n: min(n, maxQuantity)}
}

// CharactersOf measures a text: its number of Unicode code points (what
// ElevenLabs counts; Telegram's UTF-16 length can differ for emoji).
func CharactersOf(text string) Quantity {
	return Characters(int64(utf8.RuneCountInString(text)))
}

// maxQuantity bounds measured amounts so no product of units and prices can
// overflow int64 (about 31 years of audio, or 10^12 characters).
const maxQuantity = 1_000_000_000_000

// Kind is what the quantity counts ("" when not measured).
func (q Quantity) Kind() QuantityKind { return q.kind }

// Known reports whether the quantity was measured and is positive. A zero
// duration (Telegram reports 0 for some very short files) is not known.
func (q Quantity) Known() bool { return q.kind != "" && q.n > 0 }

// Milliseconds is the duration in ms (0 for characters).
func (q Quantity) Milliseconds() int64 {
	if q.kind != QuantitySeconds {
		return 0
	}
	return q.n
}

// Count is the number of characters (0 for durations).
func (q Quantity) Count() int64 {
	if q.kind != QuantityCharacters {
		return 0
	}
	return q.n
}

// units rounds the quantity up to whole billing units of u: ⌈seconds⌉, or
// ⌈characters / 1000⌉.
func (q Quantity) units(u Unit) int64 {
	b := u.block()
	return (q.n + b - 1) / b
}

// exceeds reports whether q is above a limit given in whole seconds or
// characters (0: no limit).
func (q Quantity) exceeds(limit int64) bool {
	if limit <= 0 {
		return false
	}
	if q.kind == QuantitySeconds {
		return q.n > limit*1000
	}
	return q.n > limit
}

// String renders the quantity for logs: "42 s", "41.3 s", "1234 characters".
func (q Quantity) String() string {
	switch q.kind {
	case QuantitySeconds:
		return secondsText(q.n, ".") + " s"
	case QuantityCharacters:
		return strconv.FormatInt(q.n, 10) + " characters"
	}
	return "unmeasured"
}

// secondsText writes milliseconds as seconds with the shortest exact
// decimal: "42", "41.3", "0.005".
func secondsText(ms int64, point string) string {
	s := strconv.FormatInt(ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		s += point + strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
	}
	return s
}
