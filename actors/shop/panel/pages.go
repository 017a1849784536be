package panel

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"

	"github.com/kiebot/kiebot/store"
)

// The pages: each reads through the operator service or the store's
// panel queries (store/panel_reads.go) and renders one template.

const zone = "Europe/Moscow" // days are Moscow days, as in the console

// period is the dashboard's figures of one period.
type period struct {
	Name        operator.Period
	Stats       operator.Stats
	Jobs        int
	Finished    int
	Succeeded   int
	SuccessRate string // "93%", "—" with nothing finished
}

func (p *Panel) dashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	var periods []period
	for _, name := range []operator.Period{operator.Today, operator.Week, operator.Month} {
		st, err := p.op.Stats(ctx, p.st, name)
		if err != nil {
			return err
		}
		pd := period{Name: name, Stats: st}
		for state, n := range st.JobsByState {
			pd.Jobs += n
			switch state {
			case store.JobSucceeded:
				pd.Succeeded += n
				pd.Finished += n
			case store.JobFailed, store.JobExpired:
				pd.Finished += n
			}
		}
		pd.SuccessRate = percent(pd.Succeeded, pd.Finished)
		periods = append(periods, pd)
	}
	now := p.now()
	from, _ := p.op.Bounds(operator.Month, now)
	days, err := p.st.Days(ctx, from, now, zone)
	if err != nil {
		return err
	}
	return p.render(w, s, "dashboard", map[string]any{"Periods": periods, "Chart": chartOf(days), "Days": days})
}

func percent(n, of int) string {
	if of == 0 {
		return "—"
	}
	return strconv.Itoa((n*100+of/2)/of) + "%"
}

// pager is a list's position: the page's links keep the filters.
type pager struct {
	Offset, Limit int
	More          bool
	query         url.Values
}

func pageOf(r *http.Request, limit int) pager {
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	return pager{Offset: max(off, 0), Limit: limit, query: r.URL.Query()}
}

func (pg pager) Prev() string {
	if pg.Offset == 0 {
		return ""
	}
	return pg.link(max(pg.Offset-pg.Limit, 0))
}

func (pg pager) Next() string {
	if !pg.More {
		return ""
	}
	return pg.link(pg.Offset + pg.Limit)
}

func (pg pager) link(off int) string {
	q := url.Values{}
	for k, v := range pg.query {
		q[k] = v
	}
	q.Del("flash")
	q.Set("offset", strconv.Itoa(off))
	return "?" + q.Encode()
}

func (pg pager) page() store.Page { return store.Page{Offset: pg.Offset, Limit: pg.Limit} }

