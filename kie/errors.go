package kie

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, one per meaning. Errors returned by the Client match them
// with errors.Is; *APIError carries the detail (errors.As).
var (
	// ErrUnauthorized: the API key is missing, invalid or not allowed from
	// this IP (code 401). Alert the operator; retrying cannot help.
	ErrUnauthorized = errors.New("kie: unauthorized (check KIE_API_KEY)")
	// ErrInsufficientCredits: the Kie account balance is too low (code 402,
	// "Credits insufficient"). No task was created.
	ErrInsufficientCredits = errors.New("kie: insufficient credits")
	// ErrValidation: Kie rejected the request itself (codes 400 and 422, and
	// code 500 whose message names a missing or invalid field). Permanent.
	ErrValidation = errors.New("kie: request rejected as invalid")
	// ErrRateLimited: too many requests (code 429). Kie did not queue the
	// request, so repeating it later is safe.
	ErrRateLimited = errors.New("kie: rate limited")
	// ErrMaintenance: Kie is under maintenance (code 455). Retry later.
	ErrMaintenance = errors.New("kie: under maintenance")
	// ErrServer: a server-side or proxy failure (codes 408, 500 and 502-504,
	// or a body that is not Kie's JSON envelope). Reads retry it.
	ErrServer = errors.New("kie: server error")
	// ErrGenerationFailed: the task itself failed (code 501, or a finished
	// task that failed or delivered no result); see Task.Err.
	ErrGenerationFailed = errors.New("kie: generation failed")
	// ErrPromptRejected: the task failed on content policy (a subset of
	// ErrGenerationFailed); see Task.ContentPolicyFailure.
	ErrPromptRejected = errors.New("kie: prompt rejected by content policy")
	// ErrNotFoundYet: recordInfo answered "recordInfo is null" (code 422).
	// Kie says so for unknown ids and, briefly, for brand-new ones: tolerate
	// a few right after creation, then treat the task as lost.
	ErrNotFoundYet = errors.New("kie: task record not available yet")
	// ErrNotFound: the task, model or endpoint does not exist (code 404).
	ErrNotFound = errors.New("kie: not found")
	// ErrUsageCap: the key's hourly, daily or total cap is spent (code 433).
	ErrUsageCap = errors.New("kie: api key usage cap exceeded")
	// ErrFeatureDisabled: the feature is switched off for the account (505).
	ErrFeatureDisabled = errors.New("kie: feature disabled")

	// ErrMaybeCreated is returned by CreateTask when the request may have
	// reached Kie but no clear answer came back (a timeout, a reset after the
	// request was sent, a proxy error, a garbled success). Kie may be running
	// — and billing — the task. Do NOT create it again: wait for the
	// callback carrying your job id, and reconcile against the balance.
	ErrMaybeCreated = errors.New("kie: task may have been created; do not resubmit")
	// ErrMalformedResponse: a success answer whose data cannot be decoded
	// (missing fields, an unknown task state, a bad result URL). A body that
	// is not JSON at all is an *APIError matching both this and ErrServer.
	ErrMalformedResponse = errors.New("kie: malformed response")

	// ErrBadSignature: a callback's HMAC headers are missing, wrong or
	// outside the time window. Answer 401 and ignore the body.
	ErrBadSignature = errors.New("kie: callback signature invalid")
	// ErrMalformedCallback: a callback body that is not Kie's callback JSON
	// or names no task.
	ErrMalformedCallback = errors.New("kie: malformed callback")
)

