package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	// ErrAlreadySettled: FinishJob on a job that is already finished; its
	// money was captured or released then, and nothing changed now.
	ErrAlreadySettled = errors.New("job already settled")
	// ErrJobState: a job transition whose starting state does not hold
	// (another instance or an earlier attempt moved the job on).
	ErrJobState = errors.New("job is not in the required state")
	// ErrTooManyJobs: the user already has NewJob.MaxRunning unfinished jobs.
	ErrTooManyJobs = errors.New("too many unfinished jobs")
)

// JobState is where a generation job is; see the jobs table in
// migrations/sql/0004_money.sql.
type JobState string

// Job states.
const (
	JobQueued     JobState = "queued"     // created, price held, not yet sent to Kie
	JobSubmitting JobState = "submitting" // calling Kie's createTask now
	JobRunning    JobState = "running"    // Kie accepted it: TaskID is known
	JobUnknown    JobState = "unknown"    // createTask's outcome is unknown (crash or timeout)
	JobSucceeded  JobState = "succeeded"  // final: hold captured
	JobFailed     JobState = "failed"     // final: hold released
	JobExpired    JobState = "expired"    // final: deadline passed, hold released
)

// Final reports whether s ends a job.
func (s JobState) Final() bool { return s == JobSucceeded || s == JobFailed || s == JobExpired }

// Job is one generation.
type Job struct {
	ID                   int64
	UserID               int64
	ChatID               int64
	ModelID              string
	Category             string
	Output               string
	Params               map[string]string
	Inputs               map[string][]string // Kie file URLs per input field
	FileIDs              map[string][]string // Telegram file ids per input field, to repeat the job
	PriceKopecks         int64
	CostMicroCredits     int64
	Free                 bool
	IdempotencyKey       string
	State                JobState
	TaskID               string // "" until running
	Stage                string // Kie's last reported stage, for progress messages
	Polls                int
	NextPollAt           time.Time // zero when not running
	Deadline             time.Time
	UnknownCause         string
	ResultURLs           []string
	FailCode             string
	FailMsg              string
	CreditsConsumedMicro int64
	ProgressMessageID    int64 // 0 when none
	CreatedAt            time.Time
	SubmittedAt          time.Time // zero until submitting
	RunningAt            time.Time // zero until running
	FinishedAt           time.Time // zero until final
	DeliveredAt          time.Time // zero until MarkDelivered
	// ResultsDelivered is how many of ResultURLs, in order, have been dealt
	// with (MarkResultDone); ResultsLost how many of those could not be
	// delivered and were given up on.
	ResultsDelivered int
	ResultsLost      int
}

// NewJob is a confirmed generation to create.
type NewJob struct {
	UserID           int64
	ChatID           int64
	ModelID          string
	Category         string
	Output           string
	Params           map[string]string
	Inputs           map[string][]string
	FileIDs          map[string][]string
	PriceKopecks     int64 // held unless Free; must be > 0 unless Free
	CostMicroCredits int64
	// Free jobs hold no money; each consumes one of today's FreeDailyLimit
	// free uses (ErrFreeLimit when none is left).
	Free           bool
	FreeDailyLimit int
	// IdempotencyKey identifies the confirmation (e.g. the callback query);
	// a repeat returns the job created first.
	IdempotencyKey string
	Deadline       time.Time
	// MaxRunning > 0 refuses the job with ErrTooManyJobs when the user
	// already has that many unfinished jobs; 0 means no limit (admins).
	MaxRunning int
}

