package pricing

import (
	"encoding/json"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestParseCredits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Credits
		str  string
		err  bool
	}{
		{in: "3.5", want: 3_500_000, str: "3.5"},
		{in: "14.0", want: 14_000_000, str: "14"},
		{in: "0.24", want: 240_000, str: "0.24"},
		{in: "104.5", want: 104_500_000, str: "104.5"},
		{in: " 0.8 ", want: 800_000, str: "0.8"},
		{in: "0.000001", want: 1, str: "0.000001"},
		{in: "-1", want: -1_000_000, str: "-1"},
		{in: "0.0000001", err: true}, // would need rounding
		{in: "1/2", err: true},
		{in: "1e3", err: true},
		{in: "", err: true},
		{in: "NaN", err: true},
		{in: "99999999999999", err: true}, // beyond int64 micro-credits
	} {
		got, err := ParseCredits(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseCredits(%q) error = %v, want error %t", tc.in, err, tc.err)
			continue
		}
		if tc.err {
			continue
		}
		if got != tc.want || got.String() != tc.str {
			t.Errorf("ParseCredits(%q) = %d (%s), want %d (%s)", tc.in, got, got, tc.want, tc.str)
		}
	}
}

func TestCreditsEncodings(t *testing.T) {
	t.Parallel()
	var v struct {
		A Credits `json:"a" yaml:"a"`
		B Credits `json:"b" yaml:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":"22.5","b":0.1}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 22_500_000 || v.B != 100_000 {
		t.Fatalf("json: %+v", v)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"a":"22.5","b":"0.1"}` {
		t.Fatalf("json out %s, %v", out, err)
	}
	// 0.1 + 0.2 style float artefacts never arise: YAML scalars are read as text.
	if err := yaml.Unmarshal([]byte("a: 209.5\nb: 0.3\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 209_500_000 || v.B != 300_000 {
		t.Fatalf("yaml: %+v", v)
	}
	if err := yaml.Unmarshal([]byte("a: [1]\n"), &v); err == nil {
		t.Fatal("yaml list accepted as credits")
	}
}
