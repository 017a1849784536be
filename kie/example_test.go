package kie_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

// Create a task, poll it, and read the bill, against the fake.
func Example() {
	srv := kietest.NewServer()
	defer srv.Close()
	client, err := kie.New(kie.Config{APIKey: srv.APIKey, BaseURL: srv.URL, UploadBaseURL: srv.UploadURL})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	created, err := client.CreateTask(ctx, kie.CreateTaskRequest{
		Model: "z-image",
		Input: map[string]any{"prompt": "a lighthouse at dusk", "aspect_ratio": "16:9"},
	})
	switch {
	case errors.Is(err, kie.ErrMaybeCreated):
		// Never resubmit: wait for the callback, then reconcile.
		return
	case err != nil:
		// Kie refused: no task exists, refund the user.
		return
	}
	task, _ := client.RecordInfo(ctx, created.TaskID)
	fmt.Println(task.State, task.Terminal())

	srv.Advance(time.Minute) // the fake's clock: z-image takes 25 s
	task, _ = client.RecordInfo(ctx, created.TaskID)
	fmt.Println(task.State, len(task.Result.URLs), task.CreditsConsumed, task.Err())

	balance, _ := client.Credits(ctx)
	fmt.Println(balance)
	// Output:
	// waiting false
	// success 1 0.8 <nil>
	// 999.2
}

// A callback handler checks the signature, then treats the body as a hint.
func ExampleVerifyCallback() {
	key := []byte("webhook-hmac-key")
	now := time.Unix(1767225689, 0)
	body := []byte(`{"code":200,"msg":"Playground task completed successfully.",
		"data":{"taskId":"0d5a8c3e61f24b7a9e1c2d3f4a5b6c7d","state":"success"}}`)
	ts, sig := kie.SignCallback(key, "0d5a8c3e61f24b7a9e1c2d3f4a5b6c7d", now.Add(-time.Minute))
	header := http.Header{kie.HeaderWebhookTimestamp: {ts}, kie.HeaderWebhookSignature: {sig}}

	hint, err := kie.VerifyCallback(key, header, body, now, 5*time.Minute)
	fmt.Println(hint.TaskID, hint.ClaimedState, hint.Verified, err)
	// Next: client.RecordInfo(ctx, hint.TaskID) and act on that record only.

	_, err = kie.VerifyCallback(key, header, body, now.Add(time.Hour), 5*time.Minute)
	fmt.Println(errors.Is(err, kie.ErrBadSignature))
	// Output:
	// 0d5a8c3e61f24b7a9e1c2d3f4a5b6c7d success true <nil>
	// true
}
