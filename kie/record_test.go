package kie_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

func create(t *testing.T, b *bundle, req kie.CreateTaskRequest) string {
	t.Helper()
	ct, err := b.client.CreateTask(ctxT(t), req)
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	return ct.TaskID
}

func read(t *testing.T, b *bundle, id string) *kie.Task {
	t.Helper()
	task, err := b.client.RecordInfo(ctxT(t), id)
	if err != nil {
		t.Fatalf("RecordInfo: %v", err)
	}
	return task
}

// TestLifecycle walks a default nano-banana task through every state on the
// fake clock, checks billing happens at completion, and fetches the result
// from the CDN without auth.
func TestLifecycle(t *testing.T) {
	b := setup(t)
	b.srv.SetCredits(100)
	id := create(t, b, nanoBanana())
	steps := []struct {
		advance time.Duration
		want    kie.State
	}{{0, kie.StateWaiting}, {2 * time.Second, kie.StateQueuing}, {3 * time.Second, kie.StateGenerating}, {19 * time.Second, kie.StateGenerating}, {time.Second, kie.StateSuccess}}
	for _, s := range steps {
		b.srv.Advance(s.advance)
		task := read(t, b, id)
		if task.State != s.want {
			t.Fatalf("after +%v: state %q, want %q", s.advance, task.State, s.want)
		}
		if !task.Terminal() {
			if got := b.srv.Credits(); got != 100 {
				t.Errorf("balance %v before completion, want 100 (billed at completion)", got)
			}
		}
	}
	task := read(t, b, id)
	if task.Err() != nil || len(task.Result.URLs) != 1 || task.CreditsConsumed != kie.CreditsFromInt(4) {
		t.Fatalf("task = %+v, err %v; want one URL and 4 credits", task, task.Err())
	}
	if task.Model != "google/nano-banana" || !strings.Contains(task.Param, `"prompt":"a cat"`) {
		t.Errorf("model %q param %q", task.Model, task.Param)
	}
	if got := task.CompleteTime.Sub(task.CreateTime); got != 25*time.Second || task.CostTime != 25 {
		t.Errorf("complete-create = %v, costTime %v; want 25s", got, task.CostTime)
	}
	if got := b.srv.Credits(); got != 96 {
		t.Errorf("balance = %v, want 96", got)
	}
	bal, err := b.client.Credits(ctxT(t))
	if err != nil || bal != kie.CreditsFromInt(96) {
		t.Errorf("Credits() = %v, %v; want 96", bal, err)
	}
	resp, err := http.Get(task.Result.URLs[0]) // no Authorization header
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "\x89PNG") {
		t.Errorf("CDN answered %d %q", resp.StatusCode, body)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// TestTaskVariants covers the record shapes and outcomes Kie produces.
func TestTaskVariants(t *testing.T) {
	cases := []struct {
		name   string
		script kietest.Script
		setup  func(*kietest.Server)
		model  kie.CreateTaskRequest
		check  func(t *testing.T, task *kie.Task, srv *kietest.Server)
	}{
		{name: "resultJson as object, three urls, no response field",
			script: kietest.Script{ResultAsObject: true, URLs: 3, NoResponse: true},
			check: func(t *testing.T, task *kie.Task, _ *kietest.Server) {
				if len(task.Result.URLs) != 3 || task.Err() != nil {
					t.Errorf("urls %v err %v", task.Result.URLs, task.Err())
				}
			}},
		{name: "empty resultUrls is a failed delivery",
			script: kietest.Script{EmptyResult: true},
			check: func(t *testing.T, task *kie.Task, _ *kietest.Server) {
				if task.State != kie.StateSuccess || !errors.Is(task.Err(), kie.ErrGenerationFailed) {
					t.Errorf("state %q err %v, want success with ErrGenerationFailed", task.State, task.Err())
				}
			}},
		{name: "content policy failure",
			script: kietest.Script{Outcome: kietest.Fail, FailCode: "SENSITIVE_WORD_ERROR", FailMsg: "Your prompt was flagged"},
			check: func(t *testing.T, task *kie.Task, srv *kietest.Server) {
				if !task.ContentPolicyFailure() || !errors.Is(task.Err(), kie.ErrPromptRejected) || task.CreditsConsumed != 0 {
					t.Errorf("task %+v err %v, want a free content-policy failure", task, task.Err())
				}
				if srv.Credits() != 1000 {
					t.Errorf("balance %v, want untouched 1000", srv.Credits())
				}
			}},
		{name: "prohibited in failMsg with code 422",
			script: kietest.Script{Outcome: kietest.Fail, FailCode: "422", FailMsg: "Invalid prompt: prompt contains prohibited content"},
			check: func(t *testing.T, task *kie.Task, _ *kietest.Server) {
				if !task.ContentPolicyFailure() {
					t.Errorf("want a content-policy failure: %+v", task)
				}
			}},
		{name: "server failure is not a policy failure, null fail fields elsewhere",
			setup:  func(s *kietest.Server) { s.SetNullFailFields(true) },
			script: kietest.Script{Outcome: kietest.Fail, NullResultJSON: true},
			check: func(t *testing.T, task *kie.Task, _ *kietest.Server) {
				err := task.Err()
				if task.ContentPolicyFailure() || !errors.Is(err, kie.ErrGenerationFailed) || errors.Is(err, kie.ErrPromptRejected) {
					t.Errorf("err %v, want plain ErrGenerationFailed", err)
				}
				if task.FailCode != "500" || task.FailMsg != "Internal server error" {
					t.Errorf("fail %q %q", task.FailCode, task.FailMsg)
				}
			}},
		{name: "failure that bills anyway",
			script: kietest.Script{Outcome: kietest.Fail, BillsAnyway: true},
			check: func(t *testing.T, task *kie.Task, srv *kietest.Server) {
				if task.CreditsConsumed != kie.CreditsFromInt(4) || srv.Credits() != 996 {
					t.Errorf("consumed %v balance %v, want 4 and 996", task.CreditsConsumed, srv.Credits())
				}
			}},
		{name: "suno music shape",
			model:  kie.CreateTaskRequest{Model: "suno/generate-music", Input: map[string]any{"prompt": "lofi"}},
			script: kietest.Script{URLs: 2},
			check: func(t *testing.T, task *kie.Task, _ *kietest.Server) {
				if len(task.Result.URLs) != 2 || !strings.HasSuffix(task.Result.URLs[0], ".mp3") {
					t.Errorf("urls %v", task.Result.URLs)
				}
			}},
		{name: "text model result object",
			setup: func(s *kietest.Server) {
				s.AddModel(kietest.Model{ID: "acme/describe", Required: []string{"prompt"}, Price: 0.35, Output: kietest.Text})
			},
			model: kie.CreateTaskRequest{Model: "acme/describe", Input: map[string]any{"prompt": "hi"}},
			check: func(t *testing.T, task *kie.Task, _ *kietest.Server) {
				if !strings.Contains(string(task.Result.Object), "fake text") || task.CreditsConsumed != kie.Credits(350_000) {
					t.Errorf("object %s consumed %v", task.Result.Object, task.CreditsConsumed)
				}
			}},
		{name: "fractional price is exact",
			model: kie.CreateTaskRequest{Model: "z-image", Input: map[string]any{"prompt": "x", "aspect_ratio": "1:1"}},
			check: func(t *testing.T, task *kie.Task, srv *kietest.Server) {
				if task.CreditsConsumed.String() != "0.8" || srv.Credits() != 999.2 {
					t.Errorf("consumed %v balance %v", task.CreditsConsumed, srv.Credits())
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t)
			if c.setup != nil {
				c.setup(b.srv)
			}
			b.srv.ScriptNext(c.script)
			req := c.model
			if req.Model == "" {
				req = nanoBanana()
			}
			task := read(t, b, create(t, b, req))
			if !task.Terminal() {
				t.Fatalf("state %q, want terminal (zero-duration script)", task.State)
			}
			c.check(t, task, b.srv)
		})
	}
}

// TestSkippedAndStuckStates: waiting → generating without queuing; a stuck
// task stays generating however long the clock runs.
func TestSkippedAndStuckStates(t *testing.T) {
	b := setup(t)
	b.srv.ScriptNext(kietest.Script{Waiting: time.Second, Generating: 5 * time.Second})
	b.srv.ScriptNext(kietest.Script{Generating: time.Second, Outcome: kietest.Stuck})
	skip := create(t, b, nanoBanana())
	stuck := create(t, b, nanoBanana())
	var seen []kie.State
	for range 7 {
		seen = append(seen, read(t, b, skip).State)
		b.srv.Advance(time.Second)
	}
	want := []kie.State{"waiting", "generating", "generating", "generating", "generating", "generating", "success"}
	if strings.Join(states(seen), ",") != strings.Join(states(want), ",") {
		t.Errorf("states %v, want %v", seen, want)
	}
	b.srv.Advance(time.Hour)
	if got := read(t, b, stuck).State; got != kie.StateGenerating {
		t.Errorf("stuck task state %q after an hour, want generating", got)
	}
	b.srv.FailTask(stuck, "501", "Generation timed out")
	if task := read(t, b, stuck); task.State != kie.StateFail || task.FailCode != "501" {
		t.Errorf("after FailTask: %+v", task)
	}
}

func states(s []kie.State) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

// TestRecordInfoNullThenFound: Kie answers "recordInfo is null" for a new
// task's first queries and for unknown ids.
func TestRecordInfoNullThenFound(t *testing.T) {
	b := setup(t)
	b.srv.ScriptNext(kietest.Script{NullRecordQueries: 2})
	id := create(t, b, nanoBanana())
	for i := range 2 {
		if _, err := b.client.RecordInfo(ctxT(t), id); !errors.Is(err, kie.ErrNotFoundYet) || errors.Is(err, kie.ErrNotFound) {
			t.Fatalf("query %d: err = %v, want ErrNotFoundYet", i, err)
		}
	}
	read(t, b, id)
	if _, err := b.client.RecordInfo(ctxT(t), "0123456789abcdef0123456789abcdef"); !errors.Is(err, kie.ErrNotFoundYet) {
		t.Errorf("unknown id: err = %v, want ErrNotFoundYet", err)
	}
	if n := b.srv.Count(kietest.RouteRecordInfo); n != 4 {
		t.Errorf("recordInfo requests = %d, want 4 (422 is not retried)", n)
	}
}

// TestReadRetries: reads survive transient faults and give up with the
// right meaning on persistent ones.
func TestReadRetries(t *testing.T) {
	cases := []struct {
		kind     kietest.FaultKind
		count    int
		wantErr  error
		requests int
	}{
		{kietest.FaultRateLimit, 2, nil, 3},
		{kietest.FaultMaintenance, 1, nil, 2},
		{kietest.FaultHTML500, 3, nil, 4},
		{kietest.FaultBadGateway, 1, nil, 2},
		{kietest.FaultGatewayTimeout, 1, nil, 2},
		{kietest.FaultConnReset, 1, nil, 2},
		{kietest.FaultMalformedJSON, 1, nil, 2},
		{kietest.FaultServerError, 1, nil, 2},
		{kietest.FaultServerError, -1, kie.ErrServer, 4},
		{kietest.FaultRateLimit, -1, kie.ErrRateLimited, 4},
		{kietest.FaultInsufficientCredits, 1, kie.ErrInsufficientCredits, 1},
	}
	for _, c := range cases {
		t.Run(c.kind.String(), func(t *testing.T) {
			b := setup(t)
			id := create(t, b, nanoBanana())
			b.srv.Inject(kietest.Fault{Route: kietest.RouteRecordInfo, Kind: c.kind, Count: c.count})
			_, err := b.client.RecordInfo(ctxT(t), id)
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("err = %v, want %v", err, c.wantErr)
			}
			if n := b.srv.Count(kietest.RouteRecordInfo); n != c.requests {
				t.Errorf("requests = %d, want %d", n, c.requests)
			}
		})
	}
}

