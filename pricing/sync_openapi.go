package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// oaSchema is the part of an OpenAPI schema object sync reads.
type oaSchema struct {
	Ref         string            `json:"$ref"`
	Type        json.RawMessage   `json:"type"` // "string", or ["string","null"] in 3.1
	Enum        []json.RawMessage `json:"enum"`
	Default     json.RawMessage   `json:"default"`
	Format      string            `json:"format"`
	Description string            `json:"description"`
	Properties  json.RawMessage   `json:"properties"` // decoded in order by props
	Required    []string          `json:"required"`
	Items       *oaSchema         `json:"items"`
	MinLength   json.Number       `json:"minLength"`
	MaxLength   json.Number       `json:"maxLength"`
	Minimum     json.Number       `json:"minimum"`
	Maximum     json.Number       `json:"maximum"`
	MinItems    json.Number       `json:"minItems"`
	MaxItems    json.Number       `json:"maxItems"`
	OneOf       []*oaSchema       `json:"oneOf"`
	AnyOf       []*oaSchema       `json:"anyOf"`
}

type oaDoc struct {
	Paths map[string]map[string]struct {
		RequestBody struct {
			Content map[string]struct {
				Schema *oaSchema `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]*oaSchema `json:"schemas"`
	} `json:"components"`
}

// parseOpenAPI reads a Kie model schema: the endpoint it is created on and
// its typed inputs (the "input" object of the request body, or the body's
// own properties for family endpoints that have no "input"). unsupported
// lists required inputs the bot cannot collect; optional ones are dropped.
func (b *builder) parseOpenAPI(raw json.RawMessage) (endpoint string, fields []Field, unsupported []string, err error) {
	var doc oaDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", nil, nil, fmt.Errorf("decode openapi: %w", err)
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	// Prefer createTask when a document describes several paths.
	slices.SortStableFunc(paths, func(a, b string) int {
		switch {
		case a == CreateTaskEndpoint && b != CreateTaskEndpoint:
			return -1
		case b == CreateTaskEndpoint && a != CreateTaskEndpoint:
			return 1
		}
		return 0
	})
	var body *oaSchema
	for _, p := range paths {
		if c, ok := doc.Paths[p]["post"].RequestBody.Content["application/json"]; ok && c.Schema != nil {
			endpoint, body = p, c.Schema
			break
		}
	}
	if body == nil {
		return "", nil, nil, errors.New("no POST path with a JSON body")
	}
	if body, err = doc.resolve(body); err != nil {
		return "", nil, nil, err
	}
	names, props, err := properties(body)
	if err != nil {
		return "", nil, nil, err
	}
	target, required := body, body.Required
	if in, ok := props["input"]; ok {
		if target, err = doc.resolve(in); err != nil {
			return "", nil, nil, fmt.Errorf("input: %w", err)
		}
		required = target.Required
		if names, props, err = properties(target); err != nil {
			return "", nil, nil, fmt.Errorf("input: %w", err)
		}
	} else {
		names = slices.DeleteFunc(names, func(n string) bool { return n == "model" || n == "callBackUrl" })
	}
	for _, name := range names {
		s, err := doc.resolve(props[name])
		if err != nil {
			return "", nil, nil, fmt.Errorf("input %s: %w", name, err)
		}
		f, bad := b.oaField(name, s, slices.Contains(required, name))
		switch {
		case bad == "":
			fields = append(fields, f)
		case f.Required:
			unsupported = append(unsupported, fmt.Sprintf("required input %s is %s, which the bot cannot collect", name, bad))
		}
	}
	return endpoint, fields, unsupported, nil
}

// properties decodes an object's properties, keeping the document's order (the
// order Kie's docs show, which the bot's forms follow).
func properties(s *oaSchema) ([]string, map[string]*oaSchema, error) {
	if len(s.Properties) == 0 {
		return nil, map[string]*oaSchema{}, nil
	}
	m := map[string]*oaSchema{}
	if err := json.Unmarshal(s.Properties, &m); err != nil {
		return nil, nil, fmt.Errorf("properties: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(s.Properties))
	var names []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 {
				names = append(names, t)
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, nil, fmt.Errorf("properties: %w", err)
				}
			}
		}
	}
	return names, m, nil
}

// resolve follows local $refs (Kie does not resolve them) and unwraps a
// nullable oneOf/anyOf to its non-null branch.
func (d *oaDoc) resolve(s *oaSchema) (*oaSchema, error) {
	for range 8 {
		if s == nil {
			return nil, errors.New("missing schema")
		}
		if s.Ref != "" {
			name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
			if !ok || d.Components.Schemas[name] == nil {
				return nil, fmt.Errorf("unresolvable $ref %q", s.Ref)
			}
			s = d.Components.Schemas[name]
			continue
		}
		alts := slices.DeleteFunc(slices.Concat(s.OneOf, s.AnyOf), func(a *oaSchema) bool {
			return slices.Equal(typeList(a.Type), []string{"null"})
		})
		if len(alts) == 1 {
			s = alts[0]
			continue
		}
		return s, nil
	}
	return nil, errors.New("$ref chain too deep")
}

func typeList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return slices.DeleteFunc(many, func(t string) bool { return t == "null" })
}

// oaField types one OpenAPI property. bad describes why the bot cannot
// collect it ("" when it can).
func (b *builder) oaField(name string, s *oaSchema, required bool) (Field, string) {
	f := Field{Name: name, Required: required}
	types := typeList(s.Type)
	if len(types) == 0 && len(s.Enum) > 0 {
		types = []string{"string"}
	}
	if len(types) != 1 {
		return f, fmt.Sprintf("of type %s", s.Type)
	}
	var err error
	switch types[0] {
	case "string":
		switch {
		case len(s.Enum) > 0:
			f.Type = KindEnum
			for _, raw := range s.Enum {
				var v string
				if json.Unmarshal(raw, &v) != nil {
					return f, "an enum of non-strings"
				}
				f.Values = append(f.Values, v)
			}
		case s.Format == "uri" || fileName(name):
			f.Type = KindFile
			if bad := b.oaFile(&f, s, s); bad != "" {
				return f, bad
			}
		default:
			f.Type = KindString
			if f.MinLength, err = lengthOf(s.MinLength); err == nil {
				f.MaxLength, err = lengthOf(s.MaxLength)
			}
		}
	case "boolean":
		f.Type = KindBool
	case "integer", "number":
		if len(s.Enum) > 0 {
			return f, "a numeric enum"
		}
		f.Type = KindNumber
		if types[0] == "integer" {
			f.Type = KindInteger
		}
		if f.Min, err = boundOf(s.Minimum); err == nil {
			f.Max, err = boundOf(s.Maximum)
		}
	case "array":
		if s.Items == nil || !slices.Equal(typeList(s.Items.Type), []string{"string"}) ||
			(s.Items.Format != "uri" && !fileName(name)) {
			return f, "a list of non-file values"
		}
		f.Type, f.Multiple = KindFile, true
		if bad := b.oaFile(&f, s, s.Items); bad != "" {
			return f, bad
		}
	default:
		return f, fmt.Sprintf("of type %q", types[0])
	}
	if err != nil {
		return f, fmt.Sprintf("a field with unreadable limits (%v)", err)
	}
	if d, ok, err := defaultOf(s.Default, f.Type); err == nil && ok {
		f.Default = &d
	}
	return f, ""
}

var maxSizeRE = regexp.MustCompile(`(?i)(?:max(?:imum)?\s*(?:file\s*)?size|最大大小)\s*[:：]?\s*([0-9]+(?:\.[0-9]+)?)\s*MB`)

// oaFile fills a file field's media, counts and size from the schema. A list
// without maxItems takes one file: only a documented count is trusted.
func (b *builder) oaFile(f *Field, s, item *oaSchema) string {
	desc := s.Description + " " + item.Description
	switch {
	case strings.Contains(desc, "image/"):
		f.Media = MediaImage
	case strings.Contains(desc, "video/"):
		f.Media = MediaVideo
	case strings.Contains(desc, "audio/"):
		f.Media = MediaAudio
	default:
		f.Media = b.mediaOf(f.Name)
	}
	if !f.Media.fileMedia() {
		return "a file input of unknown media"
	}
	if f.Required {
		f.MinCount = 1
	}
	f.MaxCount = 1
	if f.Multiple {
		if n, err := lengthOf(s.MinItems); err == nil && s.MinItems != "" {
			f.MinCount = n
		}
		if n, err := lengthOf(s.MaxItems); err == nil && n > 0 {
			f.MaxCount = n
		}
	}
	if m := maxSizeRE.FindStringSubmatch(desc); m != nil {
		if mb, err := parseDecimal(m[1]); err == nil {
			// decimal megabytes, the smaller reading of "MB"; round down
			n := new(big.Rat).Mul(mb, big.NewRat(1_000_000, 1))
			f.MaxBytes = new(big.Int).Quo(n.Num(), n.Denom()).Int64()
		}
	}
	return ""
}

// fileName reports names Kie uses for uploaded-file URLs.
func fileName(name string) bool {
	n := strings.ToLower(name)
	if n == "callbackurl" {
		return false
	}
	return strings.HasSuffix(n, "url") || strings.HasSuffix(n, "urls") || n == "image" || n == "image_input"
}
