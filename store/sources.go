package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Campaign sources: the tag of the link (?start=src_<tag>) a user first
// came by, recorded once.

var sourcePattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// NormalizeSource is a campaign tag as stored (lower case) and whether it
// can be one.
func NormalizeSource(s string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	return t, sourcePattern.MatchString(t)
}

// SetSource records userID's campaign source unless they have one;
// recorded is false when they had (or the tag is not one).
func (q *queries) SetSource(ctx context.Context, userID int64, source string) (recorded bool, err error) {
	tag, ok := NormalizeSource(source)
	if !ok {
		return false, nil
	}
	ct, err := q.db.Exec(ctx, `INSERT INTO user_sources (bot_id, user_id, source) VALUES ($1, $2, $3) ON CONFLICT (bot_id, user_id) DO NOTHING`,
		q.botID, userID, tag)
	if err != nil {
		return false, fmt.Errorf("record the source of user %d: %w", userID, interpret(err))
	}
	return ct.RowsAffected() == 1, nil
}

// SourceOf is userID's campaign source ("" for none).
func (q *queries) SourceOf(ctx context.Context, userID int64) (string, error) {
	var s string
	err := q.db.QueryRow(ctx, `SELECT coalesce((SELECT source FROM user_sources WHERE bot_id = $1 AND user_id = $2), '')`, q.botID, userID).Scan(&s)
	if err != nil {
		return "", fmt.Errorf("source of user %d: %w", userID, interpret(err))
	}
	return s, nil
}

// SourceStat is one campaign source's users and money.
type SourceStat struct {
	Source  string
	Users   int   // users who came by it
	Payers  int   // of those, how many paid a top-up
	Revenue int64 // kopecks their paid top-ups credited, net of refunds
}

// SourceStats lists every campaign source, most users first.
func (q *queries) SourceStats(ctx context.Context) ([]SourceStat, error) {
	rows, err := q.db.Query(ctx, `
		WITH paid AS (
			SELECT e.user_id, sum(e.amount_kopecks) AS kopecks
			  FROM ledger_entries e JOIN user_sources s ON s.bot_id = e.bot_id AND s.user_id = e.user_id
			 WHERE e.bot_id = $1 AND (e.kind IN ('topup', 'refund') OR (e.kind = 'adjustment' AND e.topup_id IS NOT NULL))
			 GROUP BY e.user_id
			HAVING count(*) FILTER (WHERE e.kind = 'topup') > 0
		)
		SELECT s.source, count(*), count(p.user_id), coalesce(sum(p.kopecks), 0)::bigint
		  FROM user_sources s LEFT JOIN paid p ON p.user_id = s.user_id
		 WHERE s.bot_id = $1
		 GROUP BY s.source ORDER BY count(*) DESC, s.source`, q.botID)
	if err != nil {
		return nil, fmt.Errorf("source stats: %w", interpret(err))
	}
	stats, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SourceStat, error) {
		var s SourceStat
		err := row.Scan(&s.Source, &s.Users, &s.Payers, &s.Revenue)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("source stats: %w", interpret(err))
	}
	return stats, nil
}

// SourceStatsBetween is SourceStats of a period [from, to): the users who
// came by each tag then, and the paid top-ups (net of refunds) that all of
// a tag's users made then. Tags with neither are left out.
func (q *queries) SourceStatsBetween(ctx context.Context, from, to time.Time) ([]SourceStat, error) {
	rows, err := q.db.Query(ctx, `
		WITH joined AS (
			SELECT source, count(*) AS users FROM user_sources
			 WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY source
		), paid AS (
			SELECT s.source, count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'topup') AS payers, sum(e.amount_kopecks) AS kopecks
			  FROM ledger_entries e JOIN user_sources s ON s.bot_id = e.bot_id AND s.user_id = e.user_id
			 WHERE e.bot_id = $1 AND e.created_at >= $2 AND e.created_at < $3
			   AND (e.kind IN ('topup', 'refund') OR (e.kind = 'adjustment' AND e.topup_id IS NOT NULL))
			 GROUP BY s.source
		)
		SELECT coalesce(j.source, p.source), coalesce(j.users, 0), coalesce(p.payers, 0), coalesce(p.kopecks, 0)::bigint
		  FROM joined j FULL JOIN paid p ON p.source = j.source
		 ORDER BY 2 DESC, 4 DESC, 1`, q.botID, from, to)
	if err != nil {
		return nil, fmt.Errorf("source stats of a period: %w", interpret(err))
	}
	stats, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SourceStat, error) {
		var s SourceStat
		err := row.Scan(&s.Source, &s.Users, &s.Payers, &s.Revenue)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("source stats of a period: %w", interpret(err))
	}
	return stats, nil
}
