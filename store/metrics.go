package store

import (
	"context"
	"errors"
	"fmt"
)

// MoneyTotal is a count of ledger movements of one sort and their sum in
// kopecks (positive: money in for top-ups, money back for refunds).
type MoneyTotal struct {
	Label   string
	Count   int64
	Kopecks int64
}

// JobTotal counts finished jobs of one model with one outcome, and what
// they earned: the captured price of paid successes.
type JobTotal struct {
	ModelID string
	Outcome JobState
	Count   int64
	Kopecks int64
}

// BusinessTotals are the bot's business figures since it began, read from
// the ledger and the jobs table, so every instance reports the same and a
// restart resets nothing.
type BusinessTotals struct {
	TopUps  []MoneyTotal // by payment method
	Refunds []MoneyTotal // by kind: stars (a Stars top-up refunded), job_release (a failed job's hold returned), result_lost
	Jobs    []JobTotal   // finished jobs by model and outcome
	// The last Kie balance reading, when KieBalanceKnown.
	KieBalance      KieBalance
	KieBalanceKnown bool
	// The broadcast sending or paused, with its recipients by state, when
	// Broadcast is not nil.
	Broadcast       *Broadcast
	BroadcastCounts BroadcastCounts
}

// TopUpMethodStars is the payment method of 'topup' ledger entries: every
// top-up so far is Telegram Stars. A new method (a bank transfer) names
// itself here when it writes its own entries.
const TopUpMethodStars = "stars"

// Refund kinds in BusinessTotals.Refunds.
const (
	RefundStars      = "stars"
	RefundJobRelease = "job_release"
	RefundResultLost = "result_lost"
)

// BusinessTotals aggregates the figures. It scans the ledger and the
// finished jobs, so callers cache it (the metrics collector does).
func (q *queries) BusinessTotals(ctx context.Context) (BusinessTotals, error) {
	var t BusinessTotals
	rows, err := q.db.Query(ctx, `
		SELECT kind, kind = 'adjustment' AND idem_key LIKE 'result-lost:%', count(*), coalesce(sum(amount_kopecks), 0)::bigint
		  FROM ledger_entries
		 WHERE bot_id = $1 AND kind IN ('topup', 'refund', 'release', 'adjustment')
		 GROUP BY 1, 2`, q.botID)
	if err != nil {
		return t, fmt.Errorf("sum the ledger: %w", interpret(err))
	}
	for rows.Next() {
		var kind EntryKind
		var lost bool
		var n, sum int64
		if err := rows.Scan(&kind, &lost, &n, &sum); err != nil {
			rows.Close()
			return t, fmt.Errorf("sum the ledger: %w", err)
		}
		switch {
		case kind == KindTopUp:
			t.TopUps = append(t.TopUps, MoneyTotal{Label: TopUpMethodStars, Count: n, Kopecks: sum})
		case kind == KindRefund:
			t.Refunds = append(t.Refunds, MoneyTotal{Label: RefundStars, Count: n, Kopecks: -sum})
		case kind == KindRelease:
			t.Refunds = append(t.Refunds, MoneyTotal{Label: RefundJobRelease, Count: n, Kopecks: sum})
		case lost:
			t.Refunds = append(t.Refunds, MoneyTotal{Label: RefundResultLost, Count: n, Kopecks: sum})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("sum the ledger: %w", err)
	}

	rows, err = q.db.Query(ctx, `
		SELECT model_id, state, count(*), coalesce(sum(price_kopecks) FILTER (WHERE state = 'succeeded' AND NOT free), 0)::bigint
		  FROM jobs WHERE bot_id = $1 AND finished_at IS NOT NULL
		 GROUP BY 1, 2 ORDER BY 1, 2`, q.botID)
	if err != nil {
		return t, fmt.Errorf("count jobs: %w", interpret(err))
	}
	for rows.Next() {
		var j JobTotal
		if err := rows.Scan(&j.ModelID, &j.Outcome, &j.Count, &j.Kopecks); err != nil {
			rows.Close()
			return t, fmt.Errorf("count jobs: %w", err)
		}
		t.Jobs = append(t.Jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("count jobs: %w", err)
	}

	switch bal, err := q.KieBalance(ctx); {
	case err == nil:
		t.KieBalance, t.KieBalanceKnown = bal, true
	case !errors.Is(err, ErrNotFound):
		return t, err
	}
	switch b, err := q.ActiveBroadcast(ctx); {
	case err == nil:
		counts, err := q.BroadcastCounts(ctx, b.ID)
		if err != nil {
			return t, err
		}
		t.Broadcast, t.BroadcastCounts = &b, counts
	case !errors.Is(err, ErrNotFound):
		return t, err
	}
	return t, nil
}
