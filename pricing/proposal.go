package pricing

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Proposal is a confirmation read from Kie's live prose price for a person
// to review: never applied by itself. ConfirmedAt and ConfirmedBy are left
// empty for the reviewer, who checks the prose against Kie's pricing page,
// corrects the source to that page's URL if it helps, signs and dates it.
type Proposal struct {
	Confirmation Confirmation
	// Prose is Kie's pricingDesc for the model, verbatim.
	Prose string
	// Reading is the part of the prose the price was read from.
	Reading string
	// Doubts are what the reviewer must decide ("no unit stated: read as
	// per task", "the prose names 2 prices").
	Doubts []string
	// Problem says why the confirmation would be refused as it stands
	// (nil: it would apply once dated and signed).
	Problem error
}

// MarshalJSON writes the proposal for review, its problem as text.
func (p Proposal) MarshalJSON() ([]byte, error) {
	problem := ""
	if p.Problem != nil {
		problem = p.Problem.Error()
	}
	return json.Marshal(struct {
		Confirmation Confirmation `json:"confirmation"`
		Prose        string       `json:"prose"`
		Reading      string       `json:"reading"`
		Doubts       []string     `json:"doubts,omitempty"`
		Problem      string       `json:"problem,omitempty"`
	}{p.Confirmation, p.Prose, p.Reading, p.Doubts, problem})
}

// ProposeConfirmations turns `registry sync` output (Kie's live catalogue
// with each model's prose price, ModelSpec.PricingDesc) into proposed
// confirmations for the models base cannot sell for want of a price
// (disabled with a Priceable reason). Models base already prices, and
// models base does not know, get none: the official table is not second-
// guessed here, and an unknown model needs a catalogue rebuild first. The
// prose is read for amounts in credits with their unit ("per second", "per
// 1,000 characters", "per character", "per minute", "per image/video/
// generation/request", none) and the option they follow ("720p: 12
// credits per second"); anything uncertain is a Doubt.
func ProposeConfirmations(base *Registry, synced RegistryFile) []Proposal {
	var out []Proposal
	for _, sm := range synced.Models {
		prose := strings.TrimSpace(sm.PricingDesc)
		if prose == "" {
			continue
		}
		m, ok := base.Lookup(sm.ID)
		if !ok || m.Enabled() || !m.spec.Disabled.Code.Priceable() {
			continue
		}
		readings := readProse(prose)
		for _, r := range readings {
			p := proposal(m, prose, r)
			if len(readings) > 1 && len(p.Confirmation.Option) == 0 {
				p.Doubts = append(p.Doubts, fmt.Sprintf("the prose names %d prices and this one follows no option: keep one", len(readings)))
			}
			// Would it apply once signed? Check with a placeholder signature.
			signed := p.Confirmation
			signed.ConfirmedAt, signed.ConfirmedBy = time.Unix(0, 0).UTC(), "reviewer"
			p.Problem = base.CheckConfirmation(signed)
			out = append(out, p)
		}
	}
	return out
}

// proseReading is one amount of credits found in prose, with what follows
// and precedes it.
type proseReading struct {
	credits Credits
	unit    Unit
	perChar bool // read "per character": credits were scaled to 1,000
	perMin  bool // read "per minute": credits were divided by 60
	inexact bool // the per-minute division needed rounding up
	after   string
	before  string
	text    string
}

var (
	proseAmountRE  = regexp.MustCompile(`(?i)(\d+(?:[.,]\d+)?)\s*credits?\b`)
	proseSecondRE  = regexp.MustCompile(`(?i)^\W{0,3}(per|/|a|each)\s*(sec(ond)?s?|s)\b`)
	proseMinuteRE  = regexp.MustCompile(`(?i)^\W{0,3}(per|/|a|each)\s*(min(ute)?s?)\b`)
	proseKCharRE   = regexp.MustCompile(`(?i)^\W{0,3}(per|/|for|each)\s*(1[ ,.]?000|1k|thousand)\s*char`)
	proseCharRE    = regexp.MustCompile(`(?i)^\W{0,3}(per|/|a|each)\s*char(acter)?s?\b`)
	proseTaskRE    = regexp.MustCompile(`(?i)^\W{0,3}(per|/|a|each|for one|for an?)\s*(image|video|clip|generation|request|task|song|track|call|run|output|effect|result)s?\b`)
	proseOutputRE  = regexp.MustCompile(`(?i)\b(output|generated|result)\b`)
	proseOptionsRE = regexp.MustCompile(`(?i)\b\d{3,4}p\b`)
)

