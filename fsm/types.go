package fsm

import (
	"encoding/json"
	"time"

	"github.com/kiebot/kiebot/pricing"
)

// InputKind says what a user sent.
type InputKind int

// The input kinds.
const (
	InputCommand  InputKind = iota + 1 // /start, /balance, /history, /help, /cancel, /language, /paysupport, /topup …
	InputText                          // plain text
	InputCallback                      // an inline button
	InputFile                          // photo/document/video/audio message
)

// Input is one update from a user, already stripped of Telegram's types.
type Input struct {
	Kind       InputKind
	Command    string // lowercased, no slash, no @bot
	Arg        string // text after the command
	Text       string
	Callback   string // callback_data as received
	CallbackID string // to answer it
	MessageID  int    // the message carrying the pressed button (edit it in place)
	File       *File
	Forward    *Forward // set when the message was forwarded from elsewhere
	Outcome    *Outcome // InputOutcome only
	// HTML is Text (a file's caption) with the formatting the sender
	// applied in their client, as Telegram HTML; "" when it has none.
	// Only a broadcast's text uses it.
	HTML string
}

// Forward is where a forwarded message came from (Telegram's
// forward_origin).
type Forward struct {
	Kind   string // "user", "hidden_user" (the sender hides their account), "chat", "channel"
	UserID int64  // for "user"
	Name   string // the name Telegram shows for the sender; raw
}

// File is a file a user sent.
type File struct {
	Kind   string // "photo", "document", "video", "audio" (also "voice", "animation", "video_note")
	FileID string // Telegram file_id (the actor downloads it later; never a URL)
	// UniqueID is Telegram's file_unique_id: the same for one file
	// however often it is sent (a receipt's duplicate check uses it).
	UniqueID string
	Size     int64 // bytes, 0 if unknown
	MIME     string
	Name     string
	// Seconds is the duration Telegram reports for audio, voice and video
	// (0 when it reports none, as for a file sent as a document): a price
	// per second of the file is quoted from it.
	Seconds int64
}

// Facts are the reads the machine may need; the actor implements them with
// database queries. Any error makes Step return it (the actor retries, then
// apologises).
type Facts interface {
	Balance() (available, held int64, err error) // kopecks
	FreeUsedToday() (int, error)
	RunningJobs() (int, error)
	RecentEntries(n int) ([]LedgerLine, error) // newest first
	RecentJobs(n int) ([]JobLine, error)       // newest first
	Job(id int64) (JobLine, bool, error)       // this user's job
}

// LedgerLine is one balance change. Kind is "topup", "welcome", "hold",
// "capture", "release", "refund" or "adjustment"; Amount is signed.
type LedgerLine struct {
	At           time.Time
	Kind         string
	Amount       int64 // change of the available balance
	Held         int64 // change of the reserved amount (holds +, captures and releases −)
	BalanceAfter int64
	JobID        int64
}

// JobLine is one of the user's generation jobs.
type JobLine struct {
	ID           int64
	At           time.Time
	ModelID      string
	State        string // "queued", "running", "succeeded", "failed", "expired"
	PriceKopecks int64
	Free         bool
	Params       pricing.Params
	FileIDs      map[string][]string // inputs, for "repeat"
	HasResult    bool                // a result can be resent
}

