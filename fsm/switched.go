package fsm

import "github.com/kiebot/kiebot/pricing"

// The registry as sold right now: what it enables, minus the models an
// admin switched off at runtime (Env.SwitchedOff). Every menu and every
// order goes through these, so a switched-off model is hidden and, on an
// old screen, refused like a model the registry disables.

// model returns a model that is for sale now.
func (t *turn) model(id string) (*pricing.Model, error) {
	if t.env.SwitchedOff[id] {
		return nil, &pricing.DisabledModelError{ID: id, Reason: "switched off by an operator"}
	}
	return t.reg.Model(id)
}

// byCategory lists a category's models for sale now, cheapest first.
func (t *turn) byCategory(c pricing.Category) []*pricing.Model {
	return t.on(t.reg.ByCategory(c))
}

// categories lists the categories with models for sale now, in menu order.
func (t *turn) categories() []pricing.CategoryCount {
	if len(t.env.SwitchedOff) == 0 {
		return t.reg.Categories()
	}
	var out []pricing.CategoryCount
	for _, c := range pricing.Categories() {
		if n := len(t.byCategory(c)); n > 0 {
			out = append(out, pricing.CategoryCount{Category: c, Count: n})
		}
	}
	return out
}

// freeModels lists the free-tier models for sale now.
func (t *turn) freeModels() []*pricing.Model { return t.on(t.env.Pricer.FreeModels()) }

func (t *turn) on(ms []*pricing.Model) []*pricing.Model {
	if len(t.env.SwitchedOff) == 0 {
		return ms
	}
	out := ms[:0:0]
	for _, m := range ms {
		if !t.env.SwitchedOff[m.ID()] {
			out = append(out, m)
		}
	}
	return out
}
