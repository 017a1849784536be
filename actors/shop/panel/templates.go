package panel

import (
	"html/template"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
)

// Templates: templates/layout.html defines the page frame ("layout"),
// the frame of a page without a session ("plain") and shared pieces;
// every other file is one page, defining "content" (and "title").
// Texts come from the shop's catalogue: {{t .Lang "panel.users"}}.

func funcs() template.FuncMap {
	msk := operator.Moscow()
	return template.FuncMap{
		"t":   func(lang fsm.Lang, key string, args ...any) string { return fsm.T(lang, fsm.Key(key), args...) },
		"rub": rub,
		"dt": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(msk).Format("02.01.2006 15:04")
		},
		"day":       func(t time.Time) string { return t.In(msk).Format("02.01") },
		"credits":   func(micro int64) string { return kie.Credits(micro).String() },
		"join":      strings.Join,
		"hasPrefix": strings.HasPrefix,
		"list":      func(v ...string) []string { return v },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"neg": func(v int64) bool { return v < 0 },
		"ms": func(d time.Duration) string {
			return d.Round(time.Second).String()
		},
		"days": func(f float64) string {
			if f < 0 {
				return "—"
			}
			return strconv.FormatFloat(f, 'f', 1, 64)
		},
	}
}

func rub(kopecks int64) string { return pricing.FormatRUB(kopecks) }

func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs()).ParseFS(templateFS, "templates/layout.html"))
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, path.Join("templates", name)))
		out[strings.TrimSuffix(name, ".html")] = t
	}
	return out
}
