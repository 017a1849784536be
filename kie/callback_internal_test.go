package kie

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestVerifyCallback(t *testing.T) {
	key := []byte("hmac-key")
	now := time.Unix(1767225689, 0)
	body := []byte(`{"code":200,"msg":"Playground task completed successfully.","data":{"taskId":"0d5a","model":"m","state":"success"}}`)
	signed := func(taskID string, at time.Time) http.Header {
		ts, sig := SignCallback(key, taskID, at)
		return http.Header{HeaderWebhookTimestamp: {ts}, HeaderWebhookSignature: {sig}}
	}
	cases := []struct {
		name    string
		key     []byte
		header  http.Header
		body    []byte
		want    error
		checked bool
	}{
		{"valid", key, signed("0d5a", now), body, nil, true},
		{"valid at the window's edge", key, signed("0d5a", now.Add(-5*time.Minute)), body, nil, true},
		{"future within window", key, signed("0d5a", now.Add(4*time.Minute)), body, nil, true},
		{"stale", key, signed("0d5a", now.Add(-5*time.Minute-time.Second)), body, ErrBadSignature, false},
		{"too far ahead", key, signed("0d5a", now.Add(6*time.Minute)), body, ErrBadSignature, false},
		{"signed for another task", key, signed("other", now), body, ErrBadSignature, false},
		{"no headers", key, http.Header{}, body, ErrBadSignature, false},
		{"garbage signature", key, http.Header{HeaderWebhookTimestamp: {"1767225689"}, HeaderWebhookSignature: {"!!"}}, body, ErrBadSignature, false},
		{"non-numeric timestamp", key, http.Header{HeaderWebhookTimestamp: {"soon"}, HeaderWebhookSignature: {sign64(key, "0d5a", "soon")}}, body, ErrBadSignature, false},
		{"no key: parse only", nil, http.Header{}, body, nil, false},
		{"snake task_id", key, signed("s1", now), []byte(`{"code":200,"data":{"callbackType":"complete","task_id":"s1"}}`), nil, true},
		{"no task id", key, signed("", now), []byte(`{"code":200,"data":{}}`), ErrMalformedCallback, false},
		{"not json", nil, nil, []byte(`hello`), ErrMalformedCallback, false},
		{"data not object", nil, nil, []byte(`{"code":200,"data":"x"}`), ErrMalformedCallback, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := VerifyCallback(c.key, c.header, c.body, now, 0)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyCallback: %v", err)
			}
			if h.Verified != c.checked {
				t.Errorf("Verified = %v, want %v", h.Verified, c.checked)
			}
		})
	}
	h, _ := VerifyCallback(key, signed("0d5a", now), body, now, time.Minute)
	if h.TaskID != "0d5a" || h.ClaimedState != StateSuccess || h.Code != 200 {
		t.Errorf("hint = %+v", h)
	}
}

// sign64 signs an arbitrary timestamp string, for malformed-timestamp cases.
func sign64(key []byte, taskID, ts string) string {
	return base64.StdEncoding.EncodeToString(callbackMAC(key, taskID, ts))
}
