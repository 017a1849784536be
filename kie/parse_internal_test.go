package kie

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// docsRecord is the recordInfo example from Kie's docs (reference § 4).
const docsRecord = `{"taskId": "7c1e9a04d2b64f0e9a3b5c8d1e2f4a6b", "model": "seedream/4.5-edit", "state": "success",
 "param": "{\"model\":\"seedream/4.5-edit\",\"input\":{\"prompt\":\"turn the photo into a pencil sketch\"}}",
 "resultJson": "{\"resultUrls\":[\"https://tempfile.aiquickdraw.com/r/5e0c.png\"]}",
 "failCode": "", "failMsg": "", "costTime": 42, "creditsConsumed": 6.5,
 "createTime": 1767225600000, "updateTime": 1767225642000, "completeTime": 1767225642000}`

func TestParseRecord(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr string
		check   func(t *testing.T, task *Task)
	}{
		{name: "docs example", in: docsRecord, check: func(t *testing.T, task *Task) {
			if task.ID != "7c1e9a04d2b64f0e9a3b5c8d1e2f4a6b" || task.State != StateSuccess || task.Model != "seedream/4.5-edit" {
				t.Errorf("task %+v", task)
			}
			if len(task.Result.URLs) != 1 || task.Result.URLs[0] != "https://tempfile.aiquickdraw.com/r/5e0c.png" {
				t.Errorf("urls %v", task.Result.URLs)
			}
			if task.CreditsConsumed != 6_500_000 || task.CostTime != 42 {
				t.Errorf("credits %v cost %v", task.CreditsConsumed, task.CostTime)
			}
			if !task.CompleteTime.Equal(time.UnixMilli(1767225642000)) || !task.CreateTime.Equal(time.UnixMilli(1767225600000)) {
				t.Errorf("times %v %v", task.CreateTime, task.CompleteTime)
			}
			if !strings.Contains(task.Param, "pencil sketch") {
				t.Errorf("param %q", task.Param)
			}
		}},
		{name: "failed task", in: `{"taskId":"t","state":"fail","resultJson":"","failCode":"422","failMsg":"Invalid prompt: prompt contains prohibited content","creditsConsumed":0}`,
			check: func(t *testing.T, task *Task) {
				if !task.ContentPolicyFailure() || !errors.Is(task.Err(), ErrPromptRejected) || !task.Result.Empty() {
					t.Errorf("task %+v", task)
				}
			}},
		{name: "numeric failCode, null fields, snake id", in: `{"task_id":"t","state":"fail","resultJson":null,"failCode":500,"failMsg":null,"param":null,"completeTime":null}`,
			check: func(t *testing.T, task *Task) {
				if task.ID != "t" || task.FailCode != "500" || task.FailMsg != "" || !task.CompleteTime.IsZero() {
					t.Errorf("task %+v", task)
				}
			}},
		{name: "resultJson as object, param as object", in: `{"taskId":"t","state":"success","param":{"model":"m"},"resultJson":{"resultUrls":["https://a/1.png","https://a/2.png"]}}`,
			check: func(t *testing.T, task *Task) {
				if len(task.Result.URLs) != 2 || task.Param != `{"model":"m"}` {
					t.Errorf("task %+v", task)
				}
			}},
		{name: "response wins", in: `{"taskId":"t","state":"success","resultJson":"{\"resultUrls\":[\"https://old/x.png\"]}","response":{"resultUrls":["https://new/x.png"]}}`,
			check: func(t *testing.T, task *Task) {
				if len(task.Result.URLs) != 1 || task.Result.URLs[0] != "https://new/x.png" {
					t.Errorf("urls %v", task.Result.URLs)
				}
			}},
		{name: "string credits and float artefact", in: `{"taskId":"t","state":"success","creditsConsumed":"2.4000000000000004","resultJson":"{\"resultObject\":{\"a\":1}}"}`,
			check: func(t *testing.T, task *Task) {
				if task.CreditsConsumed != 2_400_000 || string(task.Result.Object) != `{"a":1}` {
					t.Errorf("credits %v object %s", task.CreditsConsumed, task.Result.Object)
				}
			}},
		{name: "suno data", in: `{"taskId":"t","state":"success","resultJson":"{\"data\":[{\"audio_url\":\"https://c/1.mp3\"},{\"audioUrl\":\"https://c/2.mp3\"}]}"}`,
			check: func(t *testing.T, task *Task) {
				if len(task.Result.URLs) != 2 {
					t.Errorf("urls %v", task.Result.URLs)
				}
			}},
		{name: "empty success is a failed delivery", in: `{"taskId":"t","state":"success","resultJson":"{\"resultUrls\":[]}"}`,
			check: func(t *testing.T, task *Task) {
				if !errors.Is(task.Err(), ErrGenerationFailed) {
					t.Errorf("err %v", task.Err())
				}
			}},
		{name: "garbage resultJson on a failed task is ignored", in: `{"taskId":"t","state":"fail","resultJson":"{oops"}`},
		{name: "running", in: `{"taskId":"t","state":"queuing"}`, check: func(t *testing.T, task *Task) {
			if task.Terminal() || task.Err() != nil {
				t.Errorf("task %+v", task)
			}
		}},
		{name: "unknown state", in: `{"taskId":"t","state":"failed"}`, wantErr: "unknown kie task state"},
		{name: "no state", in: `{"taskId":"t"}`, wantErr: "unknown kie task state"},
		{name: "no id", in: `{"state":"success"}`, wantErr: "no taskId"},
		{name: "not an object", in: `null`, wantErr: "not a JSON object"},
		{name: "state is a number", in: `{"taskId":"t","state":1}`, wantErr: "unknown kie task state"},
		{name: "state is an object", in: `{"taskId":"t","state":{}}`, wantErr: "want a string"},
		{name: "bad success resultJson", in: `{"taskId":"t","state":"success","resultJson":"{oops"}`, wantErr: "not valid JSON"},
		{name: "resultJson is a number", in: `{"taskId":"t","state":"success","resultJson":7}`, wantErr: "want an object"},
		{name: "non-http result url", in: `{"taskId":"t","state":"success","resultJson":{"resultUrls":["file:///etc/passwd"]}}`, wantErr: "not an absolute http(s) URL"},
		{name: "resultUrls of numbers", in: `{"taskId":"t","state":"success","resultJson":{"resultUrls":[1]}}`, wantErr: "list of strings"},
		{name: "bad credits", in: `{"taskId":"t","state":"success","creditsConsumed":"lots"}`, wantErr: "creditsConsumed"},
		{name: "bad time", in: `{"taskId":"t","state":"success","createTime":"soon"}`, wantErr: "createTime"},
		{name: "truncated", in: `{"taskId":"t","state":"succ`, wantErr: "decode task record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			task, err := parseRecord([]byte(c.in))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseRecord: %v", err)
			}
			if c.check != nil {
				c.check(t, task)
			}
		})
	}
}

