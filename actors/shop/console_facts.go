package shop

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"

	"github.com/kiebot/kiebot/actors/shop/operator"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// consoleFacts answers the console screens' reads (fsm.AdminFacts) through
// the operator service, turning its answers into the machine's views. It
// lives for one Step, on the pool: screens only read.
type consoleFacts struct {
	ctx context.Context
	op  *operator.Service
	st  *store.Store
	log *slog.Logger
}

func (f consoleFacts) Stats(period string) (fsm.StatsView, error) {
	s, err := f.op.Stats(f.ctx, f.st, operator.Period(period))
	if err != nil {
		return fsm.StatsView{}, err
	}
	if s.KieErr != nil && !errors.Is(s.KieErr, operator.ErrNoKieBalance) {
		f.log.Warn("shop: cannot read Kie's balance for the statistics", "err", s.KieErr)
	}
	v := fsm.StatsView{
		Period: period, From: s.From, NewUsers: s.NewUsers, ActiveUsers: s.ActiveUsers, PayingUsers: s.PayingUsers,
		Revenue: count(s.Captured), JobRefunds: count(s.JobRefunds), TopUpRefunds: count(s.TopUpRefund), Adjustments: count(s.Adjustments),
		KiePaidMicro: s.KiePaidMicro, KieFreeMicro: s.KieFreeMicro, KieFailedMicro: s.KieFailedMicro,
		Rates: s.Rates, KieKopecks: s.KieKopecks, MarginKopecks: s.MarginKopecks, Jobs: map[string]int{},
		KieOK: s.KieErr == nil, KieBalanceMicro: s.KieBalance.Micro(), KieAt: s.KieAt, DaysLeft: s.DaysLeft,
	}
	for _, m := range s.TopUps {
		v.TopUps = append(v.TopUps, fsm.MethodCount{Method: m.Method, Count: count(m.Sum)})
	}
	for _, src := range s.Sources {
		v.Sources = append(v.Sources, fsm.SourceView{Source: src.Source, Users: src.Users, Payers: src.Payers, Revenue: src.Revenue})
	}
	for state, n := range s.JobsByState {
		v.Jobs[string(state)] = n
	}
	for _, m := range s.Models {
		mv := fsm.ModelStatView{ModelID: m.ModelID, Finished: m.Finished, Succeeded: m.Succeeded, QuotedMicro: m.QuotedMicro, BilledMicro: m.BilledMicro}
		for _, r := range m.Failures {
			mv.Failures = append(mv.Failures, fsm.ReasonCount{Reason: r.Reason, N: r.Count})
		}
		v.Models = append(v.Models, mv)
	}
	return v, nil
}

func count(s store.Sum) fsm.Count { return fsm.Count{N: s.Count, Kopecks: s.Kopecks} }

func (f consoleFacts) User(id int64) (fsm.UserView, bool, error) {
	return userView(f.op.UserCard(f.ctx, f.st, id))
}

func (f consoleFacts) UserByUsername(name string) (fsm.UserView, bool, error) {
	return userView(f.op.UserCardByUsername(f.ctx, f.st, name))
}

func userView(c operator.UserCard, err error) (fsm.UserView, bool, error) {
	if errors.Is(err, operator.ErrUserUnknown) {
		return fsm.UserView{}, false, nil
	}
	if err != nil {
		return fsm.UserView{}, false, err
	}
	u := c.User
	v := fsm.UserView{
		ID: u.ID, FirstName: u.FirstName, Username: u.Username, Lang: u.Language, JoinedAt: u.CreatedAt, LastSeenAt: u.LastSeenAt,
		Available: c.Available, Held: c.Held, IsAdmin: c.IsAdmin,
		Banned: u.Banned(), BannedAt: u.BannedAt, BannedBy: u.BannedBy, BanReason: u.BanReason,
	}
	after := c.Available // entries are newest first: walk the balance back
	for _, e := range c.Entries {
		v.Entries = append(v.Entries, fsm.LedgerLine{At: e.CreatedAt, Kind: string(e.Kind), Amount: e.Amount, Held: e.HeldChange, BalanceAfter: after, JobID: e.JobID})
		after -= e.Amount
	}
	for _, j := range c.Jobs {
		v.Jobs = append(v.Jobs, fsm.JobLine{ID: j.ID, At: j.CreatedAt, ModelID: j.ModelID, State: string(j.State), PriceKopecks: j.PriceKopecks, Free: j.Free})
	}
	for _, t := range c.TopUps {
		v.TopUps = append(v.TopUps, fsm.TopUpLine{ID: t.ID, At: t.CreatedAt, Stars: t.Stars, Kopecks: t.Kopecks, State: string(t.State), Method: t.Method})
	}
	return v, true, nil
}

