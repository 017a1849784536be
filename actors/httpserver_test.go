package actors

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestHTTPServer(t *testing.T, ready func(context.Context) error, routes ...Route) (*HTTPServer, *StatusBoard, func()) {
	t.Helper()
	status := &StatusBoard{}
	srv, err := NewHTTPServer(HTTPServerConfig{
		Addr: "127.0.0.1:0", Instance: "blue", Version: "v1.2.3", Logger: slog.New(slog.DiscardHandler),
		Metrics: NewMetrics("v1.2.3", nil), Status: status, Ready: ready, Routes: routes, ReadyEvery: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return srv, status, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReadyzReportsRoleAndDatabaseState(t *testing.T) {
	var dbDown atomic.Bool
	srv, status, _ := newTestHTTPServer(t, func(context.Context) error {
		if dbDown.Load() {
			return errors.New("database does not answer")
		}
		return nil
	})
	base := "http://" + srv.Addr()

	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	for _, role := range []Role{RoleStandby, RoleLeader} {
		status.Set(Status{Role: role, Epoch: 7})
		for _, path := range []string{"/readyz", "/health"} {
			code, body := get(t, base+path)
			var got readyBody
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%s body %q: %v", path, body, err)
			}
			want := readyBody{Role: role, Instance: "blue", Epoch: 7, Version: "v1.2.3"}
			if code != 200 || got != want {
				t.Fatalf("%s as %s = %d %+v, want 200 %+v", path, role, code, got, want)
			}
		}
	}
	dbDown.Store(true)
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "database does not answer") {
		t.Fatalf("/readyz with the database down = %d %s", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz must stay 200 while the database is down, got %d", code)
	}
}

func TestMetricsExposeBuildInfo(t *testing.T) {
	srv, _, _ := newTestHTTPServer(t, func(context.Context) error { return nil })
	code, body := get(t, "http://"+srv.Addr()+"/metrics")
	if code != 200 || !strings.Contains(body, `kiebot_build_info{goversion=`) || !strings.Contains(body, `version="v1.2.3"`) {
		t.Fatalf("/metrics = %d:\n%.500s", code, body)
	}
}

func TestRoutesHaveBoundedBodies(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too big", http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv, _, _ := newTestHTTPServer(t, func(context.Context) error { return nil },
		Route{Pattern: "POST /echo", Handler: echo, MaxBodyBytes: 100})
	post := func(n int) int {
		resp, err := http.Post("http://"+srv.Addr()+"/echo", "text/plain", strings.NewReader(strings.Repeat("x", n)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(100); code != http.StatusNoContent {
		t.Fatalf("100 bytes: %d", code)
	}
	if code := post(101); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("101 bytes: %d, want 413", code)
	}
}

func TestHTTPServerWaitsForStopAfter(t *testing.T) {
	release := make(chan struct{})
	status := &StatusBoard{}
	srv, err := NewHTTPServer(HTTPServerConfig{
		Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Metrics: NewMetrics("t", nil), Status: status,
		Ready: func(context.Context) error { return nil }, StopAfter: release,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	cancel()
	// Still serving: the leader has not released yet.
	if code, _ := get(t, "http://"+srv.Addr()+"/healthz"); code != 200 {
		t.Fatalf("/healthz after cancel, before release = %d", code)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + srv.Addr() + "/healthz"); err == nil {
		t.Fatal("server still answers after release")
	}
}

// Issue 9 #13: /readyz and /health used to run two pool queries per
// request, so a flood of probes could starve the actors of connections.
// They now answer from a result at most ReadyEvery old, and concurrent
// probes share one check.
func TestReadinessIsCheckedAtMostOncePerPeriod(t *testing.T) {
	var calls atomic.Int64
	var down atomic.Bool
	status := &StatusBoard{}
	srv, err := NewHTTPServer(HTTPServerConfig{
		Addr: "127.0.0.1:0", Instance: "blue", Version: "v1", Logger: slog.New(slog.DiscardHandler),
		Metrics: NewMetrics("v1", nil), Status: status, ReadyEvery: time.Minute,
		Ready: func(context.Context) error {
			calls.Add(1)
			if down.Load() {
				return errors.New("database does not answer")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	srv.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	base := "http://" + srv.Addr()

	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := []string{"/readyz", "/health"}[i%2]
			resp, err := http.Get(base + path)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s = %d", path, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("200 probes ran the readiness check %d times; want once per period", n)
	}
	down.Store(true)
	if code, _ := get(t, base+"/readyz"); code != 200 || calls.Load() != 1 {
		t.Fatalf("within the period: %d after %d checks; want the cached 200", code, calls.Load())
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "database does not answer") || calls.Load() != 2 {
		t.Fatalf("after the period: %d %s after %d checks; want a fresh 503", code, body, calls.Load())
	}
}

// A Stream route's answer reaches the client as it is written, not when
// the handler returns (the route timeout would buffer all of it), and a
// subtree pattern serves every path below it.
func TestStreamRouteSendsAsItWrites(t *testing.T) {
	release := make(chan struct{})
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first "+r.URL.Path+"\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		<-release
		_, _ = io.WriteString(w, "second\n")
	})
	srv, _, _ := newTestHTTPServer(t, func(context.Context) error { return nil },
		Route{Pattern: "/dl/", Handler: stream, Stream: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+srv.Addr()+"/dl/a/b.csv", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err) // a buffered route would not answer until release
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	if err != nil || line != "first /dl/a/b.csv\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(release)
	rest, _ := io.ReadAll(r)
	if string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
}
