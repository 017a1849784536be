package kietest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kiebot/kiebot/kie/kietest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type answer struct {
	status int
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
	raw    string
}

// call sends a raw request to the fake, with the right key unless auth is
// given.
func call(t *testing.T, srv *kietest.Server, method, url, body string, auth ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(auth) > 0 {
		if auth[0] != "" {
			req.Header.Set("Authorization", auth[0])
		}
	} else {
		req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	}
	req.Header.Set("Content-Type", "application/json")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &a)
	return a
}

func TestEnvelopeAndAuth(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	credit := srv.URL + "/api/v1/chat/credit"
	if a := call(t, srv, "GET", credit, ""); a.status != 200 || a.Code != 200 || string(a.Data) != "1000" {
		t.Errorf("credit = %+v", a)
	}
	for _, auth := range []string{"", "Bearer wrong", srv.APIKey, "bearer " + srv.APIKey} {
		if a := call(t, srv, "GET", credit, "", auth); a.status != 200 || a.Code != 401 || a.Msg != "You do not have access permissions" {
			t.Errorf("auth %q: %+v", auth, a)
		}
	}
	srv.SetMirrorStatus(true)
	if a := call(t, srv, "GET", credit, "", "Bearer wrong"); a.status != 401 || a.Code != 401 {
		t.Errorf("mirrored: %+v", a)
	}
	srv.SetMessageKey(true)
	if a := call(t, srv, "GET", credit, "", "Bearer wrong"); !strings.Contains(a.raw, `"message":`) || strings.Contains(a.raw, `"msg":`) {
		t.Errorf("message key: %s", a.raw)
	}
	srv.SetMessageKey(false)
	srv.SetMirrorStatus(false)
	if a := call(t, srv, "GET", srv.URL+"/api/v1/nothing", ""); a.Code != 404 {
		t.Errorf("unknown route: %+v", a)
	}
	if a := call(t, srv, "GET", srv.URL+"/api/v1/jobs/recordInfo", ""); a.Code != 400 || a.Msg != "taskId parameter is required" {
		t.Errorf("recordInfo without taskId: %+v", a)
	}
	if a := call(t, srv, "POST", srv.UploadURL+"/api/v1/jobs/createTask", `{}`); a.Code != 404 {
		t.Errorf("createTask on the upload host: %+v", a)
	}
}

