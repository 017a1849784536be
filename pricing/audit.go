package pricing

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
)

// CreateTaskEndpoint is the unified Kie job endpoint, the only one the bot's
// job pipeline drives.
const CreateTaskEndpoint = "/api/v1/jobs/createTask"

// AbsurdFactor: a mode priced above this multiple of its category's median
// is treated as a data error (a placeholder such as "$100 per image").
const AbsurdFactor = 100

// DefectCode names one kind of registry defect.
type DefectCode string

// The defects the audit reports. Load refuses a registry with any of them.
const (
	DefectDuplicateID         DefectCode = "duplicate-id"
	DefectMissingName         DefectCode = "missing-name"
	DefectUnknownCategory     DefectCode = "unknown-category"
	DefectUnknownOutput       DefectCode = "unknown-output"
	DefectUnknownFieldType    DefectCode = "unknown-field-type"
	DefectBadField            DefectCode = "bad-field"
	DefectDefaultNotAllowed   DefectCode = "default-not-allowed"
	DefectEnabledWithoutPrice DefectCode = "enabled-without-price"
	DefectOptionWithoutPrice  DefectCode = "option-without-price"
	DefectModeMismatch        DefectCode = "mode-mismatch"
	DefectPriceFieldOptional  DefectCode = "price-field-optional"
	DefectNonPositivePrice    DefectCode = "non-positive-price"
	DefectAbsurdPrice         DefectCode = "absurd-price"
	DefectState               DefectCode = "inconsistent-state"
	DefectUndeliverable       DefectCode = "undeliverable"
	DefectUnsourcedPrice      DefectCode = "unsourced-price"
	DefectBadBasis            DefectCode = "bad-basis"
)

// Defect is one problem found by Audit.
type Defect struct {
	Model  string
	Code   DefectCode
	Detail string
}

func (d Defect) String() string { return fmt.Sprintf("%s: %s: %s", d.Model, d.Code, d.Detail) }

