package kietest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// Suno's own API (shared/reference/kie-api.md §7): POST /api/v1/generate
// with the version as "model" and the inputs at the top level,
// callBackUrl required; GET /api/v1/generate/record-info?taskId= answers
// {taskId, param, response: {taskId, sunoData: [...]}, status, type,
// errorCode, errorMessage}. Models with Suno set are served here, by their
// ID as the version ("V4"), and not on createTask.

// sunoLimits are Kie's documented length limits per Suno version: prompt in
// custom mode, style, title (non-custom prompts: 500 characters).
func sunoLimits(version string) (prompt, style, title int) {
	switch version {
	case "V3_5", "V4":
		return 3000, 200, 80
	case "V4_5ALL":
		return 5000, 1000, 80
	}
	return 5000, 1000, 100
}

// sunoGenerate checks in the order createTask does (auth and switches
// passed): rate limit 429, unknown version 422, callBackUrl 422, inputs
// (500 "<field> is required", 422 for a bad type or length), balance 402.
// The codes for Suno-specific refusals are not documented; these follow
// the rest of the API.
func (s *Server) sunoGenerate(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	var body map[string]any
	decodeErr := json.Unmarshal(raw, &body)
	version := str(body["model"])
	s.note(r, func(q *Request) { q.Model = version })

	s.mu.Lock()
	if !s.admitCreateLocked() {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 429, "Rate limit exceeded", nil)
		return
	}
	m, known := s.models[version]
	var model Model
	if known {
		model = *m
	}
	s.mu.Unlock()
	switch {
	case decodeErr != nil:
		s.writeEnvelope(w, r, 422, "Invalid request body: "+decodeErr.Error(), nil)
		return
	case !known || !model.Suno:
		s.writeEnvelope(w, r, 422, MsgUnknownModel, nil)
		return
	}
	if code, msg := checkSuno(&model, version, body); code != 0 {
		s.writeEnvelope(w, r, code, msg, nil)
		return
	}

	s.mu.Lock()
	price := model.price(body)
	if s.balance < price {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 402, "Credits insufficient", nil)
		return
	}
	t := &task{
		id: s.newTaskIDLocked(), model: model.ID, output: Music, suno: true, param: string(raw),
		callbackURL: str(body["callBackUrl"]), script: model.Script, price: price, created: s.now,
		prompt: str(body["prompt"]), title: str(body["title"]), style: str(body["style"]),
	}
	if len(s.scripts) > 0 {
		t.script, s.scripts = s.scripts[0], s.scripts[1:]
	}
	if t.script.URLs <= 0 {
		t.script.URLs = 2 // every Suno task makes two tracks
	}
	t.nullLeft = t.script.NullRecordQueries
	s.tasks[t.id] = t
	s.taskIDs = append(s.taskIDs, t.id)
	s.progressLocked(t)
	s.notifyLocked()
	s.mu.Unlock()
	s.note(r, func(q *Request) { q.TaskID = t.id })
	s.writeEnvelope(w, r, 200, "success", map[string]string{"taskId": t.id})
}

// checkSuno applies the parameter guide of Kie's Suno docs.
func checkSuno(m *Model, version string, body map[string]any) (int, string) {
	cb := str(body["callBackUrl"])
	if cb == "" {
		return 422, "callBackUrl is required"
	}
	if u, err := url.Parse(cb); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return 422, "callBackUrl is invalid"
	}
	custom, ok1 := body["customMode"].(bool)
	instrumental, ok2 := body["instrumental"].(bool)
	switch {
	case body["customMode"] == nil:
		return m.MissingFieldCode, "customMode is required"
	case body["instrumental"] == nil:
		return m.MissingFieldCode, "instrumental is required"
	case !ok1 || !ok2:
		return 422, "customMode and instrumental must be booleans"
	}
	need := []string{"prompt"}
	if custom {
		need = []string{"style", "title"}
		if !instrumental {
			need = append(need, "prompt")
		}
	}
	for _, f := range need {
		if str(body[f]) == "" {
			return m.MissingFieldCode, f + " is required"
		}
	}
	promptMax, styleMax, titleMax := 500, 0, 0
	if custom {
		promptMax, styleMax, titleMax = sunoLimits(version)
	}
	for _, l := range []struct {
		field string
		max   int
	}{{"prompt", promptMax}, {"style", styleMax}, {"title", titleMax}} {
		if l.max > 0 && utf8.RuneCountInString(str(body[l.field])) > l.max {
			return 422, fmt.Sprintf("%s exceeds %d characters for %s", l.field, l.max, version)
		}
	}
	if m.Validate != nil {
		if err := m.Validate(body); err != nil {
			return 422, err.Error()
		}
	}
	return 0, ""
}

