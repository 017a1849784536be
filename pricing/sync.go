package pricing

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// CatalogueModel is one entry of Kie's live catalogue (GET /api/v1/models).
type CatalogueModel struct {
	ID          string
	Title       string
	Provider    string
	TaskTypes   []string // "Text to Video", "Image to Image", ...
	Description string
	PricingDesc string // prose price from the listing; "" when absent
}

// CatalogueSource is what `registry sync` needs from a Kie client. Kie
// allows one catalogue request per second; pacing is the source's job.
type CatalogueSource interface {
	ListModels(ctx context.Context) ([]CatalogueModel, error)
	// ModelSchema returns the model's OpenAPI document, or nil when Kie has
	// not published one.
	ModelSchema(ctx context.Context, id string) (json.RawMessage, error)
	// ModelPrice returns the model's pricingDesc ("" when Kie has none).
	ModelPrice(ctx context.Context, id string) (string, error)
}

// SyncOptions tunes Sync.
type SyncOptions struct {
	// Curation is curation.yaml's bytes (optional): names, descriptions,
	// categories and quantity inputs are reused for the ids it knows.
	Curation []byte
}

// priceSensitive reports inputs that usually change a price. A flat price
// from prose is not trusted while one of them offers several values.
func priceSensitive(name string) bool {
	switch name {
	case "duration", "resolution", "image_resolution", "n_frames", "quality", "size",
		"mode", "rendering_speed", "sound", "upscale_factor", "speed":
		return true
	}
	return false
}

// Sync reads the live catalogue, schemas and prices into a registry file
// for review. It never writes the shipped registry and never guesses: a
// model whose prose price is not one unambiguous credit amount, or whose
// schema cannot be typed, is disabled with the reason. The result is meant
// to be diffed against pricing/registry.json and folded into the sources by
// a human; it may fail the audit (e.g. missing Russian names) by design.
func Sync(ctx context.Context, src CatalogueSource, opts SyncOptions) (RegistryFile, error) {
	var cur curation
	if len(opts.Curation) > 0 {
		c, err := decodeCuration(opts.Curation)
		if err != nil {
			return RegistryFile{}, fmt.Errorf("sync: %w", err)
		}
		cur = c
	}
	list, err := src.ListModels(ctx)
	if err != nil {
		return RegistryFile{}, fmt.Errorf("sync: list models: %w", err)
	}
	f := RegistryFile{Format: FileFormat, Sources: []SourceInfo{{Name: "kie live catalogue", Note: "written by `kiebot registry sync` for review"}}}
	b := &builder{cur: cur}
	for _, cm := range list {
		spec, err := b.syncModel(ctx, src, cm)
		if err != nil {
			return RegistryFile{}, fmt.Errorf("sync: %w", err)
		}
		f.Models = append(f.Models, spec)
	}
	return f, nil
}

// syncModel builds one entry. Only context cancellation is an error; any
// other failure disables the model with its reason.
func (b *builder) syncModel(ctx context.Context, src CatalogueSource, cm CatalogueModel) (ModelSpec, error) {
	c := b.cur.Models[cm.ID]
	spec := ModelSpec{
		ID:          cm.ID,
		Name:        c.Name,
		Description: c.Description,
		Category:    c.Category,
	}
	if spec.Name.EN == "" {
		spec.Name.EN = cm.Title
	}
	if spec.Description.EN == "" {
		spec.Description.EN = firstLine(cm.Description)
	}
	if spec.Category == "" {
		spec.Category = categoryOfTaskTypes(cm.TaskTypes)
	}
	spec.Output = outputOf(spec.Category, cm)
	disable := func(code DisabledCode, format string, args ...any) {
		if spec.Disabled == nil {
			spec.Disabled = &DisabledSpec{Code: code, Reason: fmt.Sprintf(format, args...)}
		}
	}

	schema, err := src.ModelSchema(ctx, cm.ID)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ModelSpec{}, ctxErr
	}
	switch {
	case err != nil:
		disable(DisabledSchema, "fetch schema: %v", err)
	case len(schema) == 0 || string(schema) == "null":
		disable(DisabledSchema, "Kie publishes no schema for it")
	default:
		endpoint, fields, unsupported, err := b.parseOpenAPI(schema)
		if err != nil {
			disable(DisabledSchema, "schema: %v", err)
			break
		}
		spec.Endpoint = endpoint
		for _, f := range fields {
			if slices.Contains(b.cur.QuantityFields, f.Name) {
				if err := pinQuantity(&f, &spec); err != nil {
					disable(DisabledSchema, "input %s: %v", f.Name, err)
				}
			}
			spec.Fields = append(spec.Fields, f)
		}
		for _, u := range unsupported {
			disable(DisabledInput, "%s", u)
		}
	}
	spec.Family = familyOf(spec.Endpoint)
	if spec.Endpoint != "" && spec.Family == "" {
		disable(DisabledEndpoint, "uses %s, not %s or %s", spec.Endpoint, CreateTaskEndpoint, SunoGenerateEndpoint)
	}
	if !spec.Output.Deliverable() {
		disable(DisabledOutput, "its output (%s) is not a file the bot can deliver", spec.Output)
	}

	desc := cm.PricingDesc
	if desc == "" {
		desc, err = src.ModelPrice(ctx, cm.ID)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ModelSpec{}, ctxErr
		}
		if err != nil {
			disable(DisabledUnmapped, "fetch price: %v", err)
		}
	}
	spec.PricingDesc = desc
	credits, why := parsePricingDesc(desc)
	switch {
	case why != "":
		disable(DisabledUnmapped, "%s", why)
	default:
		for _, f := range spec.Fields {
			if priceSensitive(f.Name) && len(f.Options()) > 1 {
				disable(DisabledUnmapped, "pricingDesc gives one flat price (%s credits) but input %s offers %v, which may change it", credits, f.Name, f.Options())
			}
		}
		// Unreviewed prose: the audit refuses to sell it (OriginLiveProse);
		// ProposeConfirmations turns it into confirmations for a person.
		spec.Modes = []Mode{{Credits: credits, Source: "pricingDesc: " + cut(desc, 120), Origin: OriginLiveProse}}
	}
	spec.Enabled = spec.Disabled == nil
	return spec, nil
}

