package pricing

import (
	"errors"
	"math/big"
	"math/rand"
	"testing"
	"testing/quick"
	"time"
)

// perUnitModel is an enabled model priced per unit of a measured input: a
// lip-sync model per second of its audio (at most 15 s), or a speech model
// per 1,000 characters of its text (at most 5,000).
func perUnitModel(id string, unit Unit, credits string) ModelSpec {
	m := flatModel(id, credits)
	m.Category, m.Output = LipSync, MediaVideo
	field := Field{Name: "audio_url", Type: KindFile, Required: true, Media: MediaAudio, MinCount: 1, MaxCount: 1, MaxSeconds: 15}
	if unit == PerThousandChars {
		m.Category, m.Output = Audio, MediaAudio
		field = Field{Name: "text", Type: KindString, Required: true, MaxLength: 5000}
	}
	m.Fields = []Field{field}
	m.Modes[0].Basis = &Basis{Unit: unit, Field: field.Name}
	return m
}

// Hand-computed quotes for every per-unit model on sale (wan/2-2-animate-move,
// per second of the reference video) and for the synthetic per-unit shapes.
// 1 credit = $0.005; at 92.5 ₽/$ and markup 2 a credit is 0.925 ₽.
func TestQuoteQuantityHandComputed(t *testing.T) {
	t.Parallel()
	shipped := mustPricer(t, Default(), Config{USDRUBRate: "92.5", Markup: "2"})
	synthetic := mustPricer(t, testRegistry(t,
		perUnitModel("t/lipsync", PerInputSecond, "8"),
		perUnitModel("t/tts", PerThousandChars, "6"),
	), Config{USDRUBRate: "78.9", Markup: "2"})
	for _, tc := range []struct {
		name        string
		p           *Pricer
		model       string
		params      Params
		q           Quantity
		units       int64
		unitKopecks int64
		kopecks     int64
		credits     string
	}{
		// 12 credits/s × 0.925 = 11.10 ₽/s; 42 s = 466.20 ₽.
		{"animate 480p 42 s", shipped, "wan/2-2-animate-move", Params{"resolution": "480p"}, Seconds(42), 42, 1110, 46620, "504"},
		// 18 credits/s × 0.925 = 16.65 ₽/s.
		{"animate 580p 10 s", shipped, "wan/2-2-animate-move", Params{"resolution": "580p"}, Seconds(10), 10, 1665, 16650, "180"},
		// 24 credits/s × 0.925 = 22.20 ₽/s; 41.3 s is billed as 42 s.
		{"animate 720p 41.3 s", shipped, "wan/2-2-animate-move", Params{"resolution": "720p"}, DurationOf(41300 * time.Millisecond), 42, 2220, 93240, "1008"},
		{"animate 720p 1 ms", shipped, "wan/2-2-animate-move", Params{"resolution": "720p"}, DurationOf(time.Millisecond), 1, 2220, 2220, "24"},
		// 8 credits × 0.005 × 78.9 × 2 = 6.312 ₽ → 632 kopecks a second (rounded up per unit).
		{"lip sync 15 s", synthetic, "t/lipsync", nil, Seconds(15), 15, 632, 9480, "120"},
		// 6 credits × 0.789 = 4.734 ₽ → 474 kopecks per 1,000 characters; 1,001 characters are 2 blocks.
		{"tts 1001 chars", synthetic, "t/tts", nil, Characters(1001), 2, 474, 948, "12"},
		{"tts 1000 chars", synthetic, "t/tts", nil, Characters(1000), 1, 474, 474, "6"},
		{"tts 1 char", synthetic, "t/tts", nil, CharactersOf("ж"), 1, 474, 474, "6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.p.QuoteQuantity(tc.model, tc.params, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if q.Units != tc.units || q.UnitKopecks != tc.unitKopecks || q.Kopecks != tc.kopecks || q.Credits.String() != tc.credits || !q.PerUnit() {
				t.Fatalf("%s: units %d × %d = %d kopecks, %s credits; want %d × %d = %d, %s credits",
					q, q.Units, q.UnitKopecks, q.Kopecks, q.Credits, tc.units, tc.unitKopecks, tc.kopecks, tc.credits)
			}
			if q.Quantity != tc.q {
				t.Errorf("quote keeps quantity %s, want %s", q.Quantity, tc.q)
			}
		})
	}
}

