package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The web panel's lists: users found by id, @username or name; jobs and
// top-ups filtered; per-day figures for the dashboard's chart; and the
// CSV exports, streamed row by row.

// UserRow is a user with their balance.
type UserRow struct {
	User
	Available, Held int64
}

// Page is a slice of a list: skip Offset rows, take at most Limit.
type Page struct {
	Offset, Limit int
}

func (p Page) bounds(def, most int) (offset, limit int) {
	limit = p.Limit
	if limit <= 0 {
		limit = def
	}
	return max(p.Offset, 0), min(limit, most)
}

// SearchUsers lists users matching q — their id, @username (any case) or
// part of their first name or username — most recently seen first; an
// empty q lists everyone. more says whether another page follows.
func (q *queries) SearchUsers(ctx context.Context, search string, p Page) (users []UserRow, more bool, err error) {
	offset, limit := p.bounds(25, 200)
	search = strings.TrimPrefix(strings.TrimSpace(search), "@")
	id, _ := strconv.ParseInt(search, 10, 64)
	like := "%" + escapeLike(search) + "%"
	rows, err := q.db.Query(ctx, `
		SELECT `+userColumns+`, balance_kopecks, held_kopecks FROM bot_users
		 WHERE bot_id = $1 AND ($2 = '' OR user_id = $3 OR username ILIKE $4 OR first_name ILIKE $4)
		 ORDER BY (user_id = $3) DESC, last_seen_at DESC, user_id OFFSET $5 LIMIT $6`,
		q.botID, search, id, like, offset, limit+1)
	if err == nil {
		users, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (UserRow, error) {
			var u UserRow
			err := scanUser(row, &u.User, &u.Available, &u.Held)
			return u, err
		})
	}
	if err != nil {
		return nil, false, fmt.Errorf("search users %q: %w", search, interpret(err))
	}
	if len(users) > limit {
		return users[:limit], true, nil
	}
	return users, false, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// JobFilter selects jobs: zero fields match everything. From and To bound
// created_at as [From, To).
type JobFilter struct {
	State    JobState
	ModelID  string
	UserID   int64
	From, To time.Time
	Page
}

// ListJobs lists jobs matching f, newest first.
func (q *queries) ListJobs(ctx context.Context, f JobFilter) (jobs []Job, more bool, err error) {
	offset, limit := f.bounds(50, 500)
	jobs, err = q.jobsWhere(ctx, `($2 = '' OR state = $2) AND ($3 = '' OR model_id = $3) AND ($4::bigint = 0 OR user_id = $4)
		AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)
		ORDER BY id DESC OFFSET $7 LIMIT $8`, string(f.State), f.ModelID, f.UserID, optTime(f.From), optTime(f.To), offset, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list jobs: %w", err)
	}
	if len(jobs) > limit {
		return jobs[:limit], true, nil
	}
	return jobs, false, nil
}

// TopUpFilter selects top-ups: zero fields match everything. From and To
// bound created_at as [From, To).
type TopUpFilter struct {
	State    TopUpState
	Method   string
	From, To time.Time
	Page
}

