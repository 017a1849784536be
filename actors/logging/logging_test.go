package logging

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

const (
	testToken  = "7123456789:AAHtestTOKENvalue_abc-TEST"
	testKieKey = "kie_live_5f2d9c0a7b1e4d3c"
	testSecret = "whsec-0123456789abcdef"
	testDBPass = `p@ss"w/rd:9`
)

func TestRedactionHidesSecretsWhateverIsLogged(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := New(&buf, Options{Format: format, Level: "debug", Secrets: []string{testToken, testKieKey, testSecret, testDBPass}})
			if err != nil {
				t.Fatal(err)
			}
			// The classic leak: an HTTP client error embeds the request URL.
			reqURL := "https://api.telegram.org/bot" + testToken + "/getUpdates?offset=1"
			err = &url.Error{Op: "Post", URL: reqURL, Err: errors.New("connection refused")}
			log.Error("poll failed", "err", fmt.Errorf("get updates: %w", err))
			log.Info("kie request", "header", "Bearer "+testKieKey, "body", map[string]string{"secret_token": testSecret})
			log.Debug("connecting", "dsn", "postgres://kiebot:"+url.QueryEscape(testDBPass)+"@db/kiebot")
			log.Warn("raw", structWithPassword(testDBPass))
			log.Info(testToken)

			out := buf.String()
			for _, s := range []string{testToken, testKieKey, testSecret, testDBPass, url.QueryEscape(testDBPass), `p@ss\"w/rd:9`} {
				if strings.Contains(out, s) {
					t.Errorf("log output contains secret %q:\n%s", s, out)
				}
			}
			if !strings.Contains(out, Mask(testToken)) {
				t.Errorf("log output should show the masked token %q:\n%s", Mask(testToken), out)
			}
			if got := strings.Count(out, "\n"); got != 5 {
				t.Errorf("want 5 lines, got %d:\n%s", got, out)
			}
		})
	}
}

func structWithPassword(v string) any { return fmt.Sprintf("nested=%v", struct{ Password string }{v}) }

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"short", "***"},
		{"1234567", "***"},
		{"12345678", "1234...5678"},
		{"7123456789:AAF-xyzTEST", "7123...TEST"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, Options{Format: "xml"}); err == nil {
		t.Error("format xml accepted")
	}
	if _, err := New(&bytes.Buffer{}, Options{Level: "loud"}); err == nil {
		t.Error("level loud accepted")
	}
}
