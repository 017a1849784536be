package kie_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
)

// TestAPIKeyNeverInErrorsOrLogs points the client at a hostile server that
// echoes the Authorization header back in every way it can, and checks the
// key shows up in no error and no log line.
func TestAPIKeyNeverInErrorsOrLogs(t *testing.T) {
	const key = "sk-live-9f8e7d6c5b4a39281706"
	n := 0
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth != "Bearer "+key {
			t.Errorf("Authorization = %q", auth)
		}
		n++
		switch n % 4 {
		case 0:
			fmt.Fprintf(w, `{"code":401,"msg":"bad key %s"}`, auth)
		case 1:
			fmt.Fprintf(w, `{"code":500,"message":"upstream saw %s"}`, auth)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html>%s</html>", auth)
		case 3:
			fmt.Fprintf(w, `{"code":200,"msg":"ok","data":{"taskId":"%s","state":"nope"}}`, key)
		}
	}))
	defer hostile.Close()
	var logs syncBuffer
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := kie.New(kie.Config{
		APIKey: key, BaseURL: hostile.URL, UploadBaseURL: hostile.URL,
		HTTPClient:        &http.Client{Transport: tr},
		Logger:            slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ReadRetry:         kie.RetryPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
		CreateRetry:       kie.RetryPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
		CatalogueInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for range 4 {
		_, err := c.CreateTask(ctxT(t), nanoBanana())
		errs = append(errs, err)
		_, err = c.RecordInfo(ctxT(t), "t1")
		errs = append(errs, err)
		_, err = c.Credits(ctxT(t))
		errs = append(errs, err)
		_, err = c.UploadBase64(ctxT(t), []byte("x"), "p", "f")
		errs = append(errs, err)
		_, err = c.ModelSchema(ctxT(t), "a/b")
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err == nil {
			continue // some echoes are well-formed successes
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("error contains the key: %v", err)
		}
		var ae *kie.APIError
		if errors.As(err, &ae) && strings.Contains(ae.Msg, key) {
			t.Errorf("APIError.Msg contains the key: %q", ae.Msg)
		}
	}
	if strings.Contains(logs.String(), key) {
		t.Errorf("logs contain the key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "***") {
		t.Errorf("logs show no masked key; was the hostile echo exercised?")
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		name string
		cfg  kie.Config
		want string
	}{
		{"no key", kie.Config{}, "APIKey is required"},
		{"key with newline", kie.Config{APIKey: "a\nb"}, "whitespace"},
		{"relative base", kie.Config{APIKey: "k", BaseURL: "api.kie.ai"}, "BaseURL"},
		{"ftp upload", kie.Config{APIKey: "k", UploadBaseURL: "ftp://x"}, "UploadBaseURL"},
		{"negative timeout", kie.Config{APIKey: "k", RequestTimeout: -1}, "timeouts"},
		{"bad retry", kie.Config{APIKey: "k", ReadRetry: kie.RetryPolicy{BaseDelay: time.Minute, MaxDelay: time.Second}}, "BaseDelay"},
	}
	for _, c := range cases {
		if _, err := kie.New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
	cfg := kie.Config{APIKey: "k"}
	if _, err := kie.New(cfg); err != nil || cfg.BaseURL != "" {
		t.Errorf("New(defaults) = %v; caller's config changed to %+v", err, cfg)
	}
}
