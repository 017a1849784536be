package kietest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

// Script a failure, inject a 429, and receive the callback.
func Example() {
	srv := kietest.NewUnstartedServer()
	srv.SetHMACKey([]byte("hmac"))
	srv.ScriptNext(kietest.Script{Generating: 30 * time.Second, Outcome: kietest.Fail,
		FailCode: "SENSITIVE_WORD_ERROR", FailMsg: "prompt flagged"})
	srv.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultRateLimit})
	srv.Start()
	defer srv.Close()

	got := make(chan kie.CallbackHint, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hint, err := kie.VerifyCallback([]byte("hmac"), r.Header, body, srv.Now(), 0)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got <- hint
	}))
	defer hook.Close()

	client, _ := kie.New(kie.Config{APIKey: srv.APIKey, BaseURL: srv.URL, UploadBaseURL: srv.UploadURL,
		CreateRetry: kie.RetryPolicy{BaseDelay: time.Millisecond}})
	ctx := context.Background()
	created, err := client.CreateTask(ctx, kie.CreateTaskRequest{Model: "google/nano-banana",
		CallbackURL: hook.URL + "/kie?job=1", Input: map[string]any{"prompt": "something rude"}})
	fmt.Println(err, srv.Count(kietest.RouteCreateTask), "requests")

	srv.Advance(30 * time.Second)
	hint := <-got
	task, _ := client.RecordInfo(ctx, hint.TaskID) // the callback is only a hint
	fmt.Println(hint.TaskID == created.TaskID, task.State, errors.Is(task.Err(), kie.ErrPromptRejected), task.CreditsConsumed)
	// Output:
	// <nil> 2 requests
	// true fail true 0
}
