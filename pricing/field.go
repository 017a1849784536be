package pricing

import (
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is a field's input type. The set is closed; the audit rejects others.
type Kind string

// The field kinds.
const (
	KindString  Kind = "string"  // free text, MinLength..MaxLength runes
	KindEnum    Kind = "enum"    // one of Values, sent as a JSON string
	KindBool    Kind = "bool"    // true/false, sent as a JSON boolean
	KindInteger Kind = "integer" // whole number within Min..Max
	KindNumber  Kind = "number"  // decimal number within Min..Max
	KindFile    Kind = "file"    // uploaded file URL(s) of Media
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindString, KindEnum, KindBool, KindInteger, KindNumber, KindFile:
		return true
	}
	return false
}

// Field is one input of a model, as the registry ships it. Limits that are
// zero or empty are unknown (not "zero"): MaxLength 0 means no documented
// limit. Values are kept as exact text; numbers are decimal strings.
type Field struct {
	Name     string `json:"name"`
	Type     Kind   `json:"type"`
	Required bool   `json:"required"` // the bot always sends it; see MinCount for files
	// Price marks a field whose value selects the price mode. Price fields
	// are always required (the bot never leaves the choice to Kie's
	// default) and their options are exactly the priced ones.
	Price     bool     `json:"price,omitempty"`
	Values    []string `json:"values,omitempty"` // enum options; for bool, the allowed subset of "false","true"
	MinLength int      `json:"min_length,omitempty"`
	MaxLength int      `json:"max_length,omitempty"`
	Min       string   `json:"min,omitempty"` // decimal bound for integer/number
	Max       string   `json:"max,omitempty"`
	Media     Media    `json:"media,omitempty"`    // file media type
	Multiple  bool     `json:"multiple,omitempty"` // file list, sent as a JSON array
	MinCount  int      `json:"min_count,omitempty"`
	MaxCount  int      `json:"max_count,omitempty"`
	MaxBytes  int64    `json:"max_bytes,omitempty"`
	// MaxSeconds is the longest media file the field takes, in seconds
	// (0: no documented limit). A per-second price refuses longer files.
	MaxSeconds int `json:"max_seconds,omitempty"`
	// OpenEnum marks an enum the schema gave as free text: its options are
	// the priced values, and an operator's confirmed price may add another.
	OpenEnum bool `json:"open_enum,omitempty"`
	// OptionLabels names enum and bool options in words ("10 s", "with
	// sound"), by value. Price fields always have them.
	OptionLabels map[string]Label `json:"option_labels,omitempty"`
	// Default is the official schema's default, as canonical text; nil when
	// the schema gives none (examples are never used as defaults).
	Default *string `json:"default,omitempty"`
}

// clone returns a deep copy, so callers never share the registry's slices.
func (f Field) clone() Field {
	f.Values = slices.Clone(f.Values)
	f.OptionLabels = maps.Clone(f.OptionLabels)
	if f.Default != nil {
		d := *f.Default
		f.Default = &d
	}
	return f
}

// OptionLabel names an option in lang, falling back to the value itself.
func (f Field) OptionLabel(value, lang string) string {
	if l, ok := f.OptionLabels[value]; ok {
		if s := l.In(lang); s != "" {
			return s
		}
	}
	return value
}

// Options returns the values a user may choose: the enum values, or for a
// bool "false" and "true" (or the allowed subset). Nil for other kinds.
func (f Field) Options() []string {
	switch f.Type {
	case KindEnum:
		return slices.Clone(f.Values)
	case KindBool:
		if len(f.Values) > 0 {
			return slices.Clone(f.Values)
		}
		return []string{"false", "true"}
	}
	return nil
}

// Fixed reports whether the field has exactly one allowed value, which the
// flows can send without asking (e.g. num_images pinned to "1").
func (f Field) Fixed() (string, bool) {
	if o := f.Options(); len(o) == 1 {
		return o[0], true
	}
	return "", false
}