// Env is what Step knows besides the conversation itself: static context and
// read-only Facts.
type Env struct {
	Lang           Lang
	UserID         int64
	FirstName      string // raw; escaped when rendered
	IsAdmin        bool   // exempt from per-user limits; may use the operator console
	Registry       *pricing.Registry
	Pricer         *pricing.Pricer // Pricer.Ready() != nil ⇒ nothing is sold; the screens say so
	FreeDailyLimit int             // free generations per user per day; 0 turns the free tier off
	StarsPackages  []int64         // Star amounts offered
	KopecksPerStar int64           // 0 ⇒ top-ups not offered
	MaxRunningJobs int             // 3
	Now            time.Time
	Facts          Facts
	// SupportContact is where /paysupport sends people (e.g. "@kiebot_help").
	// Optional: without it the text asks them to write in this chat.
	SupportContact string
	// SwitchedOff are models an admin switched off at runtime: hidden from
	// the menus and refused at confirmation like models the registry
	// disables.
	SwitchedOff map[string]bool
	// The operator console, for IsAdmin users only: the admin menu's
	// sections in order (DefaultAdminSections when nil) and its reads.
	AdminSections []AdminSection
	Admin         AdminFacts
	// Broadcasts are the broadcasts section's reads; nil hides the section.
	Broadcasts BroadcastFacts
	// Manual top-ups by card or SBP transfer (payments.go): the amounts
	// offered in kopecks (none: not offered), the largest receipt file
	// (0: DefaultManualSize), and for admins the console's reads (nil
	// when manual top-ups are off).
	ManualAmounts  []int64
	ManualMaxBytes int64
	Manual         ManualFacts
	// The Stars subscription (subscription.go): Stars a month and kopecks
	// credited each month (either 0: not offered), and its reads.
	SubStars, SubKopecks int64
	Sub                  SubscriptionFacts
}

// Result is what one Step decided.
type Result struct {
	State string
	Data  []byte  // JSON to persist
	Out   []Out   // in order
	Cmd   Command // nil, or one command for the actor to execute
}

// Out is one thing to show. Exactly one of Screen (with Edit or not),
// Answer, Action is meaningful.
type Out struct {
	Screen *Screen
	Edit   int     // >0: edit this message id in place instead of sending Screen as a new message
	Answer *Answer // answerCallbackQuery (every callback input produces exactly one)
	Action string  // sendChatAction ("typing", "upload_photo", …)
}

// Answer is an answerCallbackQuery.
type Answer struct {
	CallbackID, Text string
	Alert            bool
}

// Command is a write for the actor to execute, atomically with persisting
// the Result.
type Command interface{ isCommand() }

// CreateJob: the user confirmed. The actor re-uploads FileIDs to Kie, then in
// one transaction creates the job with IdempotencyKey and, as Charge says,
// holds Quote.Kopecks or consumes a free use, then shows JobAccepted (or
// InsufficientFunds / FreeLimitReached / TooManyJobs if the database says so).
// A second tap on the same confirmation button yields the same command with
// the same key, so the database makes one job of it.
type CreateJob struct {
	ModelID        string
	Params         pricing.Params
	FileIDs        map[string][]string // field → Telegram file ids
	Quote          pricing.Quote       // the price shown on the confirmation screen
	Charge         Charge              // how it is paid
	IdempotencyKey string              // derived from the confirmation screen
}

// Charge is how a confirmed order is paid.
type Charge int

const (
	// chargeUnrecorded is a CreateJob saved (in a session's last pressed
	// confirmation) before Charge existed; decoding resolves it.
	chargeUnrecorded Charge = iota
	// ChargeBalance holds the quote's price from the balance.
	ChargeBalance
	// ChargeFreeUse consumes one of today's free uses; no money moves.
	ChargeFreeUse
)

// UnmarshalJSON reads CreateJobs saved before Charge existed, when
// Quote.Free meant "a free use is consumed", so a tap on such a
// confirmation after an upgrade is charged (and keyed) as it was shown.
func (c *CreateJob) UnmarshalJSON(b []byte) error {
	type plain CreateJob
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	if c.Charge == chargeUnrecorded {
		c.Charge = ChargeBalance
		if c.Quote.Free {
			c.Charge = ChargeFreeUse
		}
	}
	return nil
}

// SetLanguage is persisted by the actor; the Result already renders in the
// new language.
type SetLanguage struct{ Lang Lang }

// CreateInvoice asks the actor to create a pending top-up and send the
// Stars invoice.
type CreateInvoice struct {
	Stars   int64
	Kopecks int64
}

// ResendResult asks the actor to re-send a job's stored result.
type ResendResult struct{ JobID int64 }

func (CreateJob) isCommand()     {}
func (SetLanguage) isCommand()   {}
func (CreateInvoice) isCommand() {}
func (ResendResult) isCommand()  {}
