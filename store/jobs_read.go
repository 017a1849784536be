package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Job loads one job of this bot.
func (q *queries) Job(ctx context.Context, id int64) (Job, error) {
	j, err := q.jobWhere(ctx, `id = $2`, id)
	if err != nil {
		return Job{}, fmt.Errorf("load job %d: %w", id, err)
	}
	return j, nil
}

// UserJob loads job id if it belongs to userID (ErrNotFound otherwise).
func (q *queries) UserJob(ctx context.Context, userID, id int64) (Job, error) {
	j, err := q.jobWhere(ctx, `id = $2 AND user_id = $3`, id, userID)
	if err != nil {
		return Job{}, fmt.Errorf("load job %d of user %d: %w", id, userID, err)
	}
	return j, nil
}

// UserJobByKey loads userID's job created with idempotencyKey (ErrNotFound
// if there is none, or it is another user's).
func (q *queries) UserJobByKey(ctx context.Context, userID int64, idempotencyKey string) (Job, error) {
	j, err := q.jobWhere(ctx, `idempotency_key = $2 AND user_id = $3`, idempotencyKey, userID)
	if err != nil {
		return Job{}, fmt.Errorf("load job of user %d by key: %w", userID, err)
	}
	return j, nil
}

// JobByTaskID finds the job Kie knows as taskID (the newest, should a fake
// server ever reuse ids).
func (q *queries) JobByTaskID(ctx context.Context, taskID string) (Job, error) {
	j, err := q.jobWhere(ctx, `task_id = $2 ORDER BY id DESC LIMIT 1`, taskID)
	if err != nil {
		return Job{}, fmt.Errorf("load job of task %q: %w", taskID, err)
	}
	return j, nil
}

// RecentJobs returns userID's latest n jobs, newest first.
func (q *queries) RecentJobs(ctx context.Context, userID int64, n int) ([]Job, error) {
	js, err := q.jobsWhere(ctx, `user_id = $2 ORDER BY id DESC LIMIT $3`, userID, n)
	if err != nil {
		return nil, fmt.Errorf("list jobs of user %d: %w", userID, err)
	}
	return js, nil
}

// RunningJobs counts userID's unfinished jobs (queued, submitting, running
// or unknown).
func (q *queries) RunningJobs(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE bot_id = $1 AND user_id = $2 AND finished_at IS NULL`,
		q.botID, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unfinished jobs of user %d: %w", userID, interpret(err))
	}
	return n, nil
}

// UnfinishedJobs is every job a leader still owes something: unfinished,
// or finished with its outcome not delivered, oldest first. It is not
// bounded (checks and tools); the jobs actor reloads UnfinishedJobIDs.
func (q *queries) UnfinishedJobs(ctx context.Context) ([]Job, error) {
	// Finished but undelivered: a success whose result, or a failure whose
	// notice, was not sent before a crash (bounded to a day: older results
	// have expired at Kie and older notices are moot).
	js, err := q.jobsWhere(ctx, `(finished_at IS NULL OR (delivered_at IS NULL AND finished_at > now() - interval '1 day')) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	return js, nil
}

// UnfinishedJobIDs is UnfinishedJobs bounded: the ids of the oldest limit
// jobs that are unfinished or finished but undelivered, oldest first, so a
// leader follows a bounded number at a time and picks the rest up as those
// end.
func (q *queries) UnfinishedJobIDs(ctx context.Context, limit int) ([]int64, error) {
	rows, err := q.db.Query(ctx, `
		SELECT id FROM jobs
		 WHERE bot_id = $1 AND (finished_at IS NULL OR (delivered_at IS NULL AND finished_at > now() - interval '1 day'))
		 ORDER BY id LIMIT $2`, q.botID, limit)
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", interpret(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", interpret(err))
	}
	return ids, nil
}

// JobsDue returns up to limit running jobs whose next poll is due at now,
// most overdue first.
func (q *queries) JobsDue(ctx context.Context, now time.Time, limit int) ([]Job, error) {
	js, err := q.jobsWhere(ctx, `state = 'running' AND next_poll_at <= $2 ORDER BY next_poll_at, id LIMIT $3`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("list jobs due: %w", err)
	}
	return js, nil
}

const jobColumns = `id, user_id, chat_id, model_id, category, output, params, inputs, file_ids,
	price_kopecks, cost_micro_credits, free, idempotency_key, state, coalesce(task_id, ''), stage, polls,
	next_poll_at, deadline, unknown_cause, result_urls, fail_code, fail_msg, credits_consumed_micro,
	progress_message_id, created_at, submitted_at, running_at, finished_at, delivered_at, results_delivered, results_lost`

func scanJob(row pgx.CollectableRow) (Job, error) {
	var (
		j                                            Job
		nextPoll, submitted, running, finished, sent *time.Time
	)
	err := row.Scan(&j.ID, &j.UserID, &j.ChatID, &j.ModelID, &j.Category, &j.Output, &j.Params, &j.Inputs, &j.FileIDs,
		&j.PriceKopecks, &j.CostMicroCredits, &j.Free, &j.IdempotencyKey, &j.State, &j.TaskID, &j.Stage, &j.Polls,
		&nextPoll, &j.Deadline, &j.UnknownCause, &j.ResultURLs, &j.FailCode, &j.FailMsg, &j.CreditsConsumedMicro,
		&j.ProgressMessageID, &j.CreatedAt, &submitted, &running, &finished, &sent, &j.ResultsDelivered, &j.ResultsLost)
	for _, p := range []struct {
		dst *time.Time
		src *time.Time
	}{{&j.NextPollAt, nextPoll}, {&j.SubmittedAt, submitted}, {&j.RunningAt, running}, {&j.FinishedAt, finished}, {&j.DeliveredAt, sent}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return j, err
}

// jobWhere loads the one job matching cond, whose $1 is the bot id.
func (q *queries) jobWhere(ctx context.Context, cond string, args ...any) (Job, error) {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE bot_id = $1 AND `+cond, append([]any{q.botID}, args...)...)
	if err != nil {
		return Job{}, interpret(err)
	}
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	return j, interpret(err)
}

// jobsWhere loads the jobs matching cond, whose $1 is the bot id.
func (q *queries) jobsWhere(ctx context.Context, cond string, args ...any) ([]Job, error) {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE bot_id = $1 AND `+cond, append([]any{q.botID}, args...)...)
	if err != nil {
		return nil, interpret(err)
	}
	js, err := pgx.CollectRows(rows, scanJob)
	return js, interpret(err)
}
