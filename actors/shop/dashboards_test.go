package shop

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/store/storetest"
)

// The Grafana dashboard (deploy/grafana/kiebot.json) and the Prometheus
// alert rules (deploy/prometheus/rules.yml) name only metrics the bot
// exports: every metric name in their expressions is one a real /metrics
// serves, the engine's registry and the shop's business collector
// together, every series present.

const (
	dashboardFile = "../../deploy/grafana/kiebot.json"
	rulesFile     = "../../deploy/prometheus/rules.yml"
)

var (
	// Removed before names are looked for: strings, label matchers,
	// ranges and grouping clauses hold no metric names.
	promStrings  = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promMatchers = regexp.MustCompile(`\{[^{}]*\}`)
	promRanges   = regexp.MustCompile(`\[[^\[\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promIdent    = regexp.MustCompile(`(?:^|[^a-zA-Z0-9_:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)`)
	labelValues  = regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,`)
)

var promKeywords = []string{"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"}

// metricNames are the metric names a PromQL expression selects: the
// identifiers that are neither functions, aggregations, keywords, labels
// nor Grafana variables.
func metricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	for _, re := range []*regexp.Regexp{promMatchers, promRanges, promGrouping} {
		for prev := ""; prev != e; {
			prev, e = e, re.ReplaceAllString(e, " ")
		}
	}
	var out []string
	for _, m := range promIdent.FindAllStringSubmatchIndex(e, -1) {
		name := e[m[2]:m[3]]
		if strings.HasPrefix(strings.TrimSpace(e[m[3]:]), "(") || slices.Contains(promKeywords, strings.ToLower(name)) {
			continue // a call, or a keyword
		}
		out = append(out, name)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum(max by (model) (increase(kiebot_sales_kopecks_total{job=~"$job"}[$__range]))) / 100`:            {"kiebot_sales_kopecks_total"},
		`histogram_quantile(0.95, sum by (le) (rate(kiebot_update_seconds_bucket{job=~"a|b"}[5m])))`:         {"kiebot_update_seconds_bucket"},
		`(sum by (job) (kiebot_role{role="leader"}) < 1) or absent(kiebot_role{role="leader"})`:              {"kiebot_role", "kiebot_role"},
		`a_total / on (model) group_left b_total > 1e6 and time() - c_seconds offset 5m unless bogus_metric`: {"a_total", "b_total", "c_seconds", "bogus_metric"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%s) = %q; want %q", expr, got, want)
		}
	}
}

// exportedNames scrapes a real /metrics — the engine's registry, the
// shop's business metrics over a database holding one of each figure —
// and returns every series name it serves.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	st := storetest.NewStore(t, 71)
	seedBusiness(ctx, t, st)
	m := actors.NewMetrics("test", st.Pool())
	m.Registry.MustRegister(NewBusinessMetrics(st, slog.New(slog.DiscardHandler), time.Hour))
	// Labelled series appear once they have a value, as on a running bot.
	m.SetRole(actors.RoleLeader)
	m.UpdatesStored.WithLabelValues("poll").Inc()
	m.UpdatesDone.WithLabelValues("processed").Inc()
	m.TelegramErrors.WithLabelValues("sendMessage").Inc()
	m.MoneyRetries.WithLabelValues("successful_payment").Inc()
	srv, err := actors.NewHTTPServer(actors.HTTPServerConfig{Addr: "127.0.0.1:0", Instance: "dash", Version: "test",
		Logger: slog.New(slog.DiscardHandler), Metrics: m, Status: &actors.StatusBoard{}, Ready: func(context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var body []byte
	for range 100 { // until the listener serves
		resp, err := http.Get("http://" + srv.Addr() + "/metrics")
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // polling a listener, not synchronising a test
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	if !names["kiebot_inbox_depth"] || !names["kiebot_jobs_finished_total"] {
		t.Fatalf("/metrics lacks the engine's or the shop's series:\n%s", body)
	}
	return names
}

func TestDashboardAndRulesUseExportedMetrics(t *testing.T) {
	exported := exportedNames(t)

	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title      string      `json:"title"`
		Panels     []dashPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	used := map[string][]string{} // metric → where
	titles := map[string]bool{}
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			titles[p.Title] = true
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q has an empty query", p.Title)
				}
				for _, n := range metricNames(tg.Expr) {
					used[n] = append(used[n], "panel "+p.Title)
				}
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		for _, m := range labelValues.FindAllStringSubmatch(v.Definition, -1) {
			used[m[1]] = append(used[m[1]], "variable "+v.Name)
		}
	}
	// What the issue asks the dashboard to show.
	for _, title := range []string{"Revenue", "Top-ups", "Jobs per hour, by model and outcome", "Success rate", "Refunds", "Kie balance",
		"Inbox depth and lag", "Update latency (stored → finished)", "Leader per instance", "Epoch per instance"} {
		if !titles[title] {
			t.Errorf("the dashboard has no panel %q", title)
		}
	}

	raw, err = os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	alerts := map[string]string{} // name → for
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || strings.TrimSpace(r.Expr) == "" || r.Annotations["summary"] == "" || r.Labels["severity"] == "" {
				t.Errorf("rule %+v lacks a name, an expression, a summary or a severity", r)
			}
			if _, err := time.ParseDuration(r.For); r.For != "" && err != nil {
				t.Errorf("rule %s: for %q: %v", r.Alert, r.For, err)
			}
			alerts[r.Alert] = r.For
			for _, n := range metricNames(r.Expr) {
				used[n] = append(used[n], "rule "+r.Alert)
			}
		}
	}
	for name, wantFor := range map[string]string{"KiebotNoLeader": "2m", "KiebotKieBalanceLow": "", "KiebotJobFailureRateHigh": "",
		"KiebotInboxGrowing": "", "KiebotMoneyUpdatesFailing": ""} {
		got, ok := alerts[name]
		if !ok || (wantFor != "" && got != wantFor) {
			t.Errorf("alert %s: present %v, for %q (want %q)", name, ok, got, wantFor)
		}
	}

	if len(used) < 15 {
		t.Fatalf("found only %d metric names in the dashboard and the rules: the extractor missed some", len(used))
	}
	for name, where := range used {
		if !exported[name] {
			t.Errorf("%s is not exported by the bot; used by %s", name, strings.Join(slices.Compact(where), ", "))
		}
	}
}

// dashPanel is the part of a Grafana panel the test reads.
type dashPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"` // a collapsed row's
}
