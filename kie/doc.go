// Package kie is the Kie.ai HTTP client: paid task creation and polling
// (createTask, recordInfo; Suno's generate and generate/record-info, read
// into the same Task), the credit balance, file uploads, download links,
// the model catalogue, and callback verification. Its fake is kie/kietest.
//
// # Answers and errors
//
// Kie wraps every answer in {"code", "msg", "data"} and often leaves the HTTP
// status at 200 for errors, so the body's code decides, not the status: HTTP
// 200 with code 401 is ErrUnauthorized. A body that is not the envelope
// (a proxy's HTML page, an empty body) is a transient ErrServer. "message" is
// read when "msg" is absent. Errors match one sentinel per meaning
// (ErrUnauthorized, ErrInsufficientCredits, ErrValidation, ErrRateLimited,
// ErrMaintenance, ErrServer, ErrNotFoundYet, ErrNotFound, ErrUsageCap,
// ErrFeatureDisabled, …) via errors.Is, and *APIError carries code, message,
// HTTP status and endpoint. The API key is never part of an error or a log
// line.
//
// A task that failed is not an API error: RecordInfo returns it with
// State == StateFail, and Task.Err turns it into a *TaskError matching
// ErrGenerationFailed (and ErrPromptRejected for content-policy failures).
//
// # Retry policy
//
// Reads — recordInfo, credit, download-url, the catalogue and the JSON
// uploads — are repeated (Config.ReadRetry, default 4 attempts) with
// exponential backoff and jitter on 429, 455, server errors (408, 5xx, a
// non-JSON body) and network errors, including a timed-out attempt. Uploads
// are free and a repeated name overwrites, so they count as reads; a stream
// upload is sent once because its body cannot be replayed.
//
// createTask costs money, and a second request after an ambiguous failure
// can start (and bill) a second task. It is therefore repeated
// (Config.CreateRetry, default 3 attempts) ONLY when Kie certainly did not
// accept it:
//
//   - Kie's envelope says 429 (rate limited: "not queued") or 455
//     (maintenance), or the HTTP status is 429 without an envelope;
//   - the request never got a connection (DNS failure, connection refused,
//     TLS handshake failure), so not a byte of it was sent.
//
// It is NEVER repeated after a timeout, a reset or EOF once the request had a
// connection, a proxy error (502, 504, HTML), a garbled answer, or Kie's own
// "Internal server error". Those failures match ErrMaybeCreated: the task may
// exist and may be billed. Callers must not submit the job again; they wait
// for the callback that carries their job id and reconcile against the
// balance. Clear refusals (401, 402, 422, 433, 505, and 500 naming a bad
// field) do not match ErrMaybeCreated: no task exists.
//
// A client-side limiter keeps createTask under Kie's 20 requests per 10 s
// (Config.CreateTaskLimit/CreateTaskWindow, a sliding window), and catalogue
// calls under 1 per second. Waiting for either sends nothing.
//
// # Task results
//
// recordInfo's resultJson is JSON text (a string holding an object), but has
// been seen as the object itself, as "" and as null; newer answers add the
// parsed response, which wins. Result.URLs collects resultUrls (or Suno's
// data[].audio_url), Result.Object a text model's resultObject. Unknown
// states and malformed records are errors, never panics. Fractional credit
// amounts are decoded exactly (Credits, in micro-credits).
//
// # Callbacks
//
// VerifyCallback checks Kie's optional HMAC (X-Webhook-Signature over
// taskId + "." + X-Webhook-Timestamp, ±5 minutes) and returns a CallbackHint.
// The signature does not cover the body, so the hint only says which task to
// look at: always re-read it with RecordInfo before charging or delivering.
package kie
