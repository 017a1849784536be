package fsm

import "time"

// Types of the console's broadcasts section: its reads (BroadcastFacts and
// their views), the commands a broadcast's screens yield, and the outcome
// the actor feeds back after a preview.

// SectionBroadcasts is the admin menu's broadcasts section. It is listed
// only when Env.Broadcasts is set.
const SectionBroadcasts AdminSection = "broadcasts"

// BroadcastFacts are the broadcasts section's reads. found is false for an
// unknown broadcast, or none active.
type BroadcastFacts interface {
	Broadcasts(n int) ([]BroadcastView, error) // the newest n, newest first
	Broadcast(id int64) (v BroadcastView, found bool, err error)
	ActiveBroadcast() (v BroadcastView, found bool, err error) // sending or paused
	CountAudience(a Audience) (int64, error)                   // who a broadcast to a would reach now
}

// Audience chooses a broadcast's recipients; zero fields match everyone.
// The store's rule leaves out banned users and those who blocked the bot.
type Audience struct {
	PayingOnly bool   `json:"pay,omitempty"`  // users who topped up at least once
	ActiveDays int    `json:"days,omitempty"` // > 0: seen in the last N days
	Language   string `json:"lang,omitempty"` // "", "ru" or "en"
}

// BroadcastDraft is a broadcast as an admin composed it.
type BroadcastDraft struct {
	Text       string   `json:"t"`            // Telegram HTML as typed; the caption when Photo is set
	Photo      string   `json:"p,omitempty"`  // a Telegram file_id
	ButtonText string   `json:"bt,omitempty"` // an optional URL button: both or neither
	ButtonURL  string   `json:"bu,omitempty"`
	Audience   Audience `json:"a"`
}

// BroadcastView is a stored broadcast and its recipients' outcomes.
type BroadcastView struct {
	ID                                      int64
	State                                   string // draft, ready, sending, paused, done, cancelled
	Text                                    string // raw HTML; shown escaped
	Photo                                   bool
	ButtonText, ButtonURL                   string
	Audience                                Audience
	CreatedBy                               int64
	CreatedAt, StartedAt, FinishedAt        time.Time
	Recipients                              int64 // fixed at the start
	Sent, Failed, Blocked, Skipped, Unknown int64
	Left                                    int64 // without an outcome yet
}

// Final reports whether the broadcast is over (done or cancelled).
func (v BroadcastView) Final() bool { return v.State == "done" || v.State == "cancelled" }

// InputOutcome is not from the user: the actor steps the machine again
// with it after carrying out a command whose result decides the next
// screen (a broadcast's preview).
const InputOutcome InputKind = 100

// Outcome is what the actor reports with InputOutcome.
type Outcome struct {
	// Refused is why the preview failed, in Telegram's (or the
	// validator's) words; "" when Telegram took it.
	Refused string
	// Transient: nothing was wrong with the broadcast, the call failed
	// (the network, Telegram's 5xx); trying again may work.
	Transient bool
}

// PreviewBroadcast asks the actor to send Draft, exactly as recipients
// will get it, to the admin's chat — Telegram checks its HTML there — and
// then to step the machine again with an InputOutcome. It writes nothing.
type PreviewBroadcast struct{ Draft BroadcastDraft }

// LaunchBroadcast: the admin confirmed a previewed draft. The actor stores
// it and starts it in the update's transaction, audited under Key (a
// second tap on the same confirmation yields the same Key and starts
// nothing more), and shows its progress in place of the confirmation.
type LaunchBroadcast struct {
	Draft BroadcastDraft
	Key   string
}

// BroadcastControl is what an admin does to a running broadcast.
type BroadcastControl string

// The controls.
const (
	BroadcastPause  BroadcastControl = "pause"
	BroadcastResume BroadcastControl = "resume"
	BroadcastCancel BroadcastControl = "cancel"
)

// ControlBroadcast asks the actor to pause, resume or cancel broadcast ID,
// audited under Key, and to show its progress in place of the message
// whose button was pressed. A control that no longer applies (a double
// tap, a broadcast that finished meanwhile) changes nothing and shows the
// broadcast as it is.
type ControlBroadcast struct {
	ID   int64
	Kind BroadcastControl
	Key  string
}

func (PreviewBroadcast) isCommand() {}
func (LaunchBroadcast) isCommand()  {}
func (ControlBroadcast) isCommand() {}