func TestParseResultLayers(t *testing.T) {
	inner := `{"resultUrls":["https://x/y.png"]}`
	once, _ := json.Marshal(inner)
	twice, _ := json.Marshal(string(once))
	thrice, _ := json.Marshal(string(twice))
	for _, c := range []struct {
		raw  string
		urls int
		err  bool
	}{{inner, 1, false}, {string(once), 1, false}, {string(twice), 1, false}, {string(thrice), 0, true},
		{`""`, 0, false}, {`"null"`, 0, false}, {`null`, 0, false}, {``, 0, false}, {`[]`, 0, true}, {`true`, 0, true}} {
		r, err := parseResult(json.RawMessage(c.raw), nil)
		if (err != nil) != c.err || len(r.URLs) != c.urls {
			t.Errorf("parseResult(%s) = %v, %v; want %d urls, err %v", c.raw, r.URLs, err, c.urls, c.err)
		}
	}
}

func TestParseCredits(t *testing.T) {
	cases := []struct {
		in   string
		want Credits
		str  string
		err  bool
	}{
		{"0", 0, "0", false}, {"812.5", 812_500_000, "812.5", false}, {"0.8", 800_000, "0.8", false},
		{"6.5", 6_500_000, "6.5", false}, {"-3", -3_000_000, "-3", false}, {"1e3", 1_000_000_000, "1000", false},
		{"0.30000000000000004", 300_000, "0.3", false}, {"0.0000005", 1, "0.000001", false}, {"-0.0000005", -1, "-0.000001", false},
		{"0.00000049", 0, "0", false}, {"1.2E-1", 120_000, "0.12", false},
		{"", 0, "", true}, {"abc", 0, "", true}, {"1/3", 0, "", true}, {"0x10", 0, "", true}, {"1e400", 0, "", true},
		{"1e-1000000000", 0, "", true}, {"99999999999999", 0, "", true}, {"NaN", 0, "", true}, {"Inf", 0, "", true},
	}
	for _, c := range cases {
		got, err := ParseCredits(c.in)
		if (err != nil) != c.err || got != c.want || (!c.err && got.String() != c.str) {
			t.Errorf("ParseCredits(%q) = %d (%s), %v; want %d (%s), err %v", c.in, got, got, err, c.want, c.str, c.err)
		}
	}
	var c Credits
	if err := json.Unmarshal([]byte(`"12.25"`), &c); err != nil || c != 12_250_000 {
		t.Errorf("unmarshal string: %v %v", c, err)
	}
	if b, _ := json.Marshal(Credits(-1_500_000)); string(b) != "-1.5" {
		t.Errorf("marshal = %s", b)
	}
	if Credits(-9223372036854775808).String() != "-9223372036854.775808" {
		t.Errorf("min int64 = %s", Credits(-9223372036854775808).String())
	}
}