// Audit checks a registry file and returns every defect, sorted by model.
// Structural checks apply to all models; price checks to enabled ones, since
// a disabled model is never quoted.
func Audit(f RegistryFile) []Defect {
	var out []Defect
	add := func(id string, code DefectCode, format string, args ...any) {
		out = append(out, Defect{Model: id, Code: code, Detail: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for _, m := range f.Models {
		if seen[m.ID] {
			add(m.ID, DefectDuplicateID, "id listed more than once")
		}
		seen[m.ID] = true
		auditModel(m, add)
	}
	auditAbsurd(f.Models, add)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Model < out[j].Model })
	return out
}

type addFunc func(id string, code DefectCode, format string, args ...any)

func auditModel(m ModelSpec, add addFunc) {
	for _, l := range []struct{ what, text string }{
		{"ru name", m.Name.RU}, {"en name", m.Name.EN},
		{"ru description", m.Description.RU}, {"en description", m.Description.EN},
	} {
		if strings.TrimSpace(l.text) == "" {
			add(m.ID, DefectMissingName, "%s is empty", l.what)
		}
	}
	if !m.Category.Valid() {
		add(m.ID, DefectUnknownCategory, "category %q is not one of %v", m.Category, Categories())
	}
	if !m.Output.Valid() {
		add(m.ID, DefectUnknownOutput, "output %q is not a known media kind", m.Output)
	}
	switch {
	case m.Enabled && m.Disabled != nil:
		add(m.ID, DefectState, "enabled but carries a disabled reason %q", m.Disabled.Reason)
	case !m.Enabled && (m.Disabled == nil || strings.TrimSpace(m.Disabled.Reason) == ""):
		add(m.ID, DefectState, "disabled without a reason")
	}
	if m.Enabled && (m.Family == "" || familyOf(m.Endpoint) != m.Family || !m.Output.Deliverable()) {
		add(m.ID, DefectUndeliverable, "enabled with endpoint %q (family %q) and output %q", m.Endpoint, m.Family, m.Output)
	}
	names := map[string]Field{}
	for _, f := range m.Fields {
		if _, dup := names[f.Name]; dup || f.Name == "" {
			add(m.ID, DefectBadField, "field %q is empty or listed twice", f.Name)
		}
		names[f.Name] = f
		auditField(m.ID, f, add)
		if f.Price && !f.Required {
			add(m.ID, DefectPriceFieldOptional, "price field %s is optional: Kie's default would pick an unknown price", f.Name)
		}
	}
	for _, md := range m.Modes {
		if md.Credits <= 0 {
			add(m.ID, DefectNonPositivePrice, "mode %q costs %s credits", md.Label, md.Credits)
		}
		if md.Basis != nil {
			if err := checkBasis(m.Fields, *md.Basis); err != nil {
				add(m.ID, DefectBadBasis, "mode %q: %v", md.Label, err)
			}
		}
	}
	if !m.Enabled {
		return
	}
	for _, md := range m.Modes {
		auditOrigin(m.ID, md, add)
	}
	if len(m.Modes) == 0 {
		add(m.ID, DefectEnabledWithoutPrice, "enabled with no price mode")
		return
	}
	auditModes(m, names, add)
}

// auditOrigin checks that a sold price says where it comes from: Kie's
// official table, or an operator's confirmation with its source, date and
// author. Prose read by `registry sync` is never sold unreviewed.
func auditOrigin(id string, md Mode, add addFunc) {
	switch md.Origin {
	case OriginOfficial:
		if strings.TrimSpace(md.Source) == "" {
			add(id, DefectUnsourcedPrice, "official mode %q names no price table row", md.Label)
		}
	case OriginOperator:
		c := md.Confirmed
		if c == nil || strings.TrimSpace(c.Source) == "" || c.At.IsZero() || strings.TrimSpace(c.By) == "" {
			add(id, DefectUnsourcedPrice, "operator mode %q lacks its confirmation's source, date or author", md.Label)
		}
	default:
		add(id, DefectUnsourcedPrice, "mode %q has origin %q: only official and operator-confirmed prices are sold", md.Label, md.Origin)
	}
}

func auditField(id string, f Field, add addFunc) {
	if !f.Type.Valid() {
		add(id, DefectUnknownFieldType, "field %s has type %q", f.Name, f.Type)
		return
	}
	switch f.Type {
	case KindEnum:
		if len(f.Values) == 0 {
			add(id, DefectBadField, "enum %s has no values", f.Name)
		}
		if len(f.Values) != len(uniq(f.Values)) {
			add(id, DefectBadField, "enum %s lists a value twice", f.Name)
		}
	case KindBool:
		for _, v := range f.Values {
			if v != "true" && v != "false" {
				add(id, DefectBadField, "bool %s allows %q", f.Name, v)
			}
		}
	case KindInteger, KindNumber:
		lo, errLo := optDecimal(f.Min)
		hi, errHi := optDecimal(f.Max)
		switch {
		case errLo != nil || errHi != nil:
			add(id, DefectBadField, "field %s has unreadable bounds %q..%q", f.Name, f.Min, f.Max)
		case lo != nil && hi != nil && lo.Cmp(hi) > 0:
			add(id, DefectBadField, "field %s has min %s above max %s", f.Name, f.Min, f.Max)
		}
	case KindString:
		if f.MaxLength > 0 && f.MinLength > f.MaxLength {
			add(id, DefectBadField, "field %s has min length %d above max %d", f.Name, f.MinLength, f.MaxLength)
		}
	case KindFile:
		if !f.Media.fileMedia() {
			add(id, DefectBadField, "file field %s has media %q", f.Name, f.Media)
		}
		if f.MaxSeconds < 0 || (f.MaxSeconds > 0 && f.Media != MediaAudio && f.Media != MediaVideo) {
			add(id, DefectBadField, "file field %s of %s limits its duration to %d s", f.Name, f.Media, f.MaxSeconds)
		}
		if f.Multiple && f.MaxCount > 0 && f.MinCount > f.MaxCount {
			add(id, DefectBadField, "file field %s needs %d..%d files", f.Name, f.MinCount, f.MaxCount)
		}
	}
	if f.Default != nil && f.Type != KindFile {
		if _, err := f.Parse(*f.Default); err != nil {
			add(id, DefectDefaultNotAllowed, "default %q of %s is not allowed: %v", *f.Default, f.Name, err)
		}
	}
}

func optDecimal(s string) (*big.Rat, error) {
	if s == "" {
		return nil, nil
	}
	return parseDecimal(s)
}

func uniq(vs []string) []string {
	s := slices.Clone(vs)
	slices.Sort(s)
	return slices.Compact(s)
}

// auditModes checks that the modes select exactly on the price fields, that
// every option of a price field is priced, and that no two modes collide.
func auditModes(m ModelSpec, fields map[string]Field, add addFunc) {
	var priceFields []string
	for _, f := range m.Fields {
		if f.Price {
			priceFields = append(priceFields, f.Name)
		}
	}
	seen := map[string]string{}
	priced := map[string]map[string]bool{}
	for _, md := range m.Modes {
		for k, v := range md.When {
			f, ok := fields[k]
			if !ok || !f.Price {
				add(m.ID, DefectModeMismatch, "mode %q selects on %s, which is not a price field", md.Label, k)
				continue
			}
			if !slices.Contains(f.Options(), v) {
				add(m.ID, DefectModeMismatch, "mode %q needs %s=%q, not an allowed option", md.Label, k, v)
			}
			if priced[k] == nil {
				priced[k] = map[string]bool{}
			}
			priced[k][v] = true
		}
		for _, k := range priceFields {
			if _, ok := md.When[k]; !ok {
				add(m.ID, DefectModeMismatch, "mode %q does not fix price field %s", md.Label, k)
			}
		}
		key := describe(Params(md.When), priceFields)
		if other, dup := seen[key]; dup {
			add(m.ID, DefectModeMismatch, "modes %q and %q select the same options", other, md.Label)
		}
		seen[key] = md.Label
	}
	for _, k := range priceFields {
		for _, v := range fields[k].Options() {
			if !priced[k][v] {
				add(m.ID, DefectOptionWithoutPrice, "option %s=%q has no price", k, v)
			}
		}
	}
}

// perTask reports whether a mode is priced per task (absurdity compares
// per-task prices only: a per-second rate is not a clip's price).
func perTask(md Mode) bool { return !md.PriceBasis().PerUnit() }

// auditAbsurd flags per-task modes priced above AbsurdFactor times the
// median official per-task price of their category (categoryMedians).
func auditAbsurd(models []ModelSpec, add addFunc) {
	medians := categoryMedians(models)
	for _, m := range models {
		if !m.Enabled {
			continue
		}
		med := medians[m.Category]
		if med == nil || med.Sign() <= 0 {
			continue
		}
		limit := new(big.Rat).Mul(med, big.NewRat(AbsurdFactor, 1))
		for _, md := range m.Modes {
			if perTask(md) && md.Credits.Rat().Cmp(limit) > 0 {
				add(m.ID, DefectAbsurdPrice, "mode %q costs %s credits, over %d× the %s median of %s",
					md.Label, md.Credits, AbsurdFactor, m.Category, ratString(med))
			}
		}
	}
}

func median(cs []Credits) *big.Rat {
	if len(cs) == 0 {
		return new(big.Rat)
	}
	s := slices.Clone(cs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2].Rat()
	}
	sum := new(big.Rat).Add(s[n/2-1].Rat(), s[n/2].Rat())
	return sum.Quo(sum, big.NewRat(2, 1))
}