// Parse validates text typed or chosen by a user and returns the canonical
// value: the enum value as listed (matched case-insensitively), "true" or
// "false", a number in plain decimal. Errors are *FieldError.
func (f Field) Parse(raw string) (string, error) {
	fail := func(err error) *FieldError { return &FieldError{Field: f.Name, Err: err, Value: cut(raw, 64)} }
	switch f.Type {
	case KindString:
		n := utf8.RuneCountInString(raw)
		if strings.TrimSpace(raw) == "" {
			return "", fail(ErrRequired)
		}
		if f.MinLength > 0 && n < f.MinLength {
			e := fail(ErrTooShort)
			e.Min = strconv.Itoa(f.MinLength)
			return "", e
		}
		if f.MaxLength > 0 && n > f.MaxLength {
			e := fail(ErrTooLong)
			e.Max, e.Value = strconv.Itoa(f.MaxLength), ""
			return "", e
		}
		return raw, nil
	case KindEnum, KindBool:
		v := strings.TrimSpace(raw)
		if f.Type == KindBool {
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				return "", fail(ErrNotBool)
			}
			v = strconv.FormatBool(b)
		}
		opts := f.Options()
		for _, o := range opts {
			if strings.EqualFold(o, v) {
				return o, nil
			}
		}
		e := fail(ErrNotInEnum)
		e.Allowed = opts
		return "", e
	case KindInteger, KindNumber:
		v := strings.TrimSpace(strings.Replace(raw, ",", ".", 1)) // Russian decimal comma
		r, err := parseDecimal(v)
		if err != nil {
			if f.Type == KindInteger {
				return "", fail(ErrNotInteger)
			}
			return "", fail(ErrNotNumber)
		}
		if f.Type == KindInteger && !r.IsInt() {
			return "", fail(ErrNotInteger)
		}
		if !f.inBounds(r) {
			e := fail(ErrOutOfBounds)
			e.Min, e.Max = f.Min, f.Max
			return "", e
		}
		if f.Type == KindInteger {
			return r.Num().String(), nil
		}
		return ratString(r), nil
	case KindFile:
		return "", fail(ErrNotAFile)
	}
	return "", fail(ErrUnknownField)
}

// inBounds reports whether r lies within the field's known bounds.
func (f Field) inBounds(r *big.Rat) bool {
	if f.Min != "" {
		if lo, err := parseDecimal(f.Min); err == nil && r.Cmp(lo) < 0 {
			return false
		}
	}
	if f.Max != "" {
		if hi, err := parseDecimal(f.Max); err == nil && r.Cmp(hi) > 0 {
			return false
		}
	}
	return true
}

// FileInfo describes one file a user sent, for CheckFiles.
type FileInfo struct {
	Media   Media // what the file is (from Telegram's message type or MIME)
	Size    int64 // bytes; 0 when unknown
	Seconds int64 // duration of audio or video as Telegram reports it; 0 when unknown
}

// CheckFiles validates the files given for a file field: media type, count
// and size. Errors are *FieldError.
func (f Field) CheckFiles(files []FileInfo) error {
	fail := func(err error) *FieldError { return &FieldError{Field: f.Name, Err: err} }
	if f.Type != KindFile {
		return fail(ErrNotAFile)
	}
	for _, file := range files {
		if file.Media != f.Media {
			e := fail(ErrWrongFileType)
			e.Media = f.Media
			return e
		}
		if f.MaxBytes > 0 && file.Size > f.MaxBytes {
			e := fail(ErrFileTooLarge)
			e.Max = strconv.FormatInt(f.MaxBytes, 10)
			return e
		}
		if f.MaxSeconds > 0 && file.Seconds > int64(f.MaxSeconds) {
			e := fail(ErrMediaTooLong)
			e.Max = strconv.Itoa(f.MaxSeconds)
			return e
		}
	}
	if len(files) < f.MinCount {
		e := fail(ErrTooFewFiles)
		e.Min = strconv.Itoa(f.MinCount)
		return e
	}
	if max := f.maxFiles(); len(files) > max {
		e := fail(ErrTooManyFiles)
		e.Max = strconv.Itoa(max)
		return e
	}
	return nil
}

// maxFiles is the most files the field takes: one for a single-URL field,
// MaxCount for a list (at least one).
func (f Field) maxFiles() int {
	if !f.Multiple {
		return 1
	}
	return max(f.MaxCount, 1)
}
