package kietest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// listModels serves GET /api/v1/models[?q=&provider=&taskType=] from the
// registered models. No match is total 0, not an error.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(r.URL.Query().Get("q"))
	provider := r.URL.Query().Get("provider")
	taskType := r.URL.Query().Get("taskType")
	s.mu.Lock()
	models := []map[string]any{}
	for _, id := range s.modelIDs {
		m := s.models[id]
		if q != "" && !strings.Contains(strings.ToLower(m.ID+" "+m.Title), q) {
			continue
		}
		if provider != "" && !strings.EqualFold(provider, m.Provider) {
			continue
		}
		if taskType != "" && !containsFold(m.TaskTypes, taskType) {
			continue
		}
		models = append(models, map[string]any{
			"model": m.ID, "slug": strings.ReplaceAll(m.ID, "/", "-"), "title": m.Title, "provider": m.Provider,
			"taskType": nonNil(m.TaskTypes), "description": m.Description, "pricingDesc": nullIfEmpty(m.PricingDesc),
		})
	}
	s.mu.Unlock()
	s.writeEnvelope(w, r, 200, "success", map[string]any{"total": len(models), "models": models})
}

// modelDetail serves /api/v1/models/{model}/schema and /price; the model id
// contains "/", so the suffix is matched.
func (s *Server) modelDetail(w http.ResponseWriter, r *http.Request) {
	rest := r.PathValue("rest")
	id, kind := "", ""
	if i := strings.LastIndex(rest, "/"); i > 0 {
		id, kind = rest[:i], rest[i+1:]
	}
	s.note(r, func(q *Request) { q.Model = id })
	if kind != "schema" && kind != "price" {
		s.notFound(w, r)
		return
	}
	s.mu.Lock()
	m, ok := s.models[id]
	var model Model
	if ok {
		model = *m
	}
	s.mu.Unlock()
	if !ok {
		s.writeEnvelope(w, r, 404, MsgUnknownModel, nil)
		return
	}
	if kind == "price" {
		s.writeEnvelope(w, r, 200, "success", map[string]any{"model": id, "pricingDesc": nullIfEmpty(model.PricingDesc)})
		return
	}
	var doc any
	switch {
	case model.NoSchema:
		doc = nil
	case model.Schema != nil:
		doc = model.Schema
	default:
		doc = generatedSchema(&model)
	}
	s.writeEnvelope(w, r, 200, "success", map[string]any{"model": id, "openapi": doc})
}

// generatedSchema is a small OpenAPI 3.1 document naming the model and its
// required input fields: createTask's body with an "input" object, or for a
// Suno version the flat body of /api/v1/generate.
func generatedSchema(m *Model) json.RawMessage {
	if m.Suno {
		doc := map[string]any{
			"openapi": "3.1.0",
			"info":    map[string]any{"title": m.ID, "version": "1.0.0"},
			"paths": map[string]any{"/api/v1/generate": map[string]any{"post": map[string]any{
				"requestBody": map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
					"type": "object", "required": []string{"customMode", "instrumental", "model", "callBackUrl"},
					"properties": map[string]any{
						"model":        map[string]any{"type": "string", "enum": []string{m.ID}},
						"callBackUrl":  map[string]any{"type": "string", "format": "uri"},
						"prompt":       map[string]any{"type": "string", "maxLength": 5000},
						"customMode":   map[string]any{"type": "boolean", "default": false},
						"instrumental": map[string]any{"type": "boolean"},
						"style":        map[string]any{"type": "string", "maxLength": 1000},
						"title":        map[string]any{"type": "string", "maxLength": 100},
						"vocalGender":  map[string]any{"type": "string", "enum": []string{"m", "f"}},
					},
				}}}},
			}}},
		}
		b, _ := json.Marshal(doc)
		return b
	}
	props := map[string]any{}
	for _, f := range m.Required {
		props[f] = map[string]any{"type": "string"}
	}
	required := nonNil(m.Required)
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": m.ID, "version": "1.0.0"},
		"paths": map[string]any{"/api/v1/jobs/createTask": map[string]any{"post": map[string]any{
			"requestBody": map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"model", "input"},
				"properties": map[string]any{
					"model":       map[string]any{"type": "string", "enum": []string{m.ID}},
					"callBackUrl": map[string]any{"type": "string", "format": "uri"},
					"input":       map[string]any{"type": "object", "required": required, "properties": props},
				},
			}}}},
		}}},
	}
	b, _ := json.Marshal(doc)
	return b
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
