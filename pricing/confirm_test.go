package pricing

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

var confirmedAt = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// price is a valid price confirmation; edit it per case.
func price(model string, unit Unit, credits string, option Params) Confirmation {
	c, err := ParseCredits(credits)
	if err != nil {
		panic(err)
	}
	return Confirmation{
		Kind: ConfirmPrice, ModelID: model, Option: option, Unit: unit, CreditsPerUnit: c,
		Source: "https://kie.ai/pricing", ConfirmedAt: confirmedAt, ConfirmedBy: "tg:42",
	}
}

func disable(model string, option Params, at time.Time) Confirmation {
	return Confirmation{Kind: ConfirmDisable, ModelID: model, Option: option, Source: "Kie bills it twice this week", ConfirmedAt: at, ConfirmedBy: "tg:42"}
}

func overlay(t *testing.T, base *Registry, cs ...Confirmation) (*Registry, OverlayReport) {
	t.Helper()
	reg, rep := base.WithConfirmations(cs)
	if reg == nil {
		t.Fatal("nil registry")
	}
	return reg, rep
}

func TestConfirmationValidation(t *testing.T) {
	t.Parallel()
	base := Default()
	ok := price("elevenlabs/audio-isolation", PerInputSecond, "0.2", nil)
	for _, tc := range []struct {
		name string
		edit func(*Confirmation)
		want error
		text string // in the message
	}{
		{"no source", func(c *Confirmation) { c.Source = "  " }, ErrConfirmNoSource, "source is required"},
		{"not a URL", func(c *Confirmation) { c.Source = "https//kie.ai" }, ErrConfirmBadSource, ""},
		{"ftp URL", func(c *Confirmation) { c.Source = "ftp://kie.ai/pricing" }, ErrConfirmBadSource, ""},
		{"zero price", func(c *Confirmation) { c.CreditsPerUnit = 0 }, ErrConfirmNonPositive, ""},
		{"negative price", func(c *Confirmation) { c.CreditsPerUnit = -1 }, ErrConfirmNonPositive, ""},
		{"no date", func(c *Confirmation) { c.ConfirmedAt = time.Time{} }, ErrConfirmNoDate, ""},
		{"no author", func(c *Confirmation) { c.ConfirmedBy = "" }, ErrConfirmNoAuthor, ""},
		{"no kind", func(c *Confirmation) { c.Kind = "" }, ErrConfirmKind, ""},
		{"unknown unit", func(c *Confirmation) { c.Unit = "minute" }, ErrConfirmUnit, "minute"},
		{"per task naming a field", func(c *Confirmation) { c.Unit, c.Field = PerTask, "audio_url" }, ErrConfirmUnit, "audio_url"},
		{"unknown model", func(c *Confirmation) { c.ModelID = "elevenlabs/audio-isolaton" }, ErrUnknownModel, `did you mean "elevenlabs/audio-isolation"`},
		{"unknown option input", func(c *Confirmation) { c.Option = Params{"colour": "red"} }, ErrConfirmUnknownOption, "colour"},
		{"unknown field to measure", func(c *Confirmation) { c.Field = "text" }, ErrConfirmUnmeasurable, "text"},
	} {
		c := ok
		c.Option = Params{}
		tc.edit(&c)
		err := base.CheckConfirmation(c)
		var ce *ConfirmationError
		if !errors.As(err, &ce) || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %v, want %v mentioning %q", tc.name, err, tc.want, tc.text)
		}
	}
	if err := base.CheckConfirmation(ok); err != nil {
		t.Fatalf("a valid confirmation was refused: %v", err)
	}
	// A plain note is a source too.
	note := ok
	note.Source = "Kie support ticket 1234: 0.2 credits per second of input"
	if err := base.CheckConfirmation(note); err != nil {
		t.Errorf("a note as source: %v", err)
	}
}