// CreateJob inserts the job and, in the same transaction, holds its price
// (ErrInsufficientFunds when the balance is short) or consumes a free use
// (ErrFreeLimit). On any refusal nothing is written. A repeated
// IdempotencyKey returns the existing job with created false and changes
// nothing, whatever the rest of nj says.
func (q *queries) CreateJob(ctx context.Context, nj NewJob) (job Job, created bool, err error) {
	if err := nj.validate(); err != nil {
		return Job{}, false, fmt.Errorf("create job for user %d: %w", nj.UserID, err)
	}
	err = q.atomic(ctx, func(q *queries) error {
		// The user's row lock serialises this user's job creations, so two
		// taps of one button, or MaxRunning, cannot race.
		var locked bool
		if err := q.db.QueryRow(ctx, `SELECT true FROM bot_users WHERE bot_id = $1 AND user_id = $2 FOR UPDATE`,
			q.botID, nj.UserID).Scan(&locked); err != nil {
			return fmt.Errorf("lock user: %w", interpret(err))
		}
		existing, err := q.jobWhere(ctx, `idempotency_key = $2`, nj.IdempotencyKey)
		if err == nil && existing.UserID != nj.UserID {
			// Never hand one user another's job, whatever the caller's keys.
			return fmt.Errorf("idempotency key %q belongs to another user's job: %w", nj.IdempotencyKey, ErrDuplicate)
		}
		if err == nil {
			job = existing
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		if nj.MaxRunning > 0 {
			n, err := q.RunningJobs(ctx, nj.UserID)
			if err != nil {
				return err
			}
			if n >= nj.MaxRunning {
				return fmt.Errorf("user has %d of %d: %w", n, nj.MaxRunning, ErrTooManyJobs)
			}
		}
		var freeDay *time.Time
		if nj.Free {
			day, err := q.consumeFreeUse(ctx, nj.UserID, nj.FreeDailyLimit)
			if err != nil {
				return err
			}
			freeDay = &day
		}
		job, err = q.insertJob(ctx, nj, freeDay)
		if err != nil {
			return err
		}
		created = true
		if nj.Free {
			return nil
		}
		_, err = q.appendEntry(ctx, Entry{
			UserID: nj.UserID, Kind: KindHold, Amount: -nj.PriceKopecks, HeldChange: nj.PriceKopecks,
			Key: "hold:" + strconv.FormatInt(job.ID, 10), JobID: job.ID,
		})
		if err != nil {
			return fmt.Errorf("hold %d kopecks for job %d: %w", nj.PriceKopecks, job.ID, err)
		}
		return nil
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("create %s job for user %d: %w", nj.ModelID, nj.UserID, err)
	}
	return job, created, nil
}

func (nj NewJob) validate() error {
	switch {
	case nj.IdempotencyKey == "":
		return errors.New("no idempotency key")
	case nj.ModelID == "":
		return errors.New("no model id")
	case nj.Deadline.IsZero():
		return errors.New("no deadline")
	case nj.PriceKopecks < 0 || (!nj.Free && nj.PriceKopecks == 0):
		return fmt.Errorf("price %d kopecks is not positive", nj.PriceKopecks)
	}
	return nil
}

func (q *queries) insertJob(ctx context.Context, nj NewJob, freeDay *time.Time) (Job, error) {
	rows, err := q.db.Query(ctx, `
		INSERT INTO jobs (bot_id, user_id, chat_id, model_id, category, output, params, inputs, file_ids,
		                  price_kopecks, cost_micro_credits, free, free_day, idempotency_key, deadline)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING `+jobColumns,
		q.botID, nj.UserID, nj.ChatID, nj.ModelID, nj.Category, nj.Output,
		orEmpty(nj.Params), orEmpty(nj.Inputs), orEmpty(nj.FileIDs),
		nj.PriceKopecks, nj.CostMicroCredits, nj.Free, freeDay, nj.IdempotencyKey, nj.Deadline)
	if err != nil {
		return Job{}, fmt.Errorf("insert job: %w", interpret(err))
	}
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	if err != nil {
		return Job{}, fmt.Errorf("insert job: %w", interpret(err))
	}
	return j, nil
}

// orEmpty keeps a nil map from being stored as JSON null.
func orEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// MarkSubmitting moves a queued job to submitting, just before createTask
// is called; ErrJobState if it is not queued (someone else submits it).
func (q *queries) MarkSubmitting(ctx context.Context, id int64) error {
	return q.transition(ctx, id, fmt.Sprintf("mark job %d submitting", id), `
		UPDATE jobs SET state = 'submitting', submitted_at = now()
		 WHERE bot_id = $1 AND id = $2 AND state = 'queued'`)
}

// MarkRunning records Kie's task id: submitting or unknown → running. It
// also schedules the first poll now. Repeating it with the same task id is
// a no-op; anything else is ErrJobState.
func (q *queries) MarkRunning(ctx context.Context, id int64, taskID string) error {
	if taskID == "" {
		return fmt.Errorf("mark job %d running: empty task id", id)
	}
	return q.transition(ctx, id, fmt.Sprintf("mark job %d running", id), `
		UPDATE jobs SET state = 'running', task_id = $3, running_at = coalesce(running_at, now()),
		       next_poll_at = coalesce(next_poll_at, now())
		 WHERE bot_id = $1 AND id = $2
		   AND (state IN ('submitting', 'unknown') OR (state = 'running' AND task_id = $3))`, taskID)
}

// MarkSubmitUnknown records that createTask's outcome is unknown
// (submitting → unknown). Such a job is never resubmitted: it waits for a
// callback or its deadline.
func (q *queries) MarkSubmitUnknown(ctx context.Context, id int64, cause string) error {
	return q.transition(ctx, id, fmt.Sprintf("mark job %d submission unknown", id), `
		UPDATE jobs SET state = 'unknown', unknown_cause = $3
		 WHERE bot_id = $1 AND id = $2 AND state = 'submitting'`, boundedText(cause, maxErrorText))
}

// RecordPoll notes a poll of a running job: Kie's stage and when to poll
// next. ErrJobState if the job is not running.
func (q *queries) RecordPoll(ctx context.Context, id int64, nextPollAt time.Time, stage string) error {
	return q.transition(ctx, id, fmt.Sprintf("record poll of job %d", id), `
		UPDATE jobs SET polls = polls + 1, next_poll_at = $3, stage = $4
		 WHERE bot_id = $1 AND id = $2 AND state = 'running'`, nextPollAt, boundedText(stage, maxShortText))
}

// SetProgressMessage remembers the Telegram message showing the job's
// progress, so a new leader edits it instead of sending another.
func (q *queries) SetProgressMessage(ctx context.Context, id int64, msgID int64) error {
	return q.transition(ctx, id, fmt.Sprintf("set progress message of job %d", id), `
		UPDATE jobs SET progress_message_id = $3 WHERE bot_id = $1 AND id = $2`, msgID)
}

// transition runs a compare-and-set UPDATE whose $1, $2 are bot and job id:
// no row changed means ErrNotFound (no such job) or ErrJobState.
func (q *queries) transition(ctx context.Context, id int64, what string, sql string, args ...any) error {
	tag, err := q.db.Exec(ctx, sql, append([]any{q.botID, id}, args...)...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, interpret(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	j, err := q.Job(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s (state %s): %w", what, j.State, ErrJobState)
}

// FinishParams ends a job.
type FinishParams struct {
	JobID                int64
	Outcome              JobState // JobSucceeded, JobFailed or JobExpired
	ResultURLs           []string
	FailCode             string
	FailMsg              string
	CreditsConsumedMicro int64
}

// FinishJob sets the job's final state and settles its money in the same
// transaction: success captures the hold, anything else releases it to
// the balance. A free job moves no money; one that did not succeed gives
// its free use back (to the day it was taken from). The job may finish
// from any unfinished state. Exactly once: a finished job returns
// ErrAlreadySettled and nothing changes.
func (q *queries) FinishJob(ctx context.Context, p FinishParams) (Job, error) {
	if !p.Outcome.Final() {
		return Job{}, fmt.Errorf("finish job %d: outcome %q is not final", p.JobID, p.Outcome)
	}
	var job Job
	err := q.atomic(ctx, func(q *queries) error {
		rows, err := q.db.Query(ctx, `
			UPDATE jobs SET state = $3, finished_at = now(), result_urls = $4, fail_code = $5, fail_msg = $6,
			       credits_consumed_micro = $7, next_poll_at = NULL
			 WHERE bot_id = $1 AND id = $2 AND finished_at IS NULL
			RETURNING `+jobColumns,
			q.botID, p.JobID, p.Outcome, orEmptySlice(p.ResultURLs), boundedText(p.FailCode, maxShortText), boundedText(p.FailMsg, maxErrorText),
			p.CreditsConsumedMicro)
		if err != nil {
			return interpret(err)
		}
		job, err = pgx.CollectExactlyOneRow(rows, scanJob)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := q.Job(ctx, p.JobID); err != nil {
				return err
			}
			return ErrAlreadySettled
		}
		if err != nil {
			return interpret(err)
		}
		return q.settle(ctx, job)
	})
	if err != nil {
		return Job{}, fmt.Errorf("finish job %d as %s: %w", p.JobID, p.Outcome, err)
	}
	return job, nil
}

func orEmptySlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// settle moves the money of a job that has just become final.
func (q *queries) settle(ctx context.Context, j Job) error {
	if j.Free {
		if j.State == JobSucceeded {
			return nil
		}
		return q.returnFreeUse(ctx, j.ID)
	}
	id := strconv.FormatInt(j.ID, 10)
	e := Entry{UserID: j.UserID, JobID: j.ID, HeldChange: -j.PriceKopecks}
	if j.State == JobSucceeded {
		e.Kind, e.Key = KindCapture, "capture:"+id
	} else {
		e.Kind, e.Key, e.Amount = KindRelease, "release:"+id, j.PriceKopecks
	}
	if _, err := q.appendEntry(ctx, e); err != nil {
		return fmt.Errorf("%s %d kopecks for job %d: %w", e.Kind, j.PriceKopecks, j.ID, err)
	}
	return nil
}

// MarkResultDone records that result index (0-based) of a finished job
// has been dealt with — delivered, or given up on (lost) — before the next
// is tried, so a retry resumes after it. It is a compare-and-set on the
// count of results done: recording an index done before changes nothing;
// skipping one, or a job not finished, is ErrJobState.
func (q *queries) MarkResultDone(ctx context.Context, id int64, index int, lost bool) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE jobs SET results_delivered = $3 + 1, results_lost = results_lost + CASE WHEN $4 THEN 1 ELSE 0 END
		 WHERE bot_id = $1 AND id = $2 AND finished_at IS NOT NULL AND results_delivered = $3`, q.botID, id, index, lost)
	if err != nil {
		return fmt.Errorf("mark result %d of job %d done: %w", index, id, interpret(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	j, err := q.Job(ctx, id)
	if err != nil {
		return fmt.Errorf("mark result %d of job %d done: %w", index, id, err)
	}
	if !j.State.Final() || j.ResultsDelivered < index {
		return fmt.Errorf("mark result %d of job %d done (state %s, %d done): %w", index, id, j.State, j.ResultsDelivered, ErrJobState)
	}
	return nil
}

// MarkDelivered records that a finished job's result (or failure notice)
// was sent; first is false when it had been recorded before. ErrJobState
// if the job is not finished.
func (q *queries) MarkDelivered(ctx context.Context, id int64) (first bool, err error) {
	tag, err := q.db.Exec(ctx, `UPDATE jobs SET delivered_at = now() WHERE bot_id = $1 AND id = $2 AND finished_at IS NOT NULL AND delivered_at IS NULL`,
		q.botID, id)
	if err != nil {
		return false, fmt.Errorf("mark job %d delivered: %w", id, interpret(err))
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	j, err := q.Job(ctx, id)
	if err != nil {
		return false, fmt.Errorf("mark job %d delivered: %w", id, err)
	}
	if !j.State.Final() {
		return false, fmt.Errorf("mark job %d delivered (state %s): %w", id, j.State, ErrJobState)
	}
	return false, nil
}
