package shop

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/store"
)

// Kie's callbacks, on a shop that serves the callback route: one arriving
// before createTask has even answered, and one delivered three times, each
// end in one delivery and one capture; forged callbacks (a job id without
// our signature, a bad HMAC, a forged body under a valid signature) are
// refused or come to nothing, since every decision re-reads the task.
func TestShopKieCallbacks(t *testing.T) {
	t.Parallel()
	const welcome = 10_00
	hmacKey := []byte("kie-webhook-hmac-key")

	setup := func(t *testing.T) (*shop, *client, context.Context) {
		s := newShop(t, shopOptions{welcome: welcome, callbacks: true, hmacKey: hmacKey})
		ctx := actorstest.Context(t, 60*time.Second)
		s.startShop("a", shopOptions{})
		return s, s.newClient(ctx, "Ann", "en"), ctx
	}
	// settledOnce checks the single job ended as want, its money moved
	// once, and the user saw n results.
	settledOnce := func(t *testing.T, s *shop, c *client, ctx context.Context, want store.JobState, results int) {
		t.Helper()
		js := s.waitSettled(ctx)
		if len(js) != 1 || js[0].State != string(want) {
			t.Fatalf("jobs %+v, want one %s", js, want)
		}
		settle := "release"
		if want == store.JobSucceeded {
			settle = "capture"
		}
		if s.entries(ctx, js[0].ID, settle) != 1 || s.entries(ctx, js[0].ID, "") != 2 {
			t.Errorf("job %d: %d entries, want a hold and one %s", js[0].ID, s.entries(ctx, js[0].ID, ""), settle)
		}
		if n := c.countSent(isMedia); n != results {
			t.Errorf("%d results delivered, want %d\n%s", n, results, c.transcript())
		}
		if n := s.kie.Count(kietest.RouteCreateTask); n != 1 {
			t.Errorf("createTask sent %d times", n)
		}
		s.checkBooks(ctx)
	}

	t.Run("early callback", func(t *testing.T) {
		t.Parallel()
		s, c, ctx := setup(t)
		confirmation := c.mustOrder("z-image")
		s.kie.ScriptNext(kietest.Script{Callback: kietest.CallbackScript{BeforeResponse: true}})
		since := c.mark()
		c.confirm(confirmation)
		c.waitResult(since)
		cbs, err := s.kie.WaitCallbacks(ctx, 1)
		if err != nil || cbs[0].Status != http.StatusOK {
			t.Fatalf("callbacks %+v: %v", cbs, err)
		}
		settledOnce(t, s, c, ctx, store.JobSucceeded, 1)
	})

	t.Run("duplicate callbacks", func(t *testing.T) {
		t.Parallel()
		s, c, ctx := setup(t)
		confirmation := c.mustOrder("z-image")
		s.kie.ScriptNext(kietest.Script{Generating: time.Hour, Callback: kietest.CallbackScript{Duplicates: 2}})
		since := c.mark()
		c.confirm(confirmation)
		job := s.waitJobState(ctx, store.JobRunning)
		s.kie.CompleteTask(job.TaskID)
		cbs, err := s.kie.WaitCallbacks(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, cb := range cbs {
			if cb.Status != http.StatusOK {
				t.Errorf("callback answered %d", cb.Status)
			}
		}
		c.waitResult(since)
		settledOnce(t, s, c, ctx, store.JobSucceeded, 1)
	})

	t.Run("forged callbacks", func(t *testing.T) {
		t.Parallel()
		s, c, ctx := setup(t)
		confirmation := c.mustOrder("z-image")
		// Kie signs this task's callback with a wrong key, and forges a
		// success into its body.
		s.kie.ScriptNext(kietest.Script{Generating: time.Hour, Callback: kietest.CallbackScript{BadSignature: true}})
		since := c.mark()
		c.confirm(confirmation)
		job := s.waitJobState(ctx, store.JobRunning)

		post := func(query string, header http.Header) int {
			t.Helper()
			body := fmt.Sprintf(`{"code":200,"msg":"success","data":{"taskId":%q,"state":"success","resultJson":"{\"resultUrls\":[\"https://forged.invalid/x.png\"]}"}}`, job.TaskID)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.callbackURL+CallbackPath+query, bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		sig := SignJobID([]byte(testCallbackKey), job.ID)
		now := fmt.Sprint(s.kie.Now().Unix())
		for _, tc := range []struct {
			name   string
			query  string
			header http.Header
		}{
			{"no signature", fmt.Sprintf("?job=%d", job.ID), nil},
			{"another job's signature", fmt.Sprintf("?job=%d&sig=%s", job.ID, SignJobID([]byte(testCallbackKey), job.ID+1)), nil},
			{"signed with another key", fmt.Sprintf("?job=%d&sig=%s", job.ID, SignJobID([]byte("guess"), job.ID)), nil},
			{"no HMAC", fmt.Sprintf("?job=%d&sig=%s", job.ID, sig), nil},
			{"bad HMAC", fmt.Sprintf("?job=%d&sig=%s", job.ID, sig), http.Header{
				"X-Webhook-Timestamp": {now}, "X-Webhook-Signature": {kietest.Sign([]byte("wrong"), job.TaskID, now)}}},
		} {
			if code := post(tc.query, tc.header); code != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", tc.name, code)
			}
		}
		// A valid signature over a forged body: accepted as a hint, but
		// the task is re-read and is still generating.
		valid := http.Header{"X-Webhook-Timestamp": {now}, "X-Webhook-Signature": {kietest.Sign(hmacKey, job.TaskID, now)}}
		if code := post(fmt.Sprintf("?job=%d&sig=%s", job.ID, sig), valid); code != http.StatusOK {
			t.Fatalf("validly signed callback: %d", code)
		}
		polls := s.kie.Count(kietest.RouteRecordInfo)
		if err := waitUntil(ctx, func() (bool, error) { return s.kie.Count(kietest.RouteRecordInfo) > polls+2, nil }); err != nil {
			t.Fatal(err)
		}
		if j := s.jobs(ctx)[0]; j.State != string(store.JobRunning) {
			t.Fatalf("after forged callbacks the job is %s", j.State)
		}
		// Kie's own badly signed callback is refused; polling settles.
		s.kie.FailTask(job.TaskID, "500", "Internal server error")
		cbs, err := s.kie.WaitCallbacks(ctx, 1)
		if err != nil || cbs[0].Status != http.StatusUnauthorized {
			t.Fatalf("badly signed callback: %+v %v", cbs, err)
		}
		c.waitNew(since, "The money is back")
		settledOnce(t, s, c, ctx, store.JobFailed, 0)
		if n := c.countSent(func(m telegramtest.Message) bool { return strings.Contains(m.Text, "forged.invalid") }); n != 0 {
			t.Fatal("a forged result URL reached the user")
		}
	})
}

// A task is adopted for a job only if Kie's record of it carries that
// job's signed callback URL, however the JSON escapes it.
func TestTaskNamesJob(t *testing.T) {
	key := []byte("k")
	sig := SignJobID(key, 7)
	cases := []struct {
		name  string
		param string
		want  bool
	}{
		{"escaped ampersand", `{"callBackUrl":"https://bot.example/kie/callback?job=7\u0026sig=` + sig + `"}`, true},
		{"plain ampersand", `{"callBackUrl":"https://bot.example/kie/callback?job=7&sig=` + sig + `"}`, true},
		{"another job", `{"callBackUrl":"https://bot.example/kie/callback?job=8&sig=` + sig + `"}`, false},
		{"bad signature", `{"callBackUrl":"https://bot.example/kie/callback?job=7&sig=00` + sig[2:] + `"}`, false},
		{"no callback", `{"model":"z-image"}`, false},
		{"not JSON", `job=7&sig=` + sig, false},
	}
	for _, tc := range cases {
		if got := taskNamesJob(tc.param, key, 7); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
