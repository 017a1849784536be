package pricing

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// fields converts a catalogue model's inputs into typed fields, applying the
// curation's per-field adjustments and the quantity rule. It returns a
// disabled reason when a required input cannot be collected by the bot.
func (b *builder) fields(cm catalogueModel, c curatedModel, spec *ModelSpec) ([]Field, *DisabledSpec, error) {
	var out []Field
	var disabled *DisabledSpec
	listed := map[string]bool{}
	for _, cf := range cm.Fields {
		listed[cf.Name] = true
		cur, curated := c.Fields[cf.Name]
		if curated && strings.TrimSpace(cur.Why) == "" {
			return nil, nil, fmt.Errorf("curation of input %s gives no reason (why)", cf.Name)
		}
		f, unsupported, err := b.convertField(cf, cur)
		if err != nil && !cur.Omit { // an omitted input need not be typeable
			return nil, nil, fmt.Errorf("input %s: %w", cf.Name, err)
		}
		if cur.Omit {
			if f.Required {
				return nil, nil, fmt.Errorf("curation omits required input %s; Kie would reject every task", cf.Name)
			}
			spec.Notes = append(spec.Notes, fmt.Sprintf("input %s omitted: %s", cf.Name, cur.Why))
			continue
		}
		if unsupported != "" {
			if f.Required {
				if disabled == nil {
					disabled = &DisabledSpec{Code: DisabledInput, Reason: fmt.Sprintf("required input %s is %s, which the bot cannot collect", cf.Name, unsupported)}
				}
			} else {
				spec.Notes = append(spec.Notes, fmt.Sprintf("optional input %s omitted: it is %s, which the bot cannot collect", cf.Name, unsupported))
			}
			continue
		}
		if curated {
			spec.Notes = append(spec.Notes, fmt.Sprintf("input %s adjusted: %s", cf.Name, cur.Why))
		}
		if slices.Contains(b.cur.QuantityFields, f.Name) {
			if err := pinQuantity(&f, spec); err != nil {
				return nil, nil, fmt.Errorf("input %s: %w", cf.Name, err)
			}
		}
		out = append(out, f)
	}
	for name := range c.Fields {
		if !listed[name] {
			return nil, nil, fmt.Errorf("curation adjusts input %s, which the catalogue does not list", name)
		}
	}
	return out, disabled, nil
}

// convertField types one input. unsupported is non-empty (a description)
// when the bot has no way to collect the value.
func (b *builder) convertField(cf catalogueField, cur curatedField) (f Field, unsupported string, err error) {
	required, values, lo, hi := cf.Required, cf.Enum, cf.Min, cf.Max
	if ts := cf.TypedSpec; ts != nil {
		required = ts.Required
		if len(ts.Values) > 0 {
			values = ts.Values
		}
		if ts.Min != "" {
			lo = ts.Min
		}
		if ts.Max != "" {
			hi = ts.Max
		}
	}
	if cur.Required != nil {
		required = *cur.Required
	}
	if len(cur.Values) > 0 {
		values = cur.Values
	}
	f = Field{Name: cf.Name, Required: required}
	switch {
	case cur.Type != "":
		f.Type = cur.Type
	case cf.IsFile:
		f.Type = KindFile
	case len(values) > 0:
		f.Type = KindEnum
	case cf.Type == "string":
		f.Type = KindString
	case cf.Type == "boolean":
		f.Type = KindBool
	case cf.Type == "integer":
		f.Type = KindInteger
	case cf.Type == "number":
		f.Type = KindNumber
	case cf.Type == "array":
		return f, "a list of non-file values", nil
	default:
		return f, fmt.Sprintf("of type %q", cf.Type), nil
	}
	switch f.Type {
	case KindEnum:
		if len(values) == 0 {
			return f, "", errors.New("enum without values")
		}
		f.Values = slices.Clone(values)
	case KindString:
		if f.MinLength, err = lengthOf(lo); err != nil {
			return f, "", err
		}
		if f.MaxLength, err = lengthOf(hi); err != nil {
			return f, "", err
		}
	case KindInteger, KindNumber:
		if f.Min, err = boundOf(lo); err != nil {
			return f, "", err
		}
		if f.Max, err = boundOf(hi); err != nil {
			return f, "", err
		}
	case KindFile:
		if err := b.fileField(&f, cf, cur); err != nil {
			return f, "", err
		}
	case KindBool:
	default:
		return f, "", fmt.Errorf("curation sets unknown type %q", f.Type)
	}
	if cur.MaxLength != 0 {
		if f.Type != KindString || cur.MaxLength < 0 {
			return f, "", fmt.Errorf("max_length %d on %s input %s: only text has a length", cur.MaxLength, f.Type, cf.Name)
		}
		f.MaxLength = cur.MaxLength
	}
	if cur.MaxSeconds != 0 && f.Type != KindFile {
		return f, "", fmt.Errorf("max_seconds on %s input %s: only audio and video files have a duration", f.Type, cf.Name)
	}
	if d, ok, err := defaultOf(cf.Default, f.Type); err != nil {
		return f, "", err
	} else if ok {
		f.Default = &d
	}
	return f, "", nil
}

