package operator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Refusals. Each wraps what the store said where there is more to say;
// test with errors.Is.
var (
	ErrNotAdmin      = errors.New("not an admin")
	ErrAlreadyDone   = errors.New("already done") // the same Request.Key was carried out before
	ErrNoReason      = errors.New("a reason is required")
	ErrTooLong       = errors.New("text too long")
	ErrBadAmount     = errors.New("amount out of range")
	ErrBelowZero     = errors.New("the balance would go below zero")
	ErrUserUnknown   = errors.New("no such user")
	ErrJobUnknown    = errors.New("no such job")
	ErrAdminTarget   = errors.New("admins cannot be banned")
	ErrAlreadyBanned = store.ErrAlreadyBanned
	ErrNotBanned     = store.ErrNotBanned
	ErrNotRefundable = store.ErrNotRefundable
	ErrJobRefunded   = store.ErrJobRefunded
	ErrModelUnknown  = errors.New("no such model in the registry")
	ErrShippedOff    = errors.New("the registry ships this model disabled: its price must be confirmed first")
	ErrUnchanged     = errors.New("nothing to change")
	ErrEmptyMessage  = errors.New("the message is empty")
)

// Limits on what an admin types.
const (
	MaxReason  = 300              // characters of a reason
	MaxMessage = 3500             // characters of a message to a user (Telegram allows 4096 with our header)
	MaxAmount  = 1_000_000 * 100  // kopecks: one adjustment moves at most a million roubles
	maxKey     = 200              // bytes of an idempotency key
	auditValue = 4000             // characters kept of an audited value
	moscowZone = "Europe/Moscow"  // the zone days are counted in
	mskOffset  = 3 * 60 * 60      // Moscow's offset since 2014, when the tz database is missing
	defaultTTL = 60 * time.Second // how long a Kie balance reading is reused
)

// The audit log's actions.
const (
	ActionAdjust      = "adjust_balance" // before/after: balance in kopecks
	ActionBan         = "ban"            // before/after: "active" → "banned"
	ActionUnban       = "unban"          // "banned" → "active"
	ActionMessage     = "message"        // after: the text sent
	ActionRefundJob   = "refund_job"     // target: job id; before/after: balance in kopecks
	ActionRefundTopUp = "refund_topup"   // target: Stars charge id; before/after: balance in kopecks
	ActionModelOff    = "model_off"      // target: model id; "on" → "off"
	ActionModelOn     = "model_on"       // "off" → "on"
)

// Config configures the service.
type Config struct {
	// AdminIDs are the Telegram ids allowed to change anything (ADMIN_ID).
	AdminIDs []int64
	// Pricer gives the registry (models) and the rates Kie's credits are
	// converted to roubles at.
	Pricer *pricing.Pricer
	// Live, when set, is the pricer of what is on sale now (the shipped
	// registry with the operators' confirmations applied, kept current by
	// the shop's catalogue); Pricer is used while it returns nil.
	Live func() *pricing.Pricer
	// Kie reads Kie's credit balance; nil shows none.
	Kie KieBalance
	// Location days are counted in; default Europe/Moscow.
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service carries out operator actions and answers operator queries. It is
// safe for concurrent use.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg; bad wiring panics.
func New(cfg Config) *Service {
	if cfg.Pricer == nil {
		panic("operator.New: Pricer is required")
	}
	cfg.AdminIDs = slices.Clone(cfg.AdminIDs)
	if cfg.Location == nil {
		cfg.Location = Moscow()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "operator")}
}

// Moscow is Europe/Moscow from the tz database, or UTC+3 (Moscow's offset
// since 2014) where the database is missing.
func Moscow() *time.Location {
	if loc, err := time.LoadLocation(moscowZone); err == nil {
		return loc
	}
	return time.FixedZone("MSK", mskOffset)
}

// pricer is what is on sale now (see Config.Live).
func (s *Service) pricer() *pricing.Pricer {
	if s.cfg.Live != nil {
		if p := s.cfg.Live(); p != nil {
			return p
		}
	}
	return s.cfg.Pricer
}

// IsAdmin reports whether id may use the console.
func (s *Service) IsAdmin(id int64) bool { return id != 0 && slices.Contains(s.cfg.AdminIDs, id) }

// AdminIDs lists the admins.
func (s *Service) AdminIDs() []int64 { return slices.Clone(s.cfg.AdminIDs) }

// Request is what every change carries: who asks, why, and the key that
// makes a repeat (a double tap on one confirmation, a retried HTTP call)
// the same action rather than a second one.
type Request struct {
	AdminID int64
	Key     string
	Reason  string
}

// check validates the request; needReason for changes whose why matters.
func (s *Service) check(r *Request, needReason bool) error {
	if !s.IsAdmin(r.AdminID) {
		return fmt.Errorf("user %d: %w", r.AdminID, ErrNotAdmin)
	}
	if r.Key == "" || len(r.Key) > maxKey {
		return fmt.Errorf("idempotency key of %d bytes: want 1 to %d", len(r.Key), maxKey)
	}
	r.Reason = strings.TrimSpace(r.Reason)
	switch {
	case needReason && r.Reason == "":
		return ErrNoReason
	case utf8.RuneCountInString(r.Reason) > MaxReason:
		return fmt.Errorf("reason of %d characters (at most %d): %w", utf8.RuneCountInString(r.Reason), MaxReason, ErrTooLong)
	}
	return nil
}

// audit records one action in tx; a key recorded before is ErrAlreadyDone.
func audit(ctx context.Context, tx *store.Tx, r Request, a store.AdminAction) error {
	a.AdminID, a.Reason, a.Key = r.AdminID, r.Reason, a.Action+":"+r.Key
	a.Before, a.After = cut(a.Before, auditValue), cut(a.After, auditValue)
	if _, err := tx.RecordAdminAction(ctx, a); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return ErrAlreadyDone
		}
		return fmt.Errorf("audit %s: %w", a.Action, err)
	}
	return nil
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
