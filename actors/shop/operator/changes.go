package operator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kiebot/kiebot/store"
)

// Every change below runs in a savepoint of tx holding the change and its
// audit row (see the package doc); a refusal leaves tx usable.

// Adjust is a correction of a user's spendable balance.
type Adjust struct {
	Request
	UserID int64
	Amount int64 // kopecks, ≠ 0, at most MaxAmount either way
}

// Adjusted is a done adjustment (or refund): the user and their balance
// before and after.
type Adjusted struct {
	User   store.User
	Change store.BalanceChange
}

// AdjustBalance credits or debits a user's spendable balance with an
// admin_adjust ledger entry carrying the admin's id. Two admins adjusting
// one user at once both land, one after the other. A debit beyond the
// balance is ErrBelowZero; the same Key again ErrAlreadyDone.
func (s *Service) AdjustBalance(ctx context.Context, tx *store.Tx, a Adjust) (Adjusted, error) {
	if err := s.check(&a.Request, true); err != nil {
		return Adjusted{}, err
	}
	if a.Amount == 0 || a.Amount > MaxAmount || a.Amount < -MaxAmount {
		return Adjusted{}, fmt.Errorf("%d kopecks: %w", a.Amount, ErrBadAmount)
	}
	var out Adjusted
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		c, err := tx.AdminAdjust(ctx, store.AdminAdjustParams{UserID: a.UserID, AdminID: a.AdminID, Amount: a.Amount,
			Key: "admin_adjust:" + a.Key, Note: a.Reason})
		switch {
		case errors.Is(err, store.ErrDuplicate):
			return ErrAlreadyDone
		case errors.Is(err, store.ErrInsufficientFunds):
			return fmt.Errorf("%w: %w", ErrBelowZero, err)
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("user %d: %w", a.UserID, ErrUserUnknown)
		case err != nil:
			return err
		}
		if out.User, err = tx.User(ctx, a.UserID); err != nil {
			return err
		}
		out.Change = c
		return audit(ctx, tx, a.Request, store.AdminAction{Action: ActionAdjust, TargetUserID: a.UserID,
			Target: "entry " + strconv.FormatInt(c.Entry.ID, 10), Before: kopecks(c.Before), After: kopecks(c.After)})
	})
	if err != nil {
		return Adjusted{}, fmt.Errorf("adjust balance of user %d by %d kopecks: %w", a.UserID, a.Amount, err)
	}
	s.log.Info("operator: balance adjusted", "admin_id", a.AdminID, "user_id", a.UserID, "kopecks", a.Amount,
		"before", out.Change.Before, "after", out.Change.After)
	return out, nil
}

// BanRequest suspends (or lets back) one user.
type BanRequest struct {
	Request
	UserID int64
}

// Ban suspends a user: from then on they get one polite message and
// nothing else is done for them. Admins cannot be banned (ErrAdminTarget).
func (s *Service) Ban(ctx context.Context, tx *store.Tx, b BanRequest) (store.User, error) {
	if err := s.check(&b.Request, true); err != nil {
		return store.User{}, err
	}
	if s.IsAdmin(b.UserID) {
		return store.User{}, fmt.Errorf("user %d: %w", b.UserID, ErrAdminTarget)
	}
	var u store.User
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.BanUser(ctx, b.UserID, b.AdminID, b.Reason); err != nil {
			return userErr(b.UserID, err)
		}
		return audit(ctx, tx, b.Request, store.AdminAction{Action: ActionBan, TargetUserID: b.UserID, Before: "active", After: "banned"})
	})
	if err != nil {
		return store.User{}, s.repeat(ctx, tx, ActionBan, b.Request, fmt.Errorf("ban user %d: %w", b.UserID, err))
	}
	s.log.Info("operator: user banned", "admin_id", b.AdminID, "user_id", b.UserID)
	return u, nil
}

