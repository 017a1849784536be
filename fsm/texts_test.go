package fsm

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kiebot/kiebot/pricing"
)

// declaredKeys parses the package and returns every Key constant's value,
// so a key added without texts fails here rather than in front of a user.
func declaredKeys(t *testing.T) map[string]Key {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	keys := map[string]Key{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Key" {
					continue
				}
				for i, name := range vs.Names {
					lit := vs.Values[i].(*ast.BasicLit)
					v, _ := strconv.Unquote(lit.Value)
					keys[name.Name] = Key(v)
				}
			}
		}
	}
	return keys
}

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*[a-zA-Z%]`)

func TestCatalogue(t *testing.T) {
	t.Parallel()
	keys := declaredKeys(t)
	if len(keys) < 100 {
		t.Fatalf("found only %d keys: the parser missed some", len(keys))
	}
	seen := map[Key]string{}
	for name, k := range keys {
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		seen[k] = name
		pair, ok := lookup(k)
		if !ok {
			t.Errorf("%s (%q) has no text", name, k)
			continue
		}
		if strings.TrimSpace(pair[0]) == "" || strings.TrimSpace(pair[1]) == "" {
			t.Errorf("%s lacks a translation: %q", name, pair)
		}
		if ru, en := verbRE.FindAllString(pair[0], -1), verbRE.FindAllString(pair[1], -1); !slices.Equal(ru, en) {
			t.Errorf("%s: Russian takes %v, English %v", name, ru, en)
		}
		if strings.HasPrefix(name, "KeyBtn") && (utf8.RuneCountInString(pair[0]) > 32 || utf8.RuneCountInString(pair[1]) > 32) {
			t.Errorf("%s: button text too long: %q", name, pair)
		}
	}
	inTables := map[Key]int{}
	for _, table := range []map[Key][2]string{menuTexts, flowTexts, accountTexts, jobTexts, adminTexts, adminActTexts, adminPriceTexts, opsTexts, bcTexts, panelTexts} {
		for k := range table {
			inTables[k]++
			if _, ok := seen[k]; !ok {
				t.Errorf("text %q has no Key constant", k)
			}
		}
	}
	for k, n := range inTables {
		if n > 1 {
			t.Errorf("text %q is in %d tables", k, n)
		}
	}
	if got := T(RU, Key("no.such.key")); got != "no.such.key" {
		t.Errorf("missing key renders %q", got)
	}
}

func TestShortTextsFitAnswers(t *testing.T) {
	t.Parallel()
	for _, k := range []Key{KeyMenuOutdated, KeyCancelledShort, KeyModelGoneShort, KeySalesPausedShort, KeyPriceChanged,
		KeyShortAnswer, KeyBusyAnswer, KeySent, KeyAlreadySent, KeyRepeating, KeyJobNotFound, KeyNoResult, KeyResending,
		KeyInvoiceSent, KeyLanguageSet, KeyRefuseUnknown, KeyRefuseExpired, KeyRefuseAmount, KeyRefuseUser,
		KeyApplying, KeyAdminAlreadyDone, KeyCannotBanAdmin, KeyNotRefundable, KeyShippedOffShort, KeyRefuseSuspended} {
		for _, lang := range []Lang{RU, EN} {
			if n := utf8.RuneCountInString(T(lang, k, 999)); n > maxAnswer {
				t.Errorf("%s in %s is %d characters", k, lang, n)
			}
		}
	}
}

func TestEnabledFieldsHaveLabels(t *testing.T) {
	t.Parallel()
	for _, m := range pricing.Default().Models() {
		fields, _ := plan(m)
		for _, f := range fields {
			if _, ok := fieldLabels[f.Name]; !ok {
				t.Errorf("%s: field %s has no label (shown as %q)", m.ID(), f.Name, readable(f.Name))
			}
		}
	}
	if got := readable("negativeTags_x"); got != "Negative tags x" {
		t.Errorf("readable = %q", got)
	}
}

func TestWelcomeEscapesTheName(t *testing.T) {
	t.Parallel()
	s := Welcome(RU, `<b>Eve</b> & "co"`)
	if strings.Contains(s.Text, "<b>Eve") || !strings.Contains(s.Text, "&lt;b&gt;Eve&lt;/b&gt; &amp; &#34;co&#34;") {
		t.Fatalf("name not escaped: %q", s.Text)
	}
	checkScreen(t, s)
	if en := Welcome(EN, "  "); !strings.Contains(en.Text, "Hi, there") {
		t.Fatalf("English welcome without a name = %q", en.Text)
	}
	env, _ := newEnv(t, "95", 0)
	c := newChat(t, env)
	c.data_(s.Buttons[0][0].Data)
	if c.state != StateMenu || c.answer() != "" {
		t.Fatalf("welcome button: %s %q", c.state, c.answer())
	}
}

func TestFitText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("<b>строка</b> текста\n", 400)
	got := fitText(long)
	if n := utf8.RuneCountInString(got); n > maxText || n < maxText-100 {
		t.Fatalf("fitted to %d characters", n)
	}
	if strings.Count(got, "<b>") != strings.Count(got, "</b>") {
		t.Fatal("cut inside a tag pair")
	}
	if fitText("short") != "short" || cutRunes("абв", 2) != "а…" || cutRunes("абв", 3) != "абв" {
		t.Fatal("short texts changed")
	}
}

func TestJobScreens(t *testing.T) {
	t.Parallel()
	evil := `<script>&"`
	longest := ""
	for _, m := range pricing.Default().All() {
		if len(m.ID()) > len(longest) {
			longest = m.ID()
		}
	}
	for _, lang := range []Lang{RU, EN} {
		screens := []Screen{
			JobAccepted(lang, 12, evil, 47_50, false), JobAccepted(lang, 12, evil, 0, true),
			JobProgress(lang, Progress{JobID: 12, ModelName: evil, Stage: "queued", Elapsed: 65 * time.Second}),
			JobProgress(lang, Progress{JobID: 12, ModelName: evil, Stage: "generating", Elapsed: -time.Second}),
			JobSucceeded(lang, 12, evil), ResultLink(lang, "https://example.com/r.mp4", testNow()),
			InsufficientFunds(lang, 100_00, 12_00, true), InsufficientFunds(lang, 100_00, 12_00, false),
			FreeLimitReached(lang, 5), TooManyJobs(lang, 3), RateLimited(lang), PaymentReceived(lang, 150_00, 170_00),
			PaymentRefunded(lang, 150_00, 20_00), Apology(lang), Hint(lang),
			JobUndeliverable(lang, 12, true), JobUndeliverable(lang, 12, false), ResultsPartlyLost(lang, 12, true),
			{Text: ResultCaption(lang, 12, evil), Buttons: ResultButtons(lang, 12, longest)},
		}
		for _, r := range []FailReason{FailRejected, FailFailed, FailTimeout, FailUnavailable, "other"} {
			screens = append(screens, JobFailed(lang, 12, r, true), JobFailed(lang, 12, r, false))
		}
		for _, s := range screens {
			checkScreen(t, s)
			if strings.Contains(s.Text, "<script>") {
				t.Fatalf("model name not escaped: %q", s.Text)
			}
		}
		for _, reason := range []string{"unknown", "expired", "amount", "user", "?"} {
			if r := PreCheckoutRefusal(lang, reason); r == "" || utf8.RuneCountInString(r) > maxAnswer {
				t.Fatalf("refusal %q = %q", reason, r)
			}
		}
	}
	if p := JobProgress(RU, Progress{JobID: 1, Stage: "generating", Elapsed: 65 * time.Second}); !strings.Contains(p.Text, "1:05") {
		t.Fatalf("progress = %q", p.Text)
	}
	if rows := ResultButtons(RU, 1, strings.Repeat("m", 60)); len(rows) != 2 {
		t.Fatalf("an id too long for callback data still got a button: %+v", rows)
	}
}
