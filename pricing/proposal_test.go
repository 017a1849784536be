package pricing

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProposeConfirmationsFromSyncedProse(t *testing.T) {
	t.Parallel()
	base := Default()
	synced := RegistryFile{Format: FileFormat, Models: []ModelSpec{
		{ID: "elevenlabs/audio-isolation", PricingDesc: "0.2 credits per second of audio ($0.001/s)"},
		{ID: "infinitalk/from-audio", PricingDesc: "480p: 3 credits per second; 720p: 12 credits per second (up to 15 s)"},
		{ID: "V4", PricingDesc: "12 credits per generation (two songs)"},
		{ID: "elevenlabs/text-to-speech-turbo-2-5", PricingDesc: "Turbo 2.5: 0.006 credits per character"},
		{ID: "elevenlabs/sound-effect-v2", PricingDesc: "0.24 credits per second of generated sound"},
		{ID: "topaz/video-upscale", PricingDesc: "12 credits"},
		{ID: "kling/v1-avatar-standard", PricingDesc: "48 credits per minute"},
		{ID: "z-image", PricingDesc: "0.8 credits per image"},         // priced by the official table: no proposal
		{ID: "acme/new-model", PricingDesc: "5 credits per image"},    // not in the registry: no proposal
		{ID: "veo3_fast", PricingDesc: "60 credits per video"},        // off sale for its endpoint: no proposal
		{ID: "elevenlabs/speech-to-text", PricingDesc: "3.5 credits"}, // off sale for its output
	}}
	ps := ProposeConfirmations(base, synced)
	byModel := map[string][]Proposal{}
	for _, p := range ps {
		byModel[p.Confirmation.ModelID] = append(byModel[p.Confirmation.ModelID], p)
		if p.Prose == "" || p.Reading == "" || !strings.Contains(p.Confirmation.Source, "pricingDesc") {
			t.Errorf("%s: proposal without its prose or source: %+v", p.Confirmation.ModelID, p)
		}
		if !p.Confirmation.ConfirmedAt.IsZero() || p.Confirmation.ConfirmedBy != "" {
			t.Errorf("%s: a proposal must be signed by its reviewer, not prefilled", p.Confirmation.ModelID)
		}
	}
	var ids []string
	for id := range byModel {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	want := []string{"V4", "elevenlabs/audio-isolation", "elevenlabs/sound-effect-v2", "elevenlabs/text-to-speech-turbo-2-5", "infinitalk/from-audio", "kling/v1-avatar-standard", "topaz/video-upscale"}
	if !slices.Equal(ids, want) {
		t.Fatalf("proposals for %v, want %v", ids, want)
	}
	one := func(id string) Proposal {
		t.Helper()
		if len(byModel[id]) != 1 {
			t.Fatalf("%s: %d proposals", id, len(byModel[id]))
		}
		return byModel[id][0]
	}
	iso := one("elevenlabs/audio-isolation")
	if c := iso.Confirmation; c.Unit != PerInputSecond || c.CreditsPerUnit != 200_000 || iso.Problem != nil {
		t.Errorf("isolation: %+v, problem %v", c, iso.Problem)
	}
	it := byModel["infinitalk/from-audio"]
	if len(it) != 2 || it[0].Confirmation.Option["resolution"] != "480p" || it[1].Confirmation.Option["resolution"] != "720p" ||
		it[1].Confirmation.CreditsPerUnit != 12*MicroPerCredit || it[0].Problem != nil || it[1].Problem != nil ||
		it[0].Reading != "3 credits per second" || it[1].Reading != "12 credits per second" {
		t.Errorf("infinitalk: %+v", it)
	}
	if v4 := one("V4"); v4.Confirmation.Unit != PerTask || v4.Confirmation.CreditsPerUnit != 12*MicroPerCredit || len(v4.Doubts) != 0 || v4.Problem != nil {
		t.Errorf("V4: %+v", v4)
	}
	tts := one("elevenlabs/text-to-speech-turbo-2-5")
	if c := tts.Confirmation; c.Unit != PerThousandChars || c.CreditsPerUnit != 6*MicroPerCredit || len(tts.Doubts) == 0 {
		t.Errorf("tts: %+v", tts)
	}
	// The voice is a choice, so the text is the one input counted.
	if tts.Problem != nil {
		t.Errorf("tts problem: %v", tts.Problem)
	}
	sfx := one("elevenlabs/sound-effect-v2")
	if sfx.Confirmation.Unit != PerOutputSecond || !errors.Is(sfx.Problem, ErrConfirmUnmeasurable) {
		t.Errorf("sound effect: %+v", sfx)
	}
	if up := one("topaz/video-upscale"); up.Confirmation.Unit != PerTask || !slices.Contains(up.Doubts, "no unit stated: read as per task") {
		t.Errorf("topaz: %+v", up)
	}
	if av := one("kling/v1-avatar-standard"); av.Confirmation.Unit != PerInputSecond || av.Confirmation.CreditsPerUnit != 800_000 {
		t.Errorf("avatar per minute: %+v", av)
	}
	// Signed and dated, a clean proposal applies as it is.
	c := iso.Confirmation
	c.ConfirmedAt, c.ConfirmedBy = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "tg:42"
	if _, rep := base.WithConfirmations([]Confirmation{c}); len(rep.Applied) != 1 {
		t.Errorf("signed proposal: %+v", rep.Rejected)
	}
}
