package pricing

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"testing/quick"
)

func mustCredits(t testing.TB, s string) Credits {
	t.Helper()
	c, err := ParseCredits(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustPricer(t testing.TB, reg *Registry, cfg Config) *Pricer {
	t.Helper()
	p, err := NewPricer(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// flatModel is an enabled text-to-image model with one price.
func flatModel(id, credits string) ModelSpec {
	c, err := ParseCredits(credits)
	if err != nil {
		panic(err)
	}
	return ModelSpec{
		ID: id, Category: TextToImage, Output: MediaImage, Endpoint: CreateTaskEndpoint, Family: FamilyMarket,
		Name: Label{RU: id, EN: id}, Description: Label{RU: "описание", EN: "description"}, Enabled: true,
		Fields: []Field{{Name: "prompt", Type: KindString, Required: true}},
		Modes:  []Mode{{Credits: c, Source: "test", Origin: OriginOfficial}},
	}
}

func testRegistry(t testing.TB, models ...ModelSpec) *Registry {
	t.Helper()
	r, err := New(RegistryFile{Format: FileFormat, Models: models})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Hand-computed cases: credits × $/credit × ₽/$ × markup, in kopecks, up.
func TestKopecksArithmetic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		credits, usd, rate, markup string
		want                       int64
	}{
		{"0.8", "", "95.5", "", 77},                 // 0.004 $ → 0.382 ₽ → ×2 = 76.4 k → 77
		{"4", "", "100", "2.0", 400},                // exact: no rounding
		{"3.5", "", "90", "1.5", 237},               // 236.25 k → 237
		{"0.24", "", "92.37", "2", 23},              // 22.1688 k → 23
		{"630", "", "100", "2", 63000},              // the dearest official mode (Sora 2 Pro High 15 s)
		{"10", "0.004", "100", "1", 400},            // credit value configurable
		{"0.000001", "", "0.01", "1", 1},            // a millionth of a credit still costs a kopeck
		{"104.5", "0.005", "81.1234", "2.5", 10597}, // 0.5225 $ × 81.1234 = 42.3869765 ₽ ×2.5 = 105.96744125 ₽
	} {
		t.Run(fmt.Sprintf("%s@%s×%s", tc.credits, tc.rate, tc.markup), func(t *testing.T) {
			p := mustPricer(t, testRegistry(t, flatModel("m", "1")), Config{KieCreditUSD: tc.usd, USDRUBRate: tc.rate, Markup: tc.markup})
			if got := p.Kopecks(mustCredits(t, tc.credits)); got != tc.want {
				t.Fatalf("Kopecks(%s) = %d, want %d", tc.credits, got, tc.want)
			}
		})
	}
}

func TestQuoteBreakdownAndModeSelection(t *testing.T) {
	t.Parallel()
	reg := Default()
	p := mustPricer(t, reg, Config{USDRUBRate: "100", Markup: "2"})
	for _, tc := range []struct {
		model  string
		params Params
		label  string
		want   int64
	}{
		{"kling-2.6/text-to-video", Params{"sound": "true", "duration": "10"}, "10 s · with sound", 22000},
		{"kling-2.6/text-to-video", Params{"sound": "false", "duration": "5"}, "5 s · no sound", 5500},
		{"kling-2.6/text-to-video", Params{"sound": "TRUE", "duration": " 5"}, "5 s · with sound", 11000}, // canonicalised
		{"nano-banana-pro", Params{"resolution": "4K"}, "4K", 2400},
		{"bytedance/v1-lite-image-to-video", Params{"duration": "5", "resolution": "720p"}, "5 s · 720p", 3000}, // conflict 22.5/30: 30 kept
		{"google/imagen4-fast", Params{}, "", 400},                                                              // num_images pinned to 1; the only price has no option to name
	} {
		q, err := p.Quote(tc.model, tc.params)
		if err != nil {
			t.Fatalf("%s %v: %v", tc.model, tc.params, err)
		}
		if q.Kopecks != tc.want || q.Mode.Label != tc.label {
			t.Errorf("%s %v: %s, want %d kopecks in mode %q", tc.model, tc.params, q, tc.want, tc.label)
		}
		// The breakdown must multiply out to the price.
		cost, _ := new(big.Rat).SetString(q.CostRUB)
		markup, _ := new(big.Rat).SetString(q.Markup)
		exact := new(big.Rat).Mul(new(big.Rat).Mul(cost, markup), big.NewRat(100, 1))
		if ceilInt64(exact) != q.Kopecks {
			t.Errorf("%s: breakdown %s × %s does not give %d kopecks", tc.model, q.CostRUB, q.Markup, q.Kopecks)
		}
	}
	if _, err := p.Quote("hailuo/02-image-to-video-standard", Params{"duration": "6", "resolution": "768P"}); !errors.Is(err, ErrUnpriced) {
		t.Errorf("unpriced combination: got %v, want ErrUnpriced", err)
	}
	if _, err := p.Quote("kling-2.6/text-to-video", Params{"sound": "true", "duration": "7"}); !errors.Is(err, ErrNotInEnum) {
		t.Errorf("unoffered duration: got %v, want ErrNotInEnum", err)
	}
	if _, err := p.Quote("kling-2.6/text-to-video", Params{"sound": "true"}); !errors.Is(err, ErrIncomplete) {
		t.Errorf("missing duration: got %v, want ErrIncomplete", err)
	}
	if _, err := p.Quote("google/imagen4", nil); !errors.Is(err, ErrModelDisabled) {
		t.Errorf("disabled model: got %v, want ErrModelDisabled", err)
	}
}

func TestNoExchangeRateRefusesEveryQuote(t *testing.T) {
	t.Parallel()
	p := mustPricer(t, Default(), Config{FreeTierCount: 5})
	if err := p.Ready(); !errors.Is(err, ErrNoExchangeRate) || !strings.Contains(err.Error(), "USD_RUB_RATE") {
		t.Fatalf("Ready() = %v, want ErrNoExchangeRate naming USD_RUB_RATE", err)
	}
	checks := map[string]error{}
	_, checks["Quote"] = p.Quote("z-image", nil)
	_, checks["From"] = p.From("z-image")
	_, checks["ModeQuotes"] = p.ModeQuotes("z-image")
	_, checks["Choices"] = p.Choices("nano-banana-pro", "resolution", nil)
	for name, err := range checks {
		if !errors.Is(err, ErrNoExchangeRate) {
			t.Errorf("%s without a rate: %v, want ErrNoExchangeRate", name, err)
		}
	}
	if len(p.FreeModels()) != 0 {
		t.Error("free tier must be empty while nothing can be priced")
	}
}

func TestPricerConfigErrors(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t, flatModel("m", "1"))
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{USDRUBRate: "ninety"}, "USD_RUB_RATE"},
		{Config{USDRUBRate: "1/3"}, "USD_RUB_RATE"},
		{Config{USDRUBRate: "1e2"}, "USD_RUB_RATE"},
		{Config{USDRUBRate: "0"}, "must be positive"},
		{Config{USDRUBRate: "90", Markup: "0.9"}, "below 1"},
		{Config{USDRUBRate: "90", KieCreditUSD: "-0.005"}, "KIE_CREDIT_USD"},
		{Config{USDRUBRate: "90", FreeTierCount: -1}, "FREE_TIER_COUNT"},
	} {
		if _, err := NewPricer(reg, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewPricer(%+v) = %v, want an error mentioning %q", tc.cfg, err, tc.want)
		}
	}
	r := mustPricer(t, reg, Config{USDRUBRate: " 90.50 "}).Rates()
	if r.KieCreditUSD != "0.005" || r.Markup != "2" || r.USDRUBRate != "90.5" {
		t.Errorf("defaults: %+v", r)
	}
}