func TestInterpret(t *testing.T) {
	c := &Client{cfg: Config{APIKey: "secret-key"}}
	cases := []struct {
		name   string
		status int
		body   string
		data   string
		want   []error
		not    []error
	}{
		{"ok", 200, `{"code":200,"msg":"success","data":{"a":1}}`, `{"a":1}`, nil, nil},
		{"ok with string code", 200, `{"code":"200","msg":"success","data":812.5}`, `812.5`, nil, nil},
		{"401 under 200", 200, `{"code":401,"msg":"You do not have access permissions"}`, "", []error{ErrUnauthorized}, []error{ErrServer}},
		{"402", 200, `{"code":402,"msg":"Credits insufficient"}`, "", []error{ErrInsufficientCredits}, nil},
		{"429 under 200", 200, `{"code":429,"msg":"Rate limit exceeded"}`, "", []error{ErrRateLimited}, nil},
		{"422 null record", 200, `{"code":422,"msg":"recordInfo is null","data":null}`, "", []error{ErrNotFoundYet}, []error{ErrValidation}},
		{"422 other", 200, `{"code":422,"msg":"bad"}`, "", []error{ErrValidation}, []error{ErrNotFoundYet}},
		{"500 missing field", 200, `{"code":500,"msg":"aspect_ratio is required"}`, "", []error{ErrValidation}, []error{ErrServer}},
		{"500 internal", 200, `{"code":500,"msg":"Internal server error"}`, "", []error{ErrServer}, []error{ErrValidation}},
		{"message key", 200, `{"code":455,"message":"maintenance"}`, "", []error{ErrMaintenance}, nil},
		{"code decides over status", 500, `{"code":200,"msg":"ok","data":1}`, `1`, nil, nil},
		{"html 502", 502, `<html>bad gateway</html>`, "", []error{ErrServer}, nil},
		{"html 200", 200, `<html>hi</html>`, "", []error{ErrServer, ErrMalformedResponse}, nil},
		{"empty 200", 200, ``, "", []error{ErrServer}, nil},
		{"json without code", 200, `{"msg":"x"}`, "", []error{ErrServer}, nil},
		{"json without code under 404", 404, `{"error":"x"}`, "", []error{ErrNotFound}, nil},
		{"proxy 429", 429, `Too Many Requests`, "", []error{ErrRateLimited}, nil},
		{"success false", 200, `{"success":false,"code":200,"msg":"nope"}`, "", []error{ErrServer}, nil},
		{"433", 200, `{"code":433,"msg":"cap"}`, "", []error{ErrUsageCap}, nil},
		{"505", 200, `{"code":505,"msg":"off"}`, "", []error{ErrFeatureDisabled}, nil},
		{"501", 200, `{"code":501,"msg":"failed"}`, "", []error{ErrGenerationFailed}, nil},
		{"404", 200, `{"code":404,"msg":"Task not found"}`, "", []error{ErrNotFound}, nil},
		{"408", 200, `{"code":408,"msg":"timeout"}`, "", []error{ErrServer}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := c.interpret("test", tc.status, []byte(tc.body))
			if tc.want == nil {
				if err != nil || string(data) != tc.data {
					t.Fatalf("interpret = %s, %v; want %s", data, err, tc.data)
				}
				return
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("err %v does not match %v", err, w)
				}
			}
			for _, n := range tc.not {
				if errors.Is(err, n) {
					t.Errorf("err %v matches %v", err, n)
				}
			}
		})
	}
}

