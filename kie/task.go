package kie

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// State is a task's lifecycle state as Kie reports it. States may be skipped
// (waiting → generating), so never require each one; only StateSuccess and
// StateFail are terminal.
type State string

// The states Kie documents. Anything else is rejected as malformed.
const (
	StateWaiting    State = "waiting"
	StateQueuing    State = "queuing"
	StateGenerating State = "generating"
	StateSuccess    State = "success"
	StateFail       State = "fail"
)

// ParseState returns the State named by s, or an error for any other value
// (Kie never sends "failed", "completed" or "running").
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case StateWaiting, StateQueuing, StateGenerating, StateSuccess, StateFail:
		return st, nil
	}
	return "", fmt.Errorf("unknown kie task state %q", truncate(s, 40))
}

// Terminal reports whether the state is success or fail.
func (s State) Terminal() bool { return s == StateSuccess || s == StateFail }

// Task is one recordInfo answer.
type Task struct {
	ID    string
	Model string
	State State
	// Status is the family's own status word where it has one (Suno:
	// "FIRST_SUCCESS"); "" for market tasks, whose State is Kie's own.
	Status string
	// Param is the JSON text of the createTask body as Kie echoes it.
	Param string
	// Result is the parsed result; empty until success.
	Result Result
	// FailCode and FailMsg explain a failure ("500", "SENSITIVE_WORD_ERROR").
	FailCode string
	FailMsg  string
	// CreditsConsumed is what Kie billed: the price on success, normally 0
	// on failure. Reconcile with it, exactly.
	CreditsConsumed Credits
	// CostTime is Kie's own duration figure; its unit is disputed (seconds
	// in practice). Display only.
	CostTime float64
	// CreateTime, UpdateTime and CompleteTime come from Unix milliseconds;
	// zero when absent. UpdateTime may equal CreateTime, so prefer
	// CompleteTime for the end of the task.
	CreateTime, UpdateTime, CompleteTime time.Time
}

// Result is a finished task's output. Media models fill URLs (resultUrls,
// or Suno's data[].audio_url); text models fill Object (resultObject). Raw is
// the whole result object as Kie sent it, for shapes this type does not know.
type Result struct {
	URLs   []string
	Object json.RawMessage
	Raw    json.RawMessage
}

// Empty reports whether the result holds nothing deliverable.
func (r Result) Empty() bool { return len(r.URLs) == 0 && len(r.Object) == 0 }

// Terminal reports whether the task has finished (success or fail).
func (t *Task) Terminal() bool { return t.State.Terminal() }

// ContentPolicyFailure reports whether a failed task was rejected for its
// content: failCode "400" or "SENSITIVE_WORD_ERROR", or a message saying
// "prohibited". Tell the user "prompt rejected"; refund either way.
func (t *Task) ContentPolicyFailure() bool {
	if t.State != StateFail {
		return false
	}
	code := strings.ToUpper(strings.TrimSpace(t.FailCode))
	return code == "400" || code == "SENSITIVE_WORD_ERROR" ||
		strings.Contains(strings.ToLower(t.FailMsg), "prohibited")
}

// Err is nil while the task runs and on a success with a usable result. For
// a failed task, or a success without any result (a failed delivery), it is
// a *TaskError matching ErrGenerationFailed (and ErrPromptRejected for
// content-policy failures).
func (t *Task) Err() error {
	switch {
	case t.State == StateFail:
		return &TaskError{TaskID: t.ID, FailCode: t.FailCode, FailMsg: t.FailMsg, PromptRejected: t.ContentPolicyFailure()}
	case t.State == StateSuccess && t.Result.Empty():
		return &TaskError{TaskID: t.ID, FailMsg: "success without any result"}
	}
	return nil
}

// rawRecord is the recordInfo data object with every field kept raw: Kie
// sends several of them with varying JSON types.
type rawRecord struct {
	TaskID          json.RawMessage `json:"taskId"`
	TaskIDSnake     json.RawMessage `json:"task_id"`
	Model           json.RawMessage `json:"model"`
	State           json.RawMessage `json:"state"`
	Param           json.RawMessage `json:"param"`
	ResultJSON      json.RawMessage `json:"resultJson"`
	Response        json.RawMessage `json:"response"`
	FailCode        json.RawMessage `json:"failCode"`
	FailMsg         json.RawMessage `json:"failMsg"`
	CostTime        json.RawMessage `json:"costTime"`
	CreditsConsumed json.RawMessage `json:"creditsConsumed"`
	CreateTime      json.RawMessage `json:"createTime"`
	UpdateTime      json.RawMessage `json:"updateTime"`
	CompleteTime    json.RawMessage `json:"completeTime"`
}