// Properties over random exact inputs: the price covers cost × markup, is
// the smallest whole kopeck that does, is never zero, and never falls when
// the markup rises.
func TestKopecksProperties(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t, flatModel("m", "1"))
	prop := func(micro uint32, rateCents uint32, markupMilli, extraMilli uint16) bool {
		c := Credits(micro%1_000_000_000 + 1)
		rate := fmt.Sprintf("%d.%02d", rateCents%100_000, rateCents%100) // 0.00 .. 99999.99
		m1 := fmt.Sprintf("%d.%03d", 1+markupMilli/1000%10, markupMilli%1000)
		m2 := fmt.Sprintf("%d.%03d", 1+(markupMilli+extraMilli)/1000%10, (markupMilli+extraMilli)%1000)
		p1, err1 := NewPricer(reg, Config{USDRUBRate: rate, Markup: m1})
		p2, err2 := NewPricer(reg, Config{USDRUBRate: rate, Markup: m2})
		if err1 != nil || err2 != nil {
			return rate == "0.00" // "0.00" is rejected as non-positive, rightly
		}
		k1 := p1.Kopecks(c)
		exact := p1.userRUB(c) // cost × markup in kopecks, exact
		covers := new(big.Rat).SetInt64(k1).Cmp(exact) >= 0
		tight := new(big.Rat).SetInt64(k1-1).Cmp(exact) < 0
		mr1, _ := parseDecimal(m1)
		mr2, _ := parseDecimal(m2)
		monotone := mr1.Cmp(mr2) > 0 || p2.Kopecks(c) >= k1
		return covers && tight && k1 > 0 && monotone
	}
	cfg := &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(20251221))}
	if err := quick.Check(prop, cfg); err != nil {
		t.Fatal(err)
	}
}

