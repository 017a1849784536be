package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Problem is one discrepancy the audit found.
type Problem struct {
	BotID   int64
	UserID  int64
	JobID   int64 // 0 unless the problem is about a job
	TopUpID int64 // 0 unless the problem is about a top-up
	Check   string
	Detail  string
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bot %d user %d", p.BotID, p.UserID)
	if p.JobID != 0 {
		fmt.Fprintf(&b, " job %d", p.JobID)
	}
	if p.TopUpID != 0 {
		fmt.Fprintf(&b, " top-up %d", p.TopUpID)
	}
	fmt.Fprintf(&b, ": %s: %s", p.Check, p.Detail)
	return b.String()
}

// Audit checks.
const (
	CheckBalance    = "balance"     // balance ≠ Σ amounts, or negative
	CheckHeld       = "held"        // held ≠ Σ held changes, or negative
	CheckHold       = "hold"        // a paid job without exactly one hold of its price, or a free job with money entries
	CheckSettlement = "settlement"  // a finished job not captured/released exactly once, or an unfinished one settled
	CheckJobRefund  = "job_refund"  // a job refunded twice, for another amount than its price, or without having been captured
	CheckTopUp      = "topup"       // a top-up whose credit, refund and reversal entries disagree with its state
	CheckEntryOwner = "entry_owner" // an entry whose user differs from its job's or top-up's, or that lacks one
	CheckManual     = "manual"      // a manual top-up approved without exactly its credited top-up, or a manual top-up without an approval
)

// AuditReport lists what the audit checked and every discrepancy found.
type AuditReport struct {
	Users, Entries, Jobs, TopUps int
	Problems                     []Problem
}

// OK reports whether the audit found nothing wrong.
func (r AuditReport) OK() bool { return len(r.Problems) == 0 }

func (r AuditReport) String() string {
	s := fmt.Sprintf("audited %d users, %d entries, %d jobs, %d top-ups: %d problems", r.Users, r.Entries, r.Jobs, r.TopUps, len(r.Problems))
	for _, p := range r.Problems {
		s += "\n  " + p.String()
	}
	return s
}

// snapshotBeginner opens a transaction with options: the pool and a connection.
type snapshotBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Audit checks the money invariants of botID (0: every bot) and lists
// every discrepancy. On a pool or connection it reads one repeatable-read
// snapshot, so money moving during the audit never shows as a false
// discrepancy; inside a caller's transaction it uses that one.
func Audit(ctx context.Context, db DBTX, botID int64) (AuditReport, error) {
	if b, ok := db.(snapshotBeginner); ok {
		tx, err := b.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return AuditReport{}, fmt.Errorf("audit: begin: %w", interpret(err))
		}
		defer rollback(ctx, tx)
		db = tx
	}
	a := auditor{db: db, botID: botID}
	for _, step := range []func(context.Context) error{a.counts, a.balances, a.jobs, a.topUps, a.owners, a.manual, a.growth} {
		if err := step(ctx); err != nil {
			return AuditReport{}, fmt.Errorf("audit: %w", err)
		}
	}
	return a.report, nil
}

type auditor struct {
	db     DBTX
	botID  int64
	report AuditReport
}

func (a *auditor) add(p Problem) { a.report.Problems = append(a.report.Problems, p) }

// auditBot filters column col by the audited bot: every audit query's $1
// is the bot id, 0 for all bots.
func auditBot(col string) string { return `($1::bigint = 0 OR ` + col + ` = $1)` }