// TestReadTimeoutRetried: a read that times out is simply asked again.
func TestReadTimeoutRetried(t *testing.T) {
	b := setup(t, func(c *kie.Config) { c.RequestTimeout = 100 * time.Millisecond })
	b.srv.Inject(kietest.Fault{Route: kietest.RouteCredit, Kind: kietest.FaultDelay})
	if _, err := b.client.Credits(ctxT(t)); err != nil {
		t.Fatalf("Credits: %v", err)
	}
	if n := b.srv.Count(kietest.RouteCredit); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

// TestRecordInfoRateLimit: the fake allows 10 recordInfo per second of its
// clock; the 11th is refused until the clock moves.
func TestRecordInfoRateLimit(t *testing.T) {
	b := setup(t, func(c *kie.Config) { c.ReadRetry.Attempts = 1 })
	id := create(t, b, nanoBanana())
	for range 10 {
		read(t, b, id)
	}
	if _, err := b.client.RecordInfo(ctxT(t), id); !errors.Is(err, kie.ErrRateLimited) {
		t.Fatalf("11th read: err = %v, want ErrRateLimited", err)
	}
	b.srv.Advance(time.Second)
	read(t, b, id)
}

// TestMessageKeyAndMaintenance: "message" instead of "msg" is read, and
// maintenance is a meaning of its own.
func TestMessageKeyAndMaintenance(t *testing.T) {
	b := setup(t)
	b.srv.SetMessageKey(true)
	b.srv.SetMaintenance(true)
	_, err := b.client.Credits(ctxT(t))
	var ae *kie.APIError
	if !errors.Is(err, kie.ErrMaintenance) || !errors.As(err, &ae) || !strings.Contains(ae.Msg, "maintenance") || ae.Endpoint != "credit" {
		t.Fatalf("err = %v (%+v), want ErrMaintenance with the message", err, ae)
	}
}

// TestCreditsRunOutMidRun: the balance is charged at completion, and the
// next createTask is refused with 402 once it is below the price.
func TestCreditsRunOutMidRun(t *testing.T) {
	b := setup(t)
	b.srv.SetCredits(6)
	b.srv.ScriptNext(kietest.Script{})
	read(t, b, create(t, b, nanoBanana()))
	if got, _ := b.client.Credits(ctxT(t)); got != kie.CreditsFromInt(2) {
		t.Errorf("balance = %v, want 2", got)
	}
	if _, err := b.client.CreateTask(ctxT(t), nanoBanana()); !errors.Is(err, kie.ErrInsufficientCredits) || errors.Is(err, kie.ErrMaybeCreated) {
		t.Errorf("err = %v, want ErrInsufficientCredits", err)
	}
}