func (f consoleFacts) Job(id int64) (fsm.JobView, bool, error) {
	c, err := f.op.JobCard(f.ctx, f.st, id)
	if errors.Is(err, operator.ErrJobUnknown) {
		return fsm.JobView{}, false, nil
	}
	if err != nil {
		return fsm.JobView{}, false, err
	}
	j := c.Job
	v := fsm.JobView{
		ID: j.ID, UserID: j.UserID, UserName: c.User.FirstName, Username: c.User.Username, ModelID: j.ModelID, State: string(j.State),
		Params: maps.Clone(j.Params), Inputs: maps.Clone(j.Inputs), PriceKopecks: j.PriceKopecks, Free: j.Free,
		CostMicro: j.CostMicroCredits, ConsumedMicro: j.CreditsConsumedMicro, TaskID: j.TaskID,
		CreatedAt: j.CreatedAt, SubmittedAt: j.SubmittedAt, RunningAt: j.RunningAt, FinishedAt: j.FinishedAt, DeliveredAt: j.DeliveredAt,
		ResultURLs: slices.Clone(j.ResultURLs), FailCode: j.FailCode, FailMsg: j.FailMsg, Refundable: c.Refundable == nil,
	}
	if e, ok := c.Refund(); ok {
		v.Refunded, v.RefundedAt, v.RefundedBy = true, e.CreatedAt, e.AdminID
	}
	return v, true, nil
}

func (f consoleFacts) ModelSwitches() ([]fsm.ModelSwitchView, error) {
	list, err := f.st.ModelSwitches(f.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]fsm.ModelSwitchView, len(list))
	for i, s := range list {
		out[i] = fsm.ModelSwitchView{ModelID: s.ModelID, Off: s.Off, Reason: s.Reason, By: s.AdminID, At: s.ChangedAt}
	}
	return out, nil
}

func (f consoleFacts) Audit(flt fsm.AuditFilter, offset, limit int) ([]fsm.AuditLine, bool, error) {
	list, more, err := f.op.AuditLog(f.ctx, f.st, store.AdminActionFilter{AdminID: flt.AdminID, UserID: flt.UserID, Offset: offset, Limit: limit})
	if err != nil {
		return nil, false, err
	}
	out := make([]fsm.AuditLine, len(list))
	for i, a := range list {
		out[i] = fsm.AuditLine{ID: a.ID, AdminID: a.AdminID, Action: a.Action, UserID: a.TargetUserID, Target: a.Target,
			Before: a.Before, After: a.After, Reason: a.Reason, At: a.CreatedAt}
	}
	return out, more, nil
}

// manualFacts answers the console's reads of manual top-ups
// (fsm.ManualFacts), on the pool.
type manualFacts struct {
	ctx context.Context
	st  *store.Store
}

func (f manualFacts) view(m store.ManualTopUp) (fsm.ManualView, error) {
	v := fsm.ManualView{ID: m.ID, UserID: m.UserID, Kopecks: m.Kopecks, Reference: m.Reference, State: string(m.State),
		Flags: m.Flags, SubmittedAt: m.SubmittedAt}
	u, err := f.st.User(f.ctx, m.UserID)
	if err != nil {
		return fsm.ManualView{}, err
	}
	v.UserName, v.Username = u.FirstName, u.Username
	if v.Available, _, err = f.st.Balance(f.ctx, m.UserID); err != nil {
		return fsm.ManualView{}, err
	}
	return v, nil
}

func (f manualFacts) ManualTopUp(id int64) (fsm.ManualView, bool, error) {
	m, err := f.st.ManualTopUp(f.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fsm.ManualView{}, false, nil
	}
	if err != nil {
		return fsm.ManualView{}, false, err
	}
	v, err := f.view(m)
	return v, err == nil, err
}

func (f manualFacts) PendingManual(limit int) ([]fsm.ManualView, bool, error) {
	ms, more, err := f.st.PendingManualTopUps(f.ctx, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]fsm.ManualView, 0, len(ms))
	for _, m := range ms {
		v, err := f.view(m)
		if err != nil {
			return nil, false, err
		}
		out = append(out, v)
	}
	return out, more, nil
}
