package fsm

import "time"

// Types of the operator console: its sections, its reads (AdminFacts and
// the views they return) and its one command (AdminAct).

// AdminSection is one entry of the admin menu.
//
// The menu lists the sections Env.AdminSections gives, in that order,
// skipping any this package has no screens for. Adding a section (the
// broadcasts, say) is three steps: its screens and a case in
// (*turn).openSection, its label in texts_admin.go (sectionLabel), and its
// id in the shop's Config.AdminSections.
type AdminSection string

// The sections the console has screens for.
const (
	SectionStats  AdminSection = "stats"
	SectionUsers  AdminSection = "users"
	SectionJobs   AdminSection = "jobs"
	SectionModels AdminSection = "models"
	SectionAudit  AdminSection = "audit"
)

// DefaultAdminSections is the admin menu when Env.AdminSections is nil.
func DefaultAdminSections() []AdminSection {
	return []AdminSection{SectionStats, SectionUsers, SectionJobs, SectionModels, SectionBroadcasts, SectionAudit}
}

// AdminFacts are the console's reads; the actor answers them through the
// operator service. found is false for an unknown user or order.
type AdminFacts interface {
	Stats(period string) (StatsView, error) // period: "today", "7d" or "30d"
	User(id int64) (v UserView, found bool, err error)
	UserByUsername(username string) (v UserView, found bool, err error)
	Job(id int64) (v JobView, found bool, err error)
	ModelSwitches() ([]ModelSwitchView, error)
	Audit(f AuditFilter, offset, limit int) (lines []AuditLine, more bool, err error)
}

// The statistics periods, in button order.
var statsPeriods = []string{"today", "7d", "30d"}

// Count is a number of things and their total in kopecks.
type Count struct {
	N       int
	Kopecks int64
}

// StatsView is one period of the business.
type StatsView struct {
	Period                             string
	From                               time.Time // the Moscow midnight the period starts at
	NewUsers, ActiveUsers, PayingUsers int
	TopUps                             []MethodCount // by payment method, largest first
	Revenue, JobRefunds, TopUpRefunds  Count         // captured prices; refunds of orders and of Stars
	Adjustments                        Count         // admin corrections, net
	// Kie's charges for the period's finished jobs, in micro-credits.
	KiePaidMicro, KieFreeMicro, KieFailedMicro int64
	Rates                                      bool  // false without USD_RUB_RATE: no rouble costs
	KieKopecks, MarginKopecks                  int64 // valid when Rates
	Jobs                                       map[string]int
	Models                                     []ModelStatView
	// Kie's balance now (KieOK false when it cannot be read) and the days
	// it lasts at the last 7 days' pace (negative: nothing was spent).
	KieOK           bool
	KieBalanceMicro int64
	KieAt           time.Time
	DaysLeft        float64
	// Sources are the campaign links' tags (?start=src_<tag>): users who
	// came by each in the period, and their payers and revenue then.
	Sources []SourceView
}

// SourceView is one campaign tag in a period.
type SourceView struct {
	Source        string // raw; escaped when rendered
	Users, Payers int
	Revenue       int64 // kopecks, paid top-ups net of refunds
}

// MethodCount is the top-ups of one payment method.
type MethodCount struct {
	Method string // "stars", …
	Count
}

// ModelStatView is how one model's finished jobs ended.
type ModelStatView struct {
	ModelID             string
	Finished, Succeeded int
	Failures            []ReasonCount // most frequent first
	// Kie credits quoted and billed (micro) over the jobs Kie reported a
	// charge for; BilledMicro 0: none reported.
	QuotedMicro, BilledMicro int64
}

// ReasonCount is a failure reason and how often it happened.
type ReasonCount struct {
	Reason string
	N      int
}

// UserView is a user's card.
type UserView struct {
	ID                   int64
	FirstName, Username  string // raw; escaped when rendered
	Lang                 string
	JoinedAt, LastSeenAt time.Time
	Available, Held      int64
	IsAdmin              bool
	Banned               bool
	BannedAt             time.Time
	BannedBy             int64
	BanReason            string
	Entries              []LedgerLine // newest first
	Jobs                 []JobLine    // newest first
	TopUps               []TopUpLine  // newest first
}

// TopUpLine is one of a user's invoices or payments.
type TopUpLine struct {
	ID      int64
	At      time.Time
	Stars   int64
	Kopecks int64
	State   string // "pending", "paid", "refunded"
	Method  string
}

// JobView is an order's card.
type JobView struct {
	ID, UserID             int64
	UserName, Username     string
	ModelID, State         string // State as stored: queued, submitting, running, unknown, succeeded, failed, expired
	Params                 map[string]string
	Inputs                 map[string][]string // Kie URLs of the files sent
	PriceKopecks           int64
	Free                   bool
	CostMicro              int64 // the quote's Kie credits
	ConsumedMicro          int64 // Kie's reported creditsConsumed
	TaskID                 string
	CreatedAt, SubmittedAt time.Time
	RunningAt, FinishedAt  time.Time
	DeliveredAt            time.Time
	ResultURLs             []string
	FailCode, FailMsg      string
	Refunded               bool
	RefundedAt             time.Time
	RefundedBy             int64
	// Refundable: an admin may give the price back (a paid success not
	// refunded yet).
	Refundable bool
}

// ModelSwitchView is a model an admin switched off or back on.
type ModelSwitchView struct {
	ModelID string
	Off     bool
	Reason  string
	By      int64
	At      time.Time
}

// AuditFilter narrows the audit log; zero fields match everything.
type AuditFilter struct {
	AdminID int64
	UserID  int64
}

// AuditLine is one audited admin action.
type AuditLine struct {
	ID, AdminID   int64
	Action        string // the operator service's action names
	UserID        int64
	Target        string
	Before, After string
	Reason        string
	At            time.Time
}

// AdminActKind is what an admin confirmed.
type AdminActKind string

// The console's changes.
const (
	ActAdjust   AdminActKind = "adjust"    // UserID, Amount
	ActBan      AdminActKind = "ban"       // UserID
	ActUnban    AdminActKind = "unban"     // UserID
	ActMessage  AdminActKind = "message"   // UserID, Text
	ActRefund   AdminActKind = "refund"    // JobID
	ActModelOff AdminActKind = "model_off" // ModelID
	ActModelOn  AdminActKind = "model_on"  // ModelID
)

// AdminAct is a change an admin confirmed. The actor carries it out through
// the operator service in the update's transaction, audited there, and
// shows the outcome (AdminOutcome) in place of the confirmation. A second
// tap on the same confirmation yields the same AdminAct with the same Key,
// which the service recognises as done.
type AdminAct struct {
	Kind    AdminActKind
	UserID  int64
	JobID   int64
	ModelID string
	Amount  int64 // kopecks, signed
	Reason  string
	Text    string
	Price   *PriceAct // ActConfirmPrice
	Key     string
	// ManualID is the manual top-up an ActManualApprove or
	// ActManualReject decides on (payments.go).
	ManualID int64 `json:",omitempty"`
}

func (AdminAct) isCommand() {}
