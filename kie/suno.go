package kie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Suno music has its own endpoints (shared/reference/kie-api.md §7):
// POST /api/v1/generate creates a task, with the Suno version as "model" and
// the inputs at the top level of the body, and callBackUrl required; GET
// /api/v1/generate/record-info?taskId= reads it. One task makes two tracks.
// MusicRecordInfo maps Suno's record onto the same Task and State as
// RecordInfo, so a job pipeline treats both alike.

// GenerateMusicRequest is the body of POST /api/v1/generate.
type GenerateMusicRequest struct {
	// Model is the Suno version: "V4", "V4_5", "V4_5PLUS", "V5", … (the
	// registry id of a Suno model).
	Model string
	// CallbackURL is required by Kie for Suno. It receives the text, first
	// and complete callbacks (data.task_id, data.callbackType).
	CallbackURL string
	// Input holds Suno's inputs: prompt, customMode and instrumental (both
	// booleans, required), style, title, negativeTags, vocalGender, … They
	// are sent at the top level of the body.
	Input map[string]any
}

// Suno's record-info statuses.
const (
	SunoPending             = "PENDING"
	SunoTextSuccess         = "TEXT_SUCCESS"  // lyrics ready
	SunoFirstSuccess        = "FIRST_SUCCESS" // first track ready, not both
	SunoSuccess             = "SUCCESS"
	SunoCreateTaskFailed    = "CREATE_TASK_FAILED"
	SunoGenerateAudioFailed = "GENERATE_AUDIO_FAILED"
	SunoCallbackException   = "CALLBACK_EXCEPTION"
	SunoSensitiveWordError  = "SENSITIVE_WORD_ERROR"
)

// sunoState maps a Suno status onto the market lifecycle. FIRST_SUCCESS is
// still running: only SUCCESS has both tracks.
func sunoState(status string) (State, error) {
	switch status {
	case SunoPending:
		return StateWaiting, nil
	case SunoTextSuccess, SunoFirstSuccess:
		return StateGenerating, nil
	case SunoSuccess:
		return StateSuccess, nil
	case SunoCreateTaskFailed, SunoGenerateAudioFailed, SunoCallbackException, SunoSensitiveWordError:
		return StateFail, nil
	}
	return "", fmt.Errorf("unknown suno task status %q", truncate(status, 40))
}

// GenerateMusic starts a paid Suno task. It follows CreateTask's rules: the
// same client-side rate limit, sent once unless Kie certainly refused it,
// and an error matching ErrMaybeCreated means the task may exist. The
// inputs are checked against Suno's documented rules before anything is
// sent: customMode and instrumental are booleans; without customMode the
// prompt is required; with it, style and title are, and the prompt (the
// lyrics) too unless instrumental.
func (c *Client) GenerateMusic(ctx context.Context, req GenerateMusicRequest) (_ CreatedTask, err error) {
	defer func() { err = c.scrub(err) }()
	fail := func(format string, args ...any) (CreatedTask, error) {
		return CreatedTask{}, fmt.Errorf("create suno task for %s: %w: %s", req.Model, ErrValidation, fmt.Sprintf(format, args...))
	}
	if err := checkModelID(req.Model); err != nil {
		return fail("%v", err)
	}
	if req.CallbackURL == "" {
		return fail("callback url is required for suno")
	}
	if err := checkAbsURL(req.CallbackURL); err != nil {
		return fail("callback url: %v", err)
	}
	if err := checkSunoInput(req.Input); err != nil {
		return fail("%v", err)
	}
	body := make(map[string]any, len(req.Input)+2)
	for k, v := range req.Input {
		body[k] = v
	}
	body["model"], body["callBackUrl"] = req.Model, req.CallbackURL
	b, err := jsonBody(body)
	if err != nil {
		return fail("encode input: %v", err)
	}
	data, err := c.call(ctx, request{
		endpoint: "generate",
		method:   http.MethodPost,
		url:      c.cfg.BaseURL + "/api/v1/generate",
		body:     b,
		gate:     c.createLim.wait,
	}, retryCreate)
	if err != nil {
		return CreatedTask{}, fmt.Errorf("create suno task for %s: %w", req.Model, err)
	}
	var raw struct {
		TaskID json.RawMessage `json:"taskId"`
	}
	var ct CreatedTask
	err = json.Unmarshal(data, &raw)
	if err == nil {
		ct.TaskID, err = flexString(raw.TaskID)
	}
	if err == nil && ct.TaskID == "" {
		err = errors.New("no taskId in the answer")
	}
	if err != nil {
		return CreatedTask{}, fmt.Errorf("create suno task for %s: %w: %w: %w", req.Model, ErrMaybeCreated, ErrMalformedResponse, err)
	}
	ct.RecordID = ct.TaskID
	c.log.InfoContext(ctx, "kie.Client: suno task created", "model", req.Model, "task_id", c.redact(ct.TaskID))
	return ct, nil
}