// Unban lifts a user's suspension.
func (s *Service) Unban(ctx context.Context, tx *store.Tx, b BanRequest) (store.User, error) {
	if err := s.check(&b.Request, true); err != nil {
		return store.User{}, err
	}
	var u store.User
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.UnbanUser(ctx, b.UserID); err != nil {
			return userErr(b.UserID, err)
		}
		return audit(ctx, tx, b.Request, store.AdminAction{Action: ActionUnban, TargetUserID: b.UserID, Before: "banned", After: "active"})
	})
	if err != nil {
		return store.User{}, s.repeat(ctx, tx, ActionUnban, b.Request, fmt.Errorf("unban user %d: %w", b.UserID, err))
	}
	s.log.Info("operator: user unbanned", "admin_id", b.AdminID, "user_id", b.UserID)
	return u, nil
}

// repeat turns a state refusal (already banned) into ErrAlreadyDone when
// it is this very request carried out before: a double tap is not an
// error to show.
func (s *Service) repeat(ctx context.Context, tx *store.Tx, action string, r Request, err error) error {
	if !errors.Is(err, store.ErrAlreadyBanned) && !errors.Is(err, store.ErrNotBanned) && !errors.Is(err, ErrUnchanged) {
		return err
	}
	done, derr := tx.AdminActionDone(ctx, action+":"+r.Key)
	if derr != nil {
		return derr
	}
	if done {
		return ErrAlreadyDone
	}
	return err
}

// Message is a support reply to one user.
type Message struct {
	Request
	UserID int64
	Text   string // the admin's words, sent as plain text (escaped by the front end)
}

// MessageUser records a support message to a user and returns the user to
// send it to. The caller sends it in the same transaction (the Telegram
// console through the outbox), so it goes exactly once: the same Key again
// is ErrAlreadyDone and must send nothing.
func (s *Service) MessageUser(ctx context.Context, tx *store.Tx, m Message) (store.User, error) {
	if err := s.check(&m.Request, false); err != nil {
		return store.User{}, err
	}
	m.Text = strings.TrimSpace(m.Text)
	switch n := utf8.RuneCountInString(m.Text); {
	case n == 0:
		return store.User{}, ErrEmptyMessage
	case n > MaxMessage:
		return store.User{}, fmt.Errorf("message of %d characters (at most %d): %w", n, MaxMessage, ErrTooLong)
	}
	var u store.User
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, m.UserID); err != nil {
			return userErr(m.UserID, err)
		}
		return audit(ctx, tx, m.Request, store.AdminAction{Action: ActionMessage, TargetUserID: m.UserID, After: m.Text})
	})
	if err != nil {
		return store.User{}, fmt.Errorf("message user %d: %w", m.UserID, err)
	}
	s.log.Info("operator: user messaged", "admin_id", m.AdminID, "user_id", m.UserID, "characters", utf8.RuneCountInString(m.Text))
	return u, nil
}

// JobRefund gives a succeeded job's price back.
type JobRefund struct {
	Request
	JobID int64
}

// RefundedJob is a done job refund.
type RefundedJob struct {
	Job    store.Job
	User   store.User
	Change store.BalanceChange
}

// RefundJob credits a succeeded, paid job's price back to its user with a
// job_refund ledger entry keyed by the job: once, whoever asks
// (ErrJobRefunded). A job that took no money for a result is
// ErrNotRefundable. The caller tells the user.
func (s *Service) RefundJob(ctx context.Context, tx *store.Tx, r JobRefund) (RefundedJob, error) {
	if err := s.check(&r.Request, true); err != nil {
		return RefundedJob{}, err
	}
	var out RefundedJob
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		job, c, err := tx.RefundJob(ctx, r.JobID, r.AdminID, r.Reason)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("job %d: %w", r.JobID, ErrJobUnknown)
		}
		if err != nil {
			return err
		}
		if out.User, err = tx.User(ctx, job.UserID); err != nil {
			return err
		}
		out.Job, out.Change = job, c
		return audit(ctx, tx, r.Request, store.AdminAction{Action: ActionRefundJob, TargetUserID: job.UserID,
			Target: strconv.FormatInt(job.ID, 10), Before: kopecks(c.Before), After: kopecks(c.After)})
	})
	if err != nil {
		if errors.Is(err, store.ErrJobRefunded) {
			// The double tap of this very refund is not news either.
			if done, derr := tx.AdminActionDone(ctx, ActionRefundJob+":"+r.Key); derr == nil && done {
				return RefundedJob{}, ErrAlreadyDone
			}
		}
		return RefundedJob{}, fmt.Errorf("refund job %d: %w", r.JobID, err)
	}
	s.log.Info("operator: job refunded", "admin_id", r.AdminID, "job_id", r.JobID, "user_id", out.Job.UserID, "kopecks", out.Job.PriceKopecks)
	return out, nil
}

