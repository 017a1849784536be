package kietest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"time"
)

// task is one fake task. Fields are guarded by Server.mu.
type task struct {
	id, model   string
	output      Output
	param       string
	callbackURL string
	script      Script
	price       int64
	created     time.Time

	state     string // "" until progressLocked sets it
	completed time.Time
	consumed  int64
	failCode  string
	failMsg   string
	urls      []string
	nullLeft  int
	cbDue     time.Time
	cbPending bool

	// Suno tasks (POST /api/v1/generate) are read on their own route.
	suno                 bool
	prompt, title, style string
	readLog              []time.Time // per-task record-info queries
}

// TaskInfo is a snapshot of a fake task, for assertions.
type TaskInfo struct {
	ID, Model, State  string
	Param             string
	CallbackURL       string
	Price, Consumed   float64
	Created, Complete time.Time
	FailCode, FailMsg string
	ResultURLs        []string
}

func (t *task) info() TaskInfo {
	return TaskInfo{
		ID: t.id, Model: t.model, State: t.state, Param: t.param, CallbackURL: t.callbackURL,
		Price: fromMicro(t.price), Consumed: fromMicro(t.consumed), Created: t.created, Complete: t.completed,
		FailCode: t.failCode, FailMsg: t.failMsg, ResultURLs: append([]string(nil), t.urls...),
	}
}

// Tasks returns every task in creation order.
func (s *Server) Tasks() []TaskInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TaskInfo, 0, len(s.taskIDs))
	for _, id := range s.taskIDs {
		out = append(out, s.tasks[id].info())
	}
	return out
}

// Task returns one task; ok is false for an unknown id.
func (s *Server) Task(id string) (TaskInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return TaskInfo{}, false
	}
	return t.info(), true
}

// WaitTasks blocks until at least n tasks exist and returns their ids in
// creation order.
func (s *Server) WaitTasks(ctx context.Context, n int) ([]string, error) {
	var ids []string
	err := s.waitUntil(ctx, func() bool {
		ids = append([]string(nil), s.taskIDs...)
		return len(ids) >= n
	})
	return ids, err
}

// CompleteTask makes a running task succeed now, whatever its script says
// (its script still shapes the result and callback). It panics for an
// unknown or finished task.
func (s *Server) CompleteTask(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.runningLocked(id)
	s.finishLocked(t, s.now, true, "", "")
	s.notifyLocked()
}

// FailTask makes a running task fail now with failCode and failMsg. It
// panics for an unknown or finished task.
func (s *Server) FailTask(id, failCode, failMsg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.runningLocked(id)
	s.finishLocked(t, s.now, false, failCode, failMsg)
	s.notifyLocked()
}

func (s *Server) runningLocked(id string) *task {
	t, ok := s.tasks[id]
	if !ok {
		panic("kietest: unknown task " + id)
	}
	if t.state == "success" || t.state == "fail" {
		panic("kietest: task " + id + " already finished")
	}
	return t
}

// newTaskIDLocked returns 32 hex characters, like real Kie ids.
func (s *Server) newTaskIDLocked() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(s.idRand.UintN(256))
	}
	return hex.EncodeToString(b[:])
}

// progressLocked brings t up to the clock: its state, and its completion
// and callback once due.
func (s *Server) progressLocked(t *task) {
	if t.state != "success" && t.state != "fail" {
		sc := t.script
		el := s.now.Sub(t.created)
		switch {
		case el < sc.Waiting:
			t.state = "waiting"
		case el < sc.Waiting+sc.Queuing:
			t.state = "queuing"
		case el < sc.total() || sc.Outcome == Stuck:
			t.state = "generating"
		default:
			code, msg := sc.FailCode, sc.FailMsg
			s.finishLocked(t, t.created.Add(sc.total()), sc.Outcome == Succeed, code, msg)
		}
	}
	if t.cbPending && !s.now.Before(t.cbDue) {
		t.cbPending = false
		s.deliverLocked(t, nil)
	}
}

// finishLocked ends t at time at: billing, result files, callback schedule.
func (s *Server) finishLocked(t *task, at time.Time, success bool, failCode, failMsg string) {
	t.completed = at
	if success {
		t.state = "success"
		t.consumed = t.price
		n := t.script.URLs
		if n <= 0 {
			n = 1
		}
		if t.script.EmptyResult || t.output == Text {
			n = 0
		}
		for i := range n {
			t.urls = append(t.urls, s.addResultFileLocked(t, i, at))
		}
	} else {
		t.state = "fail"
		t.failCode, t.failMsg = failCode, failMsg
		if t.failCode == "" {
			t.failCode = "500"
		}
		if t.failMsg == "" {
			t.failMsg = "Internal server error"
		}
		if t.script.BillsAnyway {
			t.consumed = t.price
		}
	}
	s.balance -= t.consumed
	cb := t.script.Callback
	if t.callbackURL != "" && !cb.Skip {
		t.cbDue, t.cbPending = at.Add(cb.Delay), true
		if !s.now.Before(t.cbDue) && !cb.BeforeResponse {
			t.cbPending = false
			s.deliverLocked(t, nil)
		}
	}
}

// recordLocked renders t as recordInfo's data object (and a callback's).
func (s *Server) recordLocked(t *task) map[string]any {
	str := func(v string) any {
		if v == "" && s.opts.nullFailFields {
			return nil
		}
		return v
	}
	rec := map[string]any{
		"taskId":          t.id,
		"model":           t.model,
		"state":           t.state,
		"param":           t.param,
		"failCode":        str(""),
		"failMsg":         str(""),
		"costTime":        0,
		"creditsConsumed": microJSON(t.consumed),
		"createTime":      t.created.UnixMilli(),
		"updateTime":      t.created.UnixMilli(),
		"completeTime":    nil,
		"resultJson":      "",
	}
	if t.script.NullResultJSON {
		rec["resultJson"] = nil
	}
	if !t.completed.IsZero() {
		rec["completeTime"] = t.completed.UnixMilli()
		rec["updateTime"] = t.completed.UnixMilli()
		rec["costTime"] = int64(t.completed.Sub(t.created) / time.Second)
	}
	switch t.state {
	case "success":
		res := resultObject(t)
		if t.script.ResultAsObject {
			rec["resultJson"] = res
		} else {
			b, _ := json.Marshal(res)
			rec["resultJson"] = string(b)
		}
		if !t.script.NoResponse {
			rec["response"] = res
		}
	case "fail":
		rec["failCode"], rec["failMsg"] = t.failCode, t.failMsg
	}
	return rec
}

func resultObject(t *task) map[string]any {
	switch t.output {
	case Music:
		return map[string]any{"data": sunoTracks(t, true)}
	case Text:
		if t.script.EmptyResult {
			return map[string]any{}
		}
		return map[string]any{"resultObject": map[string]any{"text": "fake text for " + t.id}}
	}
	urls := t.urls
	if urls == nil {
		urls = []string{}
	}
	return map[string]any{"resultUrls": urls}
}