// Confirmed prices put the disabled audio, lip-sync and music models on
// sale, with the basis the operator confirmed, the schema's limits and the
// confirmation as the price's origin.
func TestConfirmationsPutAudioOnSale(t *testing.T) {
	t.Parallel()
	base := Default()
	if n := len(base.ByCategory(Audio)) + len(base.ByCategory(LipSync)); n != 0 {
		t.Fatalf("the shipped registry already sells %d audio or lip-sync models", n)
	}
	reg, rep := overlay(t, base,
		price("elevenlabs/audio-isolation", PerInputSecond, "0.2", nil),
		price("elevenlabs/text-to-speech-turbo-2-5", PerThousandChars, "6", nil).withField("text"),
		price("V4", PerTask, "12", nil),
		price("kling/v1-avatar-standard", PerInputSecond, "8", nil),
		price("infinitalk/from-audio", PerInputSecond, "3", Params{"resolution": "480p"}),
		price("infinitalk/from-audio", PerInputSecond, "12", Params{"resolution": "720p"}),
		price("wan/2-2-a14b-speech-to-video-turbo", PerInputSecond, "12", Params{"resolution": "480p"}),
	)
	if len(rep.Rejected) != 0 || len(rep.Applied) != 7 {
		t.Fatalf("applied %d, rejected %v", len(rep.Applied), rep.Rejected)
	}
	var audio []string
	for _, m := range reg.ByCategory(Audio) {
		audio = append(audio, m.ID())
	}
	slices.Sort(audio)
	if !slices.Equal(audio, []string{"V4", "elevenlabs/audio-isolation", "elevenlabs/text-to-speech-turbo-2-5"}) {
		t.Errorf("audio on sale: %v", audio)
	}
	if n := len(reg.ByCategory(LipSync)); n != 3 {
		t.Errorf("%d lip-sync models on sale, want 3", n)
	}
	p := mustPricer(t, reg, Config{USDRUBRate: "100", Markup: "2"}) // 1 credit = 1 ₽ to the user

	// Voice isolation: 0.2 credits/s of the uploaded audio = 0,20 ₽/s.
	q, err := p.QuoteQuantity("elevenlabs/audio-isolation", nil, Seconds(42))
	if err != nil || q.Kopecks != 840 || q.Basis != (Basis{Unit: PerInputSecond, Field: "audio_url"}) {
		t.Errorf("isolation 42 s: %v %v", q, err)
	}
	if got := FormatQuote(q, "en"); got != "42\u00a0s × 0,20\u00a0₽/s = 8,40\u00a0₽" {
		t.Errorf("isolation confirmation reads %q", got)
	}
	md := q.Mode
	if md.Origin != OriginOperator || md.Confirmed == nil || md.Confirmed.Source != "https://kie.ai/pricing" ||
		!md.Confirmed.At.Equal(confirmedAt) || md.Confirmed.By != "tg:42" || !strings.Contains(md.Source, "2026-03-14") {
		t.Errorf("isolation price does not say where it comes from: %+v", md)
	}
	// Text to speech: 6 credits per started 1,000 characters.
	if q, err := p.QuoteQuantity("elevenlabs/text-to-speech-turbo-2-5", Params{"text": "x", "voice": "Rachel"}, Characters(2500)); err != nil || q.Units != 3 || q.Kopecks != 1800 {
		t.Errorf("tts 2500 chars: %v %v", q, err)
	}
	// Suno: 12 credits per task, two tracks, on its own endpoint family.
	suno, err := reg.Model("V4")
	if err != nil || suno.Family() != FamilySuno || suno.Outputs() != 2 || suno.Endpoint() != SunoGenerateEndpoint {
		t.Fatalf("V4: %v family %s outputs %d", err, suno.Family(), suno.Outputs())
	}
	if q, err := p.Quote("V4", Params{"prompt": "a calm piano", "customMode": "false", "instrumental": "true"}); err != nil || q.Kopecks != 1200 || q.PerUnit() {
		t.Errorf("V4: %v %v", q, err)
	}
	// Kling Avatar: the rows' 15 s limit holds once it is priced per second.
	_, err = p.QuoteQuantity("kling/v1-avatar-standard", nil, Seconds(16))
	var qe *QuantityError
	if !errors.As(err, &qe) || !errors.Is(err, ErrQuantityTooLarge) || qe.Max != Seconds(15) || qe.Field != "audio_url" {
		t.Errorf("avatar 16 s: %v", err)
	}
	if q, err := p.QuoteQuantity("kling/v1-avatar-standard", nil, Seconds(15)); err != nil || q.Kopecks != 15*800 {
		t.Errorf("avatar 15 s: %v %v", q, err)
	}
	// InfiniteTalk's free-text resolution became a price input offering the confirmed values.
	it, _ := reg.Model("infinitalk/from-audio")
	if f, _ := it.Field("resolution"); f.Type != KindEnum || !f.Price || !slices.Equal(f.Values, []string{"480p", "720p"}) {
		t.Errorf("infinitalk resolution: %+v", f)
	}
	if q, err := p.QuoteQuantity("infinitalk/from-audio", Params{"resolution": "720p"}, Seconds(10)); err != nil || q.Kopecks != 12000 || q.Mode.Label != "720p · per second" {
		t.Errorf("infinitalk 720p 10 s: %v %v", q, err)
	}
	// Wan speech-to-video: only the confirmed resolution is offered; the others are recorded.
	wan, _ := reg.Model("wan/2-2-a14b-speech-to-video-turbo")
	if f, _ := wan.Field("resolution"); !slices.Equal(f.Values, []string{"480p"}) || !f.Price || !f.Required {
		t.Errorf("wan resolution: %+v", f)
	}
	if got := len(wan.Spec().RemovedOptions); got != 2 {
		t.Errorf("wan removed options: %+v", wan.Spec().RemovedOptions)
	}
	// The base registry is untouched.
	if _, err := base.Model("V4"); !errors.Is(err, ErrModelDisabled) {
		t.Errorf("the overlay changed the base registry: %v", err)
	}
	// The audit summary tells official prices from confirmed ones.
	s := Summarize(reg.File())
	if len(s.OperatorPrices) != 7 || s.OfficialModes != Summarize(base.File()).OfficialModes {
		t.Errorf("summary: %d operator prices, %d official modes", len(s.OperatorPrices), s.OfficialModes)
	}
	if s.ByCategory[Audio] != 3 || s.ByCategory[LipSync] != 3 {
		t.Errorf("summary by category: %v", s.ByCategory)
	}
}