func TestQuoteQuantityRefusals(t *testing.T) {
	t.Parallel()
	p := mustPricer(t, testRegistry(t,
		perUnitModel("t/lipsync", PerInputSecond, "8"),
		perUnitModel("t/tts", PerThousandChars, "6"),
		flatModel("t/flat", "4"),
	), Config{USDRUBRate: "90"})
	for _, tc := range []struct {
		name  string
		model string
		q     Quantity
		want  error
		max   Quantity
	}{
		{"not measured", "t/lipsync", Quantity{}, ErrQuantityUnknown, Quantity{}},
		{"zero seconds", "t/lipsync", Seconds(0), ErrQuantityUnknown, Quantity{}},
		{"characters for seconds", "t/lipsync", Characters(10), ErrQuantityKind, Quantity{}},
		{"seconds for characters", "t/tts", Seconds(10), ErrQuantityKind, Quantity{}},
		{"16 s over 15 s", "t/lipsync", Seconds(16), ErrQuantityTooLarge, Seconds(15)},
		{"15.001 s over 15 s", "t/lipsync", DurationOf(15001 * time.Millisecond), ErrQuantityTooLarge, Seconds(15)},
		{"5001 characters over 5000", "t/tts", Characters(5001), ErrQuantityTooLarge, Characters(5000)},
	} {
		_, err := p.QuoteQuantity(tc.model, nil, tc.q)
		var qe *QuantityError
		if !errors.As(err, &qe) || !errors.Is(err, tc.want) || qe.Max != tc.max || qe.Model != tc.model {
			t.Errorf("%s: %v (%+v), want %v with limit %s", tc.name, err, qe, tc.want, tc.max)
		}
	}
	// Quote without a quantity refuses a per-unit price the same way.
	if _, err := p.Quote("t/lipsync", nil); !errors.Is(err, ErrQuantityUnknown) {
		t.Errorf("Quote of a per-second model: %v, want ErrQuantityUnknown", err)
	}
	// The limit itself is accepted; a flat price ignores any quantity.
	if q, err := p.QuoteQuantity("t/lipsync", nil, Seconds(15)); err != nil || q.Units != 15 {
		t.Errorf("15 s: %v %v", q, err)
	}
	flat, err := p.QuoteQuantity("t/flat", nil, Seconds(99))
	plain, _ := p.Quote("t/flat", nil)
	if err != nil || flat.Kopecks != plain.Kopecks || flat.Units != 1 || flat.PerUnit() {
		t.Errorf("flat price with a quantity: %v %v, want %v", flat, err, plain)
	}
	// A rate quote is one unit: the least a task can cost.
	from, err := p.From("t/lipsync")
	if err != nil || from.Units != 1 || from.Kopecks != from.UnitKopecks || from.Quantity.Known() {
		t.Errorf("From of a per-unit model: %+v %v", from, err)
	}
}

// Properties of per-unit quotes over random quantities and rates: the price
// never falls below Kie's cost × markup for the billed units, exceeds it by
// less than a kopeck per unit, never falls when the quantity grows, and the
// billed units are the quantity rounded up.
func TestQuoteQuantityProperties(t *testing.T) {
	t.Parallel()
	unlimited := func(id string, unit Unit, credits Credits) *Registry {
		m := perUnitModel(id, unit, "1")
		m.Fields[0].MaxSeconds, m.Fields[0].MaxLength = 0, 0
		m.Modes[0].Credits = credits
		return testRegistry(t, m)
	}
	prop := func(microCredits uint32, rateCents uint32, markupMilli uint16, a, b uint32, chars bool) bool {
		credits := Credits(microCredits%500_000_000 + 1)
		unit, mk := PerInputSecond, func(n int64) Quantity { return DurationOf(time.Duration(n) * time.Millisecond) }
		if chars {
			unit, mk = PerThousandChars, Characters
		}
		r := unlimited("t/x", unit, credits)
		rate := ratText(int64(rateCents%10_000_000)+1, 2)
		markup := ratText(1000+int64(markupMilli%9000), 3)
		p, err := NewPricer(r, Config{USDRUBRate: rate, Markup: markup})
		if err != nil {
			return false
		}
		lo, hi := int64(min(a, b))+1, int64(max(a, b))+1
		qlo, err1 := p.QuoteQuantity("t/x", nil, mk(lo))
		qhi, err2 := p.QuoteQuantity("t/x", nil, mk(hi))
		if err1 != nil || err2 != nil {
			return false
		}
		for _, q := range []Quote{qlo, qhi} {
			// Kie's cost × markup, in kopecks, for the billed units: the floor.
			exact := new(big.Rat).Mul(p.userRUB(credits), big.NewRat(q.Units, 1))
			k := new(big.Rat).SetInt64(q.Kopecks)
			if k.Cmp(exact) < 0 || new(big.Rat).Sub(k, exact).Cmp(big.NewRat(q.Units, 1)) >= 0 {
				return false
			}
			block := int64(1000)
			n := q.Quantity.Milliseconds() + q.Quantity.Count()
			if q.Units != (n+block-1)/block || q.Credits != Credits(q.Units)*credits {
				return false
			}
		}
		return qlo.Kopecks <= qhi.Kopecks && qlo.Units <= qhi.Units
	}
	cfg := &quick.Config{MaxCount: 3000, Rand: rand.New(rand.NewSource(20260101))}
	if err := quick.Check(prop, cfg); err != nil {
		t.Fatal(err)
	}
}

