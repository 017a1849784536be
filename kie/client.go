package kie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// Client talks to Kie.ai. It is safe for concurrent use.
type Client struct {
	cfg       Config
	log       *slog.Logger
	createLim *windowLimiter
	catLim    *rate.Limiter
}

// maxBody caps a response body; OpenAPI schemas are the largest answers.
const maxBody = 16 << 20

// retryMode says which retry rule a call follows (see the package doc).
type retryMode int

const (
	retryRead   retryMode = iota // idempotent: retry 429, 455, 5xx, network errors
	retryCreate                  // paid: retry only what Kie certainly refused
	retryNever                   // one attempt (streamed bodies cannot be replayed)
)

// request is one logical call; body builds a fresh body for each attempt.
type request struct {
	endpoint string // for errors and logs: "createTask", "recordInfo", …
	method   string
	url      string
	upload   bool // UploadTimeout instead of RequestTimeout
	// gate, if set, runs before every attempt (client-side rate limits).
	gate func(context.Context) error
	// body returns the body, its content type, and a cleanup run once the
	// attempt is over (may be nil). nil body func means no body.
	body func() (io.Reader, string, func(), error)
}

func jsonBody(v any) (func() (io.Reader, string, func(), error), error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return func() (io.Reader, string, func(), error) {
		return bytes.NewReader(b), "application/json", nil, nil
	}, nil
}

// transportError is a failure below HTTP: no usable response arrived.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// call runs req with retries and returns the envelope's data on code 200.
func (c *Client) call(ctx context.Context, req request, mode retryMode) (json.RawMessage, error) {
	policy := c.cfg.ReadRetry
	switch mode {
	case retryCreate:
		policy = c.cfg.CreateRetry
	case retryNever:
		policy.Attempts = 1
	}
	for attempt := 1; ; attempt++ {
		if req.gate != nil {
			// Waiting here sends nothing, so giving up here is always safe.
			if err := req.gate(ctx); err != nil {
				return nil, fmt.Errorf("kie %s: wait for rate limit: %w", req.endpoint, err)
			}
		}
		start := time.Now()
		data, sent, err := c.attempt(ctx, req)
		if err == nil {
			c.log.DebugContext(ctx, "kie.Client: request done", "endpoint", req.endpoint, "attempt", attempt, "duration", time.Since(start))
			return data, nil
		}
		retry := mayRetry(mode, err, sent) && attempt < policy.Attempts && ctx.Err() == nil
		if !retry {
			return nil, c.finalError(mode, err, sent)
		}
		backoff := policy.backoff(attempt)
		c.log.ErrorContext(ctx, "kie.Client: attempt failed, retrying", "endpoint", req.endpoint,
			"attempt", attempt, "backoff", backoff, "err", c.scrub(err))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, c.finalError(mode, err, sent)
		case <-t.C:
		}
	}
}

// finalError marks a createTask failure as ErrMaybeCreated when the request
// may have reached Kie and Kie did not clearly refuse it.
func (c *Client) finalError(mode retryMode, err error, sent bool) error {
	if mode == retryCreate && sent && !clearlyRefused(err) {
		return fmt.Errorf("%w: %w", ErrMaybeCreated, err)
	}
	return err
}

// clearlyRefused: Kie answered with its own error envelope meaning "no"
// (any code but a server fault), or a rate limiter said 429 before
// forwarding. Everything else — timeouts, resets, proxy pages, code 500
// "Internal server error" — leaves the task's existence unknown.
func clearlyRefused(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	if ae.certainlyNotAccepted() {
		return true
	}
	return ae.Code != 0 && ae.Code != 200 && !errors.Is(ae, ErrServer)
}

// mayRetry is the retry rule of the package doc.
func mayRetry(mode retryMode, err error, sent bool) bool {
	var ae *APIError
	var te *transportError
	switch mode {
	case retryRead:
		if errors.As(err, &ae) {
			return ae.retryable()
		}
		return errors.As(err, &te)
	case retryCreate:
		if errors.As(err, &ae) {
			return ae.certainlyNotAccepted()
		}
		// No connection was ever handed to the request: not a byte left.
		return errors.As(err, &te) && !sent
	}
	return false
}