func (c Confirmation) withField(f string) Confirmation { c.Field = f; return c }

func TestConfirmationsNeverOverrideOfficialPrices(t *testing.T) {
	t.Parallel()
	base := Default()
	for _, c := range []Confirmation{
		price("z-image", PerTask, "0.1", nil),
		price("wan/2-2-animate-move", PerOutputSecond, "1", Params{"resolution": "480p"}).withField("video_url"),
		price("kling-2.6/text-to-video", PerTask, "1", Params{"duration": "5", "sound": "false"}),
	} {
		err := base.CheckConfirmation(c)
		if !errors.Is(err, ErrConfirmOfficial) || !strings.Contains(err.Error(), "official price is") {
			t.Errorf("%s %v: %v, want ErrConfirmOfficial naming the official price", c.ModelID, c.Option, err)
		}
		reg, rep := overlay(t, base, c)
		if reg != base || len(rep.Rejected) != 1 {
			t.Errorf("%s: the overlay applied it: %+v", c.ModelID, rep)
		}
	}
	// A price for a model on sale must name every price input …
	if err := base.CheckConfirmation(price("kling-2.6/text-to-video", PerTask, "1", Params{"duration": "5"})); !errors.Is(err, ErrConfirmUnknownOption) {
		t.Errorf("partial option: %v", err)
	}
	// … and a model priced as a whole cannot have an option priced apart.
	if err := base.CheckConfirmation(price("z-image", PerTask, "1", Params{"aspect_ratio": "1:1"})); !errors.Is(err, ErrConfirmUnknownOption) {
		t.Errorf("option on a flat-priced model: %v", err)
	}
}

func TestConfirmationAddsAnUnpricedCombination(t *testing.T) {
	t.Parallel()
	base := Default()
	const id = "hailuo/02-image-to-video-standard" // 6 s is priced at 512P only
	p0 := mustPricer(t, base, Config{USDRUBRate: "100"})
	if _, err := p0.Quote(id, Params{"duration": "6", "resolution": "768P"}); !errors.Is(err, ErrUnpriced) {
		t.Fatalf("precondition: %v", err)
	}
	reg, rep := overlay(t, base, price(id, PerTask, "30", Params{"duration": "6", "resolution": "768P"}))
	if len(rep.Applied) != 1 {
		t.Fatalf("%+v", rep)
	}
	p := mustPricer(t, reg, Config{USDRUBRate: "100"})
	q, err := p.Quote(id, Params{"duration": "6", "resolution": "768P"})
	if err != nil || q.Credits != 30*MicroPerCredit || q.Mode.Origin != OriginOperator || q.Mode.Label != "6 s · 768p" {
		t.Fatalf("confirmed combination: %v %v", q, err)
	}
	// The official ones are unchanged.
	if q, _ := p.Quote(id, Params{"duration": "6", "resolution": "512P"}); q.Mode.Origin != OriginOfficial || q.Credits != 12*MicroPerCredit {
		t.Errorf("official price changed: %v", q)
	}
}