func TestRetryRules(t *testing.T) {
	netErr := &transportError{err: errors.New("reset")}
	cases := []struct {
		name      string
		err       error
		sent      bool
		read      bool
		create    bool
		ambiguous bool // createTask final error would carry ErrMaybeCreated
	}{
		{"429 body", &APIError{Code: 429}, true, true, true, false},
		{"455 body", &APIError{Code: 455}, true, true, true, false},
		{"429 proxy", &APIError{HTTPStatus: 429}, true, true, true, false},
		{"500 body", &APIError{Code: 500, Msg: "Internal server error"}, true, true, false, true},
		{"500 missing field", &APIError{Code: 500, Msg: "prompt is required"}, true, false, false, false},
		{"502 html", &APIError{HTTPStatus: 502}, true, true, false, true},
		{"200 html", &APIError{HTTPStatus: 200}, true, true, false, true},
		{"401", &APIError{Code: 401}, true, false, false, false},
		{"402", &APIError{Code: 402}, true, false, false, false},
		{"422", &APIError{Code: 422}, true, false, false, false},
		{"network after connect", netErr, true, true, false, true},
		{"network before connect", netErr, false, true, true, false},
		{"local error", errors.New("build"), false, false, false, false},
	}
	c := &Client{}
	for _, tc := range cases {
		if got := mayRetry(retryRead, tc.err, tc.sent); got != tc.read {
			t.Errorf("%s: read retry = %v, want %v", tc.name, got, tc.read)
		}
		if got := mayRetry(retryCreate, tc.err, tc.sent); got != tc.create {
			t.Errorf("%s: create retry = %v, want %v", tc.name, got, tc.create)
		}
		if got := errors.Is(c.finalError(retryCreate, tc.err, tc.sent), ErrMaybeCreated); got != tc.ambiguous {
			t.Errorf("%s: ambiguous = %v, want %v", tc.name, got, tc.ambiguous)
		}
		if mayRetry(retryNever, tc.err, tc.sent) || errors.Is(c.finalError(retryRead, tc.err, tc.sent), ErrMaybeCreated) {
			t.Errorf("%s: retryNever retried or a read was marked ambiguous", tc.name)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{Attempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt, ceil := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 9: time.Second} {
		for range 50 {
			if d := p.backoff(attempt); d < ceil/2 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, ceil/2, ceil)
			}
		}
	}
}

func TestWindowLimiter(t *testing.T) {
	l := newWindowLimiter(3, 10*time.Second)
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if d := l.reserve(t0.Add(time.Duration(i) * time.Second)); d != 0 {
			t.Fatalf("event %d waited %v", i, d)
		}
	}
	if d := l.reserve(t0.Add(5 * time.Second)); d != 5*time.Second {
		t.Errorf("4th event wait = %v, want 5s (until the first leaves the window)", d)
	}
	if d := l.reserve(t0.Add(10 * time.Second)); d != 0 {
		t.Errorf("event at 10s waited %v", d)
	}
	// No window of 10 s ever holds more than 3 admissions.
	l = newWindowLimiter(3, 10*time.Second)
	var admitted []time.Time
	for ms := 0; ms < 60_000; ms += 250 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		if l.reserve(now) == 0 {
			admitted = append(admitted, now)
		}
	}
	for i := 3; i < len(admitted); i++ {
		if admitted[i].Sub(admitted[i-3]) < 10*time.Second {
			t.Fatalf("4 admissions within 10s: %v .. %v", admitted[i-3], admitted[i])
		}
	}
	if len(admitted) != 18 {
		t.Errorf("admitted %d in 60 s, want 18", len(admitted))
	}
}
