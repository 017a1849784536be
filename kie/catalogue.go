package kie

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// ModelInfo is one entry of Kie's model catalogue.
type ModelInfo struct {
	Model       string   `json:"model"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Provider    string   `json:"provider"`
	TaskTypes   []string `json:"taskType"`
	Description string   `json:"description"`
	// PricingDesc is Kie's prose price ("" when Kie has none).
	PricingDesc string `json:"pricingDesc"`
}

// ModelSchema is a model's OpenAPI document as Kie publishes it. OpenAPI is
// nil when Kie has not synced a schema for the model; $refs are unresolved.
type ModelSchema struct {
	Model   string
	OpenAPI json.RawMessage
}

// ModelPrice is a model's prose pricing ("" when Kie has none).
type ModelPrice struct {
	Model       string
	PricingDesc string
}

// ListModels returns the whole catalogue (GET /api/v1/models). Catalogue
// calls are spaced by Config.CatalogueInterval.
func (c *Client) ListModels(ctx context.Context) (_ []ModelInfo, err error) {
	defer func() { err = c.scrub(err) }()
	data, err := c.catalogue(ctx, "models", "/api/v1/models")
	if err != nil {
		return nil, fmt.Errorf("list kie models: %w", err)
	}
	var body struct {
		Total  int               `json:"total"`
		Models []json.RawMessage `json:"models"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, fmt.Errorf("list kie models: %w: %w", ErrMalformedResponse, err)
	}
	out := make([]ModelInfo, 0, len(body.Models))
	for i, raw := range body.Models {
		m, err := parseModelInfo(raw)
		if err != nil {
			return nil, fmt.Errorf("list kie models: %w: entry %d: %w", ErrMalformedResponse, i, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func parseModelInfo(raw json.RawMessage) (ModelInfo, error) {
	var m struct {
		ModelInfo
		PricingDesc json.RawMessage `json:"pricingDesc"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return ModelInfo{}, err
	}
	desc, err := flexString(m.PricingDesc)
	if err != nil {
		return ModelInfo{}, fmt.Errorf("pricingDesc: %w", err)
	}
	m.ModelInfo.PricingDesc = desc
	if m.Model == "" {
		return ModelInfo{}, fmt.Errorf("entry has no model id")
	}
	return m.ModelInfo, nil
}

// ModelSchema returns a model's OpenAPI document
// (GET /api/v1/models/{model}/schema, the "/" in the id left unencoded).
// An unknown model is ErrNotFound.
func (c *Client) ModelSchema(ctx context.Context, model string) (_ ModelSchema, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkModelID(model); err != nil {
		return ModelSchema{}, fmt.Errorf("read kie schema: %w: %w", ErrValidation, err)
	}
	data, err := c.catalogue(ctx, "schema", "/api/v1/models/"+model+"/schema")
	if err != nil {
		return ModelSchema{}, fmt.Errorf("read kie schema for %s: %w", model, err)
	}
	var body struct {
		Model   string          `json:"model"`
		OpenAPI json.RawMessage `json:"openapi"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return ModelSchema{}, fmt.Errorf("read kie schema for %s: %w: %w", model, ErrMalformedResponse, err)
	}
	s := ModelSchema{Model: cmp.Or(body.Model, model)}
	if o := bytes.TrimSpace(body.OpenAPI); len(o) > 0 && string(o) != "null" {
		if o[0] != '{' {
			return ModelSchema{}, fmt.Errorf("read kie schema for %s: %w: openapi is not an object", model, ErrMalformedResponse)
		}
		s.OpenAPI = o
	}
	return s, nil
}

// ModelPrice returns a model's prose pricing (GET /api/v1/models/{model}/price).
func (c *Client) ModelPrice(ctx context.Context, model string) (_ ModelPrice, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkModelID(model); err != nil {
		return ModelPrice{}, fmt.Errorf("read kie price: %w: %w", ErrValidation, err)
	}
	data, err := c.catalogue(ctx, "price", "/api/v1/models/"+model+"/price")
	if err != nil {
		return ModelPrice{}, fmt.Errorf("read kie price for %s: %w", model, err)
	}
	var body struct {
		Model       string          `json:"model"`
		PricingDesc json.RawMessage `json:"pricingDesc"`
	}
	err = json.Unmarshal(data, &body)
	var desc string
	if err == nil {
		desc, err = flexString(body.PricingDesc)
	}
	if err != nil {
		return ModelPrice{}, fmt.Errorf("read kie price for %s: %w: %w", model, ErrMalformedResponse, err)
	}
	return ModelPrice{Model: cmp.Or(body.Model, model), PricingDesc: desc}, nil
}

func (c *Client) catalogue(ctx context.Context, endpoint, path string) (json.RawMessage, error) {
	return c.call(ctx, request{
		endpoint: endpoint,
		method:   http.MethodGet,
		url:      c.cfg.BaseURL + path,
		gate:     c.catLim.Wait, // retries included: the limit is per request
	}, retryRead)
}