// parseRecord decodes recordInfo's data object (also a callback's data). It
// never panics; anything it cannot make sense of is an error.
func parseRecord(data []byte) (*Task, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("task record is not a JSON object")
	}
	var r rawRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode task record: %w", err)
	}
	var t Task
	var err error
	if t.ID, err = taskIDOf(r.TaskID, r.TaskIDSnake); err != nil {
		return nil, err
	}
	if t.Model, err = flexString(r.Model); err != nil {
		return nil, fmt.Errorf("decode task model: %w", err)
	}
	state, err := flexString(r.State)
	if err != nil {
		return nil, fmt.Errorf("decode task state: %w", err)
	}
	if t.State, err = ParseState(state); err != nil {
		return nil, err
	}
	if t.Param, err = paramText(r.Param); err != nil {
		return nil, err
	}
	if t.FailCode, err = flexString(r.FailCode); err != nil {
		return nil, fmt.Errorf("decode failCode: %w", err)
	}
	if t.FailMsg, err = flexString(r.FailMsg); err != nil {
		return nil, fmt.Errorf("decode failMsg: %w", err)
	}
	if t.CreditsConsumed, _, err = parseCreditsJSON(r.CreditsConsumed); err != nil {
		return nil, fmt.Errorf("decode creditsConsumed: %w", err)
	}
	if s, ok, err := numberText(r.CostTime); err != nil {
		return nil, fmt.Errorf("decode costTime: %w", err)
	} else if ok {
		t.CostTime, _ = strconv.ParseFloat(s, 64) // numberText vetted it; ±Inf on overflow is harmless for display
	}
	for _, f := range []struct {
		raw  json.RawMessage
		dst  *time.Time
		name string
	}{{r.CreateTime, &t.CreateTime, "createTime"}, {r.UpdateTime, &t.UpdateTime, "updateTime"}, {r.CompleteTime, &t.CompleteTime, "completeTime"}} {
		ms, ok, err := parseInt64JSON(f.raw)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", f.name, err)
		}
		if ok && ms != 0 {
			*f.dst = time.UnixMilli(ms)
		}
	}
	// A failed task's resultJson is "" or junk we do not need; only a
	// success must carry a well-formed result.
	t.Result, err = parseResult(r.ResultJSON, r.Response)
	if err != nil {
		if t.State == StateSuccess {
			return nil, err
		}
		t.Result = Result{}
	}
	return &t, nil
}

func taskIDOf(camel, snake json.RawMessage) (string, error) {
	id, err := flexString(camel)
	if err != nil {
		return "", fmt.Errorf("decode taskId: %w", err)
	}
	if id == "" {
		if id, err = flexString(snake); err != nil {
			return "", fmt.Errorf("decode task_id: %w", err)
		}
	}
	if id == "" {
		return "", errors.New("task record has no taskId")
	}
	return id, nil
}

// paramText keeps param as JSON text whether Kie sent it as a string or an
// object.
func paramText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("decode param: %w", err)
		}
		return s, nil
	}
	return string(raw), nil
}

// flexString reads a string, a number (as its text) or null/absent ("").
// Objects, arrays and booleans are errors.
func flexString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("want a string, got %s", truncate(string(raw), 40))
}

// parseResult decodes a task's result. Kie sends resultJson as JSON text (a
// string holding an object), sometimes as the object itself, and "" or null
// without a result; newer answers add response, the parsed form, which wins
// when present.
func parseResult(resultJSON, response json.RawMessage) (Result, error) {
	if obj, err := unwrapResult(response); err == nil && obj != nil {
		return parseResultObject(obj)
	}
	obj, err := unwrapResult(resultJSON)
	if err != nil {
		return Result{}, err
	}
	if obj == nil {
		return Result{}, nil
	}
	return parseResultObject(obj)
}

// unwrapResult strips up to two layers of string encoding and returns the
// object inside, or nil for "", null and absence.
func unwrapResult(raw json.RawMessage) (json.RawMessage, error) {
	for range 3 {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			return nil, nil
		}
		switch raw[0] {
		case '{':
			if !json.Valid(raw) {
				return nil, errors.New("resultJson is not valid JSON")
			}
			return raw, nil
		case '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("decode resultJson: %w", err)
			}
			raw = json.RawMessage(s)
		default:
			return nil, fmt.Errorf("resultJson is %s, want an object", truncate(string(raw), 40))
		}
	}
	return nil, errors.New("resultJson is encoded too many times")
}

func parseResultObject(obj json.RawMessage) (Result, error) {
	var r struct {
		ResultURLs   json.RawMessage `json:"resultUrls"`
		ResultObject json.RawMessage `json:"resultObject"`
		Data         json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(obj, &r); err != nil {
		return Result{}, fmt.Errorf("decode result: %w", err)
	}
	res := Result{Raw: obj}
	urls, err := urlList(r.ResultURLs)
	if err != nil {
		return Result{}, err
	}
	res.URLs = urls
	if o := bytes.TrimSpace(r.ResultObject); len(o) > 0 && string(o) != "null" {
		res.Object = o
	}
	// Suno through createTask: {"data":[{"audio_url":...}, ...]}.
	if d := bytes.TrimSpace(r.Data); len(d) > 0 && d[0] == '[' {
		var items []struct {
			AudioURL      string `json:"audio_url"`
			AudioURLCamel string `json:"audioUrl"`
		}
		if err := json.Unmarshal(d, &items); err != nil {
			return Result{}, fmt.Errorf("decode result data: %w", err)
		}
		for _, it := range items {
			u := cmp.Or(it.AudioURL, it.AudioURLCamel)
			if u == "" {
				continue
			}
			if err := checkResultURL(u); err != nil {
				return Result{}, err
			}
			res.URLs = append(res.URLs, u)
		}
	}
	return res, nil
}

// urlList reads resultUrls: an array of strings (or a lone string). Empty
// entries are dropped; anything that is not an absolute http(s) URL is an
// error, because callers download these.
func urlList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decode resultUrls: %w", err)
		}
		list = []string{s}
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("resultUrls must be a list of strings: %w", err)
	}
	out := list[:0]
	for _, u := range list {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if err := checkResultURL(u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func checkResultURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("result url %q is not an absolute http(s) URL", truncate(s, 80))
	}
	return nil
}
