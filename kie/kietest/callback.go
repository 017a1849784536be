package kietest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// CallbackDelivery records one callback POST.
type CallbackDelivery struct {
	TaskID string
	URL    string
	Header http.Header
	Body   []byte
	// Status is the receiver's HTTP status, 0 when the request failed (Err).
	Status int
	Err    error
}

// Callbacks returns every delivery so far, in completion order.
func (s *Server) Callbacks() []CallbackDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackDelivery(nil), s.callbacks...)
}

// WaitCallbacks blocks until at least n deliveries have completed.
func (s *Server) WaitCallbacks(ctx context.Context, n int) ([]CallbackDelivery, error) {
	var out []CallbackDelivery
	err := s.waitUntil(ctx, func() bool {
		out = append([]CallbackDelivery(nil), s.callbacks...)
		return len(out) >= n
	})
	return out, err
}

// callbackMsg is a prepared POST: built under the lock, sent without it.
type callbackMsg struct {
	taskID string
	url    string
	header http.Header
	body   []byte
}

// deliverLocked starts a goroutine sending t's callbacks in order. done, if
// not nil, is closed when they are all sent. Nothing starts once Close began.
func (s *Server) deliverLocked(t *task, done chan struct{}) {
	if s.closed {
		if done != nil {
			close(done)
		}
		return
	}
	msgs := s.callbackMsgsLocked(t)
	timeout := s.opts.callbackTimeout
	s.cbWG.Add(1)
	go func() {
		defer s.cbWG.Done()
		if done != nil {
			defer close(done)
		}
		for _, m := range msgs {
			s.send(m, timeout)
		}
	}()
}

func (s *Server) send(m callbackMsg, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(s.cbCtx, timeout)
	defer cancel()
	d := CallbackDelivery{TaskID: m.taskID, URL: m.url, Header: m.header, Body: m.body}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url, bytes.NewReader(m.body))
	if err == nil {
		req.Header = m.header.Clone()
		var resp *http.Response
		resp, err = s.cbTransport.RoundTrip(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	d.Err = err
	s.mu.Lock()
	s.callbacks = append(s.callbacks, d)
	s.notifyLocked()
	s.mu.Unlock()
}

// callbackMsgsLocked builds the § 6.1 bodies (or Suno's text → first →
// complete sequence), signed per § 6.2 when a key is set, with the task's
// script knobs applied.
func (s *Server) callbackMsgsLocked(t *task) []callbackMsg {
	cb := t.script.Callback
	var bodies [][]byte
	if t.output == Music {
		bodies = s.sunoBodiesLocked(t)
	} else {
		rec := s.recordLocked(t)
		code, msg := 200, "Playground task completed successfully."
		if t.state == "fail" {
			code, msg = 501, "Playground task failed."
			delete(rec, "resultJson")
			delete(rec, "response")
		}
		if cb.ForgedBody {
			forged, _ := json.Marshal(map[string]any{"resultUrls": []string{"https://forged.invalid/evil.png"}})
			code, msg = 200, "Playground task completed successfully."
			rec["state"], rec["resultJson"], rec["failCode"], rec["failMsg"] = "success", string(forged), "", ""
		}
		b, _ := json.Marshal(map[string]any{"code": code, "msg": msg, "data": rec})
		bodies = [][]byte{b}
	}
	var out []callbackMsg
	for range 1 + max(cb.Duplicates, 0) {
		for _, b := range bodies {
			h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"kietest-callback"}}
			if len(s.opts.hmacKey) > 0 {
				at, key := s.now, s.opts.hmacKey
				if cb.StaleTimestamp {
					at = at.Add(-10 * time.Minute)
				}
				if cb.BadSignature {
					key = []byte("not-the-configured-key")
				}
				ts := strconv.FormatInt(at.Unix(), 10)
				h.Set("X-Webhook-Timestamp", ts)
				h.Set("X-Webhook-Signature", Sign(key, t.id, ts))
			}
			out = append(out, callbackMsg{taskID: t.id, url: t.callbackURL, header: h, body: b})
		}
	}
	return out
}

func (s *Server) sunoBodiesLocked(t *task) [][]byte {
	if t.state == "fail" {
		b, _ := json.Marshal(map[string]any{"code": 501, "msg": t.failMsg,
			"data": map[string]any{"callbackType": "error", "task_id": t.id, "data": nil}})
		return [][]byte{b}
	}
	items := sunoTracks(t, true)
	var out [][]byte
	for _, step := range []struct {
		typ, msg string
		n        int
	}{{"text", "Text generation completed.", 0}, {"first", "First track completed.", min(1, len(items))}, {"complete", "All generated successfully.", len(items)}} {
		b, _ := json.Marshal(map[string]any{"code": 200, "msg": step.msg,
			"data": map[string]any{"callbackType": step.typ, "task_id": t.id, "data": items[:step.n]}})
		out = append(out, b)
	}
	return out
}

// Sign is Kie's callback signature: standard base64 of HMAC-SHA256 over
// taskID + "." + timestamp. It is written here independently of the kie
// package so the two implementations check each other.
func Sign(key []byte, taskID, timestamp string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(taskID + "." + timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
