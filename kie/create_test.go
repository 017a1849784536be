package kie_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

func nanoBanana() kie.CreateTaskRequest {
	return kie.CreateTaskRequest{Model: "google/nano-banana", Input: map[string]any{"prompt": "a cat"}}
}

// TestCreateTaskContract runs every documented createTask answer and every
// injected fault, with errors in the body under HTTP 200 (Kie's habit) and
// mirrored into the HTTP status. It counts requests and tasks on the fake:
// a createTask is resent only when Kie certainly refused it.
func TestCreateTaskContract(t *testing.T) {
	type tc struct {
		name     string
		arrange  func(*kietest.Server)
		req      kie.CreateTaskRequest
		wantErr  error // nil: success
		maybe    bool  // want ErrMaybeCreated
		requests int   // createTask requests the fake saw
		tasks    int   // tasks the fake created
		msg      string
	}
	cases := []tc{
		{name: "ok", req: nanoBanana(), requests: 1, tasks: 1},
		{name: "usage cap 433", arrange: func(s *kietest.Server) { s.SetUsageCap(true) }, req: nanoBanana(),
			wantErr: kie.ErrUsageCap, requests: 1},
		{name: "maintenance 455 is retried", arrange: func(s *kietest.Server) { s.SetMaintenance(true) }, req: nanoBanana(),
			wantErr: kie.ErrMaintenance, requests: 3},
		{name: "feature disabled 505", arrange: func(s *kietest.Server) { s.SetFeatureDisabled(true) }, req: nanoBanana(),
			wantErr: kie.ErrFeatureDisabled, requests: 1},
		{name: "unknown model 422", req: kie.CreateTaskRequest{Model: "no/such-model", Input: map[string]any{"prompt": "x"}},
			wantErr: kie.ErrValidation, requests: 1, msg: kietest.MsgUnknownModel},
		{name: "missing field 500", req: kie.CreateTaskRequest{Model: "z-image", Input: map[string]any{"prompt": "x"}},
			wantErr: kie.ErrValidation, requests: 1, msg: "aspect_ratio is required"},
		{name: "missing field 422", arrange: func(s *kietest.Server) {
			s.AddModel(kietest.Model{ID: "strict/model", Required: []string{"prompt"}, MissingFieldCode: 422, Price: 1})
		}, req: kie.CreateTaskRequest{Model: "strict/model", Input: map[string]any{}}, wantErr: kie.ErrValidation, requests: 1},
		{name: "credits insufficient 402", arrange: func(s *kietest.Server) { s.SetCredits(3.5) }, req: nanoBanana(),
			wantErr: kie.ErrInsufficientCredits, requests: 1, msg: "Credits insufficient"},
		{name: "429 once then created", arrange: inject(kietest.FaultRateLimit, 1, false), req: nanoBanana(), requests: 2, tasks: 1},
		{name: "455 once then created", arrange: inject(kietest.FaultMaintenance, 1, false), req: nanoBanana(), requests: 2, tasks: 1},
		{name: "429 every time", arrange: inject(kietest.FaultRateLimit, -1, false), req: nanoBanana(),
			wantErr: kie.ErrRateLimited, requests: 3},
		{name: "402 injected", arrange: inject(kietest.FaultInsufficientCredits, 1, false), req: nanoBanana(),
			wantErr: kie.ErrInsufficientCredits, requests: 1},
		{name: "envelope 500 is ambiguous", arrange: inject(kietest.FaultServerError, 1, false), req: nanoBanana(),
			wantErr: kie.ErrServer, maybe: true, requests: 1},
		{name: "HTML 500 from a proxy", arrange: inject(kietest.FaultHTML500, 1, false), req: nanoBanana(),
			wantErr: kie.ErrServer, maybe: true, requests: 1},
		{name: "502 after Kie created it", arrange: inject(kietest.FaultBadGateway, 1, true), req: nanoBanana(),
			wantErr: kie.ErrServer, maybe: true, requests: 1, tasks: 1},
		{name: "504 after Kie created it", arrange: inject(kietest.FaultGatewayTimeout, 1, true), req: nanoBanana(),
			wantErr: kie.ErrServer, maybe: true, requests: 1, tasks: 1},
		{name: "reset before handling", arrange: inject(kietest.FaultConnReset, 1, false), req: nanoBanana(),
			maybe: true, requests: 1},
		{name: "reset after Kie created it", arrange: inject(kietest.FaultConnReset, 1, true), req: nanoBanana(),
			maybe: true, requests: 1, tasks: 1},
		{name: "malformed success", arrange: inject(kietest.FaultMalformedJSON, 1, true), req: nanoBanana(),
			wantErr: kie.ErrServer, maybe: true, requests: 1, tasks: 1},
	}
	for _, mirror := range []bool{false, true} {
		for _, c := range cases {
			name := c.name
			if mirror {
				name += "/mirrored status"
			}
			t.Run(name, func(t *testing.T) {
				b := setup(t)
				b.srv.SetMirrorStatus(mirror)
				if c.arrange != nil {
					c.arrange(b.srv)
				}
				ct, err := b.client.CreateTask(ctxT(t), c.req)
				switch {
				case c.wantErr == nil && !c.maybe:
					if err != nil {
						t.Fatalf("CreateTask: %v", err)
					}
					if len(ct.TaskID) != 32 || ct.RecordID != ct.TaskID {
						t.Errorf("created %+v, want a 32-hex taskId equal to recordId", ct)
					}
				default:
					if err == nil {
						t.Fatalf("CreateTask succeeded with %+v, want an error", ct)
					}
					if c.wantErr != nil && !errors.Is(err, c.wantErr) {
						t.Errorf("err = %v, want %v", err, c.wantErr)
					}
					if got := errors.Is(err, kie.ErrMaybeCreated); got != c.maybe {
						t.Errorf("errors.Is(err, ErrMaybeCreated) = %v, want %v (err: %v)", got, c.maybe, err)
					}
					if c.msg != "" && !strings.Contains(err.Error(), c.msg) {
						t.Errorf("err = %v, want it to carry %q", err, c.msg)
					}
				}
				if got := b.srv.Count(kietest.RouteCreateTask); got != c.requests {
					t.Errorf("fake saw %d createTask requests, want %d", got, c.requests)
				}
				if got := len(b.srv.Tasks()); got != c.tasks {
					t.Errorf("fake holds %d tasks, want %d", got, c.tasks)
				}
			})
		}
	}
}