var (
	creditsRE = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*credits?\b`)
	usdRE     = regexp.MustCompile(`(?i)\$\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:usd|dollars?)\b`)
	numberRE  = regexp.MustCompile(`\d`)
	// qualifierRE finds words that make a single amount a minimum, a rate or
	// one case of several: "from 12 credits", "per second", "varies".
	qualifierRE = regexp.MustCompile(`(?i)\b(from|up to|starting|min(imum)?|max(imum)?|seconds?|minutes?|characters?|tokens?|depend\w*|var(y|ies|iable)|range|each additional)\b`)
)

// parsePricingDesc reads a flat price from Kie's prose only when it is
// unambiguous: exactly one credit amount, no other number (a USD
// equivalent aside) and no word that makes it a minimum or a rate. "4 credits per image" is flat; "A 5-second video costs
// 160 credits" is not, since the 5 qualifies the price. why explains a
// refusal.
func parsePricingDesc(desc string) (c Credits, why string) {
	if strings.TrimSpace(desc) == "" {
		return 0, "Kie gives no pricingDesc"
	}
	m := creditsRE.FindAllStringSubmatch(desc, -1)
	if len(m) != 1 {
		return 0, fmt.Sprintf("pricingDesc names %d credit amounts: %q", len(m), cut(desc, 120))
	}
	if q := qualifierRE.FindString(desc); q != "" {
		return 0, fmt.Sprintf("pricingDesc qualifies its price (%q): %q", q, cut(desc, 120))
	}
	rest := creditsRE.ReplaceAllString(usdRE.ReplaceAllString(desc, ""), "")
	if numberRE.MatchString(rest) {
		return 0, fmt.Sprintf("pricingDesc has other numbers that may qualify the price: %q", cut(desc, 120))
	}
	c, err := ParseCredits(m[0][1])
	if err != nil || c <= 0 {
		return 0, fmt.Sprintf("pricingDesc credit amount %q is not a positive exact price", m[0][1])
	}
	return c, ""
}

// categoryOfTaskTypes maps Kie's task types onto a category ("" if none fits).
func categoryOfTaskTypes(types []string) Category {
	for _, t := range types {
		switch n := strings.ToLower(t); {
		case strings.Contains(n, "text to image"):
			return TextToImage
		case strings.Contains(n, "image to image"), strings.Contains(n, "image edit"):
			return ImageToImage
		case strings.Contains(n, "text to video"):
			return TextToVideo
		case strings.Contains(n, "image to video"):
			return ImageToVideo
		case strings.Contains(n, "video to video"):
			return VideoToVideo
		case strings.Contains(n, "lip"), strings.Contains(n, "avatar"):
			return LipSync
		case strings.Contains(n, "upscale"):
			return Upscale
		case strings.Contains(n, "audio"), strings.Contains(n, "speech"), strings.Contains(n, "music"), strings.Contains(n, "sound"):
			return Audio
		}
	}
	return ""
}

// outputOf derives the output media from the category (and, for upscales,
// from whether the model mentions video).
func outputOf(c Category, cm CatalogueModel) Media {
	switch c {
	case TextToImage, ImageToImage:
		return MediaImage
	case TextToVideo, ImageToVideo, VideoToVideo, LipSync:
		return MediaVideo
	case Audio:
		return MediaAudio
	case Upscale:
		if strings.Contains(strings.ToLower(cm.ID+" "+cm.Title), "video") {
			return MediaVideo
		}
		return MediaImage
	}
	return MediaOther
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return cut(s, 160)
}
