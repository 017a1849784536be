package actors

import dto "github.com/prometheus/client_model/go"

// MaxAttempts is how often an update is tried before the user gets an
// apology, for the external tests.
const MaxAttempts = maxAttempts

const testBotToken = "5550001:AAtestTOKENforLEADERtests_abcdefgh"

func counterValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// SetCommitFault makes the dispatcher's actors see an error after a
// successful commit of the updates f returns an error for (a lost answer).
func SetCommitFault(c *DispatcherConfig, f func(updateID int64) error) { c.commitFault = f }