func TestCreateTaskOrder(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	create := srv.URL + "/api/v1/jobs/createTask"
	ok := `{"model":"google/nano-banana","input":{"prompt":"x"}}`
	srv.SetUsageCap(true)
	srv.SetMaintenance(true)
	if a := call(t, srv, "POST", create, ok); a.Code != 433 {
		t.Errorf("cap before maintenance: %+v", a)
	}
	srv.SetUsageCap(false)
	srv.SetFeatureDisabled(true)
	if a := call(t, srv, "POST", create, ok); a.Code != 455 {
		t.Errorf("maintenance before feature switch: %+v", a)
	}
	srv.SetMaintenance(false)
	if a := call(t, srv, "POST", create, ok); a.Code != 505 {
		t.Errorf("feature switch: %+v", a)
	}
	srv.SetFeatureDisabled(false)
	srv.SetCredits(0)
	if a := call(t, srv, "POST", create, `{"model":"nope","input":{}}`); a.Code != 422 || a.Msg != kietest.MsgUnknownModel {
		t.Errorf("unknown model before balance: %+v", a)
	}
	if a := call(t, srv, "POST", create, `{"model":"z-image","input":{"prompt":"x"}}`); a.Code != 500 || a.Msg != "aspect_ratio is required" {
		t.Errorf("missing field before balance: %+v", a)
	}
	if a := call(t, srv, "POST", create, ok); a.Code != 402 || a.Msg != "Credits insufficient" {
		t.Errorf("balance: %+v", a)
	}
	srv.SetCredits(100)
	a := call(t, srv, "POST", create, ok)
	var d struct{ TaskID, RecordID string }
	_ = json.Unmarshal(a.Data, &d)
	if a.Code != 200 || len(d.TaskID) != 32 || d.RecordID != d.TaskID {
		t.Fatalf("create: %+v", a)
	}
	task, _ := srv.Task(d.TaskID)
	if task.Param != ok || task.Price != 4 || task.State != "waiting" {
		t.Errorf("task %+v", task)
	}
	// Rate limit comes before model checks: fill the window, then even an
	// unknown model gets 429.
	for range 19 {
		call(t, srv, "POST", create, `{"model":"nope"}`)
	}
	if a := call(t, srv, "POST", create, `{"model":"nope"}`); a.Code != 429 {
		t.Errorf("21st request: %+v", a)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Route != kietest.RouteCreateTask || last.Model != "nope" || last.Code != 429 {
		t.Errorf("last request %+v", last)
	}
}

func TestStartTwicePanics(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	defer func() {
		if recover() == nil {
			t.Error("second Start did not panic")
		}
	}()
	srv.Start()
}

func TestCloseUnstartedAndTwice(t *testing.T) {
	srv := kietest.NewUnstartedServer()
	srv.Close()
	srv.Close()
}

// TestCloseWaitsForCallbacks: a delivery in flight completes before Close
// returns; one that hangs is cancelled after the close wait.
func TestCloseWaitsForCallbacks(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}))
	defer rcv.Close()
	srv := kietest.NewServer()
	srv.ScriptNext(kietest.Script{})
	call(t, srv, "POST", srv.URL+"/api/v1/jobs/createTask", `{"model":"google/nano-banana","callBackUrl":"`+rcv.URL+`","input":{"prompt":"x"}}`)
	<-entered
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	close(release)
	<-closed
	if cbs := srv.Callbacks(); len(cbs) != 1 || cbs[0].Status != 200 {
		t.Errorf("callbacks after Close: %+v", cbs)
	}

	// Reading the body lets the server notice the client hanging up.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hang.Close()
	srv = kietest.NewServer()
	srv.SetCloseWait(50 * time.Millisecond)
	srv.ScriptNext(kietest.Script{})
	call(t, srv, "POST", srv.URL+"/api/v1/jobs/createTask", `{"model":"google/nano-banana","callBackUrl":"`+hang.URL+`","input":{"prompt":"x"}}`)
	srv.Close()
	if cbs := srv.Callbacks(); len(cbs) != 1 || cbs[0].Err == nil {
		t.Errorf("hung callback: %+v", cbs)
	}
}

func TestRandomFaultsReproducible(t *testing.T) {
	run := func() []kietest.FaultKind {
		srv := kietest.NewServer()
		defer srv.Close()
		srv.SetRandomFaults(42, 0.5, kietest.FaultRateLimit, kietest.FaultHTML500, kietest.FaultMalformedJSON)
		for range 40 {
			call(t, srv, "GET", srv.URL+"/api/v1/chat/credit", "")
		}
		var out []kietest.FaultKind
		for _, r := range srv.Requests() {
			out = append(out, r.Fault)
		}
		return out
	}
	a, b := run(), run()
	hits := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %v vs %v", i, a[i], b[i])
		}
		if a[i] != 0 {
			hits++
		}
	}
	if hits < 10 || hits > 30 {
		t.Errorf("%d of 40 requests faulted at rate 0.5", hits)
	}
}

func TestCatalogueFilters(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	total := func(q string) int {
		a := call(t, srv, "GET", srv.URL+"/api/v1/models"+q, "")
		var d struct{ Total int }
		_ = json.Unmarshal(a.Data, &d)
		return d.Total
	}
	if n := total(""); n != len(kietest.DefaultModels()) {
		t.Errorf("all = %d", n)
	}
	if n := total("?provider=Google"); n != 3 {
		t.Errorf("Google = %d, want 3", n)
	}
	if n := total("?taskType=Text%20to%20Video"); n != 1 {
		t.Errorf("text to video = %d, want 1", n)
	}
	if n := total("?q=nothing-like-this"); n != 0 {
		t.Errorf("no match = %d, want 0", n)
	}
	if a := call(t, srv, "GET", srv.URL+"/api/v1/models/no/such/schema", ""); a.Code != 404 || a.Msg != kietest.MsgUnknownModel {
		t.Errorf("unknown schema: %+v", a)
	}
}

func TestWaitTasksHonoursContext(t *testing.T) {
	srv := kietest.NewServer()
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := srv.WaitTasks(ctx, 1); err == nil {
		t.Error("WaitTasks returned no error on a cancelled context")
	}
}