// sunoRecordInfo answers GET ?taskId=: 400 without it, 429 over Suno's 3
// queries a second per task, 422 "recordInfo is null" for unknown ids (as
// the market endpoint does; Suno's answer is not documented) and the
// scripted first queries.
func (s *Server) sunoRecordInfo(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("taskId")
	s.note(r, func(q *Request) { q.TaskID = id })
	if id == "" {
		s.writeEnvelope(w, r, 400, "taskId parameter is required", nil)
		return
	}
	s.mu.Lock()
	t, ok := s.tasks[id]
	ok = ok && t.suno
	if ok && !admit(&t.readLog, s.now, s.limits.SunoRecordInfoPerTask, time.Second) {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 429, "Your call frequency is too high. Please try again later.", nil)
		return
	}
	if ok && t.nullLeft > 0 {
		t.nullLeft--
		ok = false
	}
	var rec map[string]any
	if ok {
		s.progressLocked(t)
		rec = s.sunoRecordLocked(t)
	}
	s.mu.Unlock()
	if !ok {
		s.writeEnvelope(w, r, 422, "recordInfo is null", nil)
		return
	}
	s.note(r, func(q *Request) { q.Model = t.model })
	s.writeEnvelope(w, r, 200, "success", rec)
}

// sunoStatusLocked is Suno's status word for t: PENDING while waiting or
// queued, TEXT_SUCCESS for the first half of generating, FIRST_SUCCESS for
// the second (one track streamable), then SUCCESS or a failure status.
func (s *Server) sunoStatusLocked(t *task) string {
	switch t.state {
	case "waiting", "queuing":
		return "PENDING"
	case "generating":
		sc := t.script
		if sc.Outcome != Stuck && s.now.Sub(t.created) >= sc.Waiting+sc.Queuing+sc.Generating/2 {
			return "FIRST_SUCCESS"
		}
		return "TEXT_SUCCESS"
	case "success":
		return "SUCCESS"
	}
	switch t.failCode {
	case "CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR":
		return t.failCode
	}
	return "GENERATE_AUDIO_FAILED"
}

// sunoRecordLocked renders t as Suno's record-info data object.
func (s *Server) sunoRecordLocked(t *task) map[string]any {
	status := s.sunoStatusLocked(t)
	var tracks []map[string]any
	switch status {
	case "SUCCESS":
		tracks = sunoTracks(t, false)
	case "FIRST_SUCCESS":
		first := sunoTracks(&task{id: t.id, model: t.model, prompt: t.prompt, title: t.title, style: t.style, created: t.created,
			urls: []string{s.CDNURL + "/stream/" + t.id + "-0"}}, false)
		first[0]["audioUrl"] = "" // streamable, not yet downloadable
		tracks = first
	}
	if tracks == nil {
		tracks = []map[string]any{}
	}
	rec := map[string]any{
		"taskId":        t.id,
		"parentMusicId": "",
		"param":         t.param,
		"response":      map[string]any{"taskId": t.id, "sunoData": tracks},
		"status":        status,
		"type":          "GENERATE",
		"errorCode":     nil,
		"errorMessage":  nil,
	}
	if t.state == "fail" {
		code := 501
		if n, err := strconv.Atoi(t.failCode); err == nil {
			code = n
		}
		rec["errorCode"], rec["errorMessage"] = code, t.failMsg
	}
	return rec
}

// sunoTracks is one item per result file, camelCase as record-info sends
// them or snake_case as callbacks do.
func sunoTracks(t *task, snake bool) []map[string]any {
	out := make([]map[string]any, 0, len(t.urls))
	for i, u := range t.urls {
		id := fmt.Sprintf("%s-%d", t.id[:8], i)
		title := t.title
		if title == "" {
			title = "Fake song " + strconv.Itoa(i+1)
		}
		item := map[string]any{
			"id": id, "audioUrl": u, "streamAudioUrl": u + "?stream=1", "imageUrl": u + ".jpeg",
			"prompt": t.prompt, "modelName": "chirp-" + t.model, "title": title, "tags": t.style,
			"createTime": t.created.UTC().Format(time.DateTime), "duration": 120.5,
		}
		if snake {
			item = map[string]any{
				"id": id, "audio_url": u, "stream_audio_url": u + "?stream=1", "image_url": u + ".jpeg",
				"prompt": t.prompt, "model_name": "chirp-" + t.model, "title": title, "tags": t.style,
				"createTime": item["createTime"], "duration": 120.5,
			}
		}
		out = append(out, item)
	}
	return out
}