// A removed enum value comes back with its curated words when an operator
// prices it.
func TestConfirmationRestoresARemovedOption(t *testing.T) {
	t.Parallel()
	m := flatModel("t/video", "1")
	m.Category, m.Output = TextToVideo, MediaVideo
	m.Fields = append(m.Fields, Field{Name: "duration", Type: KindEnum, Required: true, Price: true, Values: []string{"5"},
		OptionLabels: map[string]Label{"5": {RU: "5\u00a0с", EN: "5 s"}, "10": {RU: "10\u00a0с", EN: "10 s"}}})
	m.Modes = []Mode{{Label: "5 s", Labels: Label{RU: "5\u00a0с", EN: "5 s"}, Credits: 10 * MicroPerCredit, When: map[string]string{"duration": "5"}, Source: "t: 5.0s", Origin: OriginOfficial}}
	m.RemovedOptions = []RemovedOption{{Field: "duration", Value: "10", Reason: "no official price"}}
	reg, rep := overlay(t, testRegistry(t, m), price("t/video", PerTask, "20", Params{"duration": "10"}))
	if len(rep.Applied) != 1 {
		t.Fatal(rep.Rejected)
	}
	got, _ := reg.Model("t/video")
	if f, _ := got.Field("duration"); !slices.Equal(f.Values, []string{"5", "10"}) || len(got.Spec().RemovedOptions) != 0 {
		t.Errorf("duration %+v, removed %+v", f, got.Spec().RemovedOptions)
	}
	if cs := got.Choices("duration", nil); len(cs) != 2 || cs[1].From != 20*MicroPerCredit {
		t.Errorf("choices %+v", cs)
	}
	if md, _ := got.ModeFor(Params{"duration": "10"}); md.Label != "10 s" || md.Labels.RU != "10\u00a0с" {
		t.Errorf("label %+v", md)
	}
}

func TestConfirmationsDisable(t *testing.T) {
	t.Parallel()
	base := Default()
	later := confirmedAt.Add(time.Hour)
	reg, rep := overlay(t, base,
		disable("z-image", nil, confirmedAt),
		disable("kling-2.6/text-to-video", Params{"sound": "true"}, confirmedAt),
		// A disable wins over a price, even an older disable over a newer price.
		disable("V4", nil, confirmedAt),
		price("V4", PerTask, "12", nil).at(later),
	)
	if len(rep.Rejected) != 1 || !errors.Is(rep.Rejected[0], ErrConfirmOverruled) || rep.Rejected[0].Confirmation.ModelID != "V4" || len(rep.Applied) != 3 {
		t.Fatalf("rejected %v", rep.Rejected)
	}
	_, err := reg.Model("z-image")
	var de *DisabledModelError
	if !errors.As(err, &de) || !strings.Contains(de.Reason, "taken off sale by tg:42 on 2026-03-14: Kie bills it twice") {
		t.Errorf("z-image: %v", err)
	}
	if m, _ := reg.Lookup("z-image"); m.Spec().Disabled.Code != DisabledOperator {
		t.Errorf("z-image code %+v", m.Spec().Disabled)
	}
	// On a registry where V4 is disabled by an operator, a price cannot enable it.
	if err := reg.CheckConfirmation(price("V4", PerTask, "12", nil)); !errors.Is(err, ErrConfirmNotPriceable) {
		t.Errorf("price on an operator-disabled model: %v", err)
	}
	kl, err := reg.Model("kling-2.6/text-to-video")
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := kl.Field("sound"); !slices.Equal(f.Options(), []string{"false"}) || len(kl.Modes()) != 2 {
		t.Errorf("sound %+v, %d modes", f, len(kl.Modes()))
	}
	p := mustPricer(t, reg, Config{USDRUBRate: "100"})
	if _, err := p.Quote("kling-2.6/text-to-video", Params{"sound": "true", "duration": "5"}); err == nil {
		t.Error("a disabled option still quotes")
	}
	// Disabling what is not sold is refused; disabling every option disables the model.
	if err := base.CheckConfirmation(disable("kling-2.6/text-to-video", Params{"duration": "7"}, confirmedAt)); !errors.Is(err, ErrConfirmUnknownOption) {
		t.Errorf("unknown option: %v", err)
	}
	if err := reg.CheckConfirmation(disable("kling-2.6/text-to-video", Params{"sound": "true"}, confirmedAt)); !errors.Is(err, ErrConfirmUnknownOption) {
		t.Errorf("already disabled option: %v", err)
	}
	reg2, _ := overlay(t, base, disable("nano-banana-pro", Params{"resolution": "1K"}, confirmedAt), disable("nano-banana-pro", Params{"resolution": "2K"}, confirmedAt), disable("nano-banana-pro", Params{"resolution": "4K"}, confirmedAt))
	if _, err := reg2.Model("nano-banana-pro"); !errors.Is(err, ErrModelDisabled) {
		t.Errorf("every option disabled: %v", err)
	}
}

