package kie

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Credits is an amount of Kie credits, held exactly as an integer number of
// micro-credits (millionths). Kie reports balances and task costs as JSON
// numbers that may be fractional (0.8, 6.5, 812.5); decoding them through
// float64 would make reconciliation drift, so they are parsed as decimals.
// Values with more than six fractional digits (float artefacts such as
// 2.4000000000000004) are rounded half away from zero to the micro-credit.
type Credits int64

// MicroCredits is the number of Credits units in one Kie credit.
const MicroCredits = 1_000_000

// ParseCredits parses a decimal number ("6.5", "-1", "1e3", "0.30000000000000004").
func ParseCredits(s string) (Credits, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return 0, fmt.Errorf("parse credits %q: not a decimal number", truncate(s, 70))
	}
	// big.Rat accepts fractions like "1/3" too; credits are decimals only.
	if strings.ContainsAny(s, "/_xXpP") {
		return 0, fmt.Errorf("parse credits %q: not a decimal number", s)
	}
	// Bound the exponent: big.Rat would happily build 10^1000000000.
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp > 40 || exp < -40 {
			return 0, fmt.Errorf("parse credits %q: exponent out of range", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("parse credits %q: not a decimal number", s)
	}
	r.Mul(r, big.NewRat(MicroCredits, 1))
	// Round half away from zero: (|num|*2 + den) / (2*den).
	num := new(big.Int).Abs(r.Num())
	den := r.Denom()
	num.Mul(num, big.NewInt(2)).Add(num, den)
	num.Quo(num, new(big.Int).Mul(den, big.NewInt(2)))
	if !num.IsInt64() {
		return 0, fmt.Errorf("parse credits %q: out of range", s)
	}
	v := num.Int64()
	if r.Sign() < 0 {
		v = -v
	}
	return Credits(v), nil
}

// CreditsFromInt returns n whole credits.
func CreditsFromInt(n int64) Credits { return Credits(n * MicroCredits) }

// Micro returns the amount in micro-credits.
func (c Credits) Micro() int64 { return int64(c) }

// Float64 returns the amount as a float, for display and metrics only.
func (c Credits) Float64() float64 { return float64(c) / MicroCredits }

// String formats the amount as a short decimal: "6.5", "0.8", "-3".
func (c Credits) String() string {
	v := int64(c)
	sign := ""
	if v < 0 {
		sign = "-"
	}
	u := uint64(v)
	if v < 0 {
		u = uint64(-(v + 1)) + 1 // safe for math.MinInt64
	}
	whole, frac := u/MicroCredits, u%MicroCredits
	if frac == 0 {
		return sign + strconv.FormatUint(whole, 10)
	}
	f := strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	return sign + strconv.FormatUint(whole, 10) + "." + f
}

// MarshalJSON writes the amount as a JSON number.
func (c Credits) MarshalJSON() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalJSON reads a JSON number or a numeric string.
func (c *Credits) UnmarshalJSON(b []byte) error {
	v, _, err := parseCreditsJSON(b)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// parseCreditsJSON reads a number, a numeric string, or null/absent (present
// false). Anything else is an error.
func parseCreditsJSON(raw json.RawMessage) (c Credits, present bool, err error) {
	s, present, err := numberText(raw)
	if err != nil || !present {
		return 0, present, err
	}
	c, err = ParseCredits(s)
	return c, true, err
}

// numberText returns the text of a JSON number or of a string holding one;
// null, "" and absence are "not present".
func numberText(raw json.RawMessage) (string, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, fmt.Errorf("decode number: %w", err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return "", false, nil
		}
	} else {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false, fmt.Errorf("decode number %s: %w", truncate(string(raw), 40), err)
		}
		s = n.String()
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil && !isRangeErr(err) {
		return "", false, fmt.Errorf("decode number %q: not numeric", truncate(s, 40))
	}
	return s, true, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseInt64JSON reads an integer-valued number (or numeric string); a
// fractional value is truncated towards zero. null/absent give 0, false.
func parseInt64JSON(raw json.RawMessage) (int64, bool, error) {
	s, present, err := numberText(raw)
	if err != nil || !present {
		return 0, present, err
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, false, fmt.Errorf("decode integer %q: out of range", truncate(s, 40))
	}
	return int64(f), true, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
