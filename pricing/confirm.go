package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ConfirmationKind says what an operator's confirmation does.
type ConfirmationKind string

// The kinds of confirmation. The embedded registry stays the default; a
// confirmation only adds a price where Kie's official table has none, or
// narrows what is sold. It never overrides an official price.
const (
	// ConfirmPrice gives a price to a model, or to an option of it, that
	// the official table does not price (or prices on an unclear basis).
	ConfirmPrice ConfirmationKind = "price"
	// ConfirmDisable takes a model, or the options matching Option, off
	// sale. A disable wins over any price, official or confirmed.
	ConfirmDisable ConfirmationKind = "disable"
)

// Confirmation is an operator's decision about a price, as the shop stores
// it. Apply a set of them with Registry.WithConfirmations; check one before
// storing it with Registry.CheckConfirmation.
type Confirmation struct {
	Kind    ConfirmationKind `json:"kind"`
	ModelID string           `json:"model"`
	// Option names the price-input values the confirmation covers, as a
	// mode's When: {"resolution": "720p"}. Empty for a model priced as a
	// whole (most disabled audio models have no price input) or, for a
	// disable, the whole model. A price for a model that already has price
	// inputs must name every one of them.
	Option Params `json:"option,omitempty"`
	// Unit is what CreditsPerUnit covers (price only): PerTask, or a
	// per-unit basis measured on Field.
	Unit Unit `json:"unit,omitempty"`
	// Field is the input a per-unit price is measured on. Empty: the
	// model's only audio or video file (second units) or its only required
	// text (characters). PerOutputSecond always names it: the operator
	// says which input the result's length follows.
	Field string `json:"field,omitempty"`
	// CreditsPerUnit is Kie's charge per Unit, exactly (price only).
	CreditsPerUnit Credits `json:"credits_per_unit,omitzero"`
	// Source is required: for a price, the URL of Kie's pricing page (or a
	// note saying where the price was read); for a disable, why.
	Source      string    `json:"source"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	ConfirmedBy string    `json:"confirmed_by"` // the admin, e.g. "tg:123456"
}

// OptionKey is the canonical text of Option ("duration=10 resolution=720p",
// keys sorted; "" for the whole model): with ModelID and Kind, the natural
// unique key for storing confirmations.
func (c Confirmation) OptionKey() string { return optionKey(c.Option) }

func optionKey(p Params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return describe(p, keys)
}

// Errors a *ConfirmationError unwraps to (an unknown model unwraps to a
// *UnknownModelError, and so to ErrUnknownModel, with its "did you mean").
var (
	ErrConfirmKind          = errors.New("the kind must be price or disable")
	ErrConfirmNoSource      = errors.New("a source is required: the URL of Kie's pricing page, or a note saying where the price was read (for a disable: why)")
	ErrConfirmBadSource     = errors.New("the source looks like a URL but is not an absolute http(s) URL")
	ErrConfirmNoDate        = errors.New("the confirmation date is missing")
	ErrConfirmNoAuthor      = errors.New("who confirmed it is missing")
	ErrConfirmNonPositive   = errors.New("the credits per unit must be positive")
	ErrConfirmUnit          = errors.New("unknown unit")
	ErrConfirmUnknownOption = errors.New("unknown option")
	ErrConfirmOfficial      = errors.New("the official table already prices this, and a confirmation never overrides an official price")
	ErrConfirmNotPriceable  = errors.New("the model is off sale for a reason a price cannot fix")
	ErrConfirmUnmeasurable  = errors.New("the model has no input to measure this unit on")
	ErrConfirmAbsurd        = errors.New("the price is implausibly high for its category")
	ErrConfirmNothing       = errors.New("nothing on sale matches it")
	ErrConfirmDefect        = errors.New("the model would not pass the registry audit")
	ErrConfirmOverruled     = errors.New("an operator's disable takes it off sale")
)

// ConfirmationError says why a confirmation was refused.
type ConfirmationError struct {
	Confirmation Confirmation
	Err          error
	Detail       string // the specifics: allowed options, the official price, a reason
}

func (e *ConfirmationError) Error() string {
	c := e.Confirmation
	what := c.ModelID
	if k := c.OptionKey(); k != "" {
		what += " [" + k + "]"
	}
	msg := fmt.Sprintf("%s confirmation for %s: %v", c.Kind, what, e.Err)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap lets callers test the reason with errors.Is.
func (e *ConfirmationError) Unwrap() error { return e.Err }

func refuse(c Confirmation, err error, format string, args ...any) *ConfirmationError {
	return &ConfirmationError{Confirmation: c, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// validate checks what needs no registry: kind, source, date, author, unit
// and price. Every error names the first problem.
func (c Confirmation) validate() *ConfirmationError {
	switch c.Kind {
	case ConfirmPrice, ConfirmDisable:
	default:
		return refuse(c, ErrConfirmKind, "got %q", c.Kind)
	}
	src := strings.TrimSpace(c.Source)
	if src == "" {
		return refuse(c, ErrConfirmNoSource, "")
	}
	if strings.Contains(src, "://") || strings.HasPrefix(strings.ToLower(src), "http") {
		u, err := url.Parse(strings.Fields(src)[0])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return refuse(c, ErrConfirmBadSource, "%q", cut(src, 80))
		}
	}
	if c.ConfirmedAt.IsZero() {
		return refuse(c, ErrConfirmNoDate, "")
	}
	if strings.TrimSpace(c.ConfirmedBy) == "" {
		return refuse(c, ErrConfirmNoAuthor, "")
	}
	if c.Kind == ConfirmDisable {
		return nil
	}
	if !c.Unit.Valid() {
		return refuse(c, ErrConfirmUnit, "got %q, want one of %v", c.Unit, Units())
	}
	if c.CreditsPerUnit <= 0 {
		return refuse(c, ErrConfirmNonPositive, "got %s", c.CreditsPerUnit)
	}
	if c.Unit == PerTask && c.Field != "" {
		return refuse(c, ErrConfirmUnit, "a per-task price measures nothing, but field %s is named", c.Field)
	}
	return nil
}

func (c Confirmation) confirmed() *Confirmed {
	return &Confirmed{Source: strings.TrimSpace(c.Source), At: c.ConfirmedAt.UTC(), By: strings.TrimSpace(c.ConfirmedBy)}
}

// describeConfirmed is a mode's Source for an operator price.
func describeConfirmed(c *Confirmed) string {
	return fmt.Sprintf("confirmed by %s on %s: %s", c.By, c.At.Format(time.DateOnly), c.Source)
}

// DecodeConfirmations reads a JSON array of confirmations strictly (unknown
// keys are errors), as `kiebot registry audit -confirmations` takes them.
func DecodeConfirmations(data []byte) ([]Confirmation, error) {
	var cs []Confirmation
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cs); err != nil {
		return nil, fmt.Errorf("decode confirmations: %w", err)
	}
	return cs, nil
}