func (c Confirmation) at(t time.Time) Confirmation { c.ConfirmedAt = t; return c }

func TestConfirmationsNewestPriceWins(t *testing.T) {
	t.Parallel()
	old := price("elevenlabs/audio-isolation", PerInputSecond, "0.2", nil)
	newer := price("elevenlabs/audio-isolation", PerInputSecond, "0.25", nil).at(confirmedAt.Add(24 * time.Hour))
	reg, rep := overlay(t, Default(), newer, old) // order in the slice does not matter
	if len(rep.Applied) != 1 || len(rep.Superseded) != 1 || rep.Superseded[0].CreditsPerUnit != old.CreditsPerUnit {
		t.Fatalf("%+v", rep)
	}
	m, _ := reg.Model("elevenlabs/audio-isolation")
	if md, _ := m.Cheapest(); md.Credits != newer.CreditsPerUnit || len(m.Modes()) != 1 {
		t.Errorf("modes %+v", m.Modes())
	}
	// Applying again on the overlay replaces the operator price instead of adding one.
	reg2, rep2 := reg.WithConfirmations([]Confirmation{price("elevenlabs/audio-isolation", PerTask, "1", nil)})
	m2, _ := reg2.Model("elevenlabs/audio-isolation")
	if len(rep2.Applied) != 1 || len(m2.Modes()) != 1 || m2.PerUnit() {
		t.Errorf("re-confirmed: %+v, modes %+v", rep2, m2.Modes())
	}
}

func TestConfirmationsRefuseWhatAPriceCannotFix(t *testing.T) {
	t.Parallel()
	base := Default()
	for _, tc := range []struct {
		c    Confirmation
		want error
		text string
	}{
		{price("veo3_fast", PerTask, "60", nil), ErrConfirmNotPriceable, "endpoint"},
		{price("elevenlabs/speech-to-text", PerTask, "3.5", nil), ErrConfirmNotPriceable, "output"},
		{price("grok-imagine/image-to-video", PerTask, "20", nil), ErrConfirmNotPriceable, "schema-incomplete"},
		// Nothing sets a sound effect's length, so no per-second price can be quoted.
		{price("elevenlabs/sound-effect-v2", PerInputSecond, "0.24", nil), ErrConfirmUnmeasurable, "0 inputs"},
		{price("elevenlabs/sound-effect-v2", PerOutputSecond, "0.24", nil), ErrConfirmUnmeasurable, "name the input"},
		// 100× the text-to-image median is a typo, not a price.
		{price("grok-imagine/text-to-image", PerTask, "100000", nil), ErrConfirmAbsurd, "median"},
	} {
		if err := base.CheckConfirmation(tc.c); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s %s: %v, want %v mentioning %q", tc.c.ModelID, tc.c.Unit, err, tc.want, tc.text)
		}
	}
	// The voice is a choice, not a text: only the text can be counted.
	if err := base.CheckConfirmation(price("elevenlabs/text-to-speech-turbo-2-5", PerThousandChars, "6", nil)); err != nil {
		t.Errorf("a per-character speech price: %v", err)
	}
	if err := base.CheckConfirmation(price("elevenlabs/sound-effect-v2", PerTask, "0.24", nil)); err != nil {
		t.Errorf("a per-task sound effect: %v", err)
	}
}

