package operator

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kiebot/kiebot/store"
)

// The audit log's actions on manual top-ups.
const (
	ActionManualApprove = "approve_manual" // target: "manual <id>"; before/after: balance in kopecks
	ActionManualReject  = "reject_manual"  // target: "manual <id>"; "submitted" → "rejected"
)

// Refusals of a decision on a manual top-up.
var (
	// ErrDecided: approved or rejected before, by anyone (or never
	// submitted); the error ends with its state.
	ErrDecided = errors.New("the request no longer awaits a decision")
	// ErrManualUnknown: no such manual top-up.
	ErrManualUnknown = errors.New("no such manual top-up")
)

// ManualDecision is an admin's approval or rejection of a manual top-up
// (a rejection needs Request.Reason: the user is told it).
type ManualDecision struct {
	Request
	ID int64
}

// ManualDone is a decision carried out: the request as it is now, its
// user, and for an approval the credit.
type ManualDone struct {
	Manual store.ManualTopUp
	User   store.User
	Change store.BalanceChange
}

// ApproveManual credits a submitted manual top-up: a 'paid' top-up of
// method "manual" with its one ledger entry, keyed by the request (so a
// second approval, by this admin or another, at the same moment or later,
// finds it decided and credits nothing: ErrDecided), and the audit row —
// one transaction. The caller tells the user.
func (s *Service) ApproveManual(ctx context.Context, tx *store.Tx, d ManualDecision) (ManualDone, error) {
	if err := s.check(&d.Request, false); err != nil {
		return ManualDone{}, err
	}
	var out ManualDone
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		m, c, err := tx.ApproveManualTopUp(ctx, d.ID, d.AdminID)
		if err != nil {
			return err
		}
		if out.User, err = tx.User(ctx, m.UserID); err != nil {
			return err
		}
		out.Manual, out.Change = m, c
		return audit(ctx, tx, d.Request, store.AdminAction{Action: ActionManualApprove, TargetUserID: m.UserID,
			Target: "manual " + strconv.FormatInt(m.ID, 10), Before: kopecks(c.Before), After: kopecks(c.After)})
	})
	if err != nil {
		return ManualDone{}, s.decisionErr(ctx, tx, ActionManualApprove, d, err)
	}
	s.log.Info("operator: manual top-up approved", "admin_id", d.AdminID, "manual_id", d.ID, "user_id", out.Manual.UserID,
		"kopecks", out.Manual.Kopecks, "topup_id", out.Manual.TopUpID)
	return out, nil
}

// RejectManual rejects a submitted manual top-up with the admin's reason,
// audited; nothing is credited. ErrDecided as for ApproveManual.
func (s *Service) RejectManual(ctx context.Context, tx *store.Tx, d ManualDecision) (ManualDone, error) {
	if err := s.check(&d.Request, true); err != nil {
		return ManualDone{}, err
	}
	var out ManualDone
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		m, err := tx.RejectManualTopUp(ctx, d.ID, d.AdminID, d.Reason)
		if err != nil {
			return err
		}
		if out.User, err = tx.User(ctx, m.UserID); err != nil {
			return err
		}
		out.Manual = m
		return audit(ctx, tx, d.Request, store.AdminAction{Action: ActionManualReject, TargetUserID: m.UserID,
			Target: "manual " + strconv.FormatInt(m.ID, 10), Before: string(store.ManualSubmitted), After: string(store.ManualRejected)})
	})
	if err != nil {
		return ManualDone{}, s.decisionErr(ctx, tx, ActionManualReject, d, err)
	}
	s.log.Info("operator: manual top-up rejected", "admin_id", d.AdminID, "manual_id", d.ID, "user_id", out.Manual.UserID)
	return out, nil
}

// decisionErr names a failed decision: the double tap of this very
// decision is ErrAlreadyDone; one decided before is ErrDecided with its
// state now.
func (s *Service) decisionErr(ctx context.Context, tx *store.Tx, action string, d ManualDecision, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("manual top-up %d: %w", d.ID, ErrManualUnknown)
	case errors.Is(err, store.ErrManualDecided):
		if done, derr := tx.AdminActionDone(ctx, action+":"+d.Key); derr == nil && done {
			return ErrAlreadyDone
		}
		m, merr := tx.ManualTopUp(ctx, d.ID)
		if merr != nil {
			return fmt.Errorf("manual top-up %d: %w: %w", d.ID, ErrDecided, merr)
		}
		return fmt.Errorf("manual top-up %d: %w: %s", d.ID, ErrDecided, m.State)
	}
	return fmt.Errorf("%s %d: %w", action, d.ID, err)
}