func (a *auditor) counts(ctx context.Context) error {
	err := a.db.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM bot_users WHERE `+auditBot("bot_id")+`), (SELECT count(*) FROM ledger_entries WHERE `+auditBot("bot_id")+`),
		       (SELECT count(*) FROM jobs WHERE `+auditBot("bot_id")+`), (SELECT count(*) FROM topups WHERE `+auditBot("bot_id")+`)`, a.botID,
	).Scan(&a.report.Users, &a.report.Entries, &a.report.Jobs, &a.report.TopUps)
	if err != nil {
		return fmt.Errorf("count rows: %w", interpret(err))
	}
	return nil
}

func (a *auditor) balances(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		SELECT u.bot_id, u.user_id, u.balance_kopecks, u.held_kopecks, coalesce(s.amount, 0)::bigint, coalesce(s.held, 0)::bigint
		  FROM bot_users u
		  LEFT JOIN (SELECT bot_id, user_id, sum(amount_kopecks) AS amount, sum(held_change_kopecks) AS held
		               FROM ledger_entries WHERE `+auditBot("bot_id")+` GROUP BY bot_id, user_id) s USING (bot_id, user_id)
		 WHERE `+auditBot("u.bot_id")+` AND (u.balance_kopecks <> coalesce(s.amount, 0) OR u.held_kopecks <> coalesce(s.held, 0)
		        OR u.balance_kopecks < 0 OR u.held_kopecks < 0)
		 ORDER BY 1, 2`, a.botID)
	if err != nil {
		return fmt.Errorf("check balances: %w", interpret(err))
	}
	var bot, user, balance, held, sumAmount, sumHeld int64
	_, err = pgx.ForEachRow(rows, []any{&bot, &user, &balance, &held, &sumAmount, &sumHeld}, func() error {
		if balance != sumAmount || balance < 0 {
			a.add(Problem{BotID: bot, UserID: user, Check: CheckBalance,
				Detail: fmt.Sprintf("balance %d kopecks, entries sum to %d", balance, sumAmount)})
		}
		if held != sumHeld || held < 0 {
			a.add(Problem{BotID: bot, UserID: user, Check: CheckHeld,
				Detail: fmt.Sprintf("held %d kopecks, entries sum to %d", held, sumHeld)})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check balances: %w", interpret(err))
	}
	return nil
}

// jobs checks that each paid job holds its price once and, once finished,
// is captured (success) or released (otherwise) exactly once, that an
// admin's refund gives a captured price back once, and that a free job
// moves no money.
func (a *auditor) jobs(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		SELECT j.bot_id, j.id, j.user_id, j.state, j.free, j.price_kopecks,
		       count(e.id) FILTER (WHERE e.kind = 'hold'), coalesce(sum(e.held_change_kopecks) FILTER (WHERE e.kind = 'hold'), 0)::bigint,
		       count(e.id) FILTER (WHERE e.kind = 'capture'), coalesce(sum(-e.held_change_kopecks) FILTER (WHERE e.kind = 'capture'), 0)::bigint,
		       count(e.id) FILTER (WHERE e.kind = 'release'), coalesce(sum(e.amount_kopecks) FILTER (WHERE e.kind = 'release'), 0)::bigint,
		       count(e.id) FILTER (WHERE e.kind = 'job_refund'), coalesce(sum(e.amount_kopecks) FILTER (WHERE e.kind = 'job_refund'), 0)::bigint,
		       count(e.id)
		  FROM jobs j LEFT JOIN ledger_entries e ON e.bot_id = j.bot_id AND e.job_id = j.id
		 WHERE `+auditBot("j.bot_id")+`
		 GROUP BY j.bot_id, j.id
		 ORDER BY 1, 2`, a.botID)
	if err != nil {
		return fmt.Errorf("check jobs: %w", interpret(err))
	}
	var (
		bot, id, user, price                                   int64
		state                                                  JobState
		free                                                   bool
		holds, held, captures, captured, releases, released, n int64
		refunds, refunded                                      int64
	)
	_, err = pgx.ForEachRow(rows, []any{&bot, &id, &user, &state, &free, &price, &holds, &held, &captures, &captured, &releases, &released, &refunds, &refunded, &n}, func() error {
		p := Problem{BotID: bot, UserID: user, JobID: id}
		problem := func(check, format string, args ...any) {
			p.Check, p.Detail = check, fmt.Sprintf(format, args...)
			a.add(p)
		}
		if free {
			if n != 0 {
				problem(CheckHold, "free job has %d ledger entries", n)
			}
			return nil
		}
		if holds != 1 || held != price {
			problem(CheckHold, "%d hold entries of %d kopecks in all, price %d", holds, held, price)
		}
		// An admin's refund gives back a captured price, once.
		if refunds > 0 && (refunds != 1 || refunded != price || state != JobSucceeded || captures != 1) {
			problem(CheckJobRefund, "%s job has %d refunds (%d kopecks) and %d captures, price %d", state, refunds, refunded, captures, price)
		}
		switch {
		case !state.Final():
			if captures+releases != 0 {
				problem(CheckSettlement, "%s job has %d captures and %d releases", state, captures, releases)
			}
		case state == JobSucceeded:
			if captures != 1 || releases != 0 || captured != price {
				problem(CheckSettlement, "succeeded job has %d captures (%d kopecks) and %d releases, price %d", captures, captured, releases, price)
			}
		default:
			if releases != 1 || captures != 0 || released != price {
				problem(CheckSettlement, "%s job has %d releases (%d kopecks) and %d captures, price %d", state, releases, released, captures, price)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check jobs: %w", interpret(err))
	}
	return nil
}

// topUps checks that a pending top-up has no entries and any other exactly
// one credit of its kopecks; that every refund begun and given up was
// reversed (a paid top-up nets nothing back), a refund under way has taken
// back exactly the credit, and a refunded one the credit less the
// shortfall a refund Telegram made on its own could not cover.
func (a *auditor) topUps(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		SELECT t.bot_id, t.id, t.user_id, t.state, t.kopecks, t.refund_shortfall_kopecks,
		       count(e.id) FILTER (WHERE e.kind = 'topup'), coalesce(sum(e.amount_kopecks) FILTER (WHERE e.kind = 'topup'), 0)::bigint,
		       count(e.id) FILTER (WHERE e.kind = 'refund'), coalesce(sum(-e.amount_kopecks) FILTER (WHERE e.kind = 'refund'), 0)::bigint,
		       count(e.id) FILTER (WHERE e.kind = 'adjustment'), coalesce(sum(e.amount_kopecks) FILTER (WHERE e.kind = 'adjustment'), 0)::bigint,
		       count(e.id) FILTER (WHERE e.kind NOT IN ('topup', 'refund', 'adjustment'))
		  FROM topups t LEFT JOIN ledger_entries e ON e.bot_id = t.bot_id AND e.topup_id = t.id
		 WHERE `+auditBot("t.bot_id")+`
		 GROUP BY t.bot_id, t.id
		 ORDER BY 1, 2`, a.botID)
	if err != nil {
		return fmt.Errorf("check top-ups: %w", interpret(err))
	}
	var (
		bot, id, user, kopecks, shortfall                                 int64
		state                                                             TopUpState
		credits, credited, refunds, refunded, reversals, reversed, others int64
	)
	_, err = pgx.ForEachRow(rows, []any{&bot, &id, &user, &state, &kopecks, &shortfall,
		&credits, &credited, &refunds, &refunded, &reversals, &reversed, &others}, func() error {
		// What is still taken back, in entries and in kopecks.
		open, net := refunds-reversals, refunded-reversed
		ok := others == 0 && reversed >= 0
		switch state {
		case TopUpPending:
			ok = ok && credits == 0 && refunds == 0 && reversals == 0
		case TopUpPaid:
			ok = ok && credits == 1 && credited == kopecks && open == 0 && net == 0 && shortfall == 0
		case TopUpRefunding:
			ok = ok && credits == 1 && credited == kopecks && open == 1 && net == kopecks && shortfall == 0
		case TopUpRefunded:
			wantOpen := int64(1)
			if shortfall == kopecks {
				wantOpen = 0 // nothing was left to take back
			}
			ok = ok && credits == 1 && credited == kopecks && open == wantOpen && net == kopecks-shortfall
		default:
			ok = false
		}
		if !ok {
			a.add(Problem{BotID: bot, UserID: user, TopUpID: id, Check: CheckTopUp, Detail: fmt.Sprintf(
				"%s top-up of %d kopecks (shortfall %d) has %d credits (%d kopecks), %d refunds (%d kopecks), %d reversals (%d kopecks), %d other entries",
				state, kopecks, shortfall, credits, credited, refunds, refunded, reversals, reversed, others)})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check top-ups: %w", interpret(err))
	}
	return nil
}

// owners finds entries booked to another user than their job's or
// top-up's, and top-up or refund entries without a top-up.
func (a *auditor) owners(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		SELECT e.bot_id, e.user_id, coalesce(e.job_id, 0), coalesce(e.topup_id, 0), e.id, e.kind,
		       coalesce(j.user_id, t.user_id, 0)
		  FROM ledger_entries e
		  LEFT JOIN jobs j ON j.bot_id = e.bot_id AND j.id = e.job_id
		  LEFT JOIN topups t ON t.bot_id = e.bot_id AND t.id = e.topup_id
		 WHERE `+auditBot("e.bot_id")+`
		   AND ((j.id IS NOT NULL AND j.user_id <> e.user_id) OR (t.id IS NOT NULL AND t.user_id <> e.user_id)
		        OR (e.kind IN ('topup', 'refund') AND t.id IS NULL))
		 ORDER BY 1, e.id`, a.botID)
	if err != nil {
		return fmt.Errorf("check entry owners: %w", interpret(err))
	}
	var (
		bot, user, job, topUp, entry, owner int64
		kind                                EntryKind
	)
	_, err = pgx.ForEachRow(rows, []any{&bot, &user, &job, &topUp, &entry, &kind, &owner}, func() error {
		a.add(Problem{BotID: bot, UserID: user, JobID: job, TopUpID: topUp, Check: CheckEntryOwner,
			Detail: fmt.Sprintf("%s entry %d: booked to user %d, its job or top-up belongs to user %d", kind, entry, user, owner)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("check entry owners: %w", interpret(err))
	}
	return nil
}

// manual checks that every approved manual top-up has its own 'manual'
// top-up, of its kopecks, for its user, under its charge id, and that
// every 'manual' top-up belongs to an approved request (a photo alone
// never credits money). The credit itself is checked with the other
// top-ups.
func (a *auditor) manual(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		SELECT coalesce(m.bot_id, t.bot_id), coalesce(m.user_id, t.user_id), coalesce(t.id, 0), coalesce(m.id, 0),
		       coalesce(m.state, ''), coalesce(m.kopecks, 0), coalesce(t.kopecks, 0), coalesce(t.method, ''), coalesce(t.charge_id, '')
		  FROM (SELECT * FROM manual_topups WHERE state = 'approved' AND `+auditBot("bot_id")+`) m
		  FULL JOIN (SELECT * FROM topups WHERE method = 'manual' AND `+auditBot("bot_id")+`) t
		    ON t.bot_id = m.bot_id AND t.id = m.topup_id
		 WHERE m.id IS NULL OR t.id IS NULL OR t.kopecks <> m.kopecks OR t.user_id <> m.user_id
		    OR t.charge_id <> 'manual:' || m.id OR t.stars <> 0
		 ORDER BY 1, 3, 4`, a.botID)
	if err != nil {
		return fmt.Errorf("check manual top-ups: %w", interpret(err))
	}
	var (
		bot, user, topUp, id, want, got int64
		state, method, charge           string
	)
	_, err = pgx.ForEachRow(rows, []any{&bot, &user, &topUp, &id, &state, &want, &got, &method, &charge}, func() error {
		detail := fmt.Sprintf("manual request %d (%s, %d kopecks) has top-up %d (%s, charge %q, %d kopecks)", id, state, want, topUp, method, charge, got)
		if id == 0 {
			detail = fmt.Sprintf("manual top-up %d (charge %q, %d kopecks) has no approved request", topUp, charge, got)
		}
		a.add(Problem{BotID: bot, UserID: user, TopUpID: topUp, Check: CheckManual, Detail: detail})
		return nil
	})
	if err != nil {
		return fmt.Errorf("check manual top-ups: %w", interpret(err))
	}
	return nil
}