// readProse finds every "<n> credits" with its unit.
func readProse(prose string) []proseReading {
	locs := proseAmountRE.FindAllStringSubmatchIndex(prose, -1)
	var out []proseReading
	for i, loc := range locs {
		end := len(prose)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		start := 0
		if i > 0 {
			start = locs[i-1][1]
		}
		text := prose[loc[0]:min(end, loc[1]+40)]
		if i := strings.IndexAny(text[loc[1]-loc[0]:], ";\n("); i >= 0 {
			text = text[:loc[1]-loc[0]+i]
		}
		r := proseReading{
			after:  prose[loc[1]:end],
			before: prose[start:loc[0]],
			text:   strings.TrimSpace(text),
		}
		c, err := ParseCredits(strings.Replace(prose[loc[2]:loc[3]], ",", ".", 1))
		if err != nil || c <= 0 {
			continue
		}
		r.credits, r.unit = c, PerTask
		switch a := r.after; {
		case proseKCharRE.MatchString(a):
			r.unit = PerThousandChars
		case proseCharRE.MatchString(a):
			r.unit, r.perChar = PerThousandChars, true
			r.credits = c * 1000
		case proseSecondRE.MatchString(a):
			r.unit = PerInputSecond
		case proseMinuteRE.MatchString(a):
			r.unit, r.perMin = PerInputSecond, true
			per := new(big.Rat).Quo(c.Rat(), big.NewRat(60, 1))
			micro := new(big.Rat).Mul(per, big.NewRat(MicroPerCredit, 1))
			r.credits = Credits(ceilInt64(micro))
			r.inexact = !micro.IsInt()
		case proseTaskRE.MatchString(a):
		default:
			r.unit = "" // no unit stated
		}
		out = append(out, r)
	}
	return out
}

// proposal builds one Proposal from a reading for model m.
func proposal(m *Model, prose string, r proseReading) Proposal {
	c := Confirmation{
		Kind:           ConfirmPrice,
		ModelID:        m.ID(),
		Unit:           r.unit,
		CreditsPerUnit: r.credits,
		Source:         fmt.Sprintf("Kie's live pricingDesc for %s (GET /api/v1/models/%s/price, read by `kiebot registry sync`): %q", m.ID(), m.ID(), cut(prose, 200)),
	}
	p := Proposal{Prose: prose, Reading: r.text}
	if c.Unit == "" {
		c.Unit = PerTask
		p.Doubts = append(p.Doubts, "no unit stated: read as per task")
	}
	if r.perChar {
		p.Doubts = append(p.Doubts, "priced per character: proposed per 1,000 characters (×1000), billed per started 1,000")
	}
	if r.perMin {
		p.Doubts = append(p.Doubts, "priced per minute: proposed per second (÷60)")
		if r.inexact {
			p.Doubts = append(p.Doubts, "the per-second price was rounded up to a millionth of a credit")
		}
	}
	if c.Unit == PerInputSecond {
		if proseOutputRE.MatchString(r.after) || !hasMedia(m) {
			c.Unit = PerOutputSecond
			p.Doubts = append(p.Doubts, "per second of the result: name the input whose length the result follows (field), if any")
		} else {
			p.Doubts = append(p.Doubts, "per second: read as per second of the uploaded media")
		}
	}
	if opt := optionIn(m, r.before); len(opt) > 0 {
		c.Option = opt
	}
	p.Confirmation = c
	return p
}

// hasMedia reports whether the model takes a required audio or video file.
func hasMedia(m *Model) bool {
	return slices.ContainsFunc(m.spec.Fields, func(f Field) bool {
		return f.Type == KindFile && f.Required && (f.Media == MediaAudio || f.Media == MediaVideo)
	})
}

// optionIn finds the option the prose names just before an amount: an enum
// value of one of the model's inputs as a whole word ("720p: …"), or a
// resolution for a free-text input named like one.
func optionIn(m *Model, before string) Params {
	lower := strings.ToLower(before)
	found := Params{}
	for _, f := range m.spec.Fields {
		switch {
		case f.Type == KindEnum:
			best, at := "", -1
			for _, v := range f.Values {
				re := regexp.MustCompile(`(?i)(^|\W)` + regexp.QuoteMeta(v) + `($|\W)`)
				if loc := re.FindStringIndex(before); loc != nil && loc[0] > at {
					best, at = v, loc[0]
				}
			}
			if best != "" {
				found[f.Name] = best
			}
		case f.Type == KindString && strings.Contains(f.Name, "resolution"):
			if all := proseOptionsRE.FindAllString(lower, -1); len(all) > 0 {
				found[f.Name] = all[len(all)-1]
			}
		}
	}
	return found
}
