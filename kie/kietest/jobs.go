package kietest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// MsgUnknownModel is Kie's exact answer for a model it does not know.
const MsgUnknownModel = "The model name you specified is not supported. Please verify your input and use one of the supported models provided by KIE."

// createTask checks in Kie's order (auth and switches already passed):
// rate limit 429, unknown model 422, bad input 500/422, balance 402, then
// creates the task.
func (s *Server) createTask(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return // the client went away
	}
	var body struct {
		Model       string          `json:"model"`
		CallbackURL string          `json:"callBackUrl"`
		Input       json.RawMessage `json:"input"`
	}
	decodeErr := json.Unmarshal(raw, &body)
	s.note(r, func(q *Request) { q.Model = body.Model })

	s.mu.Lock()
	if !s.admitCreateLocked() {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 429, "Rate limit exceeded", nil)
		return
	}
	m, known := s.models[body.Model]
	known = known && !m.Suno // Suno versions are created on /api/v1/generate
	var model Model
	if known {
		model = *m
	}
	s.mu.Unlock()

	if decodeErr != nil {
		s.writeEnvelope(w, r, 422, "Invalid request body: "+decodeErr.Error(), nil)
		return
	}
	if !known {
		s.writeEnvelope(w, r, 422, MsgUnknownModel, nil)
		return
	}
	input, code, msg := checkInput(&model, body.Input, body.CallbackURL)
	if code != 0 {
		s.writeEnvelope(w, r, code, msg, nil)
		return
	}

	s.mu.Lock()
	price := model.price(input)
	if s.balance < price {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 402, "Credits insufficient", nil)
		return
	}
	t := &task{
		id: s.newTaskIDLocked(), model: model.ID, output: model.Output, param: string(raw),
		callbackURL: body.CallbackURL, script: model.Script, price: price, created: s.now,
	}
	if len(s.scripts) > 0 {
		t.script, s.scripts = s.scripts[0], s.scripts[1:]
	}
	t.nullLeft = t.script.NullRecordQueries
	s.tasks[t.id] = t
	s.taskIDs = append(s.taskIDs, t.id)
	var early chan struct{}
	if t.script.Callback.BeforeResponse && t.callbackURL != "" && !t.script.Callback.Skip {
		// Finish now and deliver before answering: the callback beats
		// the createTask response, as it can in production.
		s.finishLocked(t, s.now, t.script.Outcome != Fail, t.script.FailCode, t.script.FailMsg)
		t.cbPending = false
		early = make(chan struct{})
		s.deliverLocked(t, early)
	} else {
		s.progressLocked(t)
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.note(r, func(q *Request) { q.TaskID = t.id })
	if early != nil {
		select {
		case <-early:
		case <-r.Context().Done():
		}
	}
	s.writeEnvelope(w, r, 200, "success", map[string]string{"taskId": t.id, "recordId": t.id})
}

// admitCreateLocked applies the sliding createTask window on the clock.
func (s *Server) admitCreateLocked() bool {
	return admit(&s.createLog, s.now, s.limits.CreateTasks, s.limits.CreateWindow)
}

func admit(log *[]time.Time, now time.Time, limit int, window time.Duration) bool {
	if limit <= 0 || window <= 0 {
		return true
	}
	kept := (*log)[:0]
	for _, t := range *log {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	*log = kept
	if len(kept) >= limit {
		return false
	}
	*log = append(kept, now)
	return true
}

// checkInput validates the input against the model: required fields
// (500 "<field> is required" or 422), the callback requirement, Validate.
func checkInput(m *Model, raw json.RawMessage, callbackURL string) (map[string]any, int, string) {
	var input map[string]any
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &input); err != nil {
			return nil, 422, "input must be an object"
		}
	}
	for _, f := range m.Required {
		v, ok := input[f]
		if !ok || v == nil || v == "" {
			return nil, m.MissingFieldCode, f + " is required"
		}
		if l, isList := v.([]any); isList && len(l) == 0 {
			return nil, m.MissingFieldCode, f + " is required"
		}
	}
	if callbackURL != "" {
		if u, err := url.Parse(callbackURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, 422, "callBackUrl is invalid"
		}
	} else if m.RequireCallback {
		return nil, 422, "callBackUrl is required"
	}
	if m.Validate != nil {
		if err := m.Validate(input); err != nil {
			return nil, 422, err.Error()
		}
	}
	return input, 0, ""
}

// recordInfo answers GET ?taskId=: 400 without it, 429 over 10/s, 422
// "recordInfo is null" for unknown ids and the scripted first queries.
func (s *Server) recordInfo(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("taskId")
	s.note(r, func(q *Request) { q.TaskID = id })
	if id == "" {
		s.writeEnvelope(w, r, 400, "taskId parameter is required", nil)
		return
	}
	s.mu.Lock()
	if !admit(&s.readLog, s.now, s.limits.RecordInfoPerSecond, time.Second) {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 429, "Your call frequency is too high. Please try again later.", nil)
		return
	}
	t, ok := s.tasks[id]
	ok = ok && !t.suno // Suno tasks are read on /api/v1/generate/record-info
	if ok && t.nullLeft > 0 {
		t.nullLeft--
		ok = false
	}
	var rec map[string]any
	if ok {
		s.progressLocked(t)
		rec = s.recordLocked(t)
	}
	s.mu.Unlock()
	if !ok {
		s.writeEnvelope(w, r, 422, "recordInfo is null", nil)
		return
	}
	s.note(r, func(q *Request) { q.Model = fmt.Sprint(rec["model"]) })
	s.writeEnvelope(w, r, 200, "success", rec)
}