// Switch turns a registry model off (or back on) at runtime.
type Switch struct {
	Request
	ModelID string
	Off     bool
}

// SwitchModel stores the switch and announces it to every instance (their
// live copies reload on the NOTIFY; a confirmation re-reads the switch in
// its own transaction). A model the registry ships disabled cannot be
// switched on here: its price must be confirmed first (ErrShippedOff).
// Switching a model to the state it is in is ErrUnchanged.
func (s *Service) SwitchModel(ctx context.Context, tx *store.Tx, sw Switch) (store.ModelSwitch, error) {
	if err := s.check(&sw.Request, true); err != nil {
		return store.ModelSwitch{}, err
	}
	m, ok := s.pricer().Registry().Lookup(sw.ModelID)
	switch {
	case !ok:
		return store.ModelSwitch{}, fmt.Errorf("model %q: %w", sw.ModelID, ErrModelUnknown)
	case !m.Enabled():
		return store.ModelSwitch{}, fmt.Errorf("model %s (%s): %w", sw.ModelID, m.DisabledReason(), ErrShippedOff)
	}
	action, before, after := ActionModelOn, "off", "on"
	if sw.Off {
		action, before, after = ActionModelOff, "on", "off"
	}
	next := store.ModelSwitch{ModelID: sw.ModelID, Off: sw.Off, Reason: sw.Reason, AdminID: sw.AdminID}
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		_, changed, err := tx.SetModelSwitch(ctx, next)
		if err != nil {
			return err
		}
		if !changed {
			return fmt.Errorf("model %s is %s: %w", sw.ModelID, after, ErrUnchanged)
		}
		return audit(ctx, tx, sw.Request, store.AdminAction{Action: action, Target: sw.ModelID, Before: before, After: after})
	})
	if err != nil {
		return store.ModelSwitch{}, s.repeat(ctx, tx, action, sw.Request, fmt.Errorf("switch model %s %s: %w", sw.ModelID, after, err))
	}
	s.log.Info("operator: model switched", "admin_id", sw.AdminID, "model", sw.ModelID, "off", sw.Off)
	return next, nil
}

// TopUpRefund is the audit line of a Stars top-up refunded with /refund.
type TopUpRefund struct {
	Request
	TopUp         store.TopUp
	Before, After int64 // the payer's balance
}

// RecordTopUpRefund audits a Stars refund the /refund command carried out
// in tx (package shop, payments.go, books the money; this is its audit
// row). The key is the charge id: one row per refunded charge, however
// often the command is retried.
func (s *Service) RecordTopUpRefund(ctx context.Context, tx *store.Tx, r TopUpRefund) error {
	if r.Key == "" {
		r.Key = r.TopUp.ChargeID
	}
	if err := s.check(&r.Request, false); err != nil {
		return err
	}
	err := audit(ctx, tx, r.Request, store.AdminAction{Action: ActionRefundTopUp, TargetUserID: r.TopUp.UserID,
		Target: r.TopUp.ChargeID, Before: kopecks(r.Before), After: kopecks(r.After)})
	if err != nil && !errors.Is(err, ErrAlreadyDone) {
		return fmt.Errorf("audit refund of charge %s: %w", r.TopUp.ChargeID, err)
	}
	return nil
}

func userErr(id int64, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %d: %w", id, ErrUserUnknown)
	}
	return err
}

func kopecks(k int64) string { return strconv.FormatInt(k, 10) }
