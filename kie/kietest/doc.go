// Package kietest is a fake Kie.ai for tests, in the manner of
// net/http/httptest: real HTTP servers on loopback that the real kie client
// is pointed at, with no seam in production code. It does not import
// testing, so examples, benchmarks and local runs can use it too.
//
//	srv := kietest.NewServer()
//	defer srv.Close()
//	client, _ := kie.New(kie.Config{APIKey: srv.APIKey, BaseURL: srv.URL, UploadBaseURL: srv.UploadURL})
//
// NewUnstartedServer lets a test script models, outcomes and faults before
// the first request; every setter also works after Start.
//
// # Listeners
//
// URL serves the API (createTask, recordInfo, Suno's generate and
// generate/record-info, credit, download-url and the catalogue), UploadURL the three upload endpoints (a separate listener, as
// Kie's upload host is, so a client that mixes them up fails), and CDNURL the
// result and uploaded files, without auth. Every API and upload call needs
// "Authorization: Bearer <APIKey>"; anything else (an "apikey" header, a
// wrong key) gets code 401.
//
// Errors come, like Kie's, as HTTP 200 with the error in the envelope's
// code; SetMirrorStatus copies the code into the HTTP status, SetMessageKey
// says "message" instead of "msg".
//
// # Clock and lifecycle
//
// The fake has its own clock, which starts at the real time and moves only
// with Advance. A task spends its Script's Waiting, Queuing and Generating
// durations in those states (a zero duration skips the state) and then
// succeeds or fails; Stuck stays in generating. On completion the balance
// is charged (the price on success, 0 on failure unless BillsAnyway), result
// files appear on the CDN, and the callback goes out. CompleteTask and
// FailTask end a task at once. The default models carry plausible durations;
// the zero Script, and so any Model registered without one, finishes at
// creation.
//
// Rate limits run on the same clock: 20 createTask per 10 s and 10
// recordInfo per second (DefaultLimits). A test that polls in a loop
// without Advance will meet the 429; call SetLimits(Limits{}) to lift them.
//
// createTask checks in Kie's order: auth 401; usage cap 433, maintenance
// 455, feature disabled 505; the 20-per-10-s window 429 (nothing created);
// unknown model 422 with MsgUnknownModel; a missing required field 500
// "<field> is required" (or 422 per model); balance below price 402
// "Credits insufficient"; then a 32-hex taskId equal to recordId, with
// param holding the request body.
//
// # Callbacks
//
// With a callBackUrl, one POST goes out when the task ends, with Kie's body
// (code 200 "Playground task completed successfully." or 501 "Playground
// task failed."), signed (X-Webhook-Timestamp, X-Webhook-Signature) when
// SetHMACKey was called. Music models send Suno's text, first and complete
// callbacks keyed by data.task_id. CallbackScript adds duplicates, delays (on
// the fake clock), delivery before the createTask response, none at all, a
// bad signature, a stale timestamp, or a forged body under a valid
// signature. Deliveries run on goroutines the server owns, with a 15 s
// timeout each and no retry; Callbacks and WaitCallbacks report them, and
// Close waits for them.
//
// # Suno
//
// Models added with Suno set (the defaults V4 and V5) are served on Suno's
// own API, by their ID as "model": POST /api/v1/generate takes the inputs
// at the top level, requires callBackUrl, customMode and instrumental, and
// applies the docs' parameter guide (prompt without customMode, style and
// title with it, lyrics unless instrumental; the length limits of each
// version). GET /api/v1/generate/record-info answers PENDING while waiting
// or queued, TEXT_SUCCESS then FIRST_SUCCESS (one track streamable, no
// audioUrl yet) while generating, then SUCCESS with two tracks in
// response.sunoData[], or a failure status (FailCode "SENSITIVE_WORD_ERROR",
// "CREATE_TASK_FAILED", … else GENERATE_AUDIO_FAILED) with errorCode and
// errorMessage; 3 queries a second per task. Suno tasks are not market
// tasks: createTask refuses a Suno version and recordInfo does not know
// its tasks. Codes for Suno-specific refusals and for an unknown task id
// are not documented; the fake answers as the market endpoints do.
//
// # Faults
//
// Inject queues failures for a route: 429, 455, 402, an envelope 500, HTML
// 500/502/504 from a "proxy", a connection reset, a delay past the client's
// timeout, truncated JSON. With AfterHandling the real handler runs first,
// so the task exists although the client sees a failure: the case in which
// a careless client pays twice. SetRandomFaults draws faults at a rate from
// a seeded generator. Requests and Count record every request as it
// arrived, faulted or not.
//
// # Not emulated
//
// The other per-family endpoints (Veo, Runway, 4o Image, Flux Kontext,
// Midjourney, Luma) and Suno's other operations (extend, covers, lyrics,
// WAV, …), the success-rate catalogue route and the
// catalogue's 1 request/s limit, successFlag, param with a stringified
// input, Kie's own callback retries (undocumented), a forged body for Suno
// callbacks, and a simulated 30 s fetch timeout for file-url-upload (the fake
// really fetches, with a real 30 s timeout).
package kietest
