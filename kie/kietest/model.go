package kietest

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Output is the kind of result a model produces; it decides the result
// file type and the resultJson shape.
type Output int

// Outputs.
const (
	Image Output = iota // resultUrls with .png files
	Video               // resultUrls with .mp4 files
	Audio               // resultUrls with .mp3 files
	Music               // Suno shape: {"data":[{"audio_url":…}]}, text/first/complete callbacks
	Text                // {"resultObject":{…}}
)

// OutputFor maps a media name as the model registry spells it ("image",
// "video", "audio", "text") to an Output; anything else is Image.
func OutputFor(media string) Output {
	switch media {
	case "video":
		return Video
	case "audio":
		return Audio
	case "text":
		return Text
	}
	return Image
}

// Model is a model the fake accepts on createTask and lists in its
// catalogue.
type Model struct {
	// ID is the catalogue id ("google/nano-banana"). Required.
	ID string
	// Required input fields. A missing or empty one is refused with
	// MissingFieldCode: 500 "<field> is required" (Kie's usual answer) by
	// default, or 422.
	Required         []string
	MissingFieldCode int
	// Validate may refuse an input further (422 with the error's text).
	Validate func(input map[string]any) error
	// RequireCallback refuses a request without callBackUrl (422).
	RequireCallback bool
	// Suno serves the model on Suno's own API (POST /api/v1/generate with
	// the ID as "model", GET /api/v1/generate/record-info) instead of
	// createTask; its output is Music and callBackUrl is always required.
	Suno bool
	// Price in credits, or PriceFunc of the input when set.
	Price     float64
	PriceFunc func(input map[string]any) float64
	Output    Output
	// Script is the default lifecycle of this model's tasks; the zero Script
	// succeeds at once (see Script).
	Script Script

	// Catalogue fields.
	Title, Provider, Description string
	TaskTypes                    []string
	// PricingDesc is the prose price; "" is served as null.
	PricingDesc string
	// Schema is served by /schema; nil serves a small generated document,
	// and NoSchema serves null (Kie has not synced one).
	Schema   json.RawMessage
	NoSchema bool
}

func (m *Model) price(input map[string]any) int64 {
	if m.PriceFunc != nil {
		return toMicro(m.PriceFunc(input))
	}
	return toMicro(m.Price)
}

// AddModel registers (or replaces) a model. It panics on an empty ID.
func (s *Server) AddModel(m Model) {
	if m.ID == "" {
		panic("kietest: AddModel with an empty ID")
	}
	if m.MissingFieldCode == 0 {
		m.MissingFieldCode = 500
	}
	if m.Suno {
		m.Output, m.RequireCallback = Music, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.models[m.ID]; !ok {
		s.modelIDs = append(s.modelIDs, m.ID)
	}
	s.models[m.ID] = &m
}

// RemoveModel unregisters a model; createTask for it then gets 422.
func (s *Server) RemoveModel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.models, id)
	for i, x := range s.modelIDs {
		if x == id {
			s.modelIDs = append(s.modelIDs[:i], s.modelIDs[i+1:]...)
			break
		}
	}
}

// DefaultModels returns the models a new Server knows. Ids follow Kie's
// catalogue; prices and durations are plausible examples from the
// reference, not an authority on what Kie charges.
func DefaultModels() []Model {
	image := Script{Waiting: 2 * time.Second, Queuing: 3 * time.Second, Generating: 20 * time.Second}
	video := Script{Waiting: 2 * time.Second, Queuing: 10 * time.Second, Generating: 90 * time.Second}
	audio := Script{Waiting: 1 * time.Second, Queuing: 2 * time.Second, Generating: 15 * time.Second}
	music := Script{Waiting: 2 * time.Second, Queuing: 5 * time.Second, Generating: 90 * time.Second, URLs: 2}
	return []Model{
		{ID: "google/nano-banana", Required: []string{"prompt"}, Price: 4, Output: Image, Script: image,
			Title: "Nano Banana", Provider: "Google", TaskTypes: []string{"Text to Image"}, PricingDesc: "4 credits per image"},
		{ID: "google/nano-banana-edit", Required: []string{"prompt", "image_urls"}, Price: 4, Output: Image, Script: image,
			Title: "Nano Banana Edit", Provider: "Google", TaskTypes: []string{"Image to Image"}, PricingDesc: "4 credits per image"},
		{ID: "nano-banana-pro", Required: []string{"prompt"}, Output: Image, Script: image,
			PriceFunc: func(in map[string]any) float64 {
				if str(in["resolution"]) == "4K" {
					return 24
				}
				return 18
			},
			Title: "Nano Banana Pro", Provider: "Google", TaskTypes: []string{"Text to Image", "Image to Image"},
			PricingDesc: "18 credits (1K/2K), 24 credits (4K)"},
		{ID: "z-image", Required: []string{"prompt", "aspect_ratio"}, Price: 0.8, Output: Image, Script: image,
			Title: "Z-Image", Provider: "Tongyi", TaskTypes: []string{"Text to Image"}, PricingDesc: "0.8 credits per image"},
		{ID: "seedream/4.5-edit", Required: []string{"prompt", "image_urls"}, Price: 6.5, Output: Image, Script: image,
			Title: "Seedream 4.5 Edit", Provider: "ByteDance", TaskTypes: []string{"Image to Image"}, PricingDesc: "6.5 credits per image"},
		{ID: "kling-2.6/text-to-video", Required: []string{"prompt"}, Output: Video, Script: video,
			PriceFunc: func(in map[string]any) float64 {
				if str(in["duration"]) == "10" {
					return 110
				}
				return 55
			},
			Title: "Kling 2.6 Text to Video", Provider: "Kling", TaskTypes: []string{"Text to Video"},
			PricingDesc: "55 credits per 5 s, 110 per 10 s"},
		{ID: "elevenlabs/text-to-speech-turbo-2-5", Required: []string{"text"}, Price: 6, Output: Audio, Script: audio,
			Title: "ElevenLabs TTS Turbo 2.5", Provider: "ElevenLabs", TaskTypes: []string{"Text to Speech"},
			PricingDesc: "6 credits per 1000 characters"},
		{ID: "suno/generate-music", Required: []string{"prompt"}, Price: 12, Output: Music, Script: music,
			Title: "Suno Music", Provider: "Suno", TaskTypes: []string{"Text to Music"}, PricingDesc: "12 credits per song pair"},
		{ID: "V4", Suno: true, Price: 12, Output: Music, Script: music,
			Title: "Generate Music", Provider: "Suno", TaskTypes: []string{"Text to Music"}, PricingDesc: "12 credits per generation (two songs)"},
		{ID: "V5", Suno: true, Price: 12, Output: Music, Script: music,
			Title: "Generate Music V5", Provider: "Suno", TaskTypes: []string{"Text to Music"}, PricingDesc: "12 credits per generation (two songs)"},
	}
}

// str renders an input value the way a form would: strings as is, numbers
// in their shortest form.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// micro is the number of micro-credits in a credit; the fake keeps money in
// integers so balances never drift.
const micro = 1_000_000

func toMicro(credits float64) int64 { return int64(math.Round(credits * micro)) }

func fromMicro(m int64) float64 { return float64(m) / micro }

// microJSON formats micro-credits as an exact JSON number ("6.5", "0.8").
func microJSON(m int64) json.Number {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := sign + strconv.FormatInt(m/micro, 10)
	if f := m % micro; f != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(f+micro, 10)[1:], "0")
	}
	return json.Number(s)
}
