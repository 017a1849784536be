package kie_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

// receiver is our side of the callback: it verifies each delivery as the
// bot would, against the fake's clock.
type receiver struct {
	t    *testing.T
	srv  *kietest.Server
	key  []byte
	http *httptest.Server

	mu      sync.Mutex
	hints   []kie.CallbackHint
	errs    []error
	inReply bool // set while a createTask is in flight
	early   int  // deliveries that arrived while inReply
}

func newReceiver(t *testing.T, srv *kietest.Server, key []byte) *receiver {
	r := &receiver{t: t, srv: srv, key: key}
	r.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		hint, err := kie.VerifyCallback(r.key, req.Header, body, srv.Now(), 0)
		r.mu.Lock()
		if r.inReply {
			r.early++
		}
		if err != nil {
			r.errs = append(r.errs, err)
		} else {
			r.hints = append(r.hints, hint)
		}
		r.mu.Unlock()
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"code":200,"msg":"success"}`))
	}))
	t.Cleanup(r.http.Close)
	return r
}

func (r *receiver) results() ([]kie.CallbackHint, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]kie.CallbackHint(nil), r.hints...), append([]error(nil), r.errs...)
}

func TestCallbacks(t *testing.T) {
	key := []byte("webhook-hmac-key")
	cases := []struct {
		name       string
		script     kietest.Script
		deliveries int
		verified   int
		badSig     int
		state      kie.State
	}{
		{name: "success", script: kietest.Script{}, deliveries: 1, verified: 1, state: kie.StateSuccess},
		{name: "failure", script: kietest.Script{Outcome: kietest.Fail, FailCode: "SENSITIVE_WORD_ERROR"}, deliveries: 1, verified: 1, state: kie.StateFail},
		{name: "duplicates", script: kietest.Script{Callback: kietest.CallbackScript{Duplicates: 2}}, deliveries: 3, verified: 3, state: kie.StateSuccess},
		{name: "bad signature", script: kietest.Script{Callback: kietest.CallbackScript{BadSignature: true}}, deliveries: 1, badSig: 1},
		{name: "stale timestamp", script: kietest.Script{Callback: kietest.CallbackScript{StaleTimestamp: true}}, deliveries: 1, badSig: 1},
		{name: "before the response", script: kietest.Script{Waiting: time.Minute, Callback: kietest.CallbackScript{BeforeResponse: true}}, deliveries: 1, verified: 1, state: kie.StateSuccess},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t)
			b.srv.SetHMACKey(key)
			rcv := newReceiver(t, b.srv, key)
			b.srv.ScriptNext(c.script)
			req := nanoBanana()
			req.CallbackURL = rcv.http.URL + "/kie/callback?job=42"
			rcv.mu.Lock()
			rcv.inReply = true
			rcv.mu.Unlock()
			id := create(t, b, req)
			rcv.mu.Lock()
			rcv.inReply = false
			early := rcv.early
			rcv.mu.Unlock()
			if c.script.Callback.BeforeResponse && early != 1 {
				t.Errorf("%d deliveries before the createTask response, want 1", early)
			}
			ds, err := b.srv.WaitCallbacks(ctxT(t), c.deliveries)
			if err != nil {
				t.Fatal(err)
			}
			hints, errs := rcv.results()
			if len(ds) != c.deliveries || len(hints) != c.verified || len(errs) != c.badSig {
				t.Fatalf("deliveries %d, verified %d, rejected %d (%v); want %d, %d, %d", len(ds), len(hints), len(errs), errs, c.deliveries, c.verified, c.badSig)
			}
			for _, e := range errs {
				if !errors.Is(e, kie.ErrBadSignature) {
					t.Errorf("rejection %v, want ErrBadSignature", e)
				}
			}
			for _, h := range hints {
				if h.TaskID != id || !h.Verified || h.ClaimedState != c.state {
					t.Errorf("hint %+v, want verified %s for %s", h, c.state, id)
				}
			}
			if c.badSig > 0 && ds[0].Status != http.StatusUnauthorized {
				t.Errorf("receiver answered %d, want 401", ds[0].Status)
			}
		})
	}
}

// TestForgedCallbackIsOnlyAHint: the signature covers the task id, not the
// body, so a forged "success" verifies. The record read afterwards tells the
// truth, which is why callers must re-read.
func TestForgedCallbackIsOnlyAHint(t *testing.T) {
	key := []byte("k")
	b := setup(t)
	b.srv.SetHMACKey(key)
	rcv := newReceiver(t, b.srv, key)
	b.srv.ScriptNext(kietest.Script{Outcome: kietest.Fail, Callback: kietest.CallbackScript{ForgedBody: true}})
	req := nanoBanana()
	req.CallbackURL = rcv.http.URL
	id := create(t, b, req)
	if _, err := b.srv.WaitCallbacks(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	hints, _ := rcv.results()
	if len(hints) != 1 || hints[0].ClaimedState != kie.StateSuccess {
		t.Fatalf("hints %+v, want one verified (forged) success claim", hints)
	}
	if task := read(t, b, id); task.State != kie.StateFail {
		t.Errorf("record state %q, want fail: the record, not the callback, decides", task.State)
	}
}

// TestCallbackDelayedAndSkipped: a delayed callback waits for the fake clock;
// a skipped one never comes; without a key, callbacks are parsed unverified.
func TestCallbackDelayedAndSkipped(t *testing.T) {
	b := setup(t)
	rcv := newReceiver(t, b.srv, nil)
	b.srv.ScriptNext(kietest.Script{Callback: kietest.CallbackScript{Skip: true}})
	b.srv.ScriptNext(kietest.Script{Callback: kietest.CallbackScript{Delay: time.Minute}})
	req := nanoBanana()
	req.CallbackURL = rcv.http.URL
	create(t, b, req)
	delayed := create(t, b, req)
	if n := len(b.srv.Callbacks()); n != 0 {
		t.Fatalf("%d callbacks before the delay passed", n)
	}
	b.srv.Advance(time.Minute)
	if _, err := b.srv.WaitCallbacks(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	hints, _ := rcv.results()
	if len(hints) != 1 || hints[0].TaskID != delayed || hints[0].Verified {
		t.Errorf("hints %+v, want one unverified hint for %s", hints, delayed)
	}
}

// TestSunoCallbacks: text → first → complete, keyed by data.task_id.
func TestSunoCallbacks(t *testing.T) {
	key := []byte("suno-key")
	b := setup(t)
	b.srv.SetHMACKey(key)
	rcv := newReceiver(t, b.srv, key)
	b.srv.ScriptNext(kietest.Script{URLs: 2})
	id := create(t, b, kie.CreateTaskRequest{Model: "suno/generate-music", CallbackURL: rcv.http.URL, Input: map[string]any{"prompt": "x"}})
	if _, err := b.srv.WaitCallbacks(ctxT(t), 3); err != nil {
		t.Fatal(err)
	}
	hints, errs := rcv.results()
	if len(errs) != 0 || len(hints) != 3 {
		t.Fatalf("hints %+v errs %v", hints, errs)
	}
	for i, typ := range []string{"text", "first", "complete"} {
		if hints[i].CallbackType != typ || hints[i].TaskID != id || !hints[i].Verified {
			t.Errorf("callback %d = %+v, want %s for %s", i, hints[i], typ, id)
		}
	}
}

// TestSignatureCrossCheck: the client's signer and the fake's independent
// one agree, on a vector computed by hand (printf 'abc.1700000000' |
// openssl dgst -sha256 -hmac key -binary | base64).
func TestSignatureCrossCheck(t *testing.T) {
	const want = "DVsH2H8WBYDKcDunI2Eou0AuIWKGHhVnNF1NDjQeZCA="
	ts, sig := kie.SignCallback([]byte("key"), "abc", time.Unix(1700000000, 0))
	if ts != "1700000000" || sig != want {
		t.Errorf("SignCallback = %s %s, want 1700000000 %s", ts, sig, want)
	}
	if got := kietest.Sign([]byte("key"), "abc", "1700000000"); got != want {
		t.Errorf("kietest.Sign = %s, want %s", got, want)
	}
}
