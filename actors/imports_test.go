package actors_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/kiebot/kiebot"

// The packages' dependency direction (ARCHITECTURE.md): cmd → shop →
// (engine, fsm, store, pricing, kie, telegram adapter); the engine delivers
// updates whatever the shop sells, so it depends on store and the Telegram
// adapter only; fsm is pure; store, pricing and kie never reach up. This
// test fails the moment an import crosses a line, directly or through
// another package.
func TestImportBoundaries(t *testing.T) {
	deps := listDeps(t)
	rules := []struct {
		pkg       string
		forbidden []string // module-relative package paths (and their sub-packages)
	}{
		{"actors", []string{"actors/shop", "fsm", "pricing", "kie"}},
		{"actors/telegram", []string{"actors", "actors/shop", "fsm", "pricing", "kie", "store"}},
		{"actors/actorstest", []string{"actors/shop", "fsm", "pricing", "kie"}},
		{"fsm", []string{"actors", "store", "kie", "cmd"}},
		{"store", []string{"actors", "fsm", "pricing", "kie", "cmd"}},
		{"pricing", []string{"actors", "fsm", "store", "cmd"}},
		{"kie", []string{"actors", "fsm", "store", "pricing", "cmd"}},
		{"migrations", []string{"actors", "fsm", "store", "pricing", "kie", "cmd"}},
	}
	for _, r := range rules {
		pkgDeps, ok := deps[module+"/"+r.pkg]
		if !ok {
			t.Errorf("package %s not found by go list", r.pkg)
			continue
		}
		for _, d := range pkgDeps {
			rel, ours := strings.CutPrefix(d, module+"/")
			if !ours {
				continue
			}
			for _, f := range r.forbidden {
				if rel == f || strings.HasPrefix(rel, f+"/") && !allowedBelow(r.pkg, rel) {
					t.Errorf("%s depends on %s, which it must not (directly or through another package)", r.pkg, rel)
				}
			}
		}
	}
}

// allowedBelow: the engine's own sub-packages (its Telegram adapter and
// internal helpers) sit below actors/ but are not the shop.
func allowedBelow(pkg, dep string) bool {
	if pkg != "actors/telegram" {
		return false
	}
	return dep == "actors/internal/retry"
}

// listDeps maps each of the module's packages to everything it depends on.
func listDeps(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		deps[fields[0]] = fields[1:]
	}
	return deps
}