// checkSunoInput applies Suno's documented parameter rules.
func checkSunoInput(in map[string]any) error {
	for _, k := range []string{"model", "callBackUrl"} {
		if _, ok := in[k]; ok {
			return fmt.Errorf("input must not set %s (GenerateMusicRequest has it)", k)
		}
	}
	custom, ok := in["customMode"].(bool)
	if !ok {
		return errors.New("customMode must be a boolean")
	}
	instrumental, ok := in["instrumental"].(bool)
	if !ok {
		return errors.New("instrumental must be a boolean")
	}
	present := func(k string) bool {
		s, ok := in[k].(string)
		return ok && strings.TrimSpace(s) != ""
	}
	need := []string{"prompt"}
	if custom {
		need = []string{"style", "title"}
		if !instrumental {
			need = append(need, "prompt")
		}
	}
	for _, k := range need {
		if !present(k) {
			mode := "non-custom"
			if custom {
				mode = "custom"
			}
			return fmt.Errorf("%s is required in %s mode", k, mode)
		}
	}
	return nil
}

// MusicRecordInfo reads a Suno task (GET /api/v1/generate/record-info) as a
// Task: PENDING is waiting, TEXT_SUCCESS and FIRST_SUCCESS are generating,
// SUCCESS is success with both tracks' audioUrl in Result.URLs, and the
// failure statuses are fail (SENSITIVE_WORD_ERROR as a content-policy
// failure). Task.Status keeps Suno's own word. Suno's record carries no
// creditsConsumed: CreditsConsumed is 0, so reconcile Suno tasks against
// the balance.
func (c *Client) MusicRecordInfo(ctx context.Context, taskID string) (_ *Task, err error) {
	defer func() { err = c.scrub(err) }()
	if taskID == "" {
		return nil, fmt.Errorf("read suno task: %w: empty task id", ErrValidation)
	}
	data, err := c.call(ctx, request{
		endpoint: "generate/record-info",
		method:   http.MethodGet,
		url:      c.cfg.BaseURL + "/api/v1/generate/record-info?taskId=" + url.QueryEscape(taskID),
	}, retryRead)
	if err != nil {
		return nil, fmt.Errorf("read suno task %s: %w", taskID, err)
	}
	t, err := parseSunoRecord(data)
	if err != nil {
		return nil, fmt.Errorf("read suno task %s: %w: %w", taskID, ErrMalformedResponse, err)
	}
	if t.ID != taskID {
		return nil, fmt.Errorf("read suno task %s: %w: answer is for task %q", taskID, ErrMalformedResponse, truncate(t.ID, 64))
	}
	return t, nil
}

// parseSunoRecord decodes record-info's data object. It never panics.
func parseSunoRecord(data []byte) (*Task, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("suno record is not a JSON object")
	}
	var r struct {
		TaskID       json.RawMessage `json:"taskId"`
		Param        json.RawMessage `json:"param"`
		Response     json.RawMessage `json:"response"`
		Status       json.RawMessage `json:"status"`
		ErrorCode    json.RawMessage `json:"errorCode"`
		ErrorMessage json.RawMessage `json:"errorMessage"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode suno record: %w", err)
	}
	var t Task
	var err error
	if t.ID, err = taskIDOf(r.TaskID, nil); err != nil {
		return nil, err
	}
	if t.Status, err = flexString(r.Status); err != nil {
		return nil, fmt.Errorf("decode status: %w", err)
	}
	if t.State, err = sunoState(t.Status); err != nil {
		return nil, err
	}
	if t.Param, err = paramText(r.Param); err != nil {
		return nil, err
	}
	var param struct {
		Model string `json:"model"`
	}
	if json.Unmarshal([]byte(t.Param), &param) == nil {
		t.Model = param.Model
	}
	if t.State == StateFail {
		code, _ := flexString(r.ErrorCode)
		msg, _ := flexString(r.ErrorMessage)
		t.FailCode, t.FailMsg = code, msg
		if t.Status == SunoSensitiveWordError {
			t.FailCode = SunoSensitiveWordError // ContentPolicyFailure reads it
		}
		if t.FailCode == "" {
			t.FailCode = t.Status
		}
	}
	res, err := parseSunoResponse(r.Response)
	if err != nil {
		if t.State == StateSuccess {
			return nil, err
		}
		res = Result{}
	}
	if t.State != StateSuccess {
		res.URLs = nil // FIRST_SUCCESS has one track: nothing to deliver yet
	}
	t.Result = res
	return &t, nil
}

// parseSunoResponse reads response.sunoData[].audioUrl.
func parseSunoResponse(raw json.RawMessage) (Result, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Result{}, nil
	}
	var resp struct {
		SunoData []struct {
			AudioURL string `json:"audioUrl"`
		} `json:"sunoData"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return Result{}, fmt.Errorf("decode suno response: %w", err)
	}
	res := Result{Raw: raw}
	for _, d := range resp.SunoData {
		u := strings.TrimSpace(d.AudioURL)
		if u == "" {
			continue
		}
		if err := checkResultURL(u); err != nil {
			return Result{}, err
		}
		res.URLs = append(res.URLs, u)
	}
	return res, nil
}