// ratText writes n / 10^digits as a plain decimal.
func ratText(n int64, digits int) string {
	return new(big.Rat).SetFrac(big.NewInt(n), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)).FloatString(digits)
}

func TestFormatQuote(t *testing.T) {
	t.Parallel()
	p := mustPricer(t, testRegistry(t,
		perUnitModel("t/sec", PerInputSecond, "0.18"), // 0.18 × 0.005 × 100 × 2 = 0.18 ₽ → 0,18 ₽/s
		perUnitModel("t/chars", PerThousandChars, "5.7"),
		flatModel("t/flat", "37.8"),
	), Config{USDRUBRate: "100", Markup: "2"})
	quote := func(id string, q Quantity) Quote {
		t.Helper()
		out, err := p.QuoteQuantity(id, nil, q)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	from, err := p.From("t/sec")
	if err != nil {
		t.Fatal(err)
	}
	fromChars, _ := p.From("t/chars")
	nb := "\u00a0"
	for _, tc := range []struct {
		q        Quote
		ru, en   string
		rate     string // Russian FormatRate
		quantity string // Russian FormatQuantity of q.Quantity
	}{
		{quote("t/flat", Quantity{}), "37,80" + nb + "₽", "37,80" + nb + "₽", "37,80" + nb + "₽", "не измерено"},
		{quote("t/sec", Seconds(15)),
			"15" + nb + "с × 0,18" + nb + "₽/с = 2,70" + nb + "₽",
			"15" + nb + "s × 0,18" + nb + "₽/s = 2,70" + nb + "₽", "0,18" + nb + "₽/с", "15" + nb + "с"},
		{quote("t/sec", DurationOf(12300*time.Millisecond)),
			"12,3" + nb + "с → 13" + nb + "с × 0,18" + nb + "₽/с = 2,34" + nb + "₽",
			"12.3" + nb + "s → 13" + nb + "s × 0,18" + nb + "₽/s = 2,34" + nb + "₽", "0,18" + nb + "₽/с", "12,3" + nb + "с"},
		{quote("t/chars", Characters(1234)),
			"1" + nb + "234 символа → 2 × 5,70" + nb + "₽ за 1" + nb + "000 символов = 11,40" + nb + "₽",
			"1,234 characters → 2 × 5,70" + nb + "₽ per 1,000 characters = 11,40" + nb + "₽",
			"5,70" + nb + "₽ за 1" + nb + "000 символов", "1" + nb + "234 символа"},
		{quote("t/chars", Characters(21)),
			"21 символ → 1 × 5,70" + nb + "₽ за 1" + nb + "000 символов = 5,70" + nb + "₽",
			"21 characters → 1 × 5,70" + nb + "₽ per 1,000 characters = 5,70" + nb + "₽",
			"5,70" + nb + "₽ за 1" + nb + "000 символов", "21 символ"},
		{from, "0,18" + nb + "₽/с", "0,18" + nb + "₽/s", "0,18" + nb + "₽/с", "не измерено"},
		{fromChars, "5,70" + nb + "₽ за 1" + nb + "000 символов", "5,70" + nb + "₽ per 1,000 characters", "5,70" + nb + "₽ за 1" + nb + "000 символов", "не измерено"},
	} {
		if got := FormatQuote(tc.q, "ru"); got != tc.ru {
			t.Errorf("ru: %q, want %q", got, tc.ru)
		}
		if got := FormatQuote(tc.q, "en"); got != tc.en {
			t.Errorf("en: %q, want %q", got, tc.en)
		}
		if got := FormatRate(tc.q, "ru"); got != tc.rate {
			t.Errorf("rate: %q, want %q", got, tc.rate)
		}
		if got := FormatQuantity(tc.q.Quantity, "ru"); got != tc.quantity {
			t.Errorf("quantity: %q, want %q", got, tc.quantity)
		}
	}
	for n, want := range map[int64]string{1: "1 символ", 2: "2 символа", 5: "5 символов", 11: "11 символов", 14: "14 символов", 22: "22 символа", 111: "111 символов", 1001: "1" + nb + "001 символ"} {
		if got := FormatQuantity(Characters(n), "ru"); got != want {
			t.Errorf("FormatQuantity(%d) = %q, want %q", n, got, want)
		}
	}
	if got := FormatQuantity(Characters(1), "en"); got != "1 character" {
		t.Errorf("en singular: %q", got)
	}
}