func inject(kind kietest.FaultKind, count int, after bool) func(*kietest.Server) {
	return func(s *kietest.Server) {
		s.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kind, Count: count, AfterHandling: after})
	}
}

// TestCreateTaskTimeoutIsNotResent is the paid-twice guard: Kie creates the
// task but answers after the client's timeout. The client must report
// ErrMaybeCreated and must not send a second createTask.
func TestCreateTaskTimeoutIsNotResent(t *testing.T) {
	b := setup(t, func(c *kie.Config) { c.RequestTimeout = 200 * time.Millisecond })
	b.srv.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultDelay, AfterHandling: true})

	_, err := b.client.CreateTask(ctxT(t), nanoBanana())
	if !errors.Is(err, kie.ErrMaybeCreated) {
		t.Fatalf("err = %v, want ErrMaybeCreated", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap the timeout", err)
	}
	if n := b.srv.Count(kietest.RouteCreateTask); n != 1 {
		t.Errorf("fake saw %d createTask requests, want exactly 1", n)
	}
	if n := len(b.srv.Tasks()); n != 1 {
		t.Errorf("fake holds %d tasks, want the 1 created before the timeout", n)
	}
}

// TestCreateTaskCallerCancelNotResent: the caller's own deadline ending
// mid-request is just as ambiguous.
func TestCreateTaskCallerCancelNotResent(t *testing.T) {
	b := setup(t)
	b.srv.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultDelay, AfterHandling: true})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := b.client.CreateTask(ctx, nanoBanana())
	if !errors.Is(err, kie.ErrMaybeCreated) {
		t.Fatalf("err = %v, want ErrMaybeCreated", err)
	}
	if n := b.srv.Count(kietest.RouteCreateTask); n != 1 {
		t.Errorf("fake saw %d createTask requests, want 1", n)
	}
}

