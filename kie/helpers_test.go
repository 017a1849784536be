package kie_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a log sink shared by the client's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bundle is what most tests need: a started fake and a client on it.
type bundle struct {
	srv    *kietest.Server
	client *kie.Client
	logs   *syncBuffer
}

// setup starts a fake and a fast-retrying client. Every test using it also
// checks at cleanup that the API key never reached the logs.
func setup(t *testing.T, mods ...func(*kie.Config)) *bundle {
	t.Helper()
	srv := kietest.NewServer()
	t.Cleanup(srv.Close)
	c, logs := newClientFor(t, srv, srv.APIKey, mods...)
	return &bundle{srv: srv, client: c, logs: logs}
}

func newClientFor(t *testing.T, srv *kietest.Server, key string, mods ...func(*kie.Config)) (*kie.Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	tr := &http.Transport{}
	cfg := kie.Config{
		APIKey:            key,
		BaseURL:           srv.URL,
		UploadBaseURL:     srv.UploadURL,
		HTTPClient:        &http.Client{Transport: tr},
		Logger:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RequestTimeout:    5 * time.Second,
		ReadRetry:         kie.RetryPolicy{Attempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond},
		CreateRetry:       kie.RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond},
		CatalogueInterval: time.Millisecond,
		CreateTaskLimit:   1000,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := kie.New(cfg)
	if err != nil {
		t.Fatalf("kie.New: %v", err)
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if strings.Contains(logs.String(), key) {
			t.Errorf("the API key appears in the logs:\n%s", logs.String())
		}
	})
	return c, logs
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
