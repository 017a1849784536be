package pricing

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// embeddedRegistry is pricing/registry.json, written by `kiebot registry
// build` from pricing/source/ and checked byte for byte by a test.
//
//go:embed registry.json
var embeddedRegistry []byte

// Errors from Registry.Model; the returned errors are *UnknownModelError and
// *DisabledModelError, which unwrap to these.
var (
	ErrUnknownModel  = errors.New("unknown model")
	ErrModelDisabled = errors.New("model not for sale")
)

// UnknownModelError carries the closest known id, if any.
type UnknownModelError struct {
	ID         string
	Suggestion string
}

func (e *UnknownModelError) Error() string {
	if e.Suggestion != "" {
		return fmt.Sprintf("unknown model %q (did you mean %q?)", e.ID, e.Suggestion)
	}
	return fmt.Sprintf("unknown model %q", e.ID)
}

// Unwrap returns ErrUnknownModel.
func (e *UnknownModelError) Unwrap() error { return ErrUnknownModel }

// DisabledModelError says why a known model is not sold.
type DisabledModelError struct {
	ID     string
	Reason string
}

func (e *DisabledModelError) Error() string {
	return fmt.Sprintf("model %q is not for sale: %s", e.ID, e.Reason)
}

// Unwrap returns ErrModelDisabled.
func (e *DisabledModelError) Unwrap() error { return ErrModelDisabled }

// Registry is the immutable set of models. Build one with Load, Default or
// New; every call returns a fresh value, so nothing is shared between
// callers and there is no package state.
type Registry struct {
	all     []*Model // by id
	enabled []*Model // cheapest first
	byID    map[string]*Model
	file    RegistryFile // what it was built from, for WithConfirmations
}

// Load parses and checks the registry embedded in the binary.
func Load() (*Registry, error) { return Parse(embeddedRegistry) }

// Default is Load for callers that treat a bad embedded registry as a build
// bug: it panics. Tests guarantee the shipped file loads.
func Default() *Registry {
	r, err := Load()
	if err != nil {
		panic(fmt.Sprintf("pricing: embedded registry: %v", err))
	}
	return r
}

// EmbeddedFile returns a copy of the embedded registry's bytes.
func EmbeddedFile() []byte { return slices.Clone(embeddedRegistry) }

// Parse decodes and checks a registry file.
func Parse(data []byte) (*Registry, error) {
	f, err := DecodeFile(data)
	if err != nil {
		return nil, err
	}
	return New(f)
}

// New checks a registry file with Audit and builds the registry. Any defect
// is an error naming the model and the problem: a missing price must stop the
// bot at start, not surface as a zero-rouble sale.
func New(f RegistryFile) (*Registry, error) {
	if defects := Audit(f); len(defects) > 0 {
		msgs := make([]string, 0, len(defects))
		for _, d := range defects {
			msgs = append(msgs, d.String())
		}
		return nil, fmt.Errorf("registry has %d defect(s): %s", len(defects), strings.Join(msgs, "; "))
	}
	r := &Registry{byID: make(map[string]*Model, len(f.Models)), file: f.clone()}
	for _, spec := range f.Models {
		m := newModel(spec.clone())
		r.all = append(r.all, m)
		r.byID[m.ID()] = m
		if m.Enabled() {
			r.enabled = append(r.enabled, m)
		}
	}
	slices.SortFunc(r.all, func(a, b *Model) int { return strings.Compare(a.ID(), b.ID()) })
	sortModelsByPrice(r.enabled)
	return r, nil
}

// File returns a deep copy of the registry as a file: what `registry audit`
// prints, with any confirmations applied.
func (r *Registry) File() RegistryFile { return r.file.clone() }

// Models lists the enabled models, cheapest first (ties by id).
func (r *Registry) Models() []*Model { return slices.Clone(r.enabled) }

// All lists every model, enabled or not, by id.
func (r *Registry) All() []*Model { return slices.Clone(r.all) }

// ByCategory lists the enabled models of one category, cheapest first.
func (r *Registry) ByCategory(c Category) []*Model {
	var out []*Model
	for _, m := range r.enabled {
		if m.Category() == c {
			out = append(out, m)
		}
	}
	return out
}

// CategoryCount is a category with its number of enabled models.
type CategoryCount struct {
	Category Category
	Count    int
}

// Categories lists the categories that have enabled models, in menu order.
func (r *Registry) Categories() []CategoryCount {
	var out []CategoryCount
	for _, c := range Categories() {
		if n := len(r.ByCategory(c)); n > 0 {
			out = append(out, CategoryCount{Category: c, Count: n})
		}
	}
	return out
}

// Model returns an enabled model. An unknown id gets *UnknownModelError with
// a "did you mean" suggestion; a disabled one *DisabledModelError.
func (r *Registry) Model(id string) (*Model, error) {
	m, ok := r.byID[id]
	if !ok {
		return nil, &UnknownModelError{ID: id, Suggestion: r.suggest(id)}
	}
	if !m.Enabled() {
		return nil, &DisabledModelError{ID: id, Reason: m.DisabledReason()}
	}
	return m, nil
}

// Lookup returns any model, enabled or not.
func (r *Registry) Lookup(id string) (*Model, bool) {
	m, ok := r.byID[id]
	return m, ok
}

// suggest returns the known id closest to a misspelt one: an exact match
// ignoring case and the provider prefix ("nano-banana" → "google/nano-banana"),
// else the smallest edit distance within a third of the id's length.
func (r *Registry) suggest(id string) string {
	want := strings.ToLower(strings.TrimSpace(id))
	if want == "" {
		return ""
	}
	best, bestDist := "", len(want)/3+1
	for _, m := range r.all {
		cand := strings.ToLower(m.ID())
		if cand == want || strings.HasSuffix(cand, "/"+want) {
			return m.ID()
		}
		if d := editDistance(want, cand); d < bestDist {
			best, bestDist = m.ID(), d
		}
	}
	return best
}

// editDistance is the Levenshtein distance over bytes (ids are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
