package kie

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Headers Kie adds to callbacks once a webhook HMAC key is generated in its
// settings.
const (
	HeaderWebhookTimestamp = "X-Webhook-Timestamp"
	HeaderWebhookSignature = "X-Webhook-Signature"
)

// DefaultCallbackWindow is how far a callback's timestamp may be from now.
const DefaultCallbackWindow = 5 * time.Minute

// CallbackHint is what a callback claims. It is a HINT and nothing more:
// Kie's signature covers only the task id and the timestamp, never the body,
// so a captured signature can be replayed with a forged state or forged
// result URLs. Use the hint to decide which task to look at, then re-read
// the task with Client.RecordInfo and charge or deliver only from that
// record.
type CallbackHint struct {
	// TaskID is data.taskId (market models) or data.task_id (Suno, Runway).
	TaskID string
	// ClaimedState is data.state when it is a known state, else "" (Suno
	// callbacks carry callbackType instead).
	ClaimedState State
	// CallbackType is Suno's data.callbackType ("text", "first",
	// "complete", "error"), else "".
	CallbackType string
	// Code is the envelope code: 200 for success, 501 for failure.
	Code int
	// Verified is true when an HMAC key was given and the signature and
	// timestamp checked out; false when no key was configured.
	Verified bool
}

// VerifyCallback checks a Kie callback and extracts its hint. With a
// non-empty hmacKey the X-Webhook-Signature header must be the standard
// base64 HMAC-SHA256 of taskId + "." + X-Webhook-Timestamp, and the
// timestamp (Unix seconds) must lie within window of now (window <= 0 means
// DefaultCallbackWindow); failures match ErrBadSignature. Without a key the
// body is only parsed. A body naming no task matches ErrMalformedCallback.
//
// Whatever it returns, re-read the task with RecordInfo before acting.
func VerifyCallback(hmacKey []byte, header http.Header, body []byte, now time.Time, window time.Duration) (CallbackHint, error) {
	hint, err := parseCallback(body)
	if err != nil {
		return CallbackHint{}, fmt.Errorf("%w: %w", ErrMalformedCallback, err)
	}
	if len(hmacKey) == 0 {
		return hint, nil
	}
	ts := header.Get(HeaderWebhookTimestamp)
	sig := header.Get(HeaderWebhookSignature)
	if ts == "" || sig == "" {
		return CallbackHint{}, fmt.Errorf("%w: missing %s or %s header", ErrBadSignature, HeaderWebhookTimestamp, HeaderWebhookSignature)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, callbackMAC(hmacKey, hint.TaskID, ts)) {
		return CallbackHint{}, fmt.Errorf("%w: signature mismatch for task %s", ErrBadSignature, truncate(hint.TaskID, 64))
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return CallbackHint{}, fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, truncate(ts, 32))
	}
	if window <= 0 {
		window = DefaultCallbackWindow
	}
	// Compare in seconds: time.Unix of an absurd value would overflow.
	if skew := now.Unix() - sec; skew > int64(window/time.Second) || -skew > int64(window/time.Second) {
		return CallbackHint{}, fmt.Errorf("%w: timestamp %s is outside ±%s of now", ErrBadSignature, ts, window)
	}
	hint.Verified = true
	return hint, nil
}

// SignCallback returns the header values Kie would send for taskID at time
// at: the timestamp in Unix seconds and the base64 signature. For fakes and
// tests.
func SignCallback(hmacKey []byte, taskID string, at time.Time) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	return timestamp, base64.StdEncoding.EncodeToString(callbackMAC(hmacKey, taskID, timestamp))
}

func callbackMAC(key []byte, taskID, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(taskID + "." + timestamp))
	return m.Sum(nil)
}

func parseCallback(body []byte) (CallbackHint, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return CallbackHint{}, errors.New("body is not a JSON object")
	}
	var env struct {
		Code json.RawMessage `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return CallbackHint{}, fmt.Errorf("decode body: %w", err)
	}
	var data struct {
		TaskID       json.RawMessage `json:"taskId"`
		TaskIDSnake  json.RawMessage `json:"task_id"`
		State        json.RawMessage `json:"state"`
		CallbackType json.RawMessage `json:"callbackType"`
	}
	if d := bytes.TrimSpace(env.Data); len(d) == 0 || d[0] != '{' {
		return CallbackHint{}, errors.New("data is not an object")
	}
	if err := json.Unmarshal(env.Data, &data); err != nil {
		return CallbackHint{}, fmt.Errorf("decode data: %w", err)
	}
	var h CallbackHint
	var err error
	if h.TaskID, err = taskIDOf(data.TaskID, data.TaskIDSnake); err != nil {
		return CallbackHint{}, err
	}
	code, _, err := parseInt64JSON(env.Code)
	if err != nil || code < 0 || code > 999 {
		return CallbackHint{}, fmt.Errorf("bad code %s", truncate(string(env.Code), 20))
	}
	h.Code = int(code)
	if s, err := flexString(data.State); err == nil {
		if st, err := ParseState(s); err == nil {
			h.ClaimedState = st
		}
	}
	h.CallbackType, _ = flexString(data.CallbackType)
	return h, nil
}