func (p *Panel) users(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg := pageOf(r, 25)
	list, more, err := p.st.SearchUsers(ctx, q, pg.page())
	if err != nil {
		return err
	}
	pg.More = more
	return p.render(w, s, "users", map[string]any{"Q": q, "Users": list, "Pager": pg})
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func (p *Panel) user(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	card, err := p.op.UserCard(ctx, p.st, id)
	if errors.Is(err, operator.ErrUserUnknown) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	entries, err := p.st.RecentEntries(ctx, id, 30)
	if err != nil {
		return err
	}
	jobs, err := p.st.RecentJobs(ctx, id, 20)
	if err != nil {
		return err
	}
	topups, err := p.st.RecentTopUps(ctx, id, 20)
	if err != nil {
		return err
	}
	audit, _, err := p.op.AuditLog(ctx, p.st, store.AdminActionFilter{UserID: id, Limit: 10})
	if err != nil {
		return err
	}
	// Entries are newest first: walk the balance back.
	lines := make([]ledgerLine, len(entries))
	after := card.Available
	for i, e := range entries {
		lines[i] = ledgerLine{Entry: e, After: after}
		after -= e.Amount
	}
	return p.render(w, s, "user", map[string]any{"Card": card, "Ledger": lines, "Jobs": jobs, "TopUps": topups, "Audit": audit,
		"Flash": r.URL.Query().Get("flash"), "Key": newKey()})
}

type ledgerLine struct {
	store.Entry
	After int64
}

// dateRange reads from/to (YYYY-MM-DD, Moscow days, both included) as
// [from, to+1 day); zero when absent.
func dateRange(r *http.Request) (from, to time.Time, fromS, toS string) {
	loc := operator.Moscow()
	q := r.URL.Query()
	fromS, toS = q.Get("from"), q.Get("to")
	if t, err := time.ParseInLocation(time.DateOnly, fromS, loc); err == nil {
		from = t
	} else {
		fromS = ""
	}
	if t, err := time.ParseInLocation(time.DateOnly, toS, loc); err == nil {
		to = t.AddDate(0, 0, 1)
	} else {
		toS = ""
	}
	return from, to, fromS, toS
}

var jobStates = []store.JobState{store.JobQueued, store.JobSubmitting, store.JobRunning, store.JobUnknown, store.JobSucceeded, store.JobFailed, store.JobExpired}

func (p *Panel) jobs(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	q := r.URL.Query()
	from, to, fromS, toS := dateRange(r)
	f := store.JobFilter{State: store.JobState(q.Get("state")), ModelID: strings.TrimSpace(q.Get("model")), From: from, To: to}
	if uid, err := strconv.ParseInt(q.Get("user"), 10, 64); err == nil {
		f.UserID = uid
	}
	pg := pageOf(r, 50)
	f.Page = pg.page()
	list, more, err := p.st.ListJobs(ctx, f)
	if err != nil {
		return err
	}
	pg.More = more
	models, err := p.op.Models(ctx, p.st)
	if err != nil {
		return err
	}
	return p.render(w, s, "jobs", map[string]any{"Jobs": list, "Pager": pg, "States": jobStates, "Models": models,
		"State": string(f.State), "Model": f.ModelID, "From": fromS, "To": toS, "User": q.Get("user")})
}

func (p *Panel) job(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	card, err := p.op.JobCard(ctx, p.st, id)
	if errors.Is(err, operator.ErrJobUnknown) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	refund, refunded := card.Refund()
	return p.render(w, s, "job", map[string]any{"Card": card, "Job": card.Job, "Refunded": refunded, "RefundEntry": refund,
		"Timeline": timeline(card.Job), "Flash": r.URL.Query().Get("flash"), "Key": newKey()})
}

type moment struct {
	Key string
	At  time.Time
}

func timeline(j store.Job) []moment {
	var out []moment
	for _, m := range []moment{{"panel.t_created", j.CreatedAt}, {"panel.t_submitted", j.SubmittedAt}, {"panel.t_running", j.RunningAt},
		{"panel.t_finished", j.FinishedAt}, {"panel.t_delivered", j.DeliveredAt}} {
		if !m.At.IsZero() {
			out = append(out, m)
		}
	}
	return out
}

var topUpStates = []store.TopUpState{store.TopUpPending, store.TopUpPaid, store.TopUpRefunding, store.TopUpRefunded, store.TopUpExpired}

func (p *Panel) payments(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	q := r.URL.Query()
	from, to, fromS, toS := dateRange(r)
	f := store.TopUpFilter{State: store.TopUpState(q.Get("state")), Method: strings.TrimSpace(q.Get("method")), From: from, To: to}
	pg := pageOf(r, 50)
	f.Page = pg.page()
	list, more, err := p.st.ListTopUps(ctx, f)
	if err != nil {
		return err
	}
	pg.More = more
	return p.render(w, s, "payments", map[string]any{"TopUps": list, "Pager": pg, "States": topUpStates,
		"State": string(f.State), "Method": f.Method, "From": fromS, "To": toS})
}

// modelRow is a model with its last 30 days' outcomes.
type modelRow struct {
	operator.ModelStatus
	Finished, Failed int
	FailRate         string
}

func (p *Panel) models(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	list, err := p.op.Models(ctx, p.st)
	if err != nil {
		return err
	}
	now := p.now()
	from, _ := p.op.Bounds(operator.Month, now)
	outcomes, err := p.st.ModelOutcomes(ctx, from, now)
	if err != nil {
		return err
	}
	rows := make([]modelRow, len(list))
	for i, m := range list {
		o := outcomes[m.Model.ID()]
		rows[i] = modelRow{ModelStatus: m, Finished: o.Finished, Failed: o.Finished - o.Succeeded, FailRate: percent(o.Finished-o.Succeeded, o.Finished)}
	}
	return p.render(w, s, "models", map[string]any{"Models": rows, "Flash": r.URL.Query().Get("flash"), "Key": newKey()})
}

func (p *Panel) audit(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	q := r.URL.Query()
	f := store.AdminActionFilter{Limit: 50}
	f.AdminID, _ = strconv.ParseInt(q.Get("admin"), 10, 64)
	f.UserID, _ = strconv.ParseInt(q.Get("user"), 10, 64)
	pg := pageOf(r, 50)
	f.Offset = pg.Offset
	list, more, err := p.op.AuditLog(ctx, p.st, f)
	if err != nil {
		return err
	}
	pg.More = more
	return p.render(w, s, "audit", map[string]any{"Actions": list, "Pager": pg, "Admin": q.Get("admin"), "User": q.Get("user")})
}

func (p *Panel) instances(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	lease, err := store.ReadLease(ctx, p.st.Pool(), p.st.BotID())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	data := map[string]any{"Lease": lease, "HasLease": err == nil, "Instance": p.cfg.Instance}
	if p.cfg.Instance.Status != nil {
		data["Role"], data["Epoch"] = p.cfg.Instance.Status()
	}
	if kb, err := p.st.KieBalance(ctx); err == nil {
		data["KieStored"] = kb
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	st, err := p.op.Stats(ctx, p.st, operator.Today)
	if err != nil {
		return err
	}
	data["Stats"] = st
	data["KieErr"] = ""
	if st.KieErr != nil {
		data["KieErr"] = st.KieErr.Error()
	}
	return p.render(w, s, "instances", data)
}

// newKey is a form's idempotency key: a form posted twice (a double
// click, a resubmission) is one change.
func newKey() string {
	_, t := newToken()
	return t[:22]
}

func parseRoubles(s string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), ",", "."))
	s = strings.TrimPrefix(s, "+")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 2 || len(whole) > 9 {
		return 0, fmt.Errorf("amount %q", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt("0"+whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("amount %q", s)
	}
	k := w*100 + f
	if neg {
		k = -k
	}
	return k, nil
}
