package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// The three inputs of `kiebot registry build`, kept under pricing/source/.
const (
	SourceCatalogue = "kie-models-catalogue.json" // Kie's catalogue with input schemas
	SourcePrices    = "kie-official-prices.yaml"  // Kie's official price table
	SourceCuration  = "curation.yaml"             // reviewed human judgement
)

// catalogueModel is one entry of the catalogue. Its USD "catalogue price"
// fields are deliberately not decoded: they hold placeholders ($100 for a
// $0.125 video), and what is never read can never be sold.
type catalogueModel struct {
	ID          string           `json:"model_id"`
	Category    string           `json:"category"`
	Output      string           `json:"output_media"`
	DisplayName string           `json:"display_name"`
	Endpoint    string           `json:"endpoint"`
	Fields      []catalogueField `json:"input_fields"`
}

// catalogueField is one input as the catalogue lists it. TypedSpec, when
// present, is the typed extraction of Kie's schema and wins over the loose
// top-level keys (they disagree on "required" for 61 fields, always with
// the top level saying required where the schema has a default).
type catalogueField struct {
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	Required  bool            `json:"required"`
	Enum      []string        `json:"enum"`
	Min       json.Number     `json:"min"`
	Max       json.Number     `json:"max"`
	IsFile    bool            `json:"is_file_input"`
	TypedSpec *typedSpec      `json:"typed_spec"`
	Example   json.RawMessage `json:"example"`
	Default   json.RawMessage `json:"default"`
}

type typedSpec struct {
	Type     string      `json:"type"`
	Required bool        `json:"required"`
	Values   []string    `json:"values"`
	Min      json.Number `json:"min"`
	Max      json.Number `json:"max"`
}

func decodeCatalogue(data []byte) ([]catalogueModel, error) {
	var ms []catalogueModel
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&ms); err != nil {
		return nil, fmt.Errorf("decode %s: %w", SourceCatalogue, err)
	}
	return ms, nil
}

// priceFile is Kie's official price table.
type priceFile struct {
	LastUpdated string       `yaml:"last_updated"`
	Models      []priceTable `yaml:"models"`
}

type priceTable struct {
	ID    string     `yaml:"id"`
	Title string     `yaml:"title_ru"`
	Type  string     `yaml:"type"`
	Modes []priceRow `yaml:"modes"`
}

// priceRow is one official price. Credits is parsed from the scalar's text;
// official_usd is not read (credits are the billed unit, and the two
// disagree for qwen/image-edit and topaz/image-upscale).
type priceRow struct {
	Unit    string  `yaml:"unit"`
	Credits Credits `yaml:"credits"`
	Notes   string  `yaml:"notes"`
}

func decodePrices(data []byte) (priceFile, error) {
	var f priceFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return priceFile{}, fmt.Errorf("decode %s: %w", SourcePrices, err)
	}
	return f, nil
}

// curation is curation.yaml: every judgement the build cannot derive.
type curation struct {
	// Categories maps the catalogue's category codes onto ours.
	Categories map[string]Category `yaml:"categories"`
	// QuantityFields are inputs that multiply the output (num_images). Kie's
	// table prices one output per task, so they are pinned to 1.
	QuantityFields []string `yaml:"quantity_fields"`
	// Media maps file-field names to media when the name alone says it.
	Media map[string]Media `yaml:"file_media"`
	// OptionLabels names the options of enum and bool inputs in words, by
	// input name; every price field needs one (see build_labels.go).
	OptionLabels map[string]curatedOptionLabels `yaml:"option_labels"`
	Models       map[string]curatedModel        `yaml:"models"`
}

// curatedOptionLabels says how to name one input's options: as seconds
// ("10" → "10 s"), as a resolution ("512P" → "512p"), or word by word.
type curatedOptionLabels struct {
	Seconds    bool             `yaml:"seconds"`
	Resolution bool             `yaml:"resolution"`
	Values     map[string]Label `yaml:"values"`
	Why        string           `yaml:"why"`
}

type curatedModel struct {
	Category    Category                `yaml:"category"`
	Name        Label                   `yaml:"name"`
	Description Label                   `yaml:"description"`
	Disable     *DisabledSpec           `yaml:"disable"`
	Endpoint    *curatedEndpoint        `yaml:"endpoint"`
	Price       []curatedPrice          `yaml:"price"`
	Fields      map[string]curatedField `yaml:"fields"`
}

// curatedEndpoint moves a model to another endpoint family than the one the
// catalogue lists (Suno's own generate endpoint), always with a reason.
type curatedEndpoint struct {
	Family  Family `yaml:"family"`
	Outputs int    `yaml:"outputs"` // result files per task
	Why     string `yaml:"why"`
}

// curatedPrice maps one official price table onto a model: each row's notes
// to the input values that select it, or to a reason it does not apply.
type curatedPrice struct {
	Table      string                       `yaml:"table"`
	Why        string                       `yaml:"why"`
	Modes      map[string]map[string]string `yaml:"modes"`
	Ignore     map[string]string            `yaml:"ignore"`
	IgnoreRest string                       `yaml:"ignore_rest"`
	// Basis, when set, says the table's rows are per unit of a measured
	// quantity; the build accepts it only where every mapped row's notes
	// state that unit ("1.0s" for a second).
	Basis *curatedBasis `yaml:"basis"`
}

type curatedBasis struct {
	Unit  Unit   `yaml:"unit"`
	Field string `yaml:"field"`
	Why   string `yaml:"why"`
}

// curatedField adjusts one input, always with a reason.
type curatedField struct {
	Why      string   `yaml:"why"`
	Omit     bool     `yaml:"omit"`
	Type     Kind     `yaml:"type"`
	Media    Media    `yaml:"media"`
	Values   []string `yaml:"values"`
	Required *bool    `yaml:"required"`
	MinCount *int     `yaml:"min_count"`
	MaxCount *int     `yaml:"max_count"`
	MaxBytes int64    `yaml:"max_bytes"`
	// MaxSeconds limits an audio or video input's duration.
	MaxSeconds int `yaml:"max_seconds"`
	// MaxLength limits a text input where Kie documents a limit the
	// catalogue lacks.
	MaxLength int `yaml:"max_length"`
}

func decodeCuration(data []byte) (curation, error) {
	var c curation
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key must fail, not be ignored
	if err := dec.Decode(&c); err != nil {
		return curation{}, fmt.Errorf("decode %s: %w", SourceCuration, err)
	}
	return c, nil
}
