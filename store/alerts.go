package store

import (
	"context"
	"fmt"
	"time"
)

// AlertClaim is the outcome of ClaimAlert.
type AlertClaim struct {
	// Send: the caller won the right to send the alert now.
	Send bool
	// Suppressed is how many repeats were held back since the key was last
	// sent (counted before this claim; reset when Send).
	Suppressed int
	// Prev is when the key was sent before (zero: never), for UnclaimAlert.
	Prev time.Time
}

// ClaimAlert decides, by the database clock, whether the alert key may go
// out now: when it was never sent or last sent at least window ago. A
// successful claim records the sending at once, so of instances racing on
// one key exactly one wins; a refused one counts the repeat as
// suppressed. text is kept for operators (the last alert's words).
func (q *queries) ClaimAlert(ctx context.Context, key string, window time.Duration, text string) (AlertClaim, error) {
	var c AlertClaim
	var prev *time.Time
	err := q.db.QueryRow(ctx, `
		WITH prev AS (
			SELECT last_sent_at, suppressed FROM admin_alerts WHERE bot_id = $1 AND key = $2
		), claimed AS (
			INSERT INTO admin_alerts (bot_id, key, last_sent_at, last_text) VALUES ($1, $2, now(), $4)
			ON CONFLICT (bot_id, key) DO UPDATE
			   SET last_sent_at = now(), sent = admin_alerts.sent + 1, suppressed = 0, last_text = EXCLUDED.last_text
			 WHERE admin_alerts.last_sent_at <= now() - make_interval(secs => $3)
			RETURNING 1
		)
		SELECT EXISTS (SELECT 1 FROM claimed), (SELECT last_sent_at FROM prev), coalesce((SELECT suppressed FROM prev), 0)`,
		q.botID, key, window.Seconds(), cutText(text, 1000)).Scan(&c.Send, &prev, &c.Suppressed)
	if err != nil {
		return AlertClaim{}, fmt.Errorf("claim alert %q: %w", key, interpret(err))
	}
	if prev != nil {
		c.Prev = *prev
	}
	if !c.Send {
		if _, err := q.db.Exec(ctx, `UPDATE admin_alerts SET suppressed = suppressed + 1 WHERE bot_id = $1 AND key = $2`, q.botID, key); err != nil {
			return AlertClaim{}, fmt.Errorf("count suppressed alert %q: %w", key, interpret(err))
		}
	}
	return c, nil
}

// UnclaimAlert undoes a claim whose alert reached no admin, so the next
// occurrence is sent rather than suppressed; prev is AlertClaim.Prev.
func (q *queries) UnclaimAlert(ctx context.Context, key string, prev time.Time) error {
	var err error
	if prev.IsZero() {
		_, err = q.db.Exec(ctx, `DELETE FROM admin_alerts WHERE bot_id = $1 AND key = $2`, q.botID, key)
	} else {
		_, err = q.db.Exec(ctx, `UPDATE admin_alerts SET last_sent_at = $3, sent = greatest(sent - 1, 0) WHERE bot_id = $1 AND key = $2`, q.botID, key, prev)
	}
	if err != nil {
		return fmt.Errorf("unclaim alert %q: %w", key, interpret(err))
	}
	return nil
}

// ModelFailures is how a model's latest finished jobs ended.
type ModelFailures struct {
	ModelID  string
	Failed   int // failed or expired, content-policy rejections aside
	Finished int // of the last N finished
}

// FailingModels returns the models with at least minFailed failures among
// their last lastN jobs finished within the past day. A rejection under a
// model's content rules (fail code "rejected…") is the prompt's fault, not
// the model's, and does not count.
func (q *queries) FailingModels(ctx context.Context, minFailed, lastN int) ([]ModelFailures, error) {
	rows, err := q.db.Query(ctx, `
		SELECT model_id, count(*) FILTER (WHERE failed), count(*)
		  FROM (SELECT model_id,
		               state IN ('failed', 'expired') AND fail_code NOT LIKE 'rejected%' AS failed,
		               row_number() OVER (PARTITION BY model_id ORDER BY finished_at DESC) AS n
		          FROM jobs
		         WHERE bot_id = $1 AND finished_at IS NOT NULL AND finished_at > now() - interval '1 day') latest
		 WHERE n <= $2
		 GROUP BY model_id
		HAVING count(*) FILTER (WHERE failed) >= $3
		 ORDER BY model_id`, q.botID, lastN, minFailed)
	if err != nil {
		return nil, fmt.Errorf("find failing models: %w", interpret(err))
	}
	defer rows.Close()
	var out []ModelFailures
	for rows.Next() {
		var m ModelFailures
		if err := rows.Scan(&m.ModelID, &m.Failed, &m.Finished); err != nil {
			return nil, fmt.Errorf("find failing models: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find failing models: %w", err)
	}
	return out, nil
}
