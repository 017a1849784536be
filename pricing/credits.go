package pricing

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Credits is an amount of Kie credits held exactly as an integer number of
// micro-credits (the same unit as kie.Credits, so the two convert with a
// plain type conversion). Prices such as 0.24, 3.5 and 104.5 credits occur;
// a float would make them drift, so they are parsed from their decimal text.
type Credits int64

// MicroPerCredit is the number of Credits units in one Kie credit.
const MicroPerCredit = 1_000_000

// decimalRE is a plain decimal: no exponent, no fraction syntax, no sign
// other than a leading minus. big.Rat.SetString would also accept "1/3" and
// "1e9", neither of which belongs in a price table.
var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// ParseCredits parses a decimal credit amount ("3.5", "14.0", "0.24"). It
// never rounds: more than six fractional digits is an error, because a price
// that cannot be held exactly must not be sold.
func ParseCredits(s string) (Credits, error) {
	s = strings.TrimSpace(s)
	r, err := parseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("parse credits: %w", err)
	}
	r.Mul(r, big.NewRat(MicroPerCredit, 1))
	if !r.IsInt() {
		return 0, fmt.Errorf("parse credits %q: more than 6 fractional digits", s)
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("parse credits %q: out of range", s)
	}
	return Credits(r.Num().Int64()), nil
}

// parseDecimal parses a plain decimal string exactly.
func parseDecimal(s string) (*big.Rat, error) {
	if len(s) > 40 || !decimalRE.MatchString(s) {
		return nil, fmt.Errorf("%q is not a plain decimal number", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a plain decimal number", s)
	}
	return r, nil
}

// Rat returns the amount in credits as an exact rational.
func (c Credits) Rat() *big.Rat { return big.NewRat(int64(c), MicroPerCredit) }

// String renders the shortest exact decimal: "3.5", "14", "0.24".
func (c Credits) String() string {
	neg := c < 0
	v := int64(c)
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/MicroPerCredit, 10)
	if frac := v % MicroPerCredit; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// MarshalJSON writes credits as a decimal string so no JSON reader ever
// sees a float.
func (c Credits) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// UnmarshalJSON accepts a decimal string (the registry's form) or a bare
// JSON number, both parsed exactly.
func (c *Credits) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode credits: %w", err)
		}
	}
	v, err := ParseCredits(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// UnmarshalYAML reads the scalar's text, not a float64, so "3.5" in Kie's
// price table stays exactly 3.5.
func (c *Credits) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: credits must be a number", n.Line)
	}
	v, err := ParseCredits(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*c = v
	return nil
}

// ratString renders an exact rational whose denominator divides a power of
// ten (every product of decimal inputs does) as a plain decimal. Other
// rationals, which cannot arise from decimal inputs, get 12 digits.
func ratString(r *big.Rat) string {
	for digits := 0; digits <= 12; digits++ {
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)))
		if scaled.IsInt() {
			return r.FloatString(digits)
		}
	}
	return r.FloatString(12)
}
