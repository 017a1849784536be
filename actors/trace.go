package actors

import "time"

// Stage is a point an update passes on its way through the engine.
type Stage int

// The stages, in the order an update passes them.
const (
	StagePolled    Stage = iota // getUpdates returned it
	StageStored                 // the inbox transaction holding it committed
	StageStarted                // its user's actor began handling it
	StageCommitted              // the step it caused committed
	StageSent                   // the Bot API calls it decided were made
	numStages
)

// String names the stage.
func (s Stage) String() string {
	switch s {
	case StagePolled:
		return "polled"
	case StageStored:
		return "stored"
	case StageStarted:
		return "started"
	case StageCommitted:
		return "committed"
	case StageSent:
		return "sent"
	}
	return "unknown"
}

// TraceFunc, when set in PollerConfig and DispatcherConfig, is told when
// an update passes a stage. Benchmarks use it to say where the time of
// slow updates went; it runs on the engine's goroutines, so it must be
// quick and safe for concurrent use.
type TraceFunc func(stage Stage, updateID int64, at time.Time)

func (f TraceFunc) mark(stage Stage, updateID int64) {
	if f != nil {
		f(stage, updateID, time.Now())
	}
}
