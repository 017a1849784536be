package kie_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

func sunoRequest(cb string) kie.GenerateMusicRequest {
	return kie.GenerateMusicRequest{Model: "V4", CallbackURL: cb, Input: map[string]any{
		"prompt": "a calm piano track", "customMode": false, "instrumental": true,
	}}
}

// A Suno task on its own endpoints: PENDING → TEXT_SUCCESS → FIRST_SUCCESS
// (still running, nothing to deliver) → SUCCESS with two tracks, billed at
// completion, with text, first and complete callbacks keyed by task_id.
func TestSunoLifecycle(t *testing.T) {
	b := setup(t)
	b.srv.SetCredits(100)
	rcv := newReceiver(t, b.srv, nil)
	ct, err := b.client.GenerateMusic(ctxT(t), sunoRequest(rcv.http.URL+"/kie/callback?job=7"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ct.TaskID) != 32 || ct.RecordID != ct.TaskID {
		t.Fatalf("created %+v", ct)
	}
	// The default music script: 2 s waiting, 5 s queuing, 90 s generating.
	for _, step := range []struct {
		advance time.Duration
		state   kie.State
		status  string
	}{
		{0, kie.StateWaiting, kie.SunoPending},
		{7 * time.Second, kie.StateGenerating, kie.SunoTextSuccess},
		{45 * time.Second, kie.StateGenerating, kie.SunoFirstSuccess},
		{45 * time.Second, kie.StateSuccess, kie.SunoSuccess},
	} {
		b.srv.Advance(step.advance)
		task, err := b.client.MusicRecordInfo(ctxT(t), ct.TaskID)
		if err != nil {
			t.Fatal(err)
		}
		if task.State != step.state || task.Status != step.status {
			t.Fatalf("after +%v: %s/%s, want %s/%s", step.advance, task.State, task.Status, step.state, step.status)
		}
		if !task.Terminal() && (len(task.Result.URLs) != 0 || b.srv.Credits() != 100) {
			t.Fatalf("a running task delivers %v, balance %v", task.Result.URLs, b.srv.Credits())
		}
		if task.Terminal() {
			if err := task.Err(); err != nil || len(task.Result.URLs) != 2 || task.Model != "V4" || !strings.Contains(task.Param, `"customMode":false`) {
				t.Fatalf("finished task %+v, err %v", task, err)
			}
		}
	}
	if got := b.srv.Credits(); got != 88 {
		t.Errorf("balance %v, want 88 (12 credits per task)", got)
	}
	if _, err := b.srv.WaitCallbacks(ctxT(t), 3); err != nil {
		t.Fatal(err)
	}
	hints, errs := rcv.results()
	if len(errs) != 0 || len(hints) != 3 {
		t.Fatalf("hints %+v, errors %v", hints, errs)
	}
	for i, want := range []string{"text", "first", "complete"} {
		if hints[i].TaskID != ct.TaskID || hints[i].CallbackType != want {
			t.Errorf("callback %d: %+v, want %s for %s", i, hints[i], want, ct.TaskID)
		}
	}
	// The body Kie sent for "complete" has both tracks, snake_case.
	var body struct {
		Data struct {
			Data []struct {
				AudioURL string `json:"audio_url"`
			} `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b.srv.Callbacks()[2].Body, &body); err != nil || len(body.Data.Data) != 2 || body.Data.Data[0].AudioURL == "" {
		t.Errorf("complete callback body %s: %v", b.srv.Callbacks()[2].Body, err)
	}
	// A Suno task is not a market task: recordInfo does not know it.
	if _, err := b.client.RecordInfo(ctxT(t), ct.TaskID); !errors.Is(err, kie.ErrNotFoundYet) {
		t.Errorf("market recordInfo of a suno task: %v", err)
	}
}

// The client refuses what Kie's Suno docs refuse, before spending anything.
func TestSunoRequestValidation(t *testing.T) {
	b := setup(t)
	cb := "https://bot.example.com/kie/callback?job=1"
	for _, tc := range []struct {
		name string
		edit func(*kie.GenerateMusicRequest)
		want string
	}{
		{"no callback", func(r *kie.GenerateMusicRequest) { r.CallbackURL = "" }, "callback url is required"},
		{"relative callback", func(r *kie.GenerateMusicRequest) { r.CallbackURL = "/cb" }, "callback url"},
		{"no version", func(r *kie.GenerateMusicRequest) { r.Model = "" }, "model id"},
		{"customMode missing", func(r *kie.GenerateMusicRequest) { delete(r.Input, "customMode") }, "customMode must be a boolean"},
		{"instrumental as text", func(r *kie.GenerateMusicRequest) { r.Input["instrumental"] = "true" }, "instrumental must be a boolean"},
		{"no prompt", func(r *kie.GenerateMusicRequest) { delete(r.Input, "prompt") }, "prompt is required in non-custom mode"},
		{"custom without style", func(r *kie.GenerateMusicRequest) { r.Input["customMode"] = true; r.Input["title"] = "T" }, "style is required in custom mode"},
		{"custom song without lyrics", func(r *kie.GenerateMusicRequest) {
			r.Input = map[string]any{"customMode": true, "instrumental": false, "style": "jazz", "title": "T"}
		}, "prompt is required in custom mode"},
		{"input sets the model", func(r *kie.GenerateMusicRequest) { r.Input["model"] = "V5" }, "must not set model"},
	} {
		req := sunoRequest(cb)
		tc.edit(&req)
		_, err := b.client.GenerateMusic(ctxT(t), req)
		if !errors.Is(err, kie.ErrValidation) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrValidation mentioning %q", tc.name, err, tc.want)
		}
	}
	if n := b.srv.Count(kietest.RouteSunoGenerate); n != 0 {
		t.Errorf("%d invalid requests reached Kie", n)
	}
	// A custom instrumental needs style and title but no lyrics.
	req := kie.GenerateMusicRequest{Model: "V4", CallbackURL: cb, Input: map[string]any{
		"customMode": true, "instrumental": true, "style": "Classical", "title": "Peaceful Piano",
	}}
	if _, err := b.client.GenerateMusic(ctxT(t), req); err != nil {
		t.Errorf("custom instrumental: %v", err)
	}
}

// What the fake refuses in Kie's manner reaches the caller as Kie's errors.
func TestSunoRefusals(t *testing.T) {
	b := setup(t)
	cb := "https://bot.example.com/kie/callback?job=1"
	req := sunoRequest(cb)
	req.Model = "V9"
	if _, err := b.client.GenerateMusic(ctxT(t), req); !errors.Is(err, kie.ErrValidation) || errors.Is(err, kie.ErrMaybeCreated) {
		t.Errorf("unknown version: %v", err)
	}
	long := sunoRequest(cb)
	long.Input["prompt"] = strings.Repeat("a", 501) // non-custom prompts: 500 characters
	if _, err := b.client.GenerateMusic(ctxT(t), long); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("a 501-character prompt: %v", err)
	}
	b.srv.SetCredits(5)
	if _, err := b.client.GenerateMusic(ctxT(t), sunoRequest(cb)); !errors.Is(err, kie.ErrInsufficientCredits) {
		t.Errorf("balance below 12: %v", err)
	}
	if n := len(b.srv.Tasks()); n != 0 {
		t.Errorf("%d tasks created by refused requests", n)
	}
	// A market model is not a Suno version, and a Suno version is not a market model.
	market := sunoRequest(cb)
	market.Model = "google/nano-banana"
	b.srv.SetCredits(100)
	if _, err := b.client.GenerateMusic(ctxT(t), market); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("market model on generate: %v", err)
	}
	if _, err := b.client.CreateTask(ctxT(t), kie.CreateTaskRequest{Model: "V4", Input: map[string]any{"prompt": "x"}}); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("suno version on createTask: %v", err)
	}
	if _, err := b.client.MusicRecordInfo(ctxT(t), "0123456789abcdef0123456789abcdef"); !errors.Is(err, kie.ErrNotFoundYet) {
		t.Errorf("unknown suno task: %v", err)
	}
}

// A failed Suno task is a task failure, not an API error; a sensitive-word
// rejection is a content-policy failure.
func TestSunoFailures(t *testing.T) {
	b := setup(t)
	cb := "https://bot.example.com/kie/callback?job=1"
	for _, tc := range []struct {
		failCode, status string
		rejected         bool
	}{
		{"SENSITIVE_WORD_ERROR", kie.SunoSensitiveWordError, true},
		{"", kie.SunoGenerateAudioFailed, false},
		{"CREATE_TASK_FAILED", kie.SunoCreateTaskFailed, false},
	} {
		b.srv.ScriptNext(kietest.Script{Outcome: kietest.Fail, FailCode: tc.failCode, FailMsg: "generation failed, please retry",
			Callback: kietest.CallbackScript{Skip: true}})
		ct, err := b.client.GenerateMusic(ctxT(t), sunoRequest(cb))
		if err != nil {
			t.Fatal(err)
		}
		task, err := b.client.MusicRecordInfo(ctxT(t), ct.TaskID)
		if err != nil {
			t.Fatal(err)
		}
		var te *kie.TaskError
		if task.State != kie.StateFail || task.Status != tc.status || !errors.As(task.Err(), &te) ||
			te.PromptRejected != tc.rejected || !errors.Is(task.Err(), kie.ErrGenerationFailed) || task.FailMsg == "" {
			t.Errorf("%s: %+v, err %v", tc.status, task, task.Err())
		}
	}
}

// Suno's record-info allows 3 queries a second per task.
func TestSunoRecordInfoRateLimit(t *testing.T) {
	b := setup(t, func(c *kie.Config) { c.ReadRetry.Attempts = 1 })
	ct, err := b.client.GenerateMusic(ctxT(t), sunoRequest("https://bot.example.com/cb"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := b.client.MusicRecordInfo(ctxT(t), ct.TaskID); err != nil {
			t.Fatalf("query %d: %v", i+1, err)
		}
	}
	if _, err := b.client.MusicRecordInfo(ctxT(t), ct.TaskID); !errors.Is(err, kie.ErrRateLimited) {
		t.Errorf("4th query in a second: %v", err)
	}
	b.srv.Advance(time.Second)
	if _, err := b.client.MusicRecordInfo(ctxT(t), ct.TaskID); err != nil {
		t.Errorf("after a second: %v", err)
	}
}