// Every official mode of every enabled model quotes to a positive price that
// covers Kie's cost times the markup.
func TestEveryShippedModeQuotes(t *testing.T) {
	t.Parallel()
	reg := Default()
	p := mustPricer(t, reg, Config{USDRUBRate: "78.9", Markup: "2"})
	n := 0
	for _, m := range reg.Models() {
		qs, err := p.ModeQuotes(m.ID())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			cost, _ := new(big.Rat).SetString(q.CostRUB)
			floor := new(big.Rat).Mul(cost, big.NewRat(200, 1)) // × markup 2 × 100 kopecks
			if q.Kopecks <= 0 || new(big.Rat).SetInt64(q.Kopecks).Cmp(floor) < 0 {
				t.Errorf("%s: %d kopecks does not cover %s", m.ID(), q.Kopecks, floor.FloatString(2))
			}
			n++
		}
		from, _ := p.From(m.ID())
		if from.Kopecks != qs[0].Kopecks {
			t.Errorf("%s: From %d is not the cheapest mode %d", m.ID(), from.Kopecks, qs[0].Kopecks)
		}
	}
	t.Logf("%d modes of %d models quoted", n, len(reg.Models()))
}

func TestFreeTier(t *testing.T) {
	t.Parallel()
	two := flatModel("b/two", "1")
	two.Fields = append(two.Fields, Field{Name: "q", Type: KindEnum, Required: true, Price: true, Values: []string{"lo", "hi"}})
	two.Modes = []Mode{
		{Label: "lo", Credits: mustCredits(t, "0.5"), When: map[string]string{"q": "lo"}, Source: "test", Origin: OriginOfficial},
		{Label: "hi", Credits: mustCredits(t, "9"), When: map[string]string{"q": "hi"}, Source: "test", Origin: OriginOfficial},
	}
	reg := testRegistry(t,
		flatModel("d/four", "4"), flatModel("a/four", "4"), flatModel("c/one", "1"),
		flatModel("e/eight", "8"), two,
	)
	for _, tc := range []struct {
		count int
		want  []string
	}{
		{0, nil},
		{1, []string{"c/one"}},
		// a/four and d/four tie: by id. b/two is cheap from 0.5 but costs 9
		// in its dearest mode, which is what giving it away risks.
		{3, []string{"c/one", "a/four", "d/four"}},
		{9, []string{"c/one", "a/four", "d/four", "e/eight", "b/two"}},
	} {
		p := mustPricer(t, reg, Config{USDRUBRate: "100", FreeTierCount: tc.count})
		var got []string
		for _, m := range p.FreeModels() {
			got = append(got, m.ID())
			if !p.IsFree(m.ID()) {
				t.Errorf("IsFree(%s) = false for a free model", m.ID())
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("FREE_TIER_COUNT=%d: free %v, want %v", tc.count, got, tc.want)
		}
		q, _ := p.Quote("e/eight", nil)
		if q.Free != slices.Contains(tc.want, "e/eight") {
			t.Errorf("FREE_TIER_COUNT=%d: quote of e/eight says free=%t", tc.count, q.Free)
		}
	}
}

func TestFormatRUB(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{
		0: "0,00\u00a0₽", 77: "0,77\u00a0₽", 100: "1,00\u00a0₽", 123456: "1\u00a0234,56\u00a0₽",
		100000000: "1\u00a0000\u00a0000,00\u00a0₽", -5: "-0,05\u00a0₽",
	} {
		if got := FormatRUB(in); got != want {
			t.Errorf("FormatRUB(%d) = %q, want %q", in, got, want)
		}
	}
}
