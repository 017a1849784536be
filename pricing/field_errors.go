package pricing

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels a *FieldError unwraps to. The UI maps each to a message and reads
// the limits from the FieldError itself.
var (
	ErrRequired      = errors.New("value required")
	ErrTooShort      = errors.New("text too short")
	ErrTooLong       = errors.New("text too long")
	ErrNotInEnum     = errors.New("not an allowed option")
	ErrNotBool       = errors.New("not a yes/no value")
	ErrNotInteger    = errors.New("not a whole number")
	ErrNotNumber     = errors.New("not a number")
	ErrOutOfBounds   = errors.New("number out of bounds")
	ErrWrongFileType = errors.New("wrong file type")
	ErrTooFewFiles   = errors.New("too few files")
	ErrTooManyFiles  = errors.New("too many files")
	ErrFileTooLarge  = errors.New("file too large")
	ErrMediaTooLong  = errors.New("audio or video too long")
	ErrNotAFile      = errors.New("field takes files, not text")
	ErrUnknownField  = errors.New("unknown field")
)

// FieldError says which field rejected a value and why. Err is one of the
// sentinels above; the other fields carry the limit that was crossed so a
// message can say "at most 1000 characters" without re-reading the model.
type FieldError struct {
	Field   string
	Err     error
	Value   string   // the rejected text, cut to 64 runes
	Min     string   // lower limit: length, bound or count
	Max     string   // upper limit: length, bound, count, bytes or seconds
	Allowed []string // the options, for ErrNotInEnum
	Media   Media    // the expected file media, for ErrWrongFileType
}

func (e *FieldError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "field %s: %v", e.Field, e.Err)
	if e.Value != "" {
		fmt.Fprintf(&b, " (got %q)", e.Value)
	}
	switch {
	case len(e.Allowed) > 0:
		fmt.Fprintf(&b, "; allowed: %s", strings.Join(e.Allowed, ", "))
	case e.Media != "":
		fmt.Fprintf(&b, "; expected %s", e.Media)
	case e.Min != "" && e.Max != "":
		fmt.Fprintf(&b, "; limits %s..%s", e.Min, e.Max)
	case e.Min != "":
		fmt.Fprintf(&b, "; at least %s", e.Min)
	case e.Max != "":
		fmt.Fprintf(&b, "; at most %s", e.Max)
	}
	return b.String()
}

// Unwrap lets callers test the reason with errors.Is.
func (e *FieldError) Unwrap() error { return e.Err }

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
