package store

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestBoundedText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcжd", 4, "abc"}, // ж is bytes 3-4: cut before it, not through it
		{"abcжd", 5, "abcж"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"a\x00b", 10, "a\uFFFDb"},
		{"\xff\xff\xff", 2, ""}, // one U+FFFD is three bytes
		{"", 0, ""},
	} {
		got := boundedText(c.in, c.max)
		if got != c.want || !utf8.ValidString(got) || len(got) > c.max {
			t.Errorf("boundedText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestJSONBText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{"a":"plain"}`, `{"a":"plain"}`},
		{`{"a":"\u0000"}`, `{"a":"\ufffd"}`},
		{`{"a":"\\u0000"}`, `{"a":"\\u0000"}`},                       // an escaped backslash, then text
		{`{"a":"\\\u0000"}`, `{"a":"\\\ufffd"}`},                     // an escaped backslash, then the escape
		{`{"a":"\ud83d\ude00"}`, `{"a":"\ud83d\ude00"}`},             // a pair is kept
		{`{"a":"\ud83d\u0041"}`, `{"a":"\ufffd\u0041"}`},             // a high surrogate without its low half
		{`{"a":"\ude00\ud83d"}`, `{"a":"\ufffd\ufffd"}`},             // halves in the wrong order
		{`{"a":"\uD800"}`, `{"a":"\ufffd"}`},                         // upper-case hex
		{`{"a":"x\u00"`, `{"a":"x\u00"`},                             // truncated: left for jsonb to refuse
		{"{\"a\":\"\xff\"}", "{\"a\":\"\uFFFD\"}"},                   // raw bytes that are not UTF-8
		{`{"a":"\n\t\"\/"}`, `{"a":"\n\t\"\/"}`},                     // ordinary escapes
		{`{"a":"\u00e9\u0001"}`, `{"a":"\u00e9\u0001"}`},             // other controls are fine for jsonb
		{`["\u0000","\u0000"]`, `["\ufffd","\ufffd"]`},               // every one, not just the first
		{`{"k\u0000":1}`, `{"k\ufffd":1}`},                           // keys too
		{`{"a":"\ud800\ud800\udc00"}`, `{"a":"\ufffd\ud800\udc00"}`}, // a lone high, then a pair
	} {
		got := string(jsonbText([]byte(c.in)))
		if got != c.want {
			t.Errorf("jsonbText(%s) = %s, want %s", c.in, got, c.want)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(got)) {
			t.Errorf("jsonbText(%s) made valid JSON invalid: %s", c.in, got)
		}
	}
}
