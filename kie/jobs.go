package kie

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CreateTaskRequest is the body of POST /api/v1/jobs/createTask.
type CreateTaskRequest struct {
	// Model is the exact catalogue id ("google/nano-banana", "z-image").
	Model string
	// CallbackURL receives one POST when the task finishes (optional).
	// Put your own job id in it so an early callback is never orphaned.
	CallbackURL string
	// Input holds the model's fields; see its schema.
	Input map[string]any
}

// CreatedTask identifies a new task. Poll with TaskID; RecordID has so far
// always equalled it.
type CreatedTask struct {
	TaskID   string
	RecordID string
}

// CreateTask starts a paid generation. It is sent once unless Kie certainly
// refused it (see the package doc). An error matching ErrMaybeCreated means
// the task may exist: never call CreateTask again for the same job.
func (c *Client) CreateTask(ctx context.Context, req CreateTaskRequest) (_ CreatedTask, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkModelID(req.Model); err != nil {
		return CreatedTask{}, fmt.Errorf("create kie task: %w: %w", ErrValidation, err)
	}
	if req.CallbackURL != "" {
		if err := checkAbsURL(req.CallbackURL); err != nil {
			return CreatedTask{}, fmt.Errorf("create kie task for %s: %w: callback url: %w", req.Model, ErrValidation, err)
		}
	}
	if req.Input == nil {
		return CreatedTask{}, fmt.Errorf("create kie task for %s: %w: input is required", req.Model, ErrValidation)
	}
	body, err := jsonBody(struct {
		Model       string         `json:"model"`
		CallbackURL string         `json:"callBackUrl,omitempty"`
		Input       map[string]any `json:"input"`
	}{req.Model, req.CallbackURL, req.Input})
	if err != nil {
		return CreatedTask{}, fmt.Errorf("create kie task for %s: %w: encode input: %w", req.Model, ErrValidation, err)
	}
	data, err := c.call(ctx, request{
		endpoint: "createTask",
		method:   http.MethodPost,
		url:      c.cfg.BaseURL + "/api/v1/jobs/createTask",
		body:     body,
		gate:     c.createLim.wait,
	}, retryCreate)
	if err != nil {
		return CreatedTask{}, fmt.Errorf("create kie task for %s: %w", req.Model, err)
	}
	var raw struct {
		TaskID   json.RawMessage `json:"taskId"`
		RecordID json.RawMessage `json:"recordId"`
	}
	var ct CreatedTask
	err = json.Unmarshal(data, &raw)
	if err == nil {
		ct.TaskID, err = flexString(raw.TaskID)
	}
	if err == nil {
		ct.RecordID, err = flexString(raw.RecordID)
	}
	if err == nil && ct.TaskID == "" {
		err = errors.New("no taskId in the answer")
	}
	if err != nil {
		// Kie said 200: the task most likely exists, we just cannot name it.
		return CreatedTask{}, fmt.Errorf("create kie task for %s: %w: %w: %w", req.Model, ErrMaybeCreated, ErrMalformedResponse, err)
	}
	c.log.InfoContext(ctx, "kie.Client: task created", "model", req.Model, "task_id", c.redact(ct.TaskID))
	return ct, nil
}

// RecordInfo reads a task (GET /api/v1/jobs/recordInfo). A failed task is
// not an error here: check Task.State or Task.Err. Right after creation Kie
// may answer "recordInfo is null" (ErrNotFoundYet) for a few queries.
func (c *Client) RecordInfo(ctx context.Context, taskID string) (_ *Task, err error) {
	defer func() { err = c.scrub(err) }()
	if taskID == "" {
		return nil, fmt.Errorf("read kie task: %w: empty task id", ErrValidation)
	}
	data, err := c.call(ctx, request{
		endpoint: "recordInfo",
		method:   http.MethodGet,
		url:      c.cfg.BaseURL + "/api/v1/jobs/recordInfo?taskId=" + url.QueryEscape(taskID),
	}, retryRead)
	if err != nil {
		return nil, fmt.Errorf("read kie task %s: %w", taskID, err)
	}
	t, err := parseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("read kie task %s: %w: %w", taskID, ErrMalformedResponse, err)
	}
	if t.ID != taskID {
		return nil, fmt.Errorf("read kie task %s: %w: answer is for task %q", taskID, ErrMalformedResponse, truncate(t.ID, 64))
	}
	return t, nil
}

// checkModelID accepts catalogue ids such as "kling-2.6/text-to-video". The
// id is put in URL paths unescaped (Kie wants the "/" as is), so anything
// that could change the path's meaning is refused.
func checkModelID(id string) error {
	if id == "" || len(id) > 200 {
		return fmt.Errorf("model id %q must have 1 to 200 characters", truncate(id, 40))
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("model id %q has an empty or dot path segment", id)
		}
		for _, r := range seg {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
			if !ok {
				return fmt.Errorf("model id %q has character %q", truncate(id, 40), r)
			}
		}
	}
	return nil
}

func checkAbsURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", truncate(s, 80))
	}
	return nil
}