// ListTopUps lists top-ups (invoices and payments) matching f, newest
// first.
func (q *queries) ListTopUps(ctx context.Context, f TopUpFilter) (ts []TopUp, more bool, err error) {
	offset, limit := f.bounds(50, 500)
	rows, err := q.db.Query(ctx, `SELECT `+topUpColumns+` FROM topups
		 WHERE bot_id = $1 AND ($2 = '' OR state = $2) AND ($3 = '' OR method = $3)
		   AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
		 ORDER BY id DESC OFFSET $6 LIMIT $7`, q.botID, string(f.State), f.Method, optTime(f.From), optTime(f.To), offset, limit+1)
	if err == nil {
		ts, err = pgx.CollectRows(rows, scanTopUp)
	}
	if err != nil {
		return nil, false, fmt.Errorf("list top-ups: %w", interpret(err))
	}
	if len(ts) > limit {
		return ts[:limit], true, nil
	}
	return ts, false, nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Day is one calendar day's business, for the dashboard's chart.
type Day struct {
	Day          time.Time // midnight in the zone asked for
	Revenue      int64     // kopecks captured (jobs paid)
	TopUps       int64     // kopecks credited by top-ups
	Jobs         int       // jobs created
	Succeeded    int       // of those, succeeded
	NewUsers     int
	PayingUsers  int // users with a top-up that day
	FinishedJobs int // of those created, finished (succeeded, failed or expired)
}

// Days returns one Day per calendar day of zone (an IANA name, e.g.
// Europe/Moscow) from the day holding from to the day holding to, days
// without business included.
func (q *queries) Days(ctx context.Context, from, to time.Time, zone string) ([]Day, error) {
	rows, err := q.db.Query(ctx, `
		WITH days AS (
			SELECT d::date AS day FROM generate_series(($2::timestamptz AT TIME ZONE $4)::date, ($3::timestamptz AT TIME ZONE $4)::date, interval '1 day') d
		), money AS (
			SELECT (created_at AT TIME ZONE $4)::date AS day,
			       coalesce(sum(-held_change_kopecks) FILTER (WHERE kind = 'capture'), 0) AS revenue,
			       coalesce(sum(amount_kopecks) FILTER (WHERE kind = 'topup'), 0) AS topups,
			       count(DISTINCT user_id) FILTER (WHERE kind = 'topup') AS paying
			  FROM ledger_entries WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1
		), job AS (
			SELECT (created_at AT TIME ZONE $4)::date AS day, count(*) AS jobs,
			       count(*) FILTER (WHERE state = 'succeeded') AS ok,
			       count(*) FILTER (WHERE state IN ('succeeded', 'failed', 'expired')) AS finished
			  FROM jobs WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1
		), usr AS (
			SELECT (created_at AT TIME ZONE $4)::date AS day, count(*) AS n
			  FROM bot_users WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1
		)
		SELECT days.day::text, coalesce(money.revenue, 0), coalesce(money.topups, 0), coalesce(job.jobs, 0), coalesce(job.ok, 0),
		       coalesce(usr.n, 0), coalesce(money.paying, 0), coalesce(job.finished, 0)
		  FROM days LEFT JOIN money USING (day) LEFT JOIN job USING (day) LEFT JOIN usr USING (day)
		 ORDER BY days.day`, q.botID, from, to, zone)
	if err != nil {
		return nil, fmt.Errorf("days %s – %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), interpret(err))
	}
	loc, lerr := time.LoadLocation(zone)
	if lerr != nil {
		loc = time.UTC
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Day, error) {
		var d Day
		var day string
		err := row.Scan(&day, &d.Revenue, &d.TopUps, &d.Jobs, &d.Succeeded, &d.NewUsers, &d.PayingUsers, &d.FinishedJobs)
		if err == nil {
			d.Day, err = time.ParseInLocation(time.DateOnly, day, loc)
		}
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("days: %w", interpret(err))
	}
	return out, nil
}

// Exports. Each runs one query over [from, to) of created_at and calls
// row for every row as pgx reads it: nothing is gathered in memory. A
// row error stops the export and is returned.

// ExportUsers streams the users who first wrote in [from, to).
func (q *queries) ExportUsers(ctx context.Context, from, to time.Time, row func(UserRow) error) error {
	rows, err := q.db.Query(ctx, `SELECT `+userColumns+`, balance_kopecks, held_kopecks FROM bot_users
		 WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at, user_id`, q.botID, from, to)
	if err != nil {
		return fmt.Errorf("export users: %w", interpret(err))
	}
	defer rows.Close()
	for rows.Next() {
		var u UserRow
		if err := scanUser(rows, &u.User, &u.Available, &u.Held); err != nil {
			return fmt.Errorf("export users: %w", err)
		}
		if err := row(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export users: %w", interpret(err))
	}
	return nil
}

// ExportEntries streams the ledger entries made in [from, to), in order.
func (q *queries) ExportEntries(ctx context.Context, from, to time.Time, row func(Entry) error) error {
	rows, err := q.db.Query(ctx, `SELECT `+entryColumns+` FROM ledger_entries
		 WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY id`, q.botID, from, to)
	if err != nil {
		return fmt.Errorf("export ledger: %w", interpret(err))
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("export ledger: %w", err)
		}
		if err := row(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export ledger: %w", interpret(err))
	}
	return nil
}

// ExportJobs streams the jobs created in [from, to), in order.
func (q *queries) ExportJobs(ctx context.Context, from, to time.Time, row func(Job) error) error {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs
		 WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY id`, q.botID, from, to)
	if err != nil {
		return fmt.Errorf("export jobs: %w", interpret(err))
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return fmt.Errorf("export jobs: %w", err)
		}
		if err := row(j); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export jobs: %w", interpret(err))
	}
	return nil
}

// Outcome is how a model's jobs finished in a period.
type Outcome struct {
	Finished, Succeeded int
}

// ModelOutcomes counts, per model, the jobs that finished in [from, to)
// and how many of them succeeded.
func (q *queries) ModelOutcomes(ctx context.Context, from, to time.Time) (map[string]Outcome, error) {
	rows, err := q.db.Query(ctx, `SELECT model_id, count(*), count(*) FILTER (WHERE state = 'succeeded') FROM jobs
		 WHERE bot_id = $1 AND finished_at >= $2 AND finished_at < $3 GROUP BY model_id`, q.botID, from, to)
	if err != nil {
		return nil, fmt.Errorf("model outcomes: %w", interpret(err))
	}
	defer rows.Close()
	out := map[string]Outcome{}
	for rows.Next() {
		var id string
		var o Outcome
		if err := rows.Scan(&id, &o.Finished, &o.Succeeded); err != nil {
			return nil, fmt.Errorf("model outcomes: %w", err)
		}
		out[id] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("model outcomes: %w", interpret(err))
	}
	return out, nil
}