// Summary counts a registry's models for reports.
type Summary struct {
	Enabled        int
	Disabled       int
	ByReason       map[DisabledCode][]string // model ids per disabled code
	RemovedOptions int
	PriceConflicts int
	// OfficialModes counts the enabled models' prices from Kie's official
	// table; OperatorPrices lists the operator-confirmed ones with their
	// source, date and author.
	OfficialModes  int
	OperatorPrices []OperatorPrice
	// ByCategory counts enabled models per category.
	ByCategory map[Category]int
}

// Summarize counts enabled and disabled models, removed options and
// resolved price conflicts.
func Summarize(f RegistryFile) Summary {
	s := Summary{ByReason: map[DisabledCode][]string{}, ByCategory: map[Category]int{}, OperatorPrices: operatorPrices(f.Models)}
	for _, m := range f.Models {
		if m.Enabled {
			s.Enabled++
			s.ByCategory[m.Category]++
			for _, md := range m.Modes {
				if md.Origin == OriginOfficial {
					s.OfficialModes++
				}
			}
			s.RemovedOptions += len(m.RemovedOptions)
			s.PriceConflicts += len(m.PriceConflicts)
			continue
		}
		s.Disabled++
		code := DisabledCode("unknown")
		if m.Disabled != nil {
			code = m.Disabled.Code
		}
		s.ByReason[code] = append(s.ByReason[code], m.ID)
	}
	return s
}
