package shop

import (
	"context"
	"errors"
	"maps"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// storeFacts answers the conversation machine's reads for one user from
// the database. It lives for one Step.
type storeFacts struct {
	ctx    context.Context
	st     *store.Store
	userID int64
	// welcome is what a user not yet recorded will have once this step
	// commits (the welcome credit is part of it).
	welcome int64
}

// Balance of a user the database does not know yet (their first update is
// being handled) is the welcome credit the same step grants: a first
// /balance, or a first order, must not fail for want of a row.
func (f storeFacts) Balance() (int64, int64, error) {
	avail, held, err := f.st.Balance(f.ctx, f.userID)
	if errors.Is(err, store.ErrNotFound) {
		return f.welcome, 0, nil
	}
	return avail, held, err
}

func (f storeFacts) FreeUsedToday() (int, error) { return f.st.FreeUsedToday(f.ctx, f.userID) }

func (f storeFacts) RunningJobs() (int, error) { return f.st.RunningJobs(f.ctx, f.userID) }

func (f storeFacts) RecentEntries(n int) ([]fsm.LedgerLine, error) {
	entries, err := f.st.RecentEntries(f.ctx, f.userID, n)
	if err != nil {
		return nil, err
	}
	balance, _, err := f.Balance()
	if err != nil {
		return nil, err
	}
	lines := make([]fsm.LedgerLine, len(entries))
	after := balance // entries are newest first: walk the balance back
	for i, e := range entries {
		lines[i] = fsm.LedgerLine{At: e.CreatedAt, Kind: string(e.Kind), Amount: e.Amount, Held: e.HeldChange, BalanceAfter: after, JobID: e.JobID}
		after -= e.Amount
	}
	return lines, nil
}

func (f storeFacts) RecentJobs(n int) ([]fsm.JobLine, error) {
	jobs, err := f.st.RecentJobs(f.ctx, f.userID, n)
	if err != nil {
		return nil, err
	}
	lines := make([]fsm.JobLine, len(jobs))
	for i, j := range jobs {
		lines[i] = jobLine(j)
	}
	return lines, nil
}

func (f storeFacts) Job(id int64) (fsm.JobLine, bool, error) {
	j, err := f.st.UserJob(f.ctx, f.userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return fsm.JobLine{}, false, nil
	}
	if err != nil {
		return fsm.JobLine{}, false, err
	}
	return jobLine(j), true, nil
}

func jobLine(j store.Job) fsm.JobLine {
	state := string(j.State)
	switch j.State {
	case store.JobSubmitting, store.JobUnknown:
		state = string(store.JobRunning) // the user only sees "in progress"
	}
	return fsm.JobLine{
		ID: j.ID, At: j.CreatedAt, ModelID: j.ModelID, State: state, PriceKopecks: j.PriceKopecks, Free: j.Free,
		Params: pricing.Params(maps.Clone(j.Params)), FileIDs: maps.Clone(j.FileIDs),
		HasResult: j.State == store.JobSucceeded && len(j.ResultURLs) > 0,
	}
}