// Random confirmations over every model and option: whatever is applied,
// the official prices of the base registry survive unchanged unless a
// disable removed them, nothing applied collides with an official price,
// every sold price says where it comes from, and the result loads.
func TestConfirmationsPropertyOfficialPricesSurvive(t *testing.T) {
	t.Parallel()
	base := Default()
	all := base.All()
	rng := rand.New(rand.NewSource(314))
	for round := range 200 {
		var cs []Confirmation
		for range 1 + rng.Intn(6) {
			m := all[rng.Intn(len(all))]
			opt := Params{}
			for _, f := range m.Fields() {
				if o := f.Options(); len(o) > 0 && (f.Price || rng.Intn(4) == 0) {
					opt[f.Name] = o[rng.Intn(len(o))]
				}
			}
			unit := Units()[rng.Intn(len(Units()))]
			c := price(m.ID(), unit, fmt.Sprintf("%d.%d", rng.Intn(50), 1+rng.Intn(9)), opt).at(confirmedAt.Add(time.Duration(rng.Intn(1000)) * time.Minute))
			if rng.Intn(5) == 0 {
				c = disable(m.ID(), opt, c.ConfirmedAt)
			}
			cs = append(cs, c)
		}
		reg, rep := base.WithConfirmations(cs)
		if got := len(rep.Applied) + len(rep.Rejected) + len(rep.Superseded); got != len(cs) {
			t.Fatalf("round %d: %d confirmations, %d accounted for", round, len(cs), got)
		}
		if _, err := New(reg.File()); err != nil {
			t.Fatalf("round %d: result does not load: %v", round, err)
		}
		disabled := map[string]bool{}
		for _, c := range rep.Applied {
			if c.Kind == ConfirmDisable {
				disabled[c.ModelID] = true
			}
		}
		for _, bm := range base.Models() {
			m, _ := reg.Lookup(bm.ID())
			for _, bmd := range bm.Modes() {
				idx := slices.IndexFunc(m.Modes(), func(md Mode) bool { return md.Source == bmd.Source })
				if idx < 0 {
					if !disabled[bm.ID()] {
						t.Fatalf("round %d: %s lost official mode %q without a disable", round, bm.ID(), bmd.Label)
					}
					continue
				}
				if got := m.Modes()[idx]; got.Credits != bmd.Credits || got.Origin != OriginOfficial {
					t.Fatalf("round %d: %s official mode %q became %+v", round, bm.ID(), bmd.Label, got)
				}
			}
		}
		for _, m := range reg.Models() {
			for _, md := range m.Modes() {
				if md.Origin == OriginOperator && md.Confirmed == nil {
					t.Fatalf("round %d: %s: operator price without its confirmation", round, m.ID())
				}
			}
		}
	}
}

// Rebuilding the registry with confirmations is cheap enough to do on every
// admin confirmation.
func BenchmarkWithConfirmations(b *testing.B) {
	base := Default()
	cs := []Confirmation{
		price("elevenlabs/audio-isolation", PerInputSecond, "0.2", nil),
		price("V4", PerTask, "12", nil),
		price("infinitalk/from-audio", PerInputSecond, "3", Params{"resolution": "480p"}),
		disable("z-image", nil, confirmedAt),
	}
	for b.Loop() {
		if _, rep := base.WithConfirmations(cs); len(rep.Applied) != len(cs) {
			b.Fatal(rep.Rejected)
		}
	}
}

func TestDecodeConfirmations(t *testing.T) {
	t.Parallel()
	cs, err := DecodeConfirmations([]byte(`[{"kind":"price","model":"V4","unit":"task","credits_per_unit":"12",
	  "source":"https://kie.ai/pricing","confirmed_at":"2026-03-14T09:30:00Z","confirmed_by":"tg:42"},
	 {"kind":"disable","model":"z-image","option":{},"source":"double billing","confirmed_at":"2026-03-14T10:00:00Z","confirmed_by":"tg:42"}]`))
	if err != nil || len(cs) != 2 || cs[0].CreditsPerUnit != 12*MicroPerCredit || !cs[0].ConfirmedAt.Equal(confirmedAt) || cs[1].Kind != ConfirmDisable {
		t.Fatalf("%+v %v", cs, err)
	}
	if _, err := DecodeConfirmations([]byte(`[{"kind":"price","model":"V4","credits":"12"}]`)); err == nil {
		t.Error("a misspelt key was accepted")
	}
	if _, err := DecodeConfirmations([]byte(`[{"kind":"price","credits_per_unit":"0.1234567"}]`)); err == nil {
		t.Error("credits that cannot be held exactly were accepted")
	}
}