// TestCreateTaskDialFailureRetried: when no connection could be made, not a
// byte was sent, so retrying is safe and the task is created once.
func TestCreateTaskDialFailureRetried(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	var dials atomic.Int32
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= 2 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	c, _ := newClientFor(t, srv, srv.APIKey, func(c *kie.Config) { c.HTTPClient = &http.Client{Transport: tr} })
	ct, err := c.CreateTask(ctxT(t), nanoBanana())
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if dials.Load() != 3 || srv.Count(kietest.RouteCreateTask) != 1 {
		t.Errorf("dials = %d, requests = %d; want 3 dials and 1 request", dials.Load(), srv.Count(kietest.RouteCreateTask))
	}
	if _, ok := srv.Task(ct.TaskID); !ok {
		t.Errorf("task %s not on the fake", ct.TaskID)
	}
}

// TestCreateTaskDialFailureGivesUpCleanly: a host that never answers is not
// ambiguous: nothing was sent.
func TestCreateTaskDialFailureGivesUpCleanly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // now refused
	c, err := kie.New(kie.Config{APIKey: "k-123456", BaseURL: "http://" + addr,
		CreateRetry: kie.RetryPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTask(ctxT(t), nanoBanana())
	if err == nil || errors.Is(err, kie.ErrMaybeCreated) {
		t.Fatalf("err = %v, want a plain connection error", err)
	}
}

// TestCreateTaskFakeRateWindow: the fake refuses the 21st createTask in 10 s
// (on its clock) and creates nothing for it; after the window it accepts.
func TestCreateTaskFakeRateWindow(t *testing.T) {
	b := setup(t, func(c *kie.Config) { c.CreateRetry.Attempts = 1 })
	for i := range 20 {
		if _, err := b.client.CreateTask(ctxT(t), nanoBanana()); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	_, err := b.client.CreateTask(ctxT(t), nanoBanana())
	if !errors.Is(err, kie.ErrRateLimited) || errors.Is(err, kie.ErrMaybeCreated) {
		t.Fatalf("21st create: err = %v, want ErrRateLimited and not ErrMaybeCreated", err)
	}
	if n := len(b.srv.Tasks()); n != 20 {
		t.Errorf("tasks = %d, want 20", n)
	}
	b.srv.Advance(10 * time.Second)
	if _, err := b.client.CreateTask(ctxT(t), nanoBanana()); err != nil {
		t.Errorf("create after the window: %v", err)
	}
}

// TestCreateTaskClientValidation: obviously bad requests never leave the
// process.
func TestCreateTaskClientValidation(t *testing.T) {
	b := setup(t)
	for _, req := range []kie.CreateTaskRequest{
		{Model: "", Input: map[string]any{}},
		{Model: "../x", Input: map[string]any{}},
		{Model: "a?b", Input: map[string]any{}},
		{Model: "google/nano-banana"},
		{Model: "google/nano-banana", Input: map[string]any{}, CallbackURL: "/relative"},
		{Model: "google/nano-banana", Input: map[string]any{"bad": make(chan int)}},
	} {
		if _, err := b.client.CreateTask(ctxT(t), req); !errors.Is(err, kie.ErrValidation) {
			t.Errorf("CreateTask(%+v) = %v, want ErrValidation", req, err)
		}
	}
	if n := b.srv.Count(kietest.RouteAny); n != 0 {
		t.Errorf("fake saw %d requests, want 0", n)
	}
}

// TestBadKey: HTTP 200 with code 401 is an error, and a wrong key never
// appears in the error text.
func TestBadKey(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	const wrong = "wrong-key-7f3a9c"
	c, _ := newClientFor(t, srv, wrong)
	_, err := c.CreateTask(ctxT(t), nanoBanana())
	var ae *kie.APIError
	if !errors.Is(err, kie.ErrUnauthorized) || !errors.As(err, &ae) || ae.HTTPStatus != 200 || ae.Code != 401 {
		t.Fatalf("err = %v, want ErrUnauthorized as code 401 under HTTP 200", err)
	}
	if _, err := c.Credits(ctxT(t)); !errors.Is(err, kie.ErrUnauthorized) {
		t.Errorf("Credits err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q contains the key", err)
	}
	if n := srv.Count(kietest.RouteCreateTask); n != 1 {
		t.Errorf("requests = %d, want 1 (401 is not retried)", n)
	}
}

// TestAPIKeyHeaderRejected: Kie rejects an "apikey" header; only Bearer
// works. Checked on the fake directly.
func TestAPIKeyHeaderRejected(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/chat/credit", nil)
	req.Header.Set("apikey", srv.APIKey)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := srv.Requests()[0].Code; got != 401 {
		t.Errorf("code = %d, want 401", got)
	}
}