// APIError is an answer from Kie (or a proxy in front of it) that is not a
// success. Code is the envelope's code, or 0 when the body was not Kie's JSON
// envelope; HTTPStatus is the HTTP status, which Kie often leaves at 200 even
// for errors. Msg is Kie's message (or the start of a non-JSON body) with the
// API key masked. It matches the sentinel for its meaning via errors.Is.
type APIError struct {
	Code       int
	Msg        string
	HTTPStatus int
	Endpoint   string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kie %s: ", e.Endpoint)
	if e.Code != 0 {
		fmt.Fprintf(&b, "code %d", e.Code)
	} else {
		b.WriteString("unexpected response")
	}
	fmt.Fprintf(&b, " (http %d)", e.HTTPStatus)
	if e.Msg != "" {
		fmt.Fprintf(&b, ": %s", e.Msg)
	}
	if errors.Is(e, ErrUnauthorized) {
		b.WriteString(" (check KIE_API_KEY)")
	}
	return b.String()
}

// Is reports whether target is the sentinel for this error's meaning.
func (e *APIError) Is(target error) bool {
	for _, s := range e.sentinels() {
		if s == target {
			return true
		}
	}
	return false
}

// sentinels maps Kie's codes to meanings (reference §2). Without an envelope
// code the HTTP status decides; a body that is not the envelope under a 2xx
// status is a server fault.
func (e *APIError) sentinels() []error {
	code := e.Code
	if code == 0 {
		code = e.HTTPStatus
		if code < 400 {
			return []error{ErrServer, ErrMalformedResponse}
		}
	}
	msg := strings.ToLower(e.Msg)
	switch code {
	case 400:
		return []error{ErrValidation}
	case 401, 403:
		return []error{ErrUnauthorized}
	case 402:
		return []error{ErrInsufficientCredits}
	case 404:
		return []error{ErrNotFound}
	case 422:
		if strings.Contains(msg, "recordinfo is null") {
			return []error{ErrNotFoundYet}
		}
		return []error{ErrValidation}
	case 429:
		return []error{ErrRateLimited}
	case 433:
		return []error{ErrUsageCap}
	case 455:
		return []error{ErrMaintenance}
	case 500:
		// Kie answers bad input with 500 "<field> is required" in practice.
		if looksLikeInputError(msg) {
			return []error{ErrValidation}
		}
		return []error{ErrServer}
	case 501:
		return []error{ErrGenerationFailed}
	case 505:
		return []error{ErrFeatureDisabled}
	}
	if code == 408 || code >= 500 {
		return []error{ErrServer}
	}
	return nil
}

func looksLikeInputError(lowerMsg string) bool {
	for _, s := range []string{"is required", "invalid", "must be", "not supported", "not allowed"} {
		if strings.Contains(lowerMsg, s) {
			return true
		}
	}
	return false
}

// retryable reports whether a read may be repeated after this error.
func (e *APIError) retryable() bool {
	return errors.Is(e, ErrRateLimited) || errors.Is(e, ErrMaintenance) || errors.Is(e, ErrServer)
}

// certainlyNotAccepted reports whether Kie (not a proxy guessing) said the
// request was refused before any work was queued: 429 and 455 in Kie's own
// envelope, or an HTTP 429 status (a rate limiter rejects before forwarding).
func (e *APIError) certainlyNotAccepted() bool {
	switch {
	case e.Code == 429 || e.Code == 455:
		return true
	case e.Code == 0 && e.HTTPStatus == 429:
		return true
	}
	return false
}

// TaskError describes a finished task that did not deliver: Kie's failCode
// and failMsg, or a success without results. It matches ErrGenerationFailed,
// and also ErrPromptRejected when the failure is a content-policy rejection.
type TaskError struct {
	TaskID   string
	FailCode string
	FailMsg  string
	// PromptRejected is true for content-policy failures.
	PromptRejected bool
}

func (e *TaskError) Error() string {
	what := "generation failed"
	if e.PromptRejected {
		what = "prompt rejected"
	}
	return fmt.Sprintf("kie task %s: %s: failCode %q: %s", e.TaskID, what, e.FailCode, e.FailMsg)
}

// Is matches ErrGenerationFailed, and ErrPromptRejected for policy failures.
func (e *TaskError) Is(target error) bool {
	return target == ErrGenerationFailed || (e.PromptRejected && target == ErrPromptRejected)
}