// fileField fills media, count and size limits. Counts come from the schema
// where it has them (via curation), else: a single-URL field takes one file;
// a list takes at least one when required and at most as many as Kie's own
// example request sends (a count Kie demonstrably accepts).
func (b *builder) fileField(f *Field, cf catalogueField, cur curatedField) error {
	f.Media = cur.Media
	if f.Media == "" {
		f.Media = b.mediaOf(cf.Name)
	}
	if !f.Media.fileMedia() {
		return fmt.Errorf("cannot tell which media file input %s takes; set file_media in the curation", cf.Name)
	}
	f.Multiple = cf.Type == "array"
	if f.Required {
		f.MinCount = 1
	}
	f.MaxCount = 1
	if f.Multiple {
		var example []json.RawMessage
		if json.Unmarshal(cf.Example, &example) == nil && len(example) > 1 {
			f.MaxCount = len(example)
		}
	}
	if cur.MinCount != nil {
		f.MinCount = *cur.MinCount
	}
	if cur.MaxCount != nil {
		f.MaxCount = *cur.MaxCount
	}
	f.MaxBytes = cur.MaxBytes
	if cur.MaxSeconds != 0 {
		if cur.MaxSeconds < 0 || (f.Media != MediaAudio && f.Media != MediaVideo) {
			return fmt.Errorf("max_seconds %d on %s input %s: only audio and video have a duration", cur.MaxSeconds, f.Media, cf.Name)
		}
		f.MaxSeconds = cur.MaxSeconds
	}
	return nil
}

// mediaOf guesses a file input's media from its name ("video_urls",
// "audio_url", "mask_url"), then from the curation's table.
func (b *builder) mediaOf(name string) Media {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "video"):
		return MediaVideo
	case strings.Contains(n, "audio"):
		return MediaAudio
	case strings.Contains(n, "image"), strings.Contains(n, "mask"):
		return MediaImage
	}
	return b.cur.Media[name]
}

// pinQuantity restricts a quantity input to 1 (see curation.QuantityFields).
func pinQuantity(f *Field, spec *ModelSpec) error {
	const why = "Kie's table prices one output per task; more would be unpriced"
	switch f.Type {
	case KindEnum:
		if !slices.Contains(f.Values, "1") {
			return errors.New("quantity input has no option 1")
		}
		for _, v := range f.Values {
			if v != "1" {
				spec.RemovedOptions = append(spec.RemovedOptions, RemovedOption{Field: f.Name, Value: v, Reason: why})
			}
		}
		f.Values = []string{"1"}
	case KindInteger:
		f.Min, f.Max = "1", "1"
		spec.Notes = append(spec.Notes, fmt.Sprintf("input %s pinned to 1: %s", f.Name, why))
	default:
		return fmt.Errorf("quantity input of type %s", f.Type)
	}
	f.Required = true
	return nil
}

func lengthOf(n json.Number) (int, error) {
	if n == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(string(n))
	if err != nil || v < 0 {
		return 0, fmt.Errorf("length limit %q is not a whole number", n)
	}
	return v, nil
}

func boundOf(n json.Number) (string, error) {
	if n == "" {
		return "", nil
	}
	r, err := parseDecimal(string(n))
	if err != nil {
		return "", fmt.Errorf("bound: %w", err)
	}
	return ratString(r), nil
}

// defaultOf reads an official schema default as canonical text. Defaults of
// file inputs (an empty list) say nothing the bot needs and are dropped.
func defaultOf(raw json.RawMessage, kind Kind) (string, bool, error) {
	if len(raw) == 0 || string(raw) == "null" || kind == KindFile {
		return "", false, nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", false, fmt.Errorf("default: %w", err)
	}
	switch x := v.(type) {
	case string:
		return x, true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	case json.Number:
		return x.String(), true, nil
	}
	return "", false, fmt.Errorf("default %s is not a scalar", raw)
}
