package kietest

import "time"

// Outcome is how a scripted task ends.
type Outcome int

// Outcomes.
const (
	Succeed Outcome = iota // success with result URLs (or an object)
	Fail                   // fail with FailCode/FailMsg
	Stuck                  // stays in generating forever
)

// Script is a task's lifecycle. The zero Script succeeds at once, at
// creation, with one result URL and one callback.
//
// The task spends Waiting, then Queuing, then Generating on the fake clock
// in those states; a zero duration skips the state (waiting → generating).
type Script struct {
	Waiting, Queuing, Generating time.Duration
	Outcome                      Outcome

	// URLs is the number of result URLs on success (0 means 1).
	URLs int
	// EmptyResult succeeds with "resultUrls": [] (a failed delivery).
	EmptyResult bool
	// ResultAsObject sends resultJson as an object instead of JSON text.
	ResultAsObject bool
	// NoResponse omits the parsed "response" field (older answers).
	NoResponse bool
	// NullResultJSON sends "resultJson": null instead of "" when there is
	// no result.
	NullResultJSON bool

	// FailCode and FailMsg for Fail; default "500" / "Internal server
	// error". Use "SENSITIVE_WORD_ERROR" or "400" for content policy.
	FailCode, FailMsg string
	// BillsAnyway charges the price even though the task failed (seen in
	// the wild; reconcile against the balance).
	BillsAnyway bool

	// NullRecordQueries answers the first N recordInfo queries with
	// 422 "recordInfo is null", as Kie does for brand-new tasks.
	NullRecordQueries int

	Callback CallbackScript
}

// CallbackScript shapes the callback deliveries of a task (only when the
// createTask request had a callBackUrl).
type CallbackScript struct {
	// Skip sends no callback at all.
	Skip bool
	// Duplicates sends the same callback this many extra times.
	Duplicates int
	// Delay holds the callback this long on the fake clock after the task
	// finished (delivered by the Advance that passes it), e.g. to arrive
	// after polling already saw the result.
	Delay time.Duration
	// BeforeResponse finishes the task at creation and delivers its
	// callback before the createTask response is written.
	BeforeResponse bool
	// BadSignature signs with the wrong key; StaleTimestamp signs a
	// timestamp ten minutes old; ForgedBody keeps a valid signature but
	// claims success with forged result URLs.
	BadSignature, StaleTimestamp, ForgedBody bool
}

func (sc Script) total() time.Duration { return sc.Waiting + sc.Queuing + sc.Generating }

// ScriptNext makes the next created task (of any model) follow sc instead of
// its model's script. Calls queue up, one script per task.
func (s *Server) ScriptNext(sc Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, sc)
}

// SetScript sets the default script of a registered model. It panics for an
// unknown model.
func (s *Server) SetScript(model string, sc Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.models[model]
	if !ok {
		panic("kietest: SetScript for unknown model " + model)
	}
	m.Script = sc
}