func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// attempt sends req once. sent reports whether the request got a connection
// (and so may have reached Kie); it is false only when nothing was written.
func (c *Client) attempt(ctx context.Context, req request) (data json.RawMessage, sent bool, err error) {
	timeout := c.cfg.RequestTimeout
	if req.upload {
		timeout = c.cfg.UploadTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var gotConn atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	})

	var body io.Reader
	var ctype string
	if req.body != nil {
		var cleanup func()
		body, ctype, cleanup, err = req.body()
		if err != nil {
			return nil, false, err
		}
		if cleanup != nil {
			defer cleanup()
		}
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, req.url, body)
	if err != nil {
		return nil, false, fmt.Errorf("build %s request: %w", req.endpoint, err)
	}
	hreq.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "kiebot-kie/1")
	if ctype != "" {
		hreq.Header.Set("Content-Type", ctype)
	}
	resp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return nil, gotConn.Load(), &transportError{err: fmt.Errorf("kie %s: %w", req.endpoint, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, true, &transportError{err: fmt.Errorf("kie %s: read response: %w", req.endpoint, err)}
	}
	if len(raw) > maxBody {
		return nil, true, &APIError{Endpoint: req.endpoint, HTTPStatus: resp.StatusCode, Msg: "response larger than 16 MiB"}
	}
	data, err = c.interpret(req.endpoint, resp.StatusCode, raw)
	if err != nil {
		c.log.DebugContext(ctx, "kie.Client: request failed", "endpoint", req.endpoint, "http_status", resp.StatusCode, "err", c.scrub(err))
	}
	return data, true, err
}

// envelope is Kie's {"code","msg","data"} wrapper.
type envelope struct {
	Code    json.RawMessage `json:"code"`
	Msg     json.RawMessage `json:"msg"`
	Message json.RawMessage `json:"message"`
	Data    json.RawMessage `json:"data"`
	Success *bool           `json:"success"`
}

// interpret applies the envelope rule: a decodable body with a numeric code
// decides, whatever the HTTP status; otherwise the status decides, and a
// body that is not the envelope is a (transient) server fault.
func (c *Client) interpret(endpoint string, status int, raw []byte) (json.RawMessage, error) {
	var env envelope
	code, ok := int64(0), false
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &env) == nil {
		var present bool
		var err error
		code, present, err = parseInt64JSON(env.Code)
		ok = err == nil && present && code > 0 && code < 1000
	}
	if !ok {
		return nil, &APIError{Endpoint: endpoint, HTTPStatus: status, Msg: c.redact(snippet(raw))}
	}
	msg, _ := flexString(env.Msg)
	if msg == "" {
		msg, _ = flexString(env.Message)
	}
	if code != 200 {
		return nil, &APIError{Code: int(code), Msg: c.redact(msg), HTTPStatus: status, Endpoint: endpoint}
	}
	if env.Success != nil && !*env.Success {
		return nil, &APIError{Endpoint: endpoint, HTTPStatus: status, Msg: c.redact("success false with code 200: " + msg)}
	}
	return env.Data, nil
}

// redact masks the API key in text that came from the other side.
func (c *Client) redact(s string) string {
	return strings.ReplaceAll(s, c.cfg.APIKey, "***")
}

// redactedError hides the API key in an error's text while keeping the
// chain for errors.Is and errors.As.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// scrub masks the key wherever a server echoed it into an error (a hostile
// or buggy proxy, a task id, a garbled field quoted in a parse error).
func (c *Client) scrub(err error) error {
	if err == nil || !strings.Contains(err.Error(), c.cfg.APIKey) {
		return err
	}
	return &redactedError{err: err, msg: c.redact(err.Error())}
}

// snippet is the start of a non-JSON body, on one line, for error messages.
func snippet(raw []byte) string {
	if len(raw) == 0 {
		return "empty body"
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(raw[:min(len(raw), 200)]), "")), " ")
	if len(raw) > 200 || !utf8.Valid(raw[:min(len(raw), 200)]) {
		s += "…"
	}
	return "non-JSON body: " + strconv.Quote(s)
}
