package operator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Reader is what the read side runs on: *store.Store (the pool, what a web
// handler or the console's screens use) or *store.Tx. Both have these
// methods.
type Reader interface {
	User(ctx context.Context, userID int64) (store.User, error)
	UserByUsername(ctx context.Context, username string) (store.User, error)
	Balance(ctx context.Context, userID int64) (available, held int64, err error)
	RecentEntries(ctx context.Context, userID int64, n int) ([]store.Entry, error)
	RecentJobs(ctx context.Context, userID int64, n int) ([]store.Job, error)
	RecentTopUps(ctx context.Context, userID int64, n int) ([]store.TopUp, error)
	Job(ctx context.Context, id int64) (store.Job, error)
	JobEntries(ctx context.Context, jobID int64) ([]store.Entry, error)
	ModelSwitches(ctx context.Context) ([]store.ModelSwitch, error)
	AdminActions(ctx context.Context, f store.AdminActionFilter) ([]store.AdminAction, bool, error)
	Stats(ctx context.Context, from, to time.Time) (store.Stats, error)
	KieSpend(ctx context.Context, from, to time.Time) (int64, error)
}

// How much a card lists.
const cardRows = 5

// UserCard is everything the console shows about one user.
type UserCard struct {
	User            store.User
	IsAdmin         bool
	Available, Held int64
	Entries         []store.Entry // newest first
	Jobs            []store.Job   // newest first
	TopUps          []store.TopUp // newest first
}

// UserCard loads a user's card; ErrUserUnknown for someone who never
// wrote to the bot.
func (s *Service) UserCard(ctx context.Context, db Reader, userID int64) (UserCard, error) {
	u, err := db.User(ctx, userID)
	if err != nil {
		return UserCard{}, userErr(userID, err)
	}
	return s.card(ctx, db, u)
}

// UserCardByUsername loads the card of the user who has @username now.
func (s *Service) UserCardByUsername(ctx context.Context, db Reader, username string) (UserCard, error) {
	u, err := db.UserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return UserCard{}, fmt.Errorf("@%s: %w", username, ErrUserUnknown)
	}
	if err != nil {
		return UserCard{}, err
	}
	return s.card(ctx, db, u)
}

func (s *Service) card(ctx context.Context, db Reader, u store.User) (UserCard, error) {
	c := UserCard{User: u, IsAdmin: s.IsAdmin(u.ID)}
	var err error
	if c.Available, c.Held, err = db.Balance(ctx, u.ID); err != nil {
		return UserCard{}, err
	}
	if c.Entries, err = db.RecentEntries(ctx, u.ID, cardRows); err != nil {
		return UserCard{}, err
	}
	if c.Jobs, err = db.RecentJobs(ctx, u.ID, cardRows); err != nil {
		return UserCard{}, err
	}
	if c.TopUps, err = db.RecentTopUps(ctx, u.ID, cardRows); err != nil {
		return UserCard{}, err
	}
	return c, nil
}

// JobCard is everything the console shows about one job.
type JobCard struct {
	Job     store.Job
	User    store.User
	Model   *pricing.Model // nil when the registry no longer knows it
	Entries []store.Entry  // its money: hold, capture or release, refund
	// Refundable is nil when an admin may refund the job, else why not.
	Refundable error
}

// Refund is the job's refund entry, if it was refunded.
func (c JobCard) Refund() (store.Entry, bool) {
	i := slices.IndexFunc(c.Entries, func(e store.Entry) bool { return e.Kind == store.KindJobRefund })
	if i < 0 {
		return store.Entry{}, false
	}
	return c.Entries[i], true
}

// JobCard loads a job by the number its user sees (#id).
func (s *Service) JobCard(ctx context.Context, db Reader, jobID int64) (JobCard, error) {
	j, err := db.Job(ctx, jobID)
	if errors.Is(err, store.ErrNotFound) {
		return JobCard{}, fmt.Errorf("job %d: %w", jobID, ErrJobUnknown)
	}
	if err != nil {
		return JobCard{}, err
	}
	c := JobCard{Job: j}
	if c.User, err = db.User(ctx, j.UserID); err != nil {
		return JobCard{}, err
	}
	if m, ok := s.pricer().Registry().Lookup(j.ModelID); ok {
		c.Model = m
	}
	if c.Entries, err = db.JobEntries(ctx, j.ID); err != nil {
		return JobCard{}, err
	}
	switch _, refunded := c.Refund(); {
	case refunded:
		c.Refundable = ErrJobRefunded
	case j.State != store.JobSucceeded:
		c.Refundable = fmt.Errorf("%w: the job is %s", ErrNotRefundable, j.State)
	case j.Free || j.PriceKopecks == 0:
		c.Refundable = fmt.Errorf("%w: the job was free", ErrNotRefundable)
	}
	return c, nil
}

// ModelStatus is one registry model as sold now.
type ModelStatus struct {
	Model *pricing.Model
	// Shipped is whether the registry in the binary sells it; when not,
	// Model.DisabledReason says why, and it cannot be switched on here.
	Shipped bool
	// Switch is the last runtime switch; nil when never switched.
	Switch *store.ModelSwitch
}

// On reports whether the model is sold right now.
func (m ModelStatus) On() bool { return m.Shipped && (m.Switch == nil || !m.Switch.Off) }

// Models lists every registry model with its state, sold ones first, then
// by id.
func (s *Service) Models(ctx context.Context, db Reader) ([]ModelStatus, error) {
	switches, err := db.ModelSwitches(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]*store.ModelSwitch{}
	for i := range switches {
		byID[switches[i].ModelID] = &switches[i]
	}
	var out []ModelStatus
	for _, m := range s.pricer().Registry().All() {
		out = append(out, ModelStatus{Model: m, Shipped: m.Enabled(), Switch: byID[m.ID()]})
	}
	slices.SortStableFunc(out, func(a, b ModelStatus) int {
		switch {
		case a.Shipped && !b.Shipped:
			return -1
		case !a.Shipped && b.Shipped:
			return 1
		}
		return 0 // All is by id already
	})
	return out, nil
}

// AuditLog lists admin actions, newest first, and whether older ones
// follow.
func (s *Service) AuditLog(ctx context.Context, db Reader, f store.AdminActionFilter) ([]store.AdminAction, bool, error) {
	return db.AdminActions(ctx, f)
}
